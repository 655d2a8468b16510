"""Workers never build images: a job whose image is not on the engine fails at once, clearly, and is not
retried (another delivery cannot build it either). Only operators' commands build (sandbox.ensure_images)."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from sandbox import (
    GradingJob,
    ImageMissing,
    Outcome,
    RunStatus,
    SandboxUnavailable,
    declared_tests,
    images,
    run_job,
)
from sandbox.boxes import run_containers
from sandbox.engine import docker_client
from tests.support.redteam import ATTACK_GRADER, CONFIG, HONEST, SMALL_LIMITS

NOWHERE = "gradient-nowhere-" + uuid.uuid4().hex[:8]  # an image prefix with no image on the engine


def job() -> GradingJob:
    return GradingJob(
        run_name=f"redteam-missing-{uuid.uuid4().hex[:8]}", image="python",
        student_files={"solution.py": HONEST.encode()}, module="solution", grader_dir=ATTACK_GRADER,
        declared_tests=declared_tests(ATTACK_GRADER), limits=SMALL_LIMITS,
    )


@pytest.fixture
def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any step of an image build fails the test (nothing may be built, not even tried)."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        pytest.fail("an image build was started")

    for step in ("_build_base", "_build_runner_layer", "_wheelhouse", "_debootstrap", "_build_lock"):
        monkeypatch.setattr(images, step, refuse)


def test_the_error_names_the_command_and_is_not_retryable() -> None:
    exc = ImageMissing("ml", "gradient-sandbox-ml:0123")
    assert isinstance(exc, SandboxUnavailable) and exc.retryable is False
    assert "`python -m sandbox.images build ml`" in str(exc) and "gradient-sandbox-ml:0123" in str(exc)
    assert SandboxUnavailable("no engine").retryable is True  # an engine comes back: worth a retry
    outcome = Outcome.infrastructure(str(exc), retryable=exc.retryable)
    assert outcome.status == RunStatus.INFRASTRUCTURE_ERROR and not outcome.retryable
    assert outcome.messages[-1] == str(exc) and outcome.tests == () and outcome.score == 0.0


@pytest.mark.docker
def test_a_job_whose_image_is_missing_fails_naming_the_command_and_builds_nothing(no_build) -> None:
    config = dataclasses.replace(CONFIG, image_prefix=NOWHERE)
    tag = images.image_tag("python", config)
    seen: list[Outcome] = []
    the_job = job()
    with pytest.raises(ImageMissing) as caught:
        run_job(the_job, config=config, on_outcome=seen.append)
    message = str(caught.value)
    assert tag in message and "`python -m sandbox.images build python`" in message
    assert caught.value.retryable is False and caught.value.command == "python -m sandbox.images build python"
    assert seen == []  # no outcome: the caller turns the error into one (Outcome.infrastructure)
    client = docker_client()
    assert client.images.list(name=tag.rsplit(":", 1)[0]) == []
    assert run_containers(client, the_job.run_name) == []
    assert not (config.work_dir / the_job.run_name).exists()


@pytest.mark.docker
def test_a_prebuilt_image_that_is_missing_names_its_variable(no_build) -> None:
    config = dataclasses.replace(CONFIG, image_overrides={"python": f"{NOWHERE}-prebuilt:none"})
    with pytest.raises(ImageMissing) as caught:
        run_job(job(), config=config)
    message = str(caught.value)
    assert f"{NOWHERE}-prebuilt:none" in message and "SANDBOX_IMAGE_PYTHON" in message
    assert "not on this engine" in message and caught.value.retryable is False


@pytest.mark.docker
def test_ensure_images_finds_built_images_without_building(no_build) -> None:
    """What the operators' commands call first: with the images there, it only looks them up."""
    from sandbox import ensure_images

    lines: list[str] = []
    assert ensure_images(["python", "python"], config=CONFIG, log=lines.append) == {
        "python": images.image_tag("python", CONFIG)
    }
    assert lines == []

"""Derived images: a base image plus an exercise's pinned requirements (sandbox/requirements.py, the build in
sandbox/images.py). Wheels only, fetched on the host for the image's Python and installed into a layer on top
of the base; built only by operators' commands, never by a worker.

One derived image (the base ``python`` image plus tqdm) is built once for this module, fresh, under a prefix
of its own, on top of the shared ``python`` image (named as a prebuilt base, so nothing shared is rebuilt or
removed), and removed at the end. Requirements that cannot be had are refused from a local package folder
(``PIP_NO_INDEX``, ``PIP_FIND_LINKS``): no index is needed for them.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tarfile
import textwrap
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import (
    GradingJob,
    ImageMissing,
    ImageRefused,
    RequirementError,
    SandboxConfig,
    WarmPool,
    declared_tests,
    image_with,
    images,
    parse_image,
    run_job,
)
from sandbox.boxes import pair_key, run_containers
from sandbox.engine import docker_client
from sandbox.grader_server import grader_servers
from tests.support.redteam import ATTACK_GRADER, CONFIG, HONEST, SMALL_LIMITS

PRIVATE = f"gradient-derived-{uuid.uuid4().hex[:8]}"  # this module's image prefix
NAME = "python[tqdm==4.67.1]"
# Prints where tqdm came from while the submission loads, then behaves honestly: full marks only if it imports.
USES_TQDM = "import tqdm\nprint('tqdm', tqdm.__version__, tqdm.__file__, flush=True)\n" + HONEST


def job(image: str, source: str = USES_TQDM) -> GradingJob:
    return GradingJob(
        run_name=f"derived-{uuid.uuid4().hex[:8]}", image=image, student_files={"solution.py": source.encode()},
        module="solution", grader_dir=ATTACK_GRADER, declared_tests=declared_tests(ATTACK_GRADER),
        limits=SMALL_LIMITS,
    )


# --------------------------------------------------------------------------- names: no Docker


@pytest.mark.parametrize(
    ("requirements", "complaint"),
    [
        (["tqdm"], "must be pinned as name==version"),
        (["tqdm>=4.0"], "must be pinned as name==version"),
        (["tqdm~=4.67"], "must be pinned as name==version"),
        (["tqdm===4.67.1"], "must be pinned as name==version"),
        (["tqdm[notebook]==4.67.1"], "must be pinned as name==version"),
        (["https://example.org/tqdm.whl"], "must be pinned as name==version"),
        (["./tqdm-4.67.1-py3-none-any.whl"], "must be pinned as name==version"),
        (["tqdm==4.*"], "not an exact version"),
        (["tqdm==4.67.1; python_version > '3'"], "not an exact version"),
        (["tqdm==latest"], "not an exact version"),
        ([4], "must be a string"),
        (["tqdm==4.67.1", "TQDM==4.67.0"], "listed twice"),
        (["numpy==2.3.0"], "conflicts with the python image, which has numpy==2.4.6"),
        (["PyTest==8.0.0"], "conflicts with the python image, which has pytest==9.2.0"),
        ([f"pkg{i}==1.0" for i in range(21)], "at most 20 requirements"),
    ],
)
def test_a_requirement_must_be_an_exact_pin_that_keeps_the_base_images_packages(
    requirements: list[object], complaint: str
) -> None:
    with pytest.raises(RequirementError, match=complaint.replace("[", r"\[")):
        image_with("python", requirements)


def test_names_are_normalised_and_read_back_only_in_their_normal_form() -> None:
    assert image_with("python", []) == "python"
    name = image_with("python", [" TQDM==4.67.1", "Tabulate==0.9.0", "typing_extensions==4.12.2", "numpy==2.4.6"])
    assert name == "python[numpy==2.4.6,tabulate==0.9.0,tqdm==4.67.1,typing-extensions==4.12.2]"
    assert parse_image(name) == ("python", ("numpy==2.4.6", "tabulate==0.9.0", "tqdm==4.67.1", "typing-extensions==4.12.2"))
    assert parse_image("ml") == ("ml", ())
    # What a worker reads from a stored grader version: exactly what image_with makes, nothing else.
    for stored in ("python[]", "python[tqdm==4.67.1,tabulate==0.9.0]", "python[TQDM==4.67.1]", "python[tqdm]",
                   "python[tqdm==4.67.1]x", "../python", "python[a==1][b==2]", "x" * 2000):
        with pytest.raises(RequirementError):
            parse_image(stored)


def test_the_tag_changes_with_the_base_the_requirements_and_the_recipe_and_nothing_else(monkeypatch) -> None:
    def tag(base: str, *requirements: str) -> str:
        return images.derived_tag(image_with(base, requirements), CONFIG)

    first = tag("python", "tqdm==4.67.1", "tabulate==0.9.0")
    repository, version = first.rsplit(":", 1)
    assert repository.startswith(f"{CONFIG.image_prefix}-python-x-")
    assert first == tag("python", "Tabulate==0.9.0", "TQDM==4.67.1")  # order and spelling do not matter
    assert first == tag("python", "tqdm==4.67.1", "tabulate==0.9.0")  # computed again: the same
    others = {
        tag("python", "tqdm==4.67.1"),
        tag("python", "tqdm==4.67.0", "tabulate==0.9.0"),
        tag("python", "tqdm==4.67.1", "tabulate==0.9.0", "colorama==0.4.6"),
        tag("ml", "tqdm==4.67.1", "tabulate==0.9.0"),
    }
    assert len(others) == 4 and first not in others
    # A new base (its inputs changed: runners, packages) or a new recipe: a new tag in the same repository,
    # so the older one is pruned when the new one is built.
    monkeypatch.setattr(images, "image_tag", lambda name, config=None: f"{CONFIG.image_prefix}-{name}:another")
    rebased = tag("python", "tqdm==4.67.1", "tabulate==0.9.0")
    monkeypatch.undo()
    monkeypatch.setattr(images, "DERIVED_RECIPE_VERSION", images.DERIVED_RECIPE_VERSION + 1)
    recipe = tag("python", "tqdm==4.67.1", "tabulate==0.9.0")
    assert len({first, rebased, recipe}) == 3
    assert {t.rsplit(":", 1)[0] for t in (first, rebased, recipe)} == {repository}


# --------------------------------------------------------------------------- one build, shared


@pytest.fixture(scope="module")
def private_config() -> SandboxConfig:
    """This module's prefix, with the shared python image as the base (a prebuilt image: used as it is)."""
    shared = images.ensure_image("python", config=CONFIG)
    return dataclasses.replace(CONFIG, image_prefix=PRIVATE, image_overrides={"python": shared})


@pytest.fixture(scope="module")
def derived(private_config: SandboxConfig) -> Iterator[str]:
    started = time.monotonic()
    lines: list[str] = []
    tag = images.ensure_image(NAME, config=private_config, build=True, log=lines.append)
    print(f"\nbuilt {tag} ({NAME}) in {time.monotonic() - started:.1f} s:", *lines, sep="\n  ")
    assert tag.startswith(f"{PRIVATE}-python-x-")
    yield tag
    registry = grader_servers(private_config)
    if registry is not None:
        registry.close()  # its servers' boxes use the image
    client = docker_client()
    for image in client.images.list(name=tag.rsplit(":", 1)[0]):
        for name in image.tags:
            client.images.remove(name)


@pytest.mark.docker
def test_a_job_in_the_derived_image_imports_the_package_cold_and_warm(
    derived: str, private_config: SandboxConfig
) -> None:
    # In the base image the same submission cannot load: the package is the derived image's.
    base = run_job(job("python"), config=CONFIG)
    assert base.status == "not_gradable" and "No module named 'tqdm'" in " ".join(base.messages), base.messages
    # Cold: the run starts its own boxes from the derived image.
    cold = run_job(job(NAME), config=private_config)
    assert cold.status == "graded" and cold.score == cold.max_score, cold.messages
    assert "tqdm 4.67.1 /usr/local/lib/python3.11/dist-packages/tqdm/__init__.py" in cold.student_output
    # Warm: the pool keys pairs by image tag, so a derived job gets a pair of its own kind, never a base one.
    the_job = job(NAME)
    key = pair_key(the_job, derived, private_config.runtime)
    assert key != pair_key(job("python"), images.ensure_image("python", config=CONFIG), CONFIG.runtime)
    pool = WarmPool(private_config, refill_on_use=False)
    try:
        started = pool.refill(key, the_job, derived)
        assert started is not None
        pair = started.result(timeout=60)
        waiting = {c.id for c in pair.containers.values()}
        for container in pair.containers.values():
            container.reload()  # the pair's models hold the id and the name only
        assert {c.image.tags[0] for c in pair.containers.values()} == {derived}
        used: set[str] = set()

        def seen(_outcome: object) -> None:
            used.update(c.id for c in run_containers(docker_client(), the_job.run_name))

        warm = run_job(the_job, config=private_config, pool=pool, on_outcome=seen)
    finally:
        pool.close()
    assert used == waiting  # the waiting pair served the run
    assert warm.status == "graded" and warm.score == warm.max_score, warm.messages
    assert "tqdm 4.67.1" in warm.student_output


@pytest.mark.docker
def test_an_existing_derived_image_is_found_without_building(derived: str, private_config: SandboxConfig,
                                                            no_build: None) -> None:
    from sandbox import ensure_images

    images._known_present.discard(derived)  # look it up on the engine, as a fresh process would
    assert images.ensure_image(NAME, config=private_config) == derived
    assert ensure_images([NAME], config=private_config, log=pytest.fail) == {NAME: derived}


# --------------------------------------------------------------------------- refusals and missing images


@pytest.fixture
def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any step of an image build fails the test (nothing may be built, not even tried)."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        pytest.fail("an image build was started")

    for step in ("_build_base", "_build_runner_layer", "_wheelhouse", "_debootstrap", "_build_lock",
                 "_build_derived", "_derived_wheelhouse", "_inspect_base", "_build_layer"):
        monkeypatch.setattr(images, step, refuse)


@pytest.fixture
def local_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pip sees only a folder of our own packages, and downloads into a wheelhouse cache of this test's own.
    It holds an sdist whose setup.py, if it ever ran, would write ``ran-on-the-host``, and a wheel that needs
    numpy>=3 (the python image has 2.4.6)."""
    links = tmp_path / "links"
    (tmp_path / "src" / "gradient-evil-1.0").mkdir(parents=True)
    (tmp_path / "src" / "gradient-evil-1.0" / "setup.py").write_text(textwrap.dedent(f"""
        open({str(tmp_path / "ran-on-the-host")!r}, "w").write("the sdist's code ran")
        from setuptools import setup
        setup(name="gradient-evil", version="1.0")
    """))
    (tmp_path / "src" / "gradient-evil-1.0" / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: gradient-evil\nVersion: 1.0\n")
    links.mkdir()
    with tarfile.open(links / "gradient-evil-1.0.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src" / "gradient-evil-1.0", arcname="gradient-evil-1.0")
    info = "gradient_needs_numpy-1.0.dist-info"
    with zipfile.ZipFile(links / "gradient_needs_numpy-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("gradient_needs_numpy.py", "X = 1\n")
        wheel.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: gradient-needs-numpy\nVersion: 1.0\n"
                                           "Requires-Dist: numpy>=3\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("GRADIENT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.docker
def test_a_requirement_with_no_wheel_is_refused_and_none_of_its_code_runs(
    local_packages: Path, private_config: SandboxConfig
) -> None:
    marker = local_packages / "ran-on-the-host"
    # The control: a plain `pip download` builds the sdist's metadata, which runs its setup.py here.
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-build-isolation", "--dest",
                    str(local_packages / "control"), "gradient-evil==1.0"], capture_output=True, check=False)
    assert marker.read_text() == "the sdist's code ran"
    marker.unlink()
    name = image_with("python", ["gradient-evil==1.0"])  # a well-formed pin: only the build can tell
    with pytest.raises(ImageRefused) as caught:
        images.ensure_image(name, config=private_config, build=True, log=lambda _line: None)
    message = str(caught.value)
    assert "no wheel of gradient-evil==1.0 for CPython 3.11" in message, message
    assert "building a source distribution runs its code on the build host" in message
    assert caught.value.retryable is False
    assert not marker.exists()  # nothing of it ran
    assert list((local_packages / "cache" / "wheels").iterdir()) == []  # and nothing of it was kept
    tag = images.derived_tag(name, private_config)
    assert docker_client().images.list(name=tag.rsplit(":", 1)[0]) == []


@pytest.mark.docker
def test_requirements_that_need_other_versions_of_the_base_images_packages_are_refused(
    local_packages: Path, private_config: SandboxConfig
) -> None:
    # A package the base image has (pytest's pluggy), at another version: refused before any download.
    with pytest.raises(ImageRefused, match=r"pluggy==1\.0\.0 \(the python image has pluggy==") as caught:
        images.ensure_image(image_with("python", ["pluggy==1.0.0"]), config=private_config, build=True,
                            log=lambda _line: None)
    assert "the grader and the runners use them" in str(caught.value)
    assert not (local_packages / "cache" / "wheels").exists()
    # A dependency of a requirement that needs another numpy: pip's resolver, held to the base's versions.
    with pytest.raises(ImageRefused) as caught:
        images.ensure_image(image_with("python", ["gradient-needs-numpy==1.0"]), config=private_config,
                            build=True, log=lambda _line: None)
    message = str(caught.value)
    assert "need other versions of packages the python image has" in message, message
    assert "gradient-needs-numpy 1.0 depends on numpy>=3" in message and "numpy==2.4.6" in message


@pytest.mark.docker
def test_a_missing_derived_image_ends_the_run_naming_the_command_and_nothing_is_built(no_build: None) -> None:
    config = dataclasses.replace(CONFIG, image_prefix=f"gradient-nowhere-{uuid.uuid4().hex[:8]}")
    the_job = job(NAME)
    with pytest.raises(ImageMissing) as caught:
        run_job(the_job, config=config)
    message, tag = str(caught.value), images.derived_tag(NAME, config)
    assert caught.value.retryable is False and caught.value.tag == tag and tag in message
    assert caught.value.command == "python -m sandbox.images build 'python[tqdm==4.67.1]'"
    assert f"`{caught.value.command}`" in message and "`python manage.py build_images`" in message
    assert run_containers(docker_client(), the_job.run_name) == []
    # On a prebuilt base that is missing too, the message names the variable that names it.
    config = dataclasses.replace(config, image_overrides={"python": f"{config.image_prefix}-prebuilt:none"})
    with pytest.raises(ImageMissing, match="SANDBOX_IMAGE_PYTHON"):
        run_job(job(NAME), config=config)

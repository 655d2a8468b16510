"""Running untrusted submissions against hidden graders, Django-free. A closed API: import only from here.

The platform reads a :class:`SandboxConfig` once (``SandboxConfig.from_env()``), builds a :class:`GradingJob`
(student files, grader folder, limits) and calls :func:`run_job`; it gets back an :class:`Outcome` whose
score the sandbox computed from the grader's validated report. Submodules are the sandbox's own (tests may
reach into them; the platform never does). See ARCHITECTURE.md (the trust boundary) and sandbox/README.md.

Importing this package is cheap and does not import the docker SDK: :func:`run_job` and
:func:`ensure_images` import the backend when called, and :class:`WarmPool` is loaded on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sandbox.config import SandboxConfig
from sandbox.errors import ImageMissing, ImageRefused, NotGradable, SandboxError, SandboxUnavailable
from sandbox.manifest import (
    DeclaredQuestion,
    DeclaredTest,
    GraderDefinitionError,
    Manifest,
    as_points,
    declared_tests,
    grader_test_files,
    parse_python,
)
from sandbox.report import score_tests, total_score
from sandbox.requirements import RequirementError, parse_image
from sandbox.spec import (
    MAXIMA,
    STATUS_SENTENCES,
    GradingJob,
    Limits,
    Outcome,
    Progress,
    QuestionOutcome,
    RunStatus,
    TestOutcome,
    TestResultOutcome,
)
from sandbox.submission import LoadedSubmission, load_submission, notebook_to_module

if TYPE_CHECKING:
    from sandbox.pool import WarmPool
    from sandbox.trusted import TrustedRun

__all__ = [
    "MAXIMA",
    "STATUS_SENTENCES",
    "DeclaredQuestion",
    "DeclaredTest",
    "GraderDefinitionError",
    "GradingJob",
    "ImageMissing",
    "ImageRefused",
    "Limits",
    "LoadedSubmission",
    "Manifest",
    "NotGradable",
    "Outcome",
    "Progress",
    "QuestionOutcome",
    "RequirementError",
    "RunStatus",
    "SandboxConfig",
    "SandboxError",
    "SandboxUnavailable",
    "TestOutcome",
    "TestResultOutcome",
    "WarmPool",
    "as_points",
    "close_grader_servers",
    "declared_tests",
    "engine_answers",
    "ensure_images",
    "grader_test_files",
    "image_with",
    "load_submission",
    "notebook_to_module",
    "parse_image",
    "parse_python",
    "run_job",
    "run_trusted",
    "score_tests",
    "total_score",
]


def run_job(
    job: GradingJob,
    *,
    config: SandboxConfig,
    progress: Progress | None = None,
    pool: WarmPool | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    grader_output: bool = True,
) -> Outcome:
    """Grade ``job`` in fresh, locked-down boxes and return its outcome (never builds an image).

    Raises :class:`ImageMissing` (not retryable) when the job's image is not on the engine, and
    :class:`SandboxUnavailable` (retryable) when no engine answers; everything a submission does ends as an
    ordinary :class:`Outcome`. With a ``pool`` the run takes a warm pair of boxes of its kind when one waits
    there. ``on_outcome`` is called once with the outcome: before the boxes are removed, except for an
    outcome to be retried, which comes after the removal. ``grader_output=False`` skips reading what the
    grader box printed (only instructors' tools show it)."""
    from sandbox.docker_backend import run_job as _run_job

    return _run_job(
        job, config=config, progress=progress, pool=pool, on_outcome=on_outcome, grader_output=grader_output
    )


def close_grader_servers() -> None:
    """Remove this process's grader servers (``SANDBOX_GRADER_SERVER=1``; sandbox/grader_server.py), as a
    stopping worker does; they are also removed when the process exits."""
    from sandbox.grader_server import close_servers

    close_servers()


def engine_answers(timeout_s: float = 3.0) -> bool:
    """Whether the Docker engine (DOCKER_HOST) answers a ping now; never raises. See sandbox/engine.py."""
    from sandbox.engine import engine_answers as ping

    return ping(timeout_s)


def ensure_images(
    names: Iterable[str], *, config: SandboxConfig, log: Callable[[str], None] = print
) -> dict[str, str]:
    """Build the named images (``python``, ``ml``, or a derived ``python[tqdm==4.67.1]``: :func:`image_with`)
    where missing and return their tags by name: for commands that run jobs on an operator's machine
    (``manage.py grade``, ``check_exercises``, ``build_images``), before the jobs. Workers never build; they
    fail with :class:`ImageMissing`. Raises :class:`SandboxUnavailable`, and its :class:`ImageRefused` where
    a derived image's requirements cannot be had as wheels or conflict with its base image."""
    from sandbox.images import ensure_image

    return {name: ensure_image(name, config=config, build=True, log=log) for name in dict.fromkeys(names)}


def image_with(base: str, requirements: Iterable[object]) -> str:
    """The image name of ``base`` (``python``, ``ml``) plus an exercise's extra requirements, normalised and
    sorted (``python[tabulate==0.9.0,tqdm==4.67.1]``); ``base`` itself when there are none. Each requirement
    must be pinned, ``name==version``, and may not ask for another version of a package the base image pins
    (numpy, pytest...). Raises :class:`RequirementError` (a ValueError) saying why. No Docker, no network:
    for reading exercise definitions. :func:`parse_image` reads such a name back into ``(base,
    requirements)``."""
    from sandbox.images import SPECS
    from sandbox.requirements import base_pins
    from sandbox.requirements import image_with as checked

    spec = SPECS.get(base)
    return checked(base, requirements, pins=base_pins(spec.requirements) if spec else None)


def run_trusted(
    image: str, files: Mapping[str, bytes], command: Sequence[str], *, config: SandboxConfig, timeout_s: int = 300
) -> TrustedRun:
    """Run an author's trusted ``command`` (the public tests on the reference) in an exercise's image with
    ``files`` in its working folder, without network: sandbox/trusted.py. Never for student code."""
    from sandbox.trusted import run_trusted as run

    return run(image, files, command, config=config, timeout_s=timeout_s)


def __getattr__(name: str) -> Any:
    """:class:`WarmPool` on first use (it needs the docker SDK)."""
    if name == "WarmPool":
        from sandbox.pool import WarmPool

        return WarmPool
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")

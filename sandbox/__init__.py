"""Running untrusted submissions against hidden graders, Django-free. A closed API: import only from here.

The platform reads a :class:`SandboxConfig` once (``SandboxConfig.from_env()``), builds a :class:`GradingJob`
(student files, grader folder, limits) and calls :func:`run_job`; it gets back an :class:`Outcome` whose
score the sandbox computed from the grader's validated report. Submodules are the sandbox's own (tests may
reach into them; the platform never does). See ARCHITECTURE.md (the trust boundary) and sandbox/README.md.

Importing this package is cheap and does not import the docker SDK: :func:`run_job` and
:func:`ensure_images` import the backend when called, and :class:`WarmPool` is loaded on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sandbox.config import SandboxConfig
from sandbox.errors import ImageMissing, NotGradable, SandboxError, SandboxUnavailable
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

__all__ = [
    "MAXIMA",
    "STATUS_SENTENCES",
    "DeclaredQuestion",
    "DeclaredTest",
    "GraderDefinitionError",
    "GradingJob",
    "ImageMissing",
    "Limits",
    "LoadedSubmission",
    "Manifest",
    "NotGradable",
    "Outcome",
    "Progress",
    "QuestionOutcome",
    "RunStatus",
    "SandboxConfig",
    "SandboxError",
    "SandboxUnavailable",
    "TestOutcome",
    "TestResultOutcome",
    "WarmPool",
    "as_points",
    "declared_tests",
    "ensure_images",
    "grader_test_files",
    "load_submission",
    "notebook_to_module",
    "parse_python",
    "run_job",
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


def ensure_images(
    names: Iterable[str], *, config: SandboxConfig, log: Callable[[str], None] = print
) -> dict[str, str]:
    """Build the named images (``python``, ``ml``) where missing and return their tags by name: for
    commands that run jobs on an operator's machine (``manage.py grade``, ``check_exercises``), before the
    jobs. Workers never build; they fail with :class:`ImageMissing`. Raises :class:`SandboxUnavailable`."""
    from sandbox.images import ensure_image

    return {name: ensure_image(name, config=config, build=True, log=log) for name in dict.fromkeys(names)}


def __getattr__(name: str) -> Any:
    """:class:`WarmPool` on first use (it needs the docker SDK)."""
    if name == "WarmPool":
        from sandbox.pool import WarmPool

        return WarmPool
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")

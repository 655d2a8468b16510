"""Running untrusted submissions against hidden graders, Django-free.

The platform builds a :class:`GradingJob` (student files, grader folder, limits) and calls
:func:`run_job`; it gets back an :class:`Outcome` whose score the sandbox computed from the grader's
validated report. See ARCHITECTURE.md (the trust boundary) and sandbox/README.md.
"""

from sandbox.errors import NotGradable, SandboxError, SandboxUnavailable
from sandbox.spec import GradingJob, Limits, Outcome, TestOutcome

__all__ = [
    "GradingJob",
    "Limits",
    "NotGradable",
    "Outcome",
    "SandboxError",
    "SandboxUnavailable",
    "TestOutcome",
    "run_job",
]


def run_job(job: GradingJob, **kwargs: object) -> Outcome:
    """Grade one job in fresh containers (imported lazily so the codec works without the docker SDK)."""
    from sandbox.docker_backend import run_job as _run_job

    return _run_job(job, **kwargs)  # type: ignore[arg-type]

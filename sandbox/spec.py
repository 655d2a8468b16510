"""The typed job/outcome API between the platform and the sandbox: jobs, limits, outcomes, statuses."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sandbox.manifest import Manifest, as_points

# How one test ended: defined with the wire (the grader box reports it and cannot import this package).
from sandbox.runners.gradient_wire import TestResultOutcome


class RunStatus(enum.StrEnum):
    """How a run ended. The values are what the database and the JSON API store (the platform adds its own
    ``queued`` and ``running`` for runs that have not ended)."""

    GRADED = "graded"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    NOT_GRADABLE = "not_gradable"
    INFRASTRUCTURE_ERROR = "infrastructure_error"


STATUS_SENTENCES: Mapping[RunStatus, str] = {
    RunStatus.GRADED: "Your submission was graded.",
    RunStatus.TIMEOUT: "Your code ran past the time limit, so grading stopped; tests that finished keep their points.",
    RunStatus.MEMORY_LIMIT: (
        "Your code used more memory than allowed, so grading stopped; tests that finished keep their points."
    ),
    RunStatus.OUTPUT_LIMIT: "Your code printed more output than allowed; the output was cut.",
    RunStatus.NOT_GRADABLE: "Your submission could not be loaded, so it was not graded. This costs no attempt.",
    RunStatus.INFRASTRUCTURE_ERROR: "Grading failed on our side. It will be retried and costs you nothing.",
}
NOT_LOADED = "Not run: the submission could not be loaded."

Progress = Callable[[int, int], None]  # (tests done, tests declared), called as each test is reported


@dataclass(frozen=True)
class Limits:
    """Isolation limits of one run. Exercise metadata may override the defaults up to ``MAXIMA``."""

    wall_s: float = 60.0  # whole run, enforced from outside by killing the boxes
    call_timeout_s: float = 5.0  # one call into student code
    load_timeout_s: float = 20.0  # importing the submission
    cpu_s: int = 120  # RLIMIT_CPU of the student process
    memory_mb: int = 512  # RAM, with no extra swap
    pids: int = 64
    cpus: float = 1.0
    tmpfs_mb: int = 64
    nofile: int = 256
    fsize_mb: int = 32
    output_kb: int = 256  # captured stdout/stderr of a box

    @classmethod
    def from_mapping(cls, values: dict[str, Any], base: Limits | None = None) -> Limits:
        """Override ``base`` (the defaults) with ``values``, bounded by the platform's maxima."""
        base = base or cls()
        known = {f.name: f for f in dataclasses.fields(cls)}
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown limit {key!r}; known: {', '.join(sorted(known))}")
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"limit {key!r} must be a positive number, not {value!r}")
            kind = type(getattr(base, key))
            changes[key] = kind(min(value, getattr(MAXIMA, key)))
        return dataclasses.replace(base, **changes)


MAXIMA = Limits(
    wall_s=900.0,
    call_timeout_s=300.0,
    load_timeout_s=120.0,
    cpu_s=1800,
    memory_mb=8192,
    pids=512,
    cpus=4.0,
    tmpfs_mb=1024,
    nofile=4096,
    fsize_mb=512,
    output_kb=4096,
)


@dataclass(frozen=True)
class GradingJob:
    """Everything the sandbox needs; nothing it needs from Django."""

    run_name: str  # unique per run attempt; containers are named after it
    image: str  # image spec name, e.g. "python" (sandbox.images.SPECS), or derived: "python[tqdm==4.67.1]"
    student_files: dict[str, bytes]  # relative path -> content, already validated
    module: str  # the module the grader's `student` proxy imports
    grader_dir: Path  # the hidden tests (test_*.py) and optional data/
    # The graded tests, their points and questions, read from the grader source (a plain {name: points}
    # mapping is taken as stand-alone tests).
    declared_tests: Manifest
    limits: Limits = field(default_factory=Limits)
    gpu: bool = False
    notes: tuple[str, ...] = ()  # messages from loading the submission (e.g. dropped notebook magics)
    # The deployment's grader secret: sent to the grader box with "go" (never to the student box, never in a
    # box's environment), for seeds of hidden data that the public graders/ folder must not determine.
    grader_secret: str = field(default="", repr=False)
    # True when no earlier delivery of this run can have left boxes named after it (the platform counts its
    # deliveries): the run then skips asking the engine for them. False, the safe default, always asks.
    first_delivery: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "declared_tests", Manifest.of(self.declared_tests))

    @property
    def submission_digest(self) -> str:
        """SHA-256 of the submission's files (names and bytes): with the grader secret it seeds per-submission
        hidden inputs (gradient_grader.submission_seed), so a regrade of the same files draws the same inputs
        and values copied from one submission's feedback do not fit another's."""
        import hashlib

        digest = hashlib.sha256()
        for name in sorted(self.student_files):
            data = self.student_files[name]
            encoded = name.encode("utf-8", "surrogatepass")
            digest.update(b"%d:%s%d:" % (len(encoded), encoded, len(data)))
            digest.update(data)
        return digest.hexdigest()

    @property
    def preload(self) -> tuple[str, ...]:
        """Slow libraries both boxes import before the submission arrives (those the grader's tests use)."""
        from sandbox.manifest import preloads

        return preloads(self.grader_dir)


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest test class

    name: str
    outcome: TestResultOutcome
    points: Decimal
    max_points: Decimal
    message: str = ""
    question: str = ""  # the question it counts towards; "" when it stands alone
    hidden: bool = False  # students see its outcome and points, not its name or message

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", TestResultOutcome(self.outcome))  # a plain string too: checked
        object.__setattr__(self, "points", as_points(self.points))  # ints and floats too: made exact
        object.__setattr__(self, "max_points", as_points(self.max_points))

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.update(outcome=str(self.outcome), points=float(self.points), max_points=float(self.max_points))
        return data


@dataclass(frozen=True)
class QuestionOutcome:
    """A question's subtotal (see sandbox.report.score_tests)."""

    name: str
    title: str
    score: Decimal
    max_score: Decimal
    passed: int  # how many of its tests passed
    tests: int  # how many tests it has

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.update(score=float(self.score), max_score=float(self.max_score))
        return data


@dataclass(frozen=True)
class Outcome:
    status: RunStatus
    score: Decimal
    max_score: Decimal
    tests: tuple[TestOutcome, ...]
    duration_s: float
    messages: tuple[str, ...] = ()
    student_output: str = ""  # capped; only ever shown escaped
    grader_output: str = ""  # for instructors (check_exercises), never for students
    retryable: bool = False  # only for infrastructure errors worth another try
    # Leaderboard metrics the grader computed: {"public": {"accuracy": 0.93}, "private": {...}}.
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    questions: tuple[QuestionOutcome, ...] = ()  # the subtotals of the grader's questions, in order
    # Whether the boxes came from the worker's warm pool (None: no boxes were involved, e.g. an engine that
    # never answered); the platform counts it for its metrics.
    warm: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", RunStatus(self.status))  # a plain string too: checked
        object.__setattr__(self, "score", as_points(self.score))  # ints and floats too: made exact
        object.__setattr__(self, "max_score", as_points(self.max_score))

    @classmethod
    def infrastructure(cls, message: str, *, retryable: bool = True, duration_s: float = 0.0) -> Outcome:
        """A run that failed on our side before the sandbox could grade anything (no tests, no score; never
        charged). ``retryable``: whether another delivery may succeed (see ``SandboxError.retryable``)."""
        return cls(
            status=RunStatus.INFRASTRUCTURE_ERROR,
            score=Decimal(0),
            max_score=Decimal(0),
            tests=(),
            duration_s=duration_s,
            messages=(STATUS_SENTENCES[RunStatus.INFRASTRUCTURE_ERROR], message),
            retryable=retryable,
        )

    @classmethod
    def not_gradable(
        cls, declared_tests: Manifest | Mapping[str, int], reason: str, duration_s: float = 0.0
    ) -> Outcome:
        """A submission that could not be loaded (:class:`NotGradable`): every declared test not run, no
        score, no attempt charged."""
        from sandbox.report import score_tests

        declared = Manifest.of(declared_tests)
        tests, questions = score_tests(declared, {}, NOT_LOADED)
        return cls(
            status=RunStatus.NOT_GRADABLE,
            score=Decimal(0),
            max_score=declared.max_score,
            tests=tests,
            questions=questions,
            duration_s=duration_s,
            messages=(STATUS_SENTENCES[RunStatus.NOT_GRADABLE], reason),
        )

    def as_dict(self, *, include_grader_output: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": str(self.status),
            "score": float(self.score),
            "max_score": float(self.max_score),
            "questions": [q.as_dict() for q in self.questions],
            "tests": [t.as_dict() for t in self.tests],
            "duration_s": round(self.duration_s, 3),
            "messages": list(self.messages),
            "student_output": self.student_output,
            "metrics": self.metrics,
        }
        if include_grader_output:
            data["grader_output"] = self.grader_output
        return data

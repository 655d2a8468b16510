"""The one place that decides how a run ended, from what the relay observed.

The relay (sandbox.relay) only records facts as they happen: each is an :class:`Ending` with a detail
(several may be seen in one run: a call timed out, then the wall clock ran out). :func:`verdict` takes the
most decisive of them by the order of :data:`RULES` and turns it into the run's :class:`Outcome`: status,
the sentence for the student, whether a retry is worth it, and the scored tests.

Why this order: a stop we did not cause (the engine, an operator) or a failure of our own comes before
anything the submission did, since it is never charged; then what ended the whole run (time, memory
exhausting the grader) before what ended only some calls; then the output cap; else graded.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sandbox.report import Results, score_tests, total_score
from sandbox.spec import STATUS_SENTENCES, GradingJob, Limits, Outcome, RunStatus

NOT_LOADED = "Not run: the submission could not be loaded."
NOT_FINISHED = "Not run: grading stopped before this test finished."
NOT_REPORTED = "The grader did not report this test, so it counts as failed."
NOT_RUN_NOTEBOOK_STOPPED = "Not run: your notebook stopped before the grader reached this test."


class Ending(enum.Enum):
    """A fact the relay observed that decides how a run ends (the verdict takes the most decisive)."""

    ENGINE_FAILED = "engine_failed"  # the container engine failed mid-run (our side)
    IMAGE_GONE = "image_gone"  # the image disappeared from the engine mid-run (an operator must rebuild it)
    STOPPED_FROM_OUTSIDE = "stopped_from_outside"  # a box was killed by someone else (docker kill, shutdown)
    BOXES_NOT_READY = "boxes_not_ready"  # a box did not start or get warm in time
    LOAD_TIMEOUT = "load_timeout"  # the submission did not finish loading in time
    LOAD_OUT_OF_MEMORY = "load_out_of_memory"  # the student box ran out of memory while loading
    NOT_LOADED = "not_loaded"  # the submission could not be loaded (detail: why, for the student)
    # A notebook stopped loading after check points had run tests (detail: why): charged, those results stand
    STOPPED_AFTER_CHECK_POINTS = "stopped_after_check_points"
    WALL_TIME = "wall_time"  # the run's wall-clock limit passed
    # The grader box did not answer a request of the submission to the scripted model in time: the request
    # did it (a hostile prompt that makes the grader's script slow), charged like a timeout
    MODEL_REQUEST_STALLED_GRADER = "model_request_stalled_grader"
    GRADER_BROKEN = "grader_broken"  # the grader box failed on its own (our grader or runner: no retry helps)
    ANSWER_EXHAUSTED_GRADER = "answer_exhausted_grader"  # the grader box ran out of memory holding an answer
    ANSWER_CRASHED_GRADER = "answer_crashed_grader"  # the grader box died holding an answer
    STUDENT_OUT_OF_MEMORY = "student_out_of_memory"  # a call into student code ran out of memory
    CALL_TIMEOUT = "call_timeout"  # a call ran past its limit (later calls ran in a fresh student box)
    OUTPUT_LIMIT = "output_limit"  # a box printed more than the cap
    GRADED = "graded"  # nothing else: the grader reported and said done


@dataclass(frozen=True)
class Rule:
    status: RunStatus
    message: str = ""  # for the student; "{detail}" is the relay's, {load_timeout_s} etc. the job's limits
    retryable: bool = False


# Most decisive first: the verdict is the first ending here that the relay observed.
RULES: Mapping[Ending, Rule] = MappingProxyType({
    Ending.ENGINE_FAILED: Rule(RunStatus.INFRASTRUCTURE_ERROR, "{detail}", retryable=True),
    Ending.IMAGE_GONE: Rule(RunStatus.INFRASTRUCTURE_ERROR, "{detail}"),
    Ending.STOPPED_FROM_OUTSIDE: Rule(RunStatus.INFRASTRUCTURE_ERROR, "{detail}", retryable=True),
    Ending.BOXES_NOT_READY: Rule(RunStatus.INFRASTRUCTURE_ERROR, "{detail}", retryable=True),
    Ending.LOAD_TIMEOUT: Rule(
        RunStatus.TIMEOUT, "Your code took longer than {load_timeout_s:g} s to load. "
        "Is there an endless loop or a long computation at the top level of your file?",
    ),
    Ending.LOAD_OUT_OF_MEMORY: Rule(RunStatus.MEMORY_LIMIT, "Your code ran out of memory while loading."),
    Ending.NOT_LOADED: Rule(RunStatus.NOT_GRADABLE, "{detail}"),
    Ending.STOPPED_AFTER_CHECK_POINTS: Rule(
        RunStatus.GRADED, "Your notebook stopped before its end, after the grader had checked some questions: "
        "those keep their points, the other tests count as failed. {detail}",
    ),
    Ending.WALL_TIME: Rule(RunStatus.TIMEOUT, "Grading stopped at the time limit of {wall_s:g} s."),
    Ending.MODEL_REQUEST_STALLED_GRADER: Rule(
        RunStatus.TIMEOUT, "A request of your code to the model kept the grader busy for more than {detail} s, "
        "so grading stopped there; the tests that had not finished count as failed.",
    ),
    Ending.GRADER_BROKEN: Rule(RunStatus.INFRASTRUCTURE_ERROR, "{detail}"),
    Ending.ANSWER_EXHAUSTED_GRADER: Rule(
        RunStatus.MEMORY_LIMIT, "An answer from your code was too large for the grader to check "
        "(it ran out of memory reading it); the tests that had not finished count as failed.",
    ),
    Ending.ANSWER_CRASHED_GRADER: Rule(
        RunStatus.GRADED, "The grader stopped while it was reading an answer from your code; the tests "
        "that had not finished count as failed.",
    ),
    Ending.STUDENT_OUT_OF_MEMORY: Rule(RunStatus.MEMORY_LIMIT, "Your code ran out of memory."),
    Ending.CALL_TIMEOUT: Rule(
        RunStatus.TIMEOUT, "A call into your code ran past its time limit and was stopped; "
        "the other tests ran in a fresh copy of your program.",
    ),
    Ending.OUTPUT_LIMIT: Rule(
        RunStatus.OUTPUT_LIMIT, "Only the first {output_kb} KiB of what your code printed were kept."
    ),
    Ending.GRADED: Rule(RunStatus.GRADED),
})
if list(RULES) != list(Ending):
    raise RuntimeError("every ending has exactly one rule, in the enum's order")


@dataclass(frozen=True)
class Observations:
    """What the relay saw of one run: its endings (each with the last detail seen), the grader's reports."""

    endings: Mapping[Ending, str] = field(default_factory=dict)
    results: Results = field(default_factory=dict)  # declared test -> (outcome, cleaned message)
    problems: tuple[str, ...] = ()  # what was wrong with the grader's reports (undeclared tests, ...)
    loading: tuple[str, ...] = ()  # what the student box said as it loaded (a notebook's cell errors, notes)
    metrics: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def ending(self) -> Ending:
        """The most decisive ending observed (GRADED when nothing else was)."""
        return next((e for e in RULES if e in self.endings), Ending.GRADED)


def verdict(
    job: GradingJob,
    observed: Observations,
    *,
    duration_s: float,
    student_output: str = "",
    grader_output: str = "",
) -> Outcome:
    """The run's outcome: the status and sentence of its most decisive ending, every declared test scored."""
    ending = observed.ending()
    rule = RULES[ending]
    messages = [*job.notes, *observed.loading]
    if rule.status != RunStatus.GRADED:
        messages.insert(0, STATUS_SENTENCES[rule.status])
    if rule.message:
        messages.append(_format(rule.message, job.limits, observed.endings.get(ending, "")))
    if ending == Ending.STOPPED_AFTER_CHECK_POINTS:
        missing = NOT_RUN_NOTEBOOK_STOPPED
    elif rule.status == RunStatus.NOT_GRADABLE:
        missing = NOT_LOADED
    elif rule.status in (RunStatus.TIMEOUT, RunStatus.MEMORY_LIMIT):
        missing = NOT_FINISHED
    else:
        missing = NOT_REPORTED
    tests, questions = score_tests(job.declared_tests, observed.results, missing)
    return Outcome(
        status=rule.status,
        score=total_score(tests, questions),
        max_score=job.declared_tests.max_score,
        tests=tests,
        questions=questions,
        duration_s=duration_s,
        messages=(*messages, *observed.problems),
        student_output=student_output,
        grader_output=grader_output,
        retryable=rule.retryable,
        metrics={part: dict(values) for part, values in observed.metrics.items()},
    )


def _format(template: str, limits: Limits, detail: str) -> str:
    """The rule's sentence with the job's limits filled in and the relay's detail put in as it is (it may
    hold braces)."""
    head, marker, tail = template.partition("{detail}")
    values = {"load_timeout_s": limits.load_timeout_s, "wall_s": limits.wall_s, "output_kb": limits.output_kb}
    return head.format(**values) + (detail if marker else "") + tail.format(**values)

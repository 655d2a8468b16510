"""Students' regrade requests: a student asks their assignment's staff to look again at one test of their
submission, with a sentence of why; the staff accept (optionally starting a regrade run) or reject, with an
answer the student reads on their submission page.

Who may call what is checked by the pages (web/staff_regrades.py): only the submission's own student asks,
only the cohort's staff answer. The services check the rest (one open request per test of a submission is
also a database constraint) and write the staff's answers to the audit log in the same transaction."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from audit import services as audit
from core.errors import UserError
from core.users import User
from grading.models import (
    REGRADE_ANSWER_MAX,
    REGRADE_REASON_MAX,
    GradingRun,
    RegradeRequest,
    RegradeRequestStatus,
    Submission,
)
from grading.regrade import regrade_submission
from notices.models import NoticeKind
from notices.services import notify

# Control characters other than tab and line breaks: never part of a sentence (and PostgreSQL refuses NUL).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
QUEUE_ANSWERED = 200  # answered requests shown under the open ones, newest first


class RegradeRequestRefused(UserError):
    """The request or the answer cannot be taken as it is; nothing was saved."""


def plain_text(value: str, *, limit: int, field: str) -> str:
    """A person's sentence as stored: trimmed, line breaks normalised, 1..limit characters, no control
    characters. Shown escaped wherever it appears. ``field``: what it is ("reason", "answer")."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise RegradeRequestRefused(f"Write the {field}: it is required.", field=field)
    if len(text) > limit:
        raise RegradeRequestRefused(
            f"The {field} is {len(text)} characters long; at most {limit} are allowed.", field=field
        )
    if CONTROL.search(text):
        raise RegradeRequestRefused(f"The {field} contains control characters; write plain text.", field=field)
    return text


def regrade_request_create(
    *, student: User, submission: Submission, run: GradingRun | None, test_name: str, test_shown_as: str, reason: str
) -> RegradeRequest:
    """The student asks for test ``test_name`` of ``run`` (the submission's latest run, which their page
    shows) to be looked at again. ``test_shown_as`` is the name their page gave it (a hidden test's position,
    never its name): the only one they are shown back. Allowed after the assignment closed."""
    if submission.student_id != student.pk:
        raise RegradeRequestRefused("Only the student who submitted this work may ask for a regrade.", status=403)
    if submission.assignment_id is None:
        raise RegradeRequestRefused("Regrade requests are for assignment submissions; practice has no staff to ask.")
    if run is None or run.submission_id != submission.pk or not run.is_final:
        raise RegradeRequestRefused("Wait until your submission is graded before asking for a regrade.")
    if not run.results.filter(name=test_name).exists():
        raise RegradeRequestRefused("Choose one of the tests your submission was graded with.", field="test")
    text = plain_text(reason, limit=REGRADE_REASON_MAX, field="reason")
    try:
        with transaction.atomic():
            return RegradeRequest.objects.create(
                submission=submission, test_name=test_name, test_shown_as=test_shown_as[:200], student=student,
                reason=text,
            )
    except IntegrityError:  # regrade_request_one_open_per_test
        raise RegradeRequestRefused(
            f"You already asked for a regrade of {test_shown_as}; wait for your staff's answer before asking again.",
            field="test",
        ) from None


def regrade_request_answer(
    *,
    actor: User,
    request_id: int,
    accept: bool,
    answer: str,
    start_regrade: bool = False,
    never_lower: bool = True,
) -> RegradeRequest:
    """Staff answer an open request: accept it (with ``start_regrade``, a regrade run of the submission,
    never lowering its score by default) or reject it, with an answer the student reads. The request, any run
    and the audit row are saved together, or nothing is. The one place a request is answered; the student is
    told (a notice, and mail once the transaction commits)."""
    text = plain_text(answer, limit=REGRADE_ANSWER_MAX, field="answer")
    with transaction.atomic():
        request = (
            RegradeRequest.objects.select_for_update(of=("self",))
            .select_related("submission__student", "submission__exercise", "submission__assignment__exercise_version")
            .filter(pk=request_id)
            .first()
        )
        if request is None:
            raise RegradeRequestRefused("No such regrade request.", status=404)
        if request.status != RegradeRequestStatus.OPEN:
            raise RegradeRequestRefused(f"This request was already answered ({request.status}); nothing changed.")
        submission = request.submission
        if accept and start_regrade:
            request.regrade_run = regrade_submission(actor=actor, submission=submission, never_lower=never_lower)
        request.status = RegradeRequestStatus.ACCEPTED if accept else RegradeRequestStatus.REJECTED
        request.answer = text
        request.answered_by = actor
        request.answered_at = timezone.now()
        request.save(update_fields=["status", "answer", "answered_by", "answered_at", "regrade_run"])
        audit.record(
            actor=actor,
            action=f"regrade_request.{request.status}",
            target=f"{request.test_name} of submission {submission.pk} by {submission.student.get_username()}",
            cohort_id=submission.assignment.cohort_id if submission.assignment is not None else None,
            before={"status": RegradeRequestStatus.OPEN.value},
            after={
                "status": request.status,
                "regrade_run": request.regrade_run_id,
                "never_lower": never_lower if request.regrade_run_id else None,
            },
            reason=text,
        )
        verdict = "accepted" if accept else "turned down"
        notify(
            [submission.student],
            NoticeKind.REGRADE_ANSWERED,
            title=f"Your regrade request was {verdict}: {submission.exercise.title}",
            body=f"About {request.test_shown_as}, your course staff answered:\n\n{text}",
            link=f"/submissions/{submission.pk}/",
        )
    return request


def requests_for_cohort(cohort_id: int) -> tuple[QuerySet[RegradeRequest], QuerySet[RegradeRequest]]:
    """The cohort's open requests, oldest first, and the newest answered ones."""
    base = RegradeRequest.objects.filter(submission__assignment__cohort_id=cohort_id).select_related(
        "student", "answered_by", "submission__exercise"
    )
    open_ = base.filter(status=RegradeRequestStatus.OPEN).order_by("created_at", "pk")
    answered = base.exclude(status=RegradeRequestStatus.OPEN).order_by("-answered_at", "-pk")[:QUEUE_ANSWERED]
    return open_, answered


def open_request_count(cohort_id: int) -> int:
    return RegradeRequest.objects.filter(
        submission__assignment__cohort_id=cohort_id, status=RegradeRequestStatus.OPEN
    ).count()


def requests_of_submission(submission: Submission) -> QuerySet[RegradeRequest]:
    """A submission's requests for its student's page: open ones first, then the answered, newest first."""
    return RegradeRequest.objects.filter(submission=submission).order_by(
        Case(When(status=RegradeRequestStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "-created_at",
        "-pk",
    )

"""Scores back to the LMS (Assignment and Grade Services): what is owed, when, and sending it.

When a score that counts may have changed (a result committed, a regrade, an extension, an assignment's
rules, a hand edit: lti/receivers.py), ``owe`` records that each LMS course linked to the assignment's cohort
is owed the student's score (a Passback row, ``wanted`` + 1), and once the transaction commits a Celery task
sends it (``send``), with retries; the beat task ``lti.release_scores`` sends what is owed and was held back or
failed for good before.

What is sent is always the score as the gradebook counts it at the time of sending (grading.gradebook: the
score policy, late penalties and extensions applied), exact to four decimal places, out of the assignment's
maximum; never a copy made earlier. Held back: where the assignment shows feedback only after the due date
(``after_due``), the LMS gets the score after the student's due date (with any extension), so the LMS's
gradebook never shows a grade before the feedback it stands for.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import requests
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from lti_tool.models import LtiContext
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.lineitem import LineItem as LibraryLineItem

from courses.models import Assignment, Enrolment, FeedbackVisibility, Role
from courses.selectors import effective_cutoff, effective_due
from grading.gradebook import counted_scores
from lti import lms
from lti.identities import subject_of
from lti.models import ContextCohort, LineItem, Passback, ResourceLinkAssignment

logger = logging.getLogger(__name__)
HELD_UNTIL_DUE = frozenset({FeedbackVisibility.AFTER_DUE})
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def release_time(assignment: Assignment, student_id: int) -> datetime:
    if assignment.feedback_visibility in HELD_UNTIL_DUE:
        return effective_due(assignment, student_id)
    return timezone.now()


def owe(*, assignment_id: int, student_ids: Iterable[int] | None = None) -> list[int]:
    """Record that the students' scores on the assignment are owed to every linked LMS course that takes
    scores (all its students when ``student_ids`` is None); sends those due now once the transaction commits.
    Returns the Passback ids to send now."""
    assignment = Assignment.objects.filter(pk=assignment_id).first()
    if assignment is None:
        return []
    links = ContextCohort.objects.filter(cohort_id=assignment.cohort_id, context__can_publish_scores=True)
    contexts = [link.context for link in links.select_related("context__deployment__registration")]
    if not contexts:
        return []
    if student_ids is None:
        student_ids = Enrolment.objects.filter(cohort_id=assignment.cohort_id, role=Role.STUDENT).values_list(
            "user_id", flat=True
        )
    due_now: list[int] = []
    for student_id in student_ids:
        release_at = release_time(assignment, student_id)
        for context in contexts:
            if subject_of(student_id, context.deployment.registration) is None:
                continue  # not an LMS person there: the LMS has no row for them
            with transaction.atomic():
                row, created = Passback.objects.select_for_update().get_or_create(
                    context=context, assignment=assignment, student_id=student_id,
                    defaults={"release_at": release_at},
                )
                if not created:
                    Passback.objects.filter(pk=row.pk).update(wanted=F("wanted") + 1, release_at=release_at)
            if release_at <= timezone.now():
                due_now.append(row.pk)
    if due_now:
        transaction.on_commit(lambda: _enqueue(due_now))
    return due_now


def _enqueue(passback_ids: list[int]) -> None:
    from lti.tasks import send_score  # here: lti.tasks imports this module

    for passback_id in passback_ids:
        send_score.delay(passback_id)


def owed_now(*, retry_after_s: int = 600) -> list[int]:
    """Owed scores whose time has come and that no send is trying now (for the beat task)."""
    now = timezone.now()
    quiet = Q(last_try_at__isnull=True) | Q(last_try_at__lt=now - timedelta(seconds=retry_after_s))
    return list(
        Passback.objects.filter(quiet, sent__lt=F("wanted"), release_at__lte=now).values_list("pk", flat=True)[:1000]
    )


def score_payload(passback: Passback, subject: str, now: datetime) -> dict[str, Any]:
    """The AGS score for the student as the gradebook counts it now."""
    assignment = passback.assignment
    cell = counted_scores([assignment], student_id=passback.student_id).get((passback.student_id, assignment.pk))
    payload: dict[str, Any] = {"userId": subject, "timestamp": now.isoformat(timespec="microseconds")}
    if cell is None or cell.score is None:
        # No score counts (the submissions were removed): the LMS's cell is cleared.
        return {**payload, "activityProgress": "Initialized", "gradingProgress": "NotReady"}
    cutoff = effective_cutoff(assignment, passback.student_id)
    still_open = cutoff is None or now <= cutoff
    return {
        **payload,
        # A float whose shortest repr is the decimal itself (four places at most): JSON shows 7.3333, not more.
        "scoreGiven": float(cell.score),
        "scoreMaximum": float(assignment.max_score),
        "activityProgress": "Submitted" if still_open else "Completed",
        "gradingProgress": "FullyGraded",
    }


def send(passback_id: int) -> str:
    """Send one owed score now. Raises lms.ServiceFailed when the LMS could not be reached or refused."""
    passback = (
        Passback.objects.select_related("assignment__exercise", "assignment__exercise_version",
                                        "context__deployment__registration")
        .filter(pk=passback_id)
        .first()
    )
    now = timezone.now()
    if passback is None or not passback.owed:
        return "nothing owed"
    if passback.release_at > now:
        return f"held until {passback.release_at:%Y-%m-%d %H:%M}"
    version = passback.wanted
    context = passback.context
    registration = context.deployment.registration
    subject = subject_of(passback.student_id, registration)
    if subject is None:
        Passback.objects.filter(pk=passback.pk).update(sent=version)
        return "no LMS identity"
    payload = score_payload(passback, subject, now)
    given = Decimal(str(payload["scoreGiven"])) if "scoreGiven" in payload else None
    maximum = Decimal(str(payload["scoreMaximum"])) if "scoreMaximum" in payload else None
    if passback.sent_at is not None and (given, maximum) == (passback.score_given, passback.score_maximum):
        Passback.objects.filter(pk=passback.pk, sent__lt=version).update(sent=version)
        return "unchanged"
    Passback.objects.filter(pk=passback.pk).update(tries=F("tries") + 1, last_try_at=now)
    try:
        service = lms.connector(registration)
        url = line_item_url(service, context, passback.assignment)
        service.make_service_request(
            lms.ags_scopes(context), scores_url(url), is_post=True, data=json.dumps(payload), content_type=SCORE_TYPE
        )
    except (LtiException, requests.RequestException, ValueError, KeyError) as exc:
        reason = _reason(exc)
        Passback.objects.filter(pk=passback.pk).update(last_error=reason[:2000])
        raise lms.ServiceFailed(reason) from exc
    Passback.objects.filter(pk=passback.pk, sent__lt=version).update(
        sent=version, score_given=given, score_maximum=maximum, sent_at=now, tries=0, last_error=""
    )
    return "sent"


def _reason(exc: Exception) -> str:
    if isinstance(exc, LtiServiceException):
        return f"the LMS answered {exc}"
    return f"{type(exc).__name__}: {exc}"


def scores_url(line_item: str) -> str:
    """The scores endpoint of a line item: its path plus /scores, before any query string."""
    path, _, query = line_item.partition("?")
    return f"{path.rstrip('/')}/scores" + (f"?{query}" if query else "")


def line_item_url(service: Any, context: LtiContext, assignment: Assignment) -> str:
    """The LMS course's gradebook column for the assignment: the one recorded (from a launch's claim or made
    before), else one found by our resource id, else a new one made through the line items service."""
    known = LineItem.objects.filter(context=context, assignment=assignment).values_list("url", flat=True).first()
    if known:
        return known
    if not context.lineitems_url or not context.can_manage_lineitems:
        raise LtiException("the LMS gave no line item for this assignment, nor the right to make one")
    ags = AssignmentsGradesService(service, cast(Any, {"scope": lms.ags_scopes(context), "lineitems": context.lineitems_url}))
    wanted = LibraryLineItem()
    wanted.set_resource_id(f"gradient-assignment-{assignment.pk}")
    wanted.set_tag("gradient")
    wanted.set_label(assignment.exercise.title[:255])
    wanted.set_score_maximum(float(assignment.max_score))
    link = ResourceLinkAssignment.objects.filter(assignment=assignment, resource_link__context=context).first()
    if link is not None:
        wanted.set_resource_link_id(link.resource_link.id_on_platform)
    made = ags.find_or_create_lineitem(wanted, find_by="resource_id")
    url = made.get_id()
    if not url:
        raise LtiException("the LMS made a line item without an id")
    row, _ = LineItem.objects.get_or_create(context=context, assignment=assignment, defaults={"url": url})
    return row.url

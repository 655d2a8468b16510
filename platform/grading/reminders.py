"""Deadline reminders (Celery beat, hourly: settings.CELERY_BEAT_SCHEDULE): every student of an open
assignment due within settings.REMINDER_HOURS, with their extension, who has submitted nothing to it yet,
gets one ``deadline_reminder``, never two (its key names the assignment)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from courses.models import Assignment, Enrolment, Extension, Role
from grading.models import Submission
from notices.models import NoticeKind
from notices.services import notify


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind who needs it now; returns how many students were reminded (or had been, by an earlier run)."""
    now = now or timezone.now()
    until = now + timedelta(hours=settings.REMINDER_HOURS)
    window = Q(due_at__gt=now, due_at__lte=until)
    # Open assignments due in the window, or with an extension that is.
    extended = Extension.objects.filter(window).values("assignment_id")
    assignments = (
        Assignment.objects.filter(Q(window) | Q(pk__in=extended), opens_at__lte=now)
        .select_related("exercise")
        .order_by("pk")
    )
    reminded = 0
    for assignment in assignments:
        students = set(
            Enrolment.objects.filter(cohort_id=assignment.cohort_id, role=Role.STUDENT).values_list("user_id", flat=True)
        )
        students -= set(
            Submission.objects.filter(assignment=assignment, student_id__in=students).values_list("student_id", flat=True)
        )
        if not students:
            continue
        # Each student's due date as courses.selectors.effective_due gives it (the later of the assignment's
        # and their extension's), for the whole cohort in one query.
        extensions = dict(
            Extension.objects.filter(assignment=assignment, student_id__in=students).values_list("student_id", "due_at")
        )
        by_due: dict[datetime, list[int]] = defaultdict(list)
        for student_id in students:
            due = max(assignment.due_at, extensions[student_id]) if student_id in extensions else assignment.due_at
            if now < due <= until:
                by_due[due].append(student_id)
        for due, student_ids in sorted(by_due.items()):
            reminded += notify(
                student_ids,
                NoticeKind.DEADLINE_REMINDER,
                f"{assignment.exercise.title} is due {due:%Y-%m-%d %H:%M} UTC",
                f"{assignment.exercise.title} is due on "
                f"{due:%Y-%m-%d %H:%M} UTC, and you have not submitted anything to it yet.",
                reverse("assignment", args=[assignment.pk]),
                key=f"deadline:{assignment.pk}",
            )
    return reminded


@shared_task(name="grading.remind_deadlines", ignore_result=True)
def remind_deadlines() -> int:
    return send_reminders()

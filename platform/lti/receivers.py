"""What makes a score owed to an LMS again (lti.passback.owe), connected in LtiConfig.ready:

- grading.signals.score_changed: a result committed (first grading or regrade), a submission changed by hand;
- an extension given, changed or taken back (the late penalty and the release date follow it);
- an assignment saved (its due date, late penalty, cut-off, score policy or feedback rule may have changed):
  every student's score.

Each runs once the transaction that changed things has committed; sending is a Celery task (lti.tasks).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from courses.models import Assignment, Extension
from grading.signals import score_changed
from lti import passback


def _score_changed(sender: Any, *, assignment_id: int, student_id: int, **kwargs: Any) -> None:
    passback.owe(assignment_id=assignment_id, student_ids=[student_id])


def _extension_changed(sender: Any, instance: Extension, **kwargs: Any) -> None:
    assignment_id, student_id = instance.assignment_id, instance.student_id
    transaction.on_commit(lambda: passback.owe(assignment_id=assignment_id, student_ids=[student_id]))


def _assignment_saved(sender: Any, instance: Assignment, created: bool, **kwargs: Any) -> None:
    if created:
        return  # no scores yet
    assignment_id = instance.pk
    transaction.on_commit(lambda: passback.owe(assignment_id=assignment_id))


def connect() -> None:
    score_changed.connect(_score_changed, dispatch_uid="lti.score_changed")
    post_save.connect(_extension_changed, sender=Extension, dispatch_uid="lti.extension_saved")
    post_delete.connect(_extension_changed, sender=Extension, dispatch_uid="lti.extension_deleted")
    post_save.connect(_assignment_saved, sender=Assignment, dispatch_uid="lti.assignment_saved")

"""Signals grading sends for the layers above it, which grading must not import (lti sends scores to an LMS).

``score_changed(assignment_id, student_id)``: the score that counts for the student on the assignment may have
changed: a result was committed (a first grading or a regrade) or a submission was changed or removed by hand.
Sent only once the transaction that changed it has committed (``score_changed_on_commit``), so a receiver
reads the committed score and never runs inside the grading transaction. Changes to the rules that make the
score (extensions, late penalties, score policies) are the courses app's models: receivers watch those.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

score_changed = Signal()  # kwargs: assignment_id: int, student_id: int


def score_changed_on_commit(*, assignment_id: int | None, student_id: int) -> None:
    """Send ``score_changed`` after the current transaction commits (at once outside one); practice
    (no assignment) sends nothing."""
    if assignment_id is None:
        return
    transaction.on_commit(
        lambda: score_changed.send(sender=None, assignment_id=assignment_id, student_id=student_id)
    )

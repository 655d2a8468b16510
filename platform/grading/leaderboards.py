"""An assignment's leaderboard as its page and the API show it. Scores kept with each result
(grading.standings) rank it, except where released hand-grading changed what counts: then the scores the
gradebook counts (grading.gradebook.counted_scores, tests and marks together, after late penalties) rank it,
so the leaderboard never disagrees with the gradebook a student sees."""

from __future__ import annotations

from core.users import User
from courses.models import Assignment, CombineRule, Enrolment, Role
from grading.gradebook import counted_scores
from grading.models import ManualGrade, Submission
from grading.selectors import LeaderboardRow, leaderboard


def marks_change_ranking(assignment: Assignment) -> bool:
    """Whether released marks may move anyone: a metric challenge ranks by its metric, whatever the marks."""
    if assignment.exercise.leaderboard_metric or not assignment.marks_released:
        return False
    return assignment.combine_rule == CombineRule.REPLACE or ManualGrade.objects.filter(submission__assignment=assignment).exists()


def assignment_leaderboard(*, assignment: Assignment, viewer: User, limit: int = 100) -> tuple[list[LeaderboardRow], str]:
    if not marks_change_ranking(assignment):
        return leaderboard(assignment=assignment, viewer=viewer, limit=limit)
    students = Enrolment.objects.filter(cohort_id=assignment.cohort_id, role=Role.STUDENT).select_related("user")
    names = {e.user_id: e.display_name for e in students}
    cells = counted_scores([assignment])
    counted = [
        (student, cell.score, cell.submission_id)
        for (student, _), cell in cells.items()
        if student in names and cell.score is not None and cell.submission_id is not None
    ]
    submitted = dict(Submission.objects.filter(pk__in=[sid for _, _, sid in counted]).values_list("pk", "created_at"))
    counted.sort(key=lambda row: (-row[1], submitted[row[2]]))
    rows = [
        LeaderboardRow(
            rank=rank,
            name=names[student],
            score=score,
            submitted_at=submitted[submission_id],
            metric=None,
            is_me=student == viewer.pk,
        )
        for rank, (student, score, submission_id) in enumerate(counted[:limit], start=1)
    ]
    return rows, "score that counts (tests and released marks, after late penalties), earliest submission first on ties"

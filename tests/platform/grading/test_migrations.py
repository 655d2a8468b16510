"""Moving LeaderboardEntry from courses to grading keeps every row, its table's constraints and its content
type: a database migrated before the move, with a leaderboard in it, comes through whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("courses", "0003_assignment_exercise_version_required"), ("grading", "0004_exercise_best")]


@pytest.mark.django_db(transaction=True)
def test_leaderboard_rows_and_content_type_survive_the_move(synced_exercise) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("auth", "User").objects.create(username="ada")
    exercise = old.get_model("catalog", "Exercise").objects.get(pk=synced_exercise.pk)
    course = old.get_model("courses", "Course").objects.create(slug="c", title="C")
    cohort = old.get_model("courses", "Cohort").objects.create(course=course, slug="k", name="K")
    now = timezone.now()
    assignment = old.get_model("courses", "Assignment").objects.create(
        cohort=cohort, exercise=exercise, exercise_version_id=exercise.current_version_id,
        opens_at=now - timedelta(days=1), due_at=now + timedelta(days=1),
    )
    submission = old.get_model("grading", "Submission").objects.create(
        student=user, exercise=exercise, exercise_version_id=exercise.current_version_id, assignment=assignment,
        max_score=10, score=7,
    )
    old.get_model("courses", "LeaderboardEntry").objects.create(
        assignment=assignment, student=user, best_score=7, best_submission=submission, best_submitted_at=now,
    )
    old_type = ContentType.objects.get_or_create(app_label="courses", model="leaderboardentry")[0]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from grading.models import LeaderboardEntry

    entry = LeaderboardEntry.objects.get()
    assert (entry.assignment_id, entry.student_id, entry.best_score, entry.best_submission_id) == (
        assignment.pk, user.pk, 7, submission.pk,
    )
    assert LeaderboardEntry._meta.db_table == "grading_leaderboardentry"
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        constraints = connection.introspection.get_constraints(cursor, "grading_leaderboardentry")
    assert "courses_leaderboardentry" not in tables
    assert {"leaderboard_unique", "leaderboard_rank"} <= set(constraints)
    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=old_type.pk).app_label == "grading"

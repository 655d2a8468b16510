"""An assignment pins an exercise's grader version: its submissions are graded with that version's tests
after graders/ changes; practice uses the current version; the admin offers and checks the versions; a regrade
after a grader change moves the runs and re-pins the assignments. Grader versions are made as an author makes
them: edit a file in a private copy of graders/ and sync (tests/platform/conftest.py)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from catalog.models import Exercise, ExerciseVersion, GraderSnapshot
from courses.models import Assignment, Cohort, Role
from grading import intake
from grading.grader_versions import GraderVersionUnavailable
from grading.models import GradingRun, RunStatus, Submission
from grading.runs import FINAL_FAILURE
from grading.selectors import job_for_run
from tests.support.factories import AssignmentFactory, UserFactory

# v2: the author adds a test after the cohort started (11 points instead of 10).
TIGHTENED = """

def test_added_in_v2(student):
    assert student.count_words("a a") == {"a": 2}
"""


@dataclass
class Versions:
    exercise: Exercise
    old: ExerciseVersion
    new: ExerciseVersion
    old_text: str
    new_text: str
    assignment: Assignment  # made while `old` was current


@pytest.fixture
def versions(grader_tree, cohort: Cohort) -> Versions:  # type: ignore[no-untyped-def]
    grader_tree.sync()
    exercise = grader_tree.exercise()
    assignment = AssignmentFactory(cohort=cohort, exercise=exercise)  # open since yesterday, due in a week
    old_text = grader_tree.test_file().read_text()
    grader_tree.test_file().write_text(old_text + TIGHTENED)
    report = grader_tree.sync()
    assert report.new_versions == ["python-foundations/word-frequencies"]
    exercise.refresh_from_db()
    old = assignment.exercise_version
    assert old.pk != exercise.current_version_id and exercise.versions.count() == 2
    return Versions(exercise, old, exercise.current_version, old_text, old_text + TIGHTENED, assignment)


def submit(student, exercise: Exercise, source: bytes, assignment: Assignment | None = None) -> GradingRun:  # type: ignore[no-untyped-def]
    submission = intake.submission_create(
        student=student, exercise=exercise, uploads={"solution.py": source}, assignment=assignment
    )
    return GradingRun.objects.get(submission=submission)


def grader_text(run: GradingRun) -> str:
    return (job_for_run(run.pk).grader_dir / "test_word_frequencies.py").read_text()


def regrade(*args: str) -> str:
    out = io.StringIO()
    call_command("regrade", *args, stdout=out)
    return out.getvalue()


# ------------------------------------------------------------------------------------ grading


def test_a_pinned_assignment_keeps_grading_with_the_old_tests(
    versions, enrol, cohort, student_user, other_student, reference_source, settings
) -> None:
    enrol(student_user, cohort)
    run = submit(student_user, versions.exercise, reference_source, versions.assignment)
    assert run.exercise_version_id == versions.old.pk
    assert run.submission.exercise_version_id == versions.old.pk
    job = job_for_run(run.pk)
    assert (job.grader_dir / "test_word_frequencies.py").read_text() == versions.old_text
    assert job.declared_tests == versions.old.manifest and "test_added_in_v2" not in job.declared_tests
    assert job.module == "solution" and job.image == "python" and job.limits.wall_s == 20
    # Unpacked from the snapshot into the workers' cache, named by the archive's digest: not graders/.
    digest = GraderSnapshot.objects.get(version=versions.old).files_sha256
    assert job.grader_dir == settings.SANDBOX.work_dir / "graders" / digest
    # Practice (someone not in the cohort) is graded with the current version.
    practice = submit(other_student, versions.exercise, reference_source)
    assert practice.exercise_version_id == versions.new.pk
    assert grader_text(practice) == versions.new_text
    assert "test_added_in_v2" in job_for_run(practice.pk).declared_tests
    assert (run.tests_total, practice.tests_total) == (len(versions.old.manifest), len(versions.new.manifest))


def test_a_new_assignment_pins_the_current_version(versions, other_cohort) -> None:
    later = AssignmentFactory(cohort=other_cohort, exercise=versions.exercise)
    assert later.exercise_version_id == versions.new.pk
    assert versions.assignment.newer_version_exists and not later.newer_version_exists


def test_a_version_of_another_exercise_is_refused_by_the_model(versions, grader_tree, other_cohort) -> None:
    other = grader_tree.exercise("python-foundations/grade-book-stats").current_version
    now = timezone.now()
    with pytest.raises(ValidationError, match="belongs to python-foundations/grade-book-stats"):
        Assignment.objects.create(
            cohort=other_cohort, exercise=versions.exercise, exercise_version=other, opens_at=now, due_at=now
        )
    assert not Assignment.objects.filter(cohort=other_cohort).exists()


def test_an_old_version_without_a_snapshot_uses_the_disk_only_while_it_matches(
    versions, enrol, cohort, student_user, other_student, reference_source, grader_tree
) -> None:
    """Versions synced before snapshots existed: the files on disk are theirs only while the hash matches."""
    GraderSnapshot.objects.all().delete()
    enrol(student_user, cohort)
    pinned = submit(student_user, versions.exercise, reference_source, versions.assignment)
    with pytest.raises(GraderVersionUnavailable, match=r"synced before grader files were stored.*another version"):
        job_for_run(pinned.pk)
    practice = submit(other_student, versions.exercise, reference_source)
    assert job_for_run(practice.pk).grader_dir == grader_tree.grader_dir()  # disk still is the current version


def test_the_worker_ends_such_a_run_as_an_infrastructure_error(
    versions, enrol, cohort, student_user, reference_source, settings
) -> None:
    from grading.tasks import grade_run

    settings.GRADING_MAX_DELIVERIES = 3  # deliveries left, but retrying cannot help: the final state at once
    GraderSnapshot.objects.filter(version=versions.old).delete()
    enrol(student_user, cohort)
    run = submit(student_user, versions.exercise, reference_source, versions.assignment)
    assert grade_run.apply(args=[run.pk]).get() == "infrastructure_error"
    run.refresh_from_db()
    assert run.status == RunStatus.INFRASTRUCTURE_ERROR and run.score is None and run.deliveries == 1
    assert any("synced before grader files were stored" in message for message in run.messages)
    assert run.messages[0] == FINAL_FAILURE  # no retry is promised


# ------------------------------------------------------------------------------------ admin


@pytest.fixture
def admin_client(client, db):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def admin_form(assignment_cohort: Cohort, exercise: Exercise, version: ExerciseVersion | None) -> dict[str, str]:
    return {
        "cohort": str(assignment_cohort.pk),
        "exercise": str(exercise.pk),
        "exercise_version": str(version.pk) if version else "",
        "opens_at_0": "2026-01-01", "opens_at_1": "09:00:00",
        "due_at_0": "2026-01-08", "due_at_1": "09:00:00",
        "late_penalty_per_day": "0", "feedback_visibility": "visible", "score_policy": "best",
        "extensions-TOTAL_FORMS": "0", "extensions-INITIAL_FORMS": "0",
        "extensions-MIN_NUM_FORMS": "0", "extensions-MAX_NUM_FORMS": "1000",
    }


def test_the_admin_refuses_a_version_of_another_exercise(admin_client, versions, grader_tree, other_cohort) -> None:
    other = grader_tree.exercise("python-foundations/grade-book-stats").current_version
    response = admin_client.post("/admin/courses/assignment/add/", admin_form(other_cohort, versions.exercise, other))
    assert response.status_code == 200  # the form again, with the error
    assert "belongs to python-foundations/grade-book-stats" in response.content.decode()
    assert not Assignment.objects.filter(cohort=other_cohort).exists()


def test_the_admin_pins_a_chosen_old_version_or_the_current_one(admin_client, versions, other_cohort) -> None:
    response = admin_client.post(
        "/admin/courses/assignment/add/", admin_form(other_cohort, versions.exercise, versions.old)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    chosen = Assignment.objects.get(cohort=other_cohort)
    assert chosen.exercise_version_id == versions.old.pk
    # The change form offers this exercise's versions only, the current one marked.
    page = admin_client.get(f"/admin/courses/assignment/{chosen.pk}/change/").content.decode()
    select = re.search(r'<select name="exercise_version".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="(\d+)"', select)
    assert sorted(options) == sorted([str(versions.old.pk), str(versions.new.pk)])
    assert f"@ {versions.new.short_hash} of" in select and "(current)" in select
    # Left empty: the current version.
    chosen.delete()
    admin_client.post("/admin/courses/assignment/add/", admin_form(other_cohort, versions.exercise, None))
    assert Assignment.objects.get(cohort=other_cohort).exercise_version_id == versions.new.pk


def test_the_admin_form_has_every_editable_field() -> None:
    from courses.admin import AssignmentAdminForm

    editable = {f.name for f in Assignment._meta.concrete_fields if f.editable and not f.primary_key}
    assert set(AssignmentAdminForm.Meta.fields) == editable


# ------------------------------------------------------------------------------------ staff pages


def test_staff_see_the_pinned_version_and_that_a_newer_one_exists(
    client, versions, cohort, enrol, student_user
) -> None:
    teacher = UserFactory(username="ines")
    enrol(teacher, cohort, role=Role.INSTRUCTOR)
    enrol(student_user, cohort)
    old = f"grader {versions.old.short_hash} · {versions.old.created_at:%Y-%m-%d}"
    client.force_login(teacher)
    gradebook = client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    assert old in gradebook and "newer grader version exists" in gradebook
    assert "/ 10 · due" in gradebook  # full marks of the pinned version, not the current version's 11
    page = client.get(f"/assignments/{versions.assignment.pk}/").content.decode()
    assert 'id="grader-version"' in page and old in page
    assert versions.new.short_hash in page and f"regrade --assignment {versions.assignment.pk}" in page
    client.force_login(student_user)
    page = client.get(f"/assignments/{versions.assignment.pk}/").content.decode()
    assert 'id="grader-version"' not in page and versions.old.short_hash not in page


# ------------------------------------------------------------------------------------ regrades


@pytest.fixture
def graded_on_old(versions, enrol, cohort, student_user, reference_source, grade) -> Submission:  # type: ignore[no-untyped-def]
    enrol(student_user, cohort)
    run = submit(student_user, versions.exercise, reference_source, versions.assignment)
    grade(run.submission)
    return run.submission


def test_regrading_one_submission_keeps_its_assignments_version(versions, graded_on_old) -> None:
    out = regrade("--submission", str(graded_on_old.pk))
    run = GradingRun.objects.get(submission=graded_on_old, is_regrade=True)
    assert run.exercise_version_id == versions.old.pk
    assert grader_text(run) == versions.old_text
    versions.assignment.refresh_from_db()
    assert versions.assignment.exercise_version_id == versions.old.pk
    assert f"grader {versions.old.short_hash}" in out and "its assignment's pinned version" in out
    assert f"--assignment {versions.assignment.pk} regrades the whole assignment" in out


def test_regrading_an_assignment_moves_it_to_the_current_version(
    versions, graded_on_old, student_user, reference_source, grade
) -> None:
    out = regrade("--assignment", str(versions.assignment.pk))
    run = GradingRun.objects.get(submission=graded_on_old, is_regrade=True)
    assert run.exercise_version_id == versions.new.pk
    assert grader_text(run) == versions.new_text
    versions.assignment.refresh_from_db()
    assert versions.assignment.exercise_version_id == versions.new.pk
    assert "queued 1 regrade run(s)" in out
    assert f"re-pinned assignment {versions.assignment.pk}" in out and versions.old.short_hash in out
    grade(graded_on_old)
    # Later submissions are graded like the regraded ones.
    later = submit(student_user, versions.exercise, reference_source, versions.assignment)
    assert later.exercise_version_id == versions.new.pk


def test_regrading_an_exercise_repins_each_of_its_assignments(
    versions, graded_on_old, other_cohort, other_student, enrol, reference_source
) -> None:
    other = AssignmentFactory(cohort=other_cohort, exercise=versions.exercise, exercise_version=versions.old)
    enrol(other_student, other_cohort)
    theirs = submit(other_student, versions.exercise, reference_source, other).submission
    out = regrade("--exercise", versions.exercise.slug, "--never-lower")
    assert "queued 2 regrade run(s)" in out and out.count("re-pinned assignment") == 2
    for assignment in (versions.assignment, other):
        assignment.refresh_from_db()
        assert assignment.exercise_version_id == versions.new.pk
        # The audit log says so, with the version it had before (a command acts: no person).
        pin = AuditEvent.objects.get(action="assignment.pin", cohort_id=assignment.cohort_id)
        assert (pin.actor, pin.before, pin.after) == (
            None,
            {"exercise_version_id": versions.old.pk, "grader": versions.old.short_hash},
            {"exercise_version_id": versions.new.pk, "grader": versions.new.short_hash},
        )
    for submission in (graded_on_old, theirs):
        run = GradingRun.objects.get(submission=submission, is_regrade=True)
        assert run.exercise_version_id == versions.new.pk and run.never_lower


def test_nothing_is_repinned_when_there_is_nothing_to_regrade(versions) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no submission matches; to move an assignment"):
        regrade("--assignment", str(versions.assignment.pk))
    versions.assignment.refresh_from_db()
    assert versions.assignment.exercise_version_id == versions.old.pk


def test_the_regrade_command_says_what_it_does() -> None:
    from grading.management.commands.regrade import Command

    assert "re-pinned" in Command.help and "pinned grader version" in Command.help

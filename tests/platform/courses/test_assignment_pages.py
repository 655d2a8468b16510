"""Assignments in the staff pages, without the admin: an instructor creates and edits one (every change in the
audit log with its before and after), a teaching assistant sees the list but may not change rules, staff of
another cohort and students get a 404, bad dates are a 400 that saves nothing, and the exercise of an
assignment with submissions cannot change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from courses.models import Assignment, Role
from tests.support.factories import UserFactory


@pytest.fixture
def people(cohort, other_cohort, enrol):  # type: ignore[no-untyped-def]
    made = {}
    for name, target, role in [
        ("ines", cohort, Role.INSTRUCTOR), ("tara", cohort, Role.TA), ("ada", cohort, Role.STUDENT),
        ("oscar", other_cohort, Role.INSTRUCTOR),
    ]:
        made[name] = UserFactory(username=name)
        enrol(made[name], target, role=role)
    return made


def when(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def rules(exercise_id: int, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "exercise": exercise_id, "exercise_version": "", "opens_at": when(-1), "due_at": when(7),
        "hard_cutoff_at": "", "late_penalty_per_day": "0.1", "attempts_per_day": "5", "attempts_cap": "",
        "feedback_visibility": "after_due", "score_policy": "best",
    }
    return form | changes


def test_an_instructor_creates_and_edits_an_assignment(client, cohort, people, synced_exercise) -> None:
    client.force_login(people["ines"])
    assert client.get(f"/cohorts/{cohort.pk}/assignments/new/").status_code == 200
    response = client.post(f"/cohorts/{cohort.pk}/assignments/new/", rules(synced_exercise.pk))
    assert response.status_code == 302, response.content.decode()
    assignment = Assignment.objects.get(cohort=cohort)
    assert assignment.exercise_version == synced_exercise.current_version  # empty: pinned to the current one
    assert (assignment.late_penalty_per_day, assignment.attempts_per_day, assignment.feedback_visibility) == (
        0.1, 5, "after_due"
    )
    page = client.get(f"/cohorts/{cohort.pk}/assignments/").content.decode()
    assert f'id="assignment-{assignment.pk}"' in page and f"/assignments/{assignment.pk}/edit/" in page

    old_due = assignment.due_at
    response = client.post(f"/assignments/{assignment.pk}/edit/", rules(synced_exercise.pk, due_at=when(14), attempts_cap="20"))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.attempts_cap == 20 and assignment.due_at > old_due

    created, updated = AuditEvent.objects.filter(cohort_id=cohort.pk).order_by("pk")
    assert (created.action, created.actor_name, created.before) == ("assignment.create", "ines", None)
    assert created.after["feedback_visibility"] == "after_due"  # type: ignore[index]
    assert updated.action == "assignment.update"
    assert set(updated.after) == {"due_at", "attempts_cap"}  # type: ignore[arg-type]
    assert updated.before == {"due_at": old_due.isoformat(), "attempts_cap": None}


def test_a_ta_sees_the_list_but_changes_no_rules(client, cohort, people, synced_exercise, make_assignment) -> None:
    assignment = make_assignment(cohort)
    client.force_login(people["tara"])
    page = client.get(f"/cohorts/{cohort.pk}/assignments/").content.decode()
    assert f'id="assignment-{assignment.pk}"' in page and "/edit/" not in page
    for url in [f"/cohorts/{cohort.pk}/assignments/new/", f"/assignments/{assignment.pk}/edit/"]:
        assert client.get(url).status_code == 403
        response = client.post(url, rules(synced_exercise.pk, attempts_cap="1"))
        assert response.status_code == 403 and "Only the cohort&#x27;s instructors" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.attempts_cap is None and Assignment.objects.count() == 1
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["ada", "oscar"])
def test_students_and_other_cohorts_staff_get_404(client, cohort, people, synced_exercise, make_assignment, who) -> None:
    assignment = make_assignment(cohort)
    client.force_login(people[who])
    for url in [f"/cohorts/{cohort.pk}/assignments/", f"/cohorts/{cohort.pk}/assignments/new/", f"/assignments/{assignment.pk}/edit/"]:
        assert client.get(url).status_code == 404
        assert client.post(url, rules(synced_exercise.pk)).status_code == 404
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"due_at": when(-3)}, "due_at", "must not be before the assignment opens"),
        ({"hard_cutoff_at": when(3)}, "hard_cutoff_at", "must not be before the due date"),
        ({"late_penalty_per_day": "1.5"}, "late_penalty_per_day", "between 0 and 1"),
        ({"opens_at": "next tuesday"}, "opens_at", "Enter a valid date/time"),
        ({"exercise": "999999"}, "exercise", "Select a valid choice"),
    ],
)
def test_bad_rules_are_a_400_that_saves_nothing(client, cohort, people, synced_exercise, changes, field, message) -> None:
    client.force_login(people["ines"])
    response = client.post(f"/cohorts/{cohort.pk}/assignments/new/", rules(synced_exercise.pk, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="error-{field}"' in page and message in page and "Nothing was saved" in page
    assert not Assignment.objects.exists() and not AuditEvent.objects.exists()


def test_an_exercise_assigned_twice_to_one_cohort_is_refused(client, cohort, people, synced_exercise, make_assignment) -> None:
    make_assignment(cohort)
    client.force_login(people["ines"])
    response = client.post(f"/cohorts/{cohort.pk}/assignments/new/", rules(synced_exercise.pk))
    assert response.status_code == 400 and "has an assignment of this exercise already" in response.content.decode()
    assert Assignment.objects.count() == 1


def test_the_exercise_of_an_assignment_with_submissions_stays(
    client, cohort, people, synced_exercise, make_assignment, submit
) -> None:
    from catalog.models import Exercise
    from catalog.services import exercises_sync

    exercises_sync()
    other = Exercise.objects.exclude(pk=synced_exercise.pk).filter(active=True).first()
    assignment = make_assignment(cohort)
    submit(people["ada"], assignment)
    client.force_login(people["ines"])
    response = client.post(f"/assignments/{assignment.pk}/edit/", rules(other.pk, attempts_cap="3"))  # type: ignore[union-attr]
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.exercise_id == synced_exercise.pk and assignment.attempts_cap == 3


# ------------------------------------------------------------------------------------ extensions


def test_staff_grant_an_extension_with_a_reason_and_it_applies(client, cohort, people, make_assignment, submit) -> None:
    from courses.models import Extension
    from courses.selectors import effective_due
    from grading.selectors import attempts_for

    assignment = make_assignment(cohort, attempts_cap=2)
    ada = people["ada"]
    client.force_login(people["tara"])  # a teaching assistant may grant extensions
    page = client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    assert f"/assignments/{assignment.pk}/extensions/" in page
    response = client.post(
        f"/assignments/{assignment.pk}/extensions/",
        {"student": ada.pk, "due_at": when(10), "extra_attempts": "3", "reason": "broken laptop, doctor's note"},
    )
    assert response.status_code == 302, response.content.decode()
    extension = Extension.objects.get(assignment=assignment, student=ada)
    assert (extension.extra_attempts, extension.granted_by) == (3, people["tara"])
    assert effective_due(assignment, ada.pk) == extension.due_at > assignment.due_at
    assert attempts_for(assignment, ada.pk).remaining == 5  # the cap of 2, plus 3
    event = AuditEvent.objects.get(action="extension.grant")
    assert (event.actor_name, event.before, event.reason) == ("tara", None, "broken laptop, doctor's note")
    assert event.after == {"due_at": extension.due_at.isoformat(), "extra_attempts": 3}

    # Withdrawn: the rules are the assignment's again, and the log says so.
    client.post(f"/assignments/{assignment.pk}/extensions/", {"withdraw": extension.pk, "reason": "granted by mistake"})
    assert not Extension.objects.exists() and attempts_for(assignment, ada.pk).remaining == 2
    assert AuditEvent.objects.filter(action="extension.revoke", reason="granted by mistake").count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"reason": ""}, "reason", "This field is required"),
        ({"due_at": when(-30), "extra_attempts": "0"}, "due_at", "before the assignment"),
        ({"extra_attempts": "-1"}, "extra_attempts", "greater than or equal to 0"),
        ({"student": "tara"}, "student", "Select a valid choice"),  # staff are not students of the cohort
    ],
)
def test_a_bad_extension_saves_nothing(client, cohort, people, make_assignment, fields, field, message) -> None:
    assignment = make_assignment(cohort)
    client.force_login(people["ines"])
    form = {"student": people["ada"].pk, "due_at": when(10), "extra_attempts": "1", "reason": "ill"} | fields
    if form["student"] == "tara":
        form["student"] = people["tara"].pk
    response = client.post(f"/assignments/{assignment.pk}/extensions/", form)
    assert response.status_code == 400
    assert f'id="error-{field}"' in response.content.decode() and message in response.content.decode()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["ada", "oscar"])
def test_students_and_other_cohorts_staff_grant_no_extensions(client, cohort, people, make_assignment, who) -> None:
    from courses.models import Extension

    assignment = make_assignment(cohort)
    client.force_login(people[who])
    response = client.post(
        f"/assignments/{assignment.pk}/extensions/",
        {"student": people["ada"].pk, "due_at": when(10), "extra_attempts": "9", "reason": "please"},
    )
    assert response.status_code == 404 and not Extension.objects.exists()


def test_another_courses_private_exercise_is_not_offered(client, cohort, people, synced_exercise, enrol) -> None:
    """An unlisted exercise (a course's own, hidden tests and all) is scheduled by a site administrator; only
    cohorts of that course may then use it; an instructor elsewhere can neither see it offered nor post it."""
    from catalog.models import Exercise
    from tests.support.factories import CohortFactory

    private = Exercise.objects.exclude(pk=synced_exercise.pk).filter(active=True).first()
    assert private is not None
    Exercise.objects.filter(pk=private.pk).update(listed=False)
    client.force_login(people["ines"])
    page = client.get(f"/cohorts/{cohort.pk}/assignments/new/").content.decode()
    offered = page.split('name="exercise"')[1].split("</select>")[0]
    assert f'value="{synced_exercise.pk}"' in offered and f'value="{private.pk}"' not in offered
    assert private.slug not in page  # not among the grader versions either
    refused = client.post(f"/cohorts/{cohort.pk}/assignments/new/", rules(private.pk))
    assert refused.status_code == 400 and not Assignment.objects.exists()

    # A site administrator schedules it for this course; a sibling cohort's instructor may then use it too.
    client.force_login(UserFactory(username="root", is_staff=True))
    assert client.post(f"/cohorts/{cohort.pk}/assignments/new/", rules(private.pk)).status_code == 302
    sibling = CohortFactory(course=cohort.course)
    enrol(people["ines"], sibling, role=Role.INSTRUCTOR)
    client.force_login(people["ines"])
    assert client.post(f"/cohorts/{sibling.pk}/assignments/new/", rules(private.pk)).status_code == 302
    # ...but not an instructor of another course.
    elsewhere = CohortFactory()
    assert elsewhere.course_id != cohort.course_id
    outsider = UserFactory(username="olga")
    enrol(outsider, elsewhere, role=Role.INSTRUCTOR)
    client.force_login(outsider)
    response = client.post(f"/cohorts/{elsewhere.pk}/assignments/new/", rules(private.pk))
    assert response.status_code == 400 and Assignment.objects.filter(exercise=private).count() == 2


def test_instructors_read_the_cohorts_audit_log(client, cohort, other_cohort, people, synced_exercise) -> None:
    """What staff changed, newest first, for the cohort's instructors only; text staff typed is escaped."""
    client.force_login(people["ines"])
    client.post(f"/cohorts/{cohort.pk}/assignments/new/", rules(synced_exercise.pk))
    assignment = Assignment.objects.get(cohort=cohort)
    client.force_login(people["tara"])
    client.post(
        f"/assignments/{assignment.pk}/extensions/",
        {"student": people["ada"].pk, "due_at": when(10), "extra_attempts": "1", "reason": "<script>alert(1)</script>"},
    )
    assert client.get(f"/cohorts/{cohort.pk}/audit/").status_code == 403  # a TA does not read it

    client.force_login(people["ines"])
    page = client.get(f"/cohorts/{cohort.pk}/audit/").content.decode()
    assert [a for a in re.findall(r'data-action="([^"]+)"', page)] == ["extension.grant", "assignment.create"]
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    client.force_login(people["oscar"])  # another cohort's instructor
    assert client.get(f"/cohorts/{cohort.pk}/audit/").status_code == 404
    client.force_login(people["ada"])
    assert client.get(f"/cohorts/{cohort.pk}/audit/").status_code == 404

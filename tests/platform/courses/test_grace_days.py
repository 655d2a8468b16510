"""Grace days: a cohort's bank per student covers late work by whole days before any penalty, assignments
charged by due date, each by its latest submission's lateness; the charge is computed, never stored; staff
adjust one student's bank with a reason (audit row), instructors set the cohort's (audit row); the cut-off does
not move; students and other cohorts' staff get 404, a TA a 403 on the cohort's own number."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from catalog.models import Exercise
from courses.models import Assignment, Cohort, Enrolment, Role
from courses.services import AssignmentClosed
from grading.grace_days import grace_days_used
from grading.gradebook import gradebook, my_assignments
from grading.models import Submission
from tests.support.factories import ExtensionFactory, SubmissionFactory, UserFactory

DAY = timedelta(days=1)


@pytest.fixture
def people(cohort, other_cohort, enrol, student_user, other_student):  # type: ignore[no-untyped-def]
    made = {"ada": student_user, "grace": other_student}
    enrol(student_user, cohort)
    enrol(other_student, cohort)
    for name, target, role in [
        ("ines", cohort, Role.INSTRUCTOR), ("tara", cohort, Role.TA), ("oscar", other_cohort, Role.TA),
    ]:
        made[name] = UserFactory(username=name)
        enrol(made[name], target, role=role)
    return made


@pytest.fixture
def course_work(cohort, synced_exercise, make_assignment):  # type: ignore[no-untyped-def]
    """Two past assignments with 10% off per started day (the later-due one made first) and one without."""
    now = timezone.now()
    others = list(Exercise.objects.filter(active=True).exclude(pk=synced_exercise.pk).order_by("slug")[:2])
    second = make_assignment(
        cohort, others[0], opens_at=now - 20 * DAY, due_at=now - 5 * DAY, late_penalty_per_day=0.1
    )
    first = make_assignment(
        cohort, synced_exercise, opens_at=now - 20 * DAY, due_at=now - 10 * DAY, late_penalty_per_day=0.1
    )
    free = make_assignment(cohort, others[1], opens_at=now - 20 * DAY, due_at=now - 8 * DAY)
    return first, second, free


def full_marks(student, assignment: Assignment, when: datetime) -> Submission:  # type: ignore[no-untyped-def]
    submission = SubmissionFactory(assignment=assignment, student=student, score=assignment.max_score)
    Submission.objects.filter(pk=submission.pk).update(created_at=when)
    return submission


def scores(cohort: Cohort, student) -> list[Decimal | None]:  # type: ignore[no-untyped-def]
    """The student's counted scores as fractions of full marks, in the cohort's assignment order."""
    book = gradebook(cohort=cohort)
    return [
        None if cell.score is None else cell.score / a.max_score
        for a, cell in zip(book.assignments, book.row(Enrolment.objects.get(cohort=cohort, user=student)), strict=True)
    ]


def test_grace_days_cover_late_work_by_due_date_then_the_penalty_applies(
    client, cohort, people, course_work
) -> None:
    first, second, free = course_work
    ada, grace = people["ada"], people["grace"]
    Cohort.objects.filter(pk=cohort.pk).update(grace_days=3)
    # Two started days late on the first: covered, one day left.
    full_marks(ada, first, first.due_at - DAY)  # an earlier, on-time try: the latest is the one charged
    full_marks(ada, first, first.due_at + DAY + timedelta(hours=2))
    full_marks(ada, free, free.due_at + 4 * DAY)  # no late penalty: never charged
    full_marks(grace, first, first.due_at + timedelta(hours=1))
    assert grace_days_used(cohort) == {(ada.pk, first.pk): 2, (grace.pk, first.pk): 1}
    assert scores(cohort, ada) == [1, 1, None]  # order: first, free, second (by due date)

    client.force_login(ada)
    page = client.get("/courses/").content.decode()
    assert "2 grace days used, 1 left" in page and "(of 3)" in page
    assert f'data-assignment="{first.pk}"' in page and "2 grace days</span>" in page

    # The second assignment, three started days late, made before the first was charged: it gets what is left
    # (one day) and loses 20% for the other two.
    full_marks(ada, second, second.due_at + 2 * DAY + timedelta(hours=3))
    assert grace_days_used(cohort, [ada.pk]) == {(ada.pk, first.pk): 2, (ada.pk, second.pk): 1}
    assert scores(cohort, ada) == [1, 1, Decimal("0.8")]
    (_, statuses), = my_assignments(ada)
    by_pk = {s.assignment.pk: s for s in statuses}
    assert (by_pk[second.pk].grace_days, by_pk[second.pk].score) == (1, second.max_score * Decimal("0.8"))
    assert by_pk[second.pk].grace_bank is not None and by_pk[second.pk].grace_bank.left == 0
    page = client.get(f"/assignments/{second.pk}/").content.decode()
    assert 'id="grace-days">1 used on this assignment; 0 of 3 left' in page and "late −20%" in page

    # An extension moves the due date the days are counted from: one day beyond it, covered; a day is left.
    ExtensionFactory(assignment=second, student=ada, due_at=second.due_at + 2 * DAY)
    assert grace_days_used(cohort, [ada.pk])[(ada.pk, second.pk)] == 1
    assert scores(cohort, ada)[2] == 1

    # Nothing is stored: deleting the late submission gives the day back at once.
    Submission.objects.filter(assignment=first, student=ada).order_by("-created_at").first().delete()  # type: ignore[union-attr]
    assert grace_days_used(cohort, [ada.pk]) == {(ada.pk, second.pk): 1}

    # Without grace days, the same work is penalised as before grace days existed.
    Cohort.objects.filter(pk=cohort.pk).update(grace_days=0)
    assert grace_days_used(cohort) == {}
    assert scores(cohort, grace)[0] == Decimal("0.9")
    assert "grace day" not in client.get("/courses/").content.decode()


def test_staff_adjust_one_students_bank_with_a_reason_and_instructors_set_the_cohorts(
    client, cohort, people, course_work
) -> None:
    first, second, _ = course_work
    ada = people["ada"]
    full_marks(ada, first, first.due_at + 2 * DAY + timedelta(hours=1))  # three days late
    full_marks(ada, second, second.due_at + DAY + timedelta(hours=1))  # two days late
    assert scores(cohort, ada)[::2] == [Decimal("0.7"), Decimal("0.8")]

    # A teaching assistant sees the banks and adjusts one; the cohort's own number is the instructors'.
    client.force_login(people["tara"])
    assert client.get(f"/cohorts/{cohort.pk}/grace-days/").status_code == 200
    response = client.post(f"/cohorts/{cohort.pk}/assignments/", {"grace_days": "9"})
    assert response.status_code == 403 and "Only the cohort&#x27;s instructors set its grace days" in response.content.decode()
    response = client.post(f"/cohorts/{cohort.pk}/grace-days/", {"student": ada.pk, "adjust": "4", "reason": "surgery"})
    assert response.status_code == 302, response.content.decode()
    assert grace_days_used(cohort, [ada.pk]) == {(ada.pk, first.pk): 3, (ada.pk, second.pk): 1}
    assert scores(cohort, ada)[::2] == [1, Decimal("0.9")]
    page = client.get(f"/cohorts/{cohort.pk}/grace-days/").content.decode()
    ada_row = re.search(r'data-username="ada">(.*?)</tr>', page, re.DOTALL)
    assert ada_row is not None and "surgery" in ada_row.group(1) and "+4" in ada_row.group(1)
    assert 'grace-total">4<' in ada_row.group(1) and 'grace-left"><strong>0<' in ada_row.group(1)

    # The instructor sets the cohort's: everyone gets 2, ada 2 + 4.
    client.force_login(people["ines"])
    page = client.get(f"/cohorts/{cohort.pk}/assignments/").content.decode()
    assert 'id="grace-days-form"' in page
    response = client.post(f"/cohorts/{cohort.pk}/assignments/", {"grace_days": "2"})
    assert response.status_code == 302
    assert grace_days_used(cohort, [ada.pk]) == {(ada.pk, first.pk): 3, (ada.pk, second.pk): 2}

    adjusted, cohort_set = AuditEvent.objects.filter(cohort_id=cohort.pk).order_by("pk")
    assert (adjusted.action, adjusted.actor_name, adjusted.reason) == ("enrolment.grace_days", "tara", "surgery")
    assert (adjusted.before, adjusted.after) == ({"grace_days_adjust": 0}, {"grace_days_adjust": 4})
    assert (cohort_set.action, cohort_set.before, cohort_set.after) == (
        "cohort.grace_days", {"grace_days": 0}, {"grace_days": 2}
    )

    # Bad input: a 400 that says why and saves nothing.
    for form, message in [
        ({"student": ada.pk, "adjust": "-3", "reason": "x"}, "negative bank"),
        ({"student": ada.pk, "adjust": "1", "reason": " "}, "This field is required"),
        ({"student": people["tara"].pk, "adjust": "1", "reason": "x"}, "Select a valid choice"),
        ({"student": ada.pk, "adjust": "lots", "reason": "x"}, "Enter a whole number"),
    ]:
        response = client.post(f"/cohorts/{cohort.pk}/grace-days/", form)
        assert response.status_code == 400 and message in response.content.decode(), form
    for value in ["-1", "1000", "two"]:
        response = client.post(f"/cohorts/{cohort.pk}/assignments/", {"grace_days": value})
        assert response.status_code == 400 and 'id="error-grace_days"' in response.content.decode()
    assert AuditEvent.objects.filter(cohort_id=cohort.pk).count() == 2
    assert Enrolment.objects.get(cohort=cohort, user=ada).grace_days_adjust == 4
    assert Cohort.objects.get(pk=cohort.pk).grace_days == 2


@pytest.mark.parametrize("who", ["ada", "oscar"])
def test_students_and_other_cohorts_staff_get_404(client, cohort, people, who) -> None:
    client.force_login(people[who])
    assert client.get(f"/cohorts/{cohort.pk}/grace-days/").status_code == 404
    response = client.post(f"/cohorts/{cohort.pk}/grace-days/", {"student": people["ada"].pk, "adjust": "9", "reason": "x"})
    assert response.status_code == 404
    assert client.post(f"/cohorts/{cohort.pk}/assignments/", {"grace_days": "9"}).status_code == 404
    assert not AuditEvent.objects.exists() and Cohort.objects.get(pk=cohort.pk).grace_days == 0


def test_the_cutoff_does_not_move(cohort, people, make_assignment, submit) -> None:
    now = timezone.now()
    Cohort.objects.filter(pk=cohort.pk).update(grace_days=5)
    assignment = make_assignment(
        cohort, opens_at=now - 10 * DAY, due_at=now - 2 * DAY, hard_cutoff_at=now - DAY, late_penalty_per_day=0.1
    )
    with pytest.raises(AssignmentClosed, match="late submissions are no longer accepted"):
        submit(people["ada"], assignment)

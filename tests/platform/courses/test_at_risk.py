"""The at-risk list: each rule fires on a student built for it, with its facts; a student who is fine is not
listed; most reasons first; a CSV safe for spreadsheets; a fixed number of queries however many students;
staff of the cohort only (students and other cohorts' staff get 404), and the student's submissions page it
links to likewise."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Exercise
from core.points import format_points
from courses.models import Assignment, Cohort, Role
from grading.at_risk import at_risk
from grading.models import Submission
from tests.support.factories import GradingRunFactory, SubmissionFactory, UserFactory

DAY = timedelta(days=1)


def scored(student, assignment: Assignment, fraction: str, when: datetime) -> Submission:  # type: ignore[no-untyped-def]
    score = (assignment.max_score * Decimal(fraction)).quantize(Decimal("0.0001"))
    submission = SubmissionFactory(assignment=assignment, student=student, score=score, files=None)
    Submission.objects.filter(pk=submission.pk).update(created_at=when)
    return submission


@pytest.fixture
def work(cohort, synced_exercise, make_assignment):  # type: ignore[no-untyped-def]
    """Three assignments already due, one due in 20 hours, one open for a week."""
    now = timezone.now()
    exercises = [synced_exercise, *Exercise.objects.filter(active=True).exclude(pk=synced_exercise.pk).order_by("slug")[:4]]
    past = [
        make_assignment(cohort, exercises[i], opens_at=now - 30 * DAY, due_at=now - (10 - 3 * i) * DAY)
        for i in range(3)
    ]
    soon = make_assignment(cohort, exercises[3], opens_at=now - 5 * DAY, due_at=now + timedelta(hours=20))
    later = make_assignment(cohort, exercises[4], opens_at=now - 5 * DAY, due_at=now + 7 * DAY)
    return past, soon, later


def good_student(cohort: Cohort, enrol, work, name: str, **enrolment: object):  # type: ignore[no-untyped-def]
    """Full marks on time on every assignment due so far, and on the one due soon."""
    past, soon, _ = work
    student = UserFactory(username=name)
    enrol(student, cohort, **enrolment)
    for assignment in [*past, soon]:
        scored(student, assignment, "1", assignment.due_at - DAY)
    return student


def test_each_rule_fires_with_its_facts_and_a_fine_student_is_not_listed(
    client, cohort, other_cohort, enrol, work
) -> None:
    past, soon, later = work
    fine = good_student(cohort, enrol, work, "fina")
    for _ in range(4):  # many tries, the last with full marks: fine
        scored(fine, later, "0.5", timezone.now() - timedelta(hours=2))
    scored(fine, later, "1", timezone.now() - timedelta(hours=1))

    mia = UserFactory(username="mia")  # nothing due soon, nor the last one due
    enrol(mia, cohort)
    for assignment in past[:2]:
        scored(mia, assignment, "1", assignment.due_at - DAY)

    fred = UserFactory(username="fred")  # 90% -> 70% -> 40%
    enrol(fred, cohort)
    for assignment, fraction in zip(past, ["0.9", "0.7", "0.4"], strict=True):
        scored(fred, assignment, fraction, assignment.due_at - DAY)
    scored(fred, soon, "1", timezone.now())
    scored(fred, later, "0.2", timezone.now())  # an open assignment's score does not count yet

    hal = UserFactory(username="hal")  # 60%, 100%, then 30%: below half of the earlier 80%
    enrol(hal, cohort)
    for assignment, fraction in zip(past, ["0.6", "1", "0.3"], strict=True):
        scored(hal, assignment, fraction, assignment.due_at - DAY)
    scored(hal, soon, "1", timezone.now())

    tim = good_student(cohort, enrol, work, "tim", pseudonym="=HYPERLINK(1)")  # 6 graded tries, none full
    for fraction in ["0.1", "0.3", "0.2", "0.3", "0.1", "0.2"]:
        scored(tim, later, fraction, timezone.now() - timedelta(hours=1))
    not_loaded = scored(tim, later, "0", timezone.now())  # could not be loaded: not an attempt
    GradingRunFactory(submission=not_loaded, status="not_gradable")

    staff = UserFactory(username="tara")
    enrol(staff, cohort, role=Role.TA)
    rows = at_risk(cohort)
    assert [row.enrolment.user.username for row in rows] == ["mia", "fred", "hal", "tim"]
    facts = {row.enrolment.user.username: [(r.rule, r.text) for r in row.reasons] for row in rows}
    assert facts["mia"] == [
        ("missing", f"{past[2].exercise.title}: 4 days past due, no submission"),
        ("missing", f"{soon.exercise.title}: due in 20 h, no submission"),
    ]
    assert facts["fred"] == [("falling", "scores 90% → 70% → 40%")]
    assert facts["hal"] == [("falling", f"latest 30% ({past[2].exercise.title}), earlier average 80%")]
    full = later.exercise_version.max_score
    best, most = format_points(full * Decimal("0.3")), format_points(full)
    assert facts["tim"] == [("attempts", f"{later.exercise.title}: 6 attempts, best {best}/{most}")]

    client.force_login(staff)
    page = client.get(f"/cohorts/{cohort.pk}/at-risk/").content.decode()
    assert 'data-username="mia" data-reasons="2"' in page and "fina" not in page
    assert "scores 90% → 70% → 40%" in page and f"/cohorts/{cohort.pk}/students/{tim.pk}/submissions/" in page
    assert f"/cohorts/{cohort.pk}/at-risk/" in client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    response = client.get(f"/cohorts/{cohort.pk}/at-risk.csv")
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == ["username", "display name", "reasons", "rules", "facts"]
    assert [line[0] for line in table[1:]] == ["mia", "fred", "hal", "tim"]
    assert table[1][2:4] == ["2", "no submission"] and table[4][1] == "'=HYPERLINK(1)"

    # The student's submissions, linked from the list: theirs in this cohort, newest first.
    page = client.get(f"/cohorts/{cohort.pk}/students/{tim.pk}/submissions/").content.decode()
    assert page.count('class="student-submission"') == 11 and "not_gradable" in page
    assert client.get(f"/cohorts/{cohort.pk}/students/{staff.pk}/submissions/").status_code == 404

    outsider = UserFactory(username="olga")
    enrol(outsider, other_cohort, role=Role.TA)
    for user in [mia, outsider]:  # a student, and another cohort's staff
        client.force_login(user)
        for url in ["at-risk/", "at-risk.csv", f"students/{tim.pk}/submissions/"]:
            assert client.get(f"/cohorts/{cohort.pk}/{url}").status_code == 404, (user, url)


def test_the_thresholds_are_settings(cohort, enrol, work, settings) -> None:
    _, soon, later = work
    student = good_student(cohort, enrol, work, "sam")
    Submission.objects.filter(student=student, assignment=soon).delete()
    for _ in range(3):
        scored(student, later, "0.5", timezone.now())
    assert [r.rule for r in at_risk(cohort)[0].reasons] == ["missing"]
    settings.GRADIENT_AT_RISK_DUE_HOURS = 12
    settings.GRADIENT_AT_RISK_FAILED_ATTEMPTS = 3
    assert [r.rule for r in at_risk(cohort)[0].reasons] == ["attempts"]


def test_a_fixed_number_of_queries_for_the_whole_cohort(cohort, enrol, work) -> None:
    Cohort.objects.filter(pk=cohort.pk).update(grace_days=2)  # the grace-day reads are in it too
    past, _, later = work

    def add_students(first: int, count: int) -> None:
        for n in range(first, first + count):  # each with nothing for the assignment due soon
            student = UserFactory(username=f"s{n}", password=None)  # no password hashing: fast
            enrol(student, cohort)
            for assignment in past:
                scored(student, assignment, "1", assignment.due_at - DAY)
            scored(student, past[0], "0.5", past[0].due_at + DAY)  # late, with grace days to spend
            scored(student, later, "0.4", timezone.now())

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            rows = at_risk(cohort)
        return len(captured), len(rows)

    add_students(0, 3)
    few, _ = queries()
    add_students(3, 27)
    many, listed = queries()
    assert listed == 30 and few == many <= 12, (few, many)

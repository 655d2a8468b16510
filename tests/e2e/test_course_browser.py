"""A real browser (Debian's Chromium, driven by Playwright) against the live site and a real worker, through
a course: the student finds the assignment on /courses/, submits the reference solution, watches it reach
full marks without reloading and finds their pseudonym on the leaderboard; the instructor opens the
gradebook and downloads its CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "graders" / "python-foundations" / "word-frequencies"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def course(synced_exercise):  # type: ignore[no-untyped-def]
    """A cohort with the word-frequencies assignment, our student, an instructor, and two classmates whose
    graded work is already there (written as seed_demo writes its demo data)."""
    from courses.models import Role
    from tests.support.factories import AssignmentFactory, CohortFactory, EnrolmentFactory, UserFactory
    from web.management.commands.seed_demo import demo_graded_submission

    now = timezone.now()
    cohort = CohortFactory(
        course__slug="ai-engineering-101",
        course__title="AI Engineering 101",
        slug="autumn-2026",
        name="Autumn 2026",
    )
    assignment = AssignmentFactory(
        cohort=cohort,
        exercise=synced_exercise,
        opens_at=now - timedelta(days=1),
        due_at=now + timedelta(days=7),
        hard_cutoff_at=now + timedelta(days=10),
        attempts_per_day=5,
        attempts_cap=20,
        late_penalty_per_day=0.1,
    )
    student = UserFactory(username="lin", password="pw-lin-12345")
    EnrolmentFactory(cohort=cohort, user=student, pseudonym="Curious Otter")
    teacher = UserFactory(username="ines", password="pw-ines-12345")
    EnrolmentFactory(cohort=cohort, user=teacher, role=Role.INSTRUCTOR)
    tests = list(synced_exercise.current_version.manifest.names)
    for username, pseudonym, passed in [("amara", "Brave Badger", tests), ("bo", "Quiet Heron", tests[2:])]:
        classmate = UserFactory(username=username)
        EnrolmentFactory(cohort=cohort, user=classmate, pseudonym=pseudonym)
        demo_graded_submission(assignment, classmate, passed=set(passed), created_at=now - timedelta(hours=2))
    return cohort, assignment


def sign_in(page, base: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_course_from_the_students_and_the_instructors_side(
    live_server, course, celery_worker_process, browser_page
) -> None:
    cohort, assignment = course
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser_page
    base = live_server.url

    # The student: my courses, then the assignment.
    sign_in(page, base, "lin", "pw-lin-12345")
    page.click("header >> text=Courses")
    page.wait_for_url(f"{base}/courses/")
    row = page.locator(f"tr.assignment-row[data-assignment='{assignment.pk}']")
    assert "5 of 5 today, 20 of 20 in total" in row.inner_text()
    assert f"{assignment.due_at:%Y-%m-%d %H:%M}" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "course-my-courses.png"), full_page=True)

    row.locator("text=Word frequencies").click()
    page.wait_for_url(f"{base}/assignments/{assignment.pk}/")
    assert "10% off per started day late" in page.inner_text("#late-policy")
    page.screenshot(path=str(ARTIFACTS / "course-assignment.png"), full_page=True)
    page.set_input_files("input[type=file]", str(GRADER / "reference" / "solution.py"))
    page.click("text=Submit for grading")
    page.wait_for_url("**/submissions/*/")
    page.wait_for_selector("[data-final=yes]", timeout=90_000)  # the page polls; the test never reloads
    assert page.inner_text("#run-status") == "Graded"
    assert page.inner_text("#score").startswith("10 / 10")
    assert len(page.locator("tr.test-row[data-outcome=passed]").all()) == 7
    page.screenshot(path=str(ARTIFACTS / "course-feedback.png"), full_page=True)

    # The leaderboard: a tie at 10 goes to the earlier submission, so Brave Badger stays first.
    page.click("#assignment-link >> text=leaderboard")
    page.wait_for_url(f"{base}/assignments/{assignment.pk}/leaderboard/")
    assert "Ranked by best score, earliest submission first on ties." in page.inner_text("#ranked-by")
    rows = [r.split("\t") for r in page.locator("tr.leaderboard-row").all_inner_texts()]
    assert [(r[0], r[1].removesuffix(" you").strip()) for r in rows] == [
        ("1", "Brave Badger"), ("2", "Curious Otter"), ("3", "Quiet Heron")
    ]
    me = page.locator("tr.leaderboard-row.me")
    assert "Curious Otter" in me.inner_text() and me.get_attribute("aria-current") == "true"
    page.screenshot(path=str(ARTIFACTS / "course-leaderboard.png"), full_page=True)

    # The instructor: the gradebook and its CSV.
    sign_in(page, base, "ines", "pw-ines-12345")
    page.goto(f"{base}/courses/")
    page.click(f"#teaching >> a[href='/cohorts/{cohort.pk}/gradebook/']")
    page.wait_for_url(f"{base}/cohorts/{cohort.pk}/gradebook/")
    student_rows = page.locator("tr.gradebook-row").all_inner_texts()
    assert [r.split("\t")[0] for r in student_rows] == ["amara", "bo", "lin"]
    assert page.locator(f"#charts-{assignment.pk} svg").count() == 2
    page.screenshot(path=str(ARTIFACTS / "course-gradebook.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#csv")
    download = download_info.value
    assert download.suggested_filename == "ai-engineering-101-autumn-2026-gradebook.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    declared = assignment.exercise.current_version.manifest
    bo_score = f"{sum(t.points for t in declared.tests[2:]):g}"  # bo passed all but the first two
    assert rows == [
        ["username", "display name", "python-foundations/word-frequencies", "total"],
        ["amara", "Brave Badger", "10", "10"],
        ["bo", "Quiet Heron", bo_score, bo_score],
        ["lin", "Curious Otter", "10", "10"],
    ]

    # The screenshots stay in test-artifacts/ (a test never writes into the work tree); docs/screenshots
    # holds copies taken from the demo.

"""Course staff in a real browser (Debian's Chromium, driven by Playwright) against the live site and a real
worker, with no admin rights: an instructor creates an assignment with points graded by hand and writes its
rubric; a teaching assistant grades a submission with a rubric item and a line comment; the instructor
releases the marks and the student reads them; a similarity report ranks the copied pair first and shows it
side by side; after a grader change the instructor regrades the assignment and reads the per-test diff.
Every page visited is checked with axe-core (no serious or critical violation) and by the CSP recorder of
conftest.browser_page. Screenshots go to test-artifacts/ (docs/screenshots holds copies)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
SLUG = "python-foundations/word-frequencies"
ARTIFACTS = ROOT / "test-artifacts"
REFERENCE = (ROOT / "graders" / SLUG / "reference" / "solution.py").read_text()
V1_EXPECTED, V2_EXPECTED = 'want = {"the": 4, "cat": 2}', 'want = {"the": 5, "cat": 2}'

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def renamed(source: str) -> str:
    """The reference solution with its local names changed: what a student who copied it would hand in."""
    out = source
    for old, new in [("counts", "tally"), ("word", "token"), ("text", "body"), ("words", "tokens")]:
        out = re.sub(rf"\b{old}\b", new, out)
    return out


OWN_WORK = '''"""My own word counter."""


def count_words(text):
    result = {}
    for piece in text.lower().split():
        piece = piece.strip(".,;:!?\\"'()")
        if not piece:
            continue
        if piece in result:
            result[piece] = result[piece] + 1
        else:
            result[piece] = 1
    return result
'''


@pytest.fixture
def grader_copy(tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    """word-frequencies copied under tmp_path, the settings pointing there, so the test may change its grader."""
    from catalog.services import exercises_sync

    exercises, graders = tmp_path / "exercises", tmp_path / "graders"
    shutil.copytree(ROOT / "exercises" / SLUG, exercises / SLUG)
    shutil.copytree(ROOT / "graders" / SLUG, graders / SLUG)
    settings.GRADIENT_EXERCISES_DIR = exercises
    settings.GRADIENT_GRADERS_DIR = graders
    settings.SANDBOX = dataclasses.replace(settings.SANDBOX, work_dir=tmp_path / "work")
    exercises_sync()
    return next((graders / SLUG).glob("test_*.py"))


@pytest.fixture
def people(grader_copy):  # type: ignore[no-untyped-def]
    from courses.models import Role
    from tests.support.factories import CohortFactory, EnrolmentFactory, UserFactory

    cohort = CohortFactory(course__slug="ai-eng", course__title="AI Engineering", slug="winter", name="Winter 2026")
    made = {}
    for name, role in [("ines", Role.INSTRUCTOR), ("tara", Role.TA), ("lin", Role.STUDENT), ("amara", Role.STUDENT),
                       ("bo", Role.STUDENT)]:
        made[name] = UserFactory(username=name, password=f"pw-{name}-12345", email=f"{name}@example.test")
        EnrolmentFactory(cohort=cohort, user=made[name], role=role)
    return cohort, made


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def wait_graded(submission_ids: list[int], timeout_s: float = 120) -> None:
    from grading.models import GradingRun, RunStatus

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = GradingRun.objects.filter(submission_id__in=submission_ids)
        if all(run.status not in (RunStatus.QUEUED, RunStatus.RUNNING) for run in runs):
            return
        time.sleep(0.5)
    raise AssertionError(f"runs not final after {timeout_s} s: {list(runs.values_list('pk', 'status'))}")


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_staff_run_a_course_in_the_browser(  # type: ignore[no-untyped-def]
    live_server, people, grader_copy, celery_worker_process, browser_page, accessible
) -> None:
    from catalog.services import exercises_sync
    from core.points import format_points
    from courses.models import Assignment
    from grading import intake
    from grading.models import Submission

    cohort, who = people
    page, base = browser_page, live_server.url

    # 1. The instructor creates the assignment, 5 points graded by hand on top of the tests.
    sign_in(page, base, "ines")
    accessible(page)
    page.goto(f"{base}/cohorts/{cohort.pk}/gradebook/")
    accessible(page)
    page.click("#assignments-link")
    accessible(page)
    page.goto(f"{base}/cohorts/{cohort.pk}/assignments/new/")
    from catalog.models import Exercise

    page.select_option("#id_exercise", value=str(Exercise.objects.get(slug=SLUG).pk))
    now = timezone.now()
    page.fill("#id_opens_at", (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_due_at", (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_manual_max_points", "5")
    accessible(page)
    shot(page, "staff-assignment-create.png")
    page.click("#assignment-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/cohorts/{cohort.pk}/assignments/#assignment-\d+$"))
    assignment = Assignment.objects.get(cohort=cohort)
    assert assignment.max_score == assignment.auto_max_score + 5

    # Its rubric: two items, one that gives and one that takes.
    page.goto(f"{base}/assignments/{assignment.pk}/rubric/")
    for points, title in [("3", "Clear, well-named helpers"), ("-1", "Leaves debug prints")]:
        page.fill("#new-points", points)
        page.fill("#new-title", title)
        page.click("#add-item")
        page.wait_for_selector(f"#rubric-items input[value='{title}']")
    accessible(page)

    # Three students hand in work (the page flow of submitting is tests/e2e/test_course_browser.py's).
    uploads = {"lin": REFERENCE, "amara": renamed(REFERENCE), "bo": OWN_WORK}
    submitted = {
        name: intake.submission_create(
            student=who[name], exercise=assignment.exercise, uploads={"solution.py": code.encode()}, assignment=assignment
        )
        for name, code in uploads.items()
    }
    wait_graded([s.pk for s in submitted.values()])
    lin = Submission.objects.get(pk=submitted["lin"].pk)
    assert lin.score == lin.max_score

    # 2. The TA grades from the queue: a rubric item, then a comment on line 3 (its line number's link).
    sign_in(page, base, "tara")
    page.goto(f"{base}/assignments/{assignment.pk}/grading/")
    accessible(page)
    page.goto(f"{base}/submissions/{lin.pk}/review/")
    accessible(page)
    item = page.locator("label", has_text="Clear, well-named helpers")
    item.click()
    page.click("#save-grade")
    page.wait_for_url(f"**/submissions/{lin.pk}/review/#grade")
    assert "by hand: +3" in page.inner_text("#graded-by")
    page.click("#f0-L3 td.ln a")
    assert page.input_value("#comment-line") == "3" and page.input_value("#comment-file") == "solution.py"
    page.fill("#comment-text", "Nice: a <docstring> that says what comes back.")
    page.click("#add-comment")
    page.wait_for_url(f"**/submissions/{lin.pk}/review/#f0-L3")
    assert "Nice: a <docstring>" in page.locator(".line-comments").first.inner_text()
    shot(page, "staff-review-grading.png")

    # 3. The instructor releases; the student reads the marks and the comment.
    sign_in(page, base, "ines")
    page.goto(f"{base}/assignments/{assignment.pk}/rubric/")
    page.click("#release-marks")
    page.wait_for_selector("#withdraw-marks")
    sign_in(page, base, "lin")
    for path in ["/", "/courses/", f"/assignments/{assignment.pk}/"]:
        page.goto(f"{base}{path}")
        accessible(page)
    # The tests' full marks and the 3 points by hand, out of the tests' full marks and the 5 by hand.
    assert page.inner_text("#my-score") == f"{format_points(lin.max_score + 3)} / {format_points(lin.max_score + 5)}"
    page.goto(f"{base}/submissions/{lin.pk}/")
    page.wait_for_selector("#marks")
    marks = page.inner_text("#marks")
    assert "Clear, well-named helpers" in marks and "Nice: a <docstring>" in marks and "Leaves debug prints" not in marks
    accessible(page)
    shot(page, "student-released-marks.png")

    # 4. A similarity report: the copied pair comes first; side by side, the matches are marked.
    sign_in(page, base, "tara")
    page.goto(f"{base}/assignments/{assignment.pk}/similarity/")
    accessible(page)
    page.click("#similarity-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/similarity/\d+/$"))
    # The page reloads itself once the report is final (similarity.js); a reload of ours could cut into it.
    page.wait_for_selector("#similarity-report[data-final=yes]", timeout=90_000)
    assert "done" in page.inner_text("#similarity-status").lower()
    top = page.locator("#similarity-pairs tr.similarity-pair-row").first
    assert "lin" in top.inner_text() and "amara" in top.inner_text() and "bo" not in top.inner_text().split()
    accessible(page)
    top.locator("a").last.click()
    page.wait_for_selector("mark")
    assert page.locator("mark").count() >= 2
    accessible(page)
    shot(page, "staff-similarity-pair.png")

    # 5. The grader changes (test_ignores_case expects another count); the instructor regrades the assignment
    #    with the new version and reads the diff of lin's submission.
    grader_copy.write_text(grader_copy.read_text().replace(V1_EXPECTED, V2_EXPECTED))
    exercises_sync()
    sign_in(page, base, "ines")
    page.goto(f"{base}/assignments/{assignment.pk}/regrade/")
    page.check("input[name=version][value=current]")
    accessible(page)
    page.click("#regrade-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/regrades/\d+/$"))
    wait_graded([s.pk for s in submitted.values()])
    # The page reloads itself once the batch is final (regrade.js): a reload of ours could cut into that one.
    page.wait_for_selector("#regrade-progress[data-final=yes]")
    accessible(page)
    page.goto(f"{base}/regrades/runs/{lin.runs.order_by('-pk').first().pk}/")
    page.wait_for_selector("#diff")
    changed = page.locator("tr.diff-row[data-changed=yes]")
    assert changed.count() == 1 and "test_ignores_case" in changed.first.inner_text()
    accessible(page)
    shot(page, "staff-regrade-diff.png")

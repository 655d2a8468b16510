"""A real browser (Debian's Chromium, driven by Playwright) against the live site and a real worker:
a student signs in, submits, watches the run finish without reloading, and reads the feedback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "graders" / "python-foundations" / "word-frequencies"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_student_submits_and_sees_feedback_without_reloading(
    live_server, synced_exercise, celery_worker_process, browser_page
) -> None:
    UserFactory(username="lin", password="pw-lin-12345")
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "lin")
    page.fill("#id_password", "pw-lin-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "Word frequencies" in page.inner_text("main")

    page.click("text=Word frequencies")
    page.set_input_files("input[type=file]", str(GRADER / "wrong" / "case-sensitive" / "solution.py"))
    page.click("text=Submit for grading")
    page.wait_for_url("**/submissions/*/")
    first_status = page.get_attribute("[data-status]", "data-status")
    assert first_status in {"queued", "running", "graded"}
    # The page polls: the final result appears with no reload by the test.
    page.wait_for_selector("[data-final=yes]", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "browser-feedback.png"), full_page=True)
    assert page.inner_text("#run-status") == "Graded"
    assert page.inner_text("#score").startswith("6 / 10")
    failed = page.locator("tr.test-row[data-outcome=failed]").all_inner_texts()
    assert any("test_ignores_case" in row and "expected" in row for row in failed)

    page.goto(f"{live_server.url}/exercises/python-foundations/word-frequencies/")
    page.set_input_files("input[type=file]", str(GRADER / "reference" / "solution.py"))
    page.click("text=Submit for grading")
    page.wait_for_selector("[data-final=yes]", timeout=60_000)
    assert page.inner_text("#score").startswith("10 / 10")
    page.goto(f"{live_server.url}/")
    from catalog.models import Exercise

    in_phase = Exercise.objects.filter(phase="python-foundations", active=True).count()
    assert f"1 / {in_phase} mastered" in page.inner_text("#phase-python-foundations")
    page.screenshot(path=str(ARTIFACTS / "browser-roadmap.png"))


def test_wrong_file_name_is_a_clear_400_in_the_browser(
    live_server, synced_exercise, browser_page, tmp_path
) -> None:
    UserFactory(username="kai", password="pw-kai-12345")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "kai")
    page.fill("#id_password", "pw-kai-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    wrong = tmp_path / "answer.py"
    wrong.write_text("x = 1\n")
    page.goto(f"{live_server.url}/exercises/python-foundations/word-frequencies/")
    with page.expect_response(lambda r: r.request.method == "POST") as response_info:
        page.set_input_files("input[type=file]", str(wrong))
        page.click("text=Submit for grading")
    assert response_info.value.status == 400
    assert "Expected solution.py but got answer.py" in page.inner_text("[role=alert]")

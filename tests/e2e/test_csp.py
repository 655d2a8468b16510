"""The Content-Security-Policy holds in a real browser (Debian's Chromium): every main page of a student, of
course staff, of a site administrator and of a visitor carries a policy that allows no inline script, and
Chromium reports no violation on any of them (the browser_page fixture fails a test on any it logs). A page
that tries an inline script and an inline style shows that the policy is enforced, not merely sent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.e2e.conftest import RECORD_CSP_VIOLATIONS, csp_violations

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(synced_exercise):  # type: ignore[no-untyped-def]
    from courses.models import Role
    from tests.support.factories import AssignmentFactory, CohortFactory, EnrolmentFactory, UserFactory
    from web.management.commands.seed_demo import demo_graded_submission

    now = timezone.now()
    cohort = CohortFactory()
    assignment = AssignmentFactory(
        cohort=cohort, exercise=synced_exercise, opens_at=now - timedelta(days=1), due_at=now + timedelta(days=3)
    )
    student = UserFactory(username="lin", password="pw-lin-12345")
    EnrolmentFactory(cohort=cohort, user=student, pseudonym="Curious Otter")
    EnrolmentFactory(cohort=cohort, user=UserFactory(username="ines", password="pw-ines-12345"), role=Role.INSTRUCTOR)
    UserFactory(username="root", password="pw-root-12345", is_staff=True, is_superuser=True)
    tests = list(synced_exercise.current_version.manifest.names)
    submission = demo_graded_submission(assignment, student, passed=set(tests[1:]), created_at=now)
    return cohort, assignment, submission


def sign_in(page, base: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def visit(page, url: str) -> str:  # type: ignore[no-untyped-def]
    """Opens ``url``, waits for it to settle and returns its policy; asserts nothing was blocked."""
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    policy = response.headers.get("content-security-policy", "")
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, (url, policy)
    assert "frame-ancestors 'none'" in policy, (url, policy)
    assert csp_violations(page) == [], url
    return policy


def test_main_pages_run_under_a_policy_without_inline_script(live_server, site, browser_page) -> None:
    cohort, assignment, submission = site
    page, base = browser_page, live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    slug = assignment.exercise.slug

    for path in ["/login/", "/password/reset/"]:
        visit(page, base + path)

    sign_in(page, base, "lin", "pw-lin-12345")
    for path in [
        "/", "/leaderboard/", f"/exercises/{slug}/", "/courses/", f"/assignments/{assignment.pk}/",
        f"/assignments/{assignment.pk}/leaderboard/", "/password/change/",
    ]:
        visit(page, base + path)
    # The result panel and its poller (a static script now) work under the policy.
    visit(page, f"{base}/submissions/{submission.pk}/")
    assert page.locator("#run-status").inner_text() == "Graded"

    sign_in(page, base, "ines", "pw-ines-12345")
    visit(page, f"{base}/cohorts/{cohort.pk}/gradebook/")
    assert page.locator("svg.chart").count() == 2  # the charts, sized without style attributes
    # The staff pages, each also kept as a picture for docs/screenshots.
    for path, picture in [
        (f"/cohorts/{cohort.pk}/assignments/", "staff-assignments"),
        (f"/assignments/{assignment.pk}/edit/", "staff-assignment-edit"),
        (f"/assignments/{assignment.pk}/extensions/", "staff-extensions"),
        (f"/cohorts/{cohort.pk}/enrol/", "staff-enrol"),
        (f"/cohorts/{cohort.pk}/invite/", None),
        (f"/lti/cohorts/{cohort.pk}/", None),
        ("/account/", None),
        ("/account/tokens/", None),
        (f"/cohorts/{cohort.pk}/assignments/new/", None),
        (f"/cohorts/{cohort.pk}/audit/", None),
    ]:
        visit(page, base + path)
        if picture:
            page.screenshot(path=str(ARTIFACTS / f"{picture}.png"), full_page=True)

    sign_in(page, base, "root", "pw-root-12345")
    for path in ["/admin/", "/admin/courses/assignment/", f"/admin/courses/assignment/{assignment.pk}/change/"]:
        visit(page, base + path)
    # Swagger UI: its start-up script is a second response, and the UI renders under the policy.
    policy = visit(page, f"{base}/api/docs/")
    assert "style-src 'self' 'unsafe-inline'" in policy
    page.wait_for_selector("#swagger-ui .info", timeout=15_000)
    assert csp_violations(page) == []


def test_the_policy_is_enforced_not_only_sent(live_server, site, browser_page) -> None:
    """A control: on a second page (the fixture's console check watches the first), an inline script and an
    inline style are refused and reported, so the checks above would see a violation if a page had one."""
    page, base = browser_page, live_server.url
    control = page.context.browser.new_page()
    control.add_init_script(RECORD_CSP_VIOLATIONS)
    control.goto(f"{base}/login/")
    ran = control.evaluate(
        """() => {
          window.ran = false;
          const script = document.createElement("script");
          script.textContent = "window.ran = true";
          document.body.appendChild(script);
          document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: rgb(255, 0, 0)">x</p>');
          return window.ran;
        }"""
    )
    assert ran is False
    assert control.evaluate("getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
    control.wait_for_function("window.__cspViolations.length >= 2")
    blocked = " ".join(csp_violations(control))
    assert "script-src" in blocked and "style-src" in blocked
    control.close()

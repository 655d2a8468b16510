"""Joining a course and turning on two-factor sign-in in a real browser (Debian's Chromium), under the site's
Content-Security-Policy (the browser_page fixture fails the test on any violation): a TA hands out a join
link, a newcomer follows it, signs up and lands in the course; then scans (reads) the QR page's secret and
turns two-factor sign-in on. Screenshots go to test-artifacts/ (docs/screenshots/ holds copies)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connections

from tests.e2e.conftest import csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"accounts-{name}.png"), full_page=True)


def test_a_newcomer_joins_through_the_link_and_turns_on_two_factor(live_server, browser_page) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from courses.invitations import new_join_code
    from courses.models import Enrolment, Role
    from tests.support.factories import CohortFactory, EnrolmentFactory, UserFactory
    from tests.support.signing_in import secret_bytes, totp_code

    base, page = live_server.url, browser_page
    cohort = CohortFactory(course__title="AI Engineering 101", name="Autumn 2026")
    ta = UserFactory(username="ta", password="pw-ta-12345")
    EnrolmentFactory(cohort=cohort, user=ta, role=Role.TA)
    code = new_join_code(cohort=cohort, by=ta, max_uses=30).code

    page.goto(f"{base}/login/")
    page.fill("#id_username", "ta")
    page.fill("#id_password", "pw-ta-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/cohorts/{cohort.pk}/gradebook/")
    page.click("#invite-link")
    page.wait_for_url(f"{base}/cohorts/{cohort.pk}/invite/")
    assert page.inner_text(f'tr[data-code="{code}"] .join-link') == f"{base}/join/{code}/"
    assert csp_violations(page) == []
    shot(page, "invite")

    page.context.clear_cookies()
    page.goto(f"{base}/join/{code}/")
    shot(page, "join")
    page.click("#join-sign-up")
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.org")
    page.fill("#id_password1", "quiet-harbour-73")
    page.fill("#id_password2", "quiet-harbour-73")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/courses/"))
    assert "AI Engineering 101" in page.inner_text("main")
    assert Enrolment.objects.get(user__username="newcomer").role == Role.STUDENT
    assert csp_violations(page) == []

    page.click("#account-link")
    page.wait_for_url(f"{base}/account/")
    assert page.inner_text("#email-state") == "not verified"
    shot(page, "account")
    page.goto(f"{base}/account/two-factor/")
    page.click("#two-factor-setup")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0  # the QR code loaded
    assert csp_violations(page) == []
    shot(page, "two-factor-setup")
    key = secret_bytes(page.inner_text("#totp-secret"))
    page.fill("#id_token", totp_code(key))
    page.click("#two-factor-confirm")
    page.wait_for_selector("#backup-codes")
    page.wait_for_load_state("networkidle")  # nothing left in flight when the browser closes
    assert len(page.locator("#backup-codes li").all()) == 10
    assert TOTPDevice.objects.get(user__username="newcomer").confirmed
    # Queries made while Playwright's event loop runs get a database connection of their own (Django's
    # connections are per context): close it, or the test database cannot be dropped after the run.
    connections.close_all()

"""An LTI launch inside the LMS's frame, in a real browser (Debian's Chromium): the test platform's course page
(at http://127.0.0.1) frames the tool (the live server, at http://localhost: another site), and the launch
goes login -> platform auth -> form_post -> the assignment page, all inside the frame. The tool's cookies
(the OIDC state, then the session) must survive being set in a third-party frame, and the assignment page
must allow that platform, and only it, to frame it. A page framed by a site that is not registered stays
blank (the browser blocks it)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from lti_tool.models import LtiDeployment, LtiRegistration

from courses.models import Course
from lti.models import ContextCohort, PlatformOptions
from tests.support.factories import AssignmentFactory, CohortFactory
from tests.support.lti_platform import LEARNER, PlatformServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lms_site(live_server, synced_exercise):  # type: ignore[no-untyped-def]
    """The test platform, registered with the tool, and an LMS course linked to a cohort with an assignment.
    (Set up before the browser starts: Playwright's sync API runs its own loop in this thread.)"""
    from lti_tool.models import LtiContext

    with PlatformServer() as lms:
        assert live_server.url.startswith("http://localhost:")  # a different site from 127.0.0.1
        lms.tool_login_url = f"{live_server.url}/lti/login/"
        lms.tool_launch_url = f"{live_server.url}/lti/launch/"
        registration = LtiRegistration.objects.create(
            name="Test LMS", issuer=lms.issuer, client_id=lms.client_id, auth_url=f"{lms.base_url}/auth",
            token_url=f"{lms.base_url}/token", keyset_url=f"{lms.base_url}/jwks",
        )
        deployment = LtiDeployment.objects.create(registration=registration, deployment_id=lms.deployment_id,
                                                  is_active=True)
        PlatformOptions.objects.create(registration=registration, course=Course.objects.create(slug="lms", title="LMS"))
        cohort = CohortFactory()
        assignment = AssignmentFactory(cohort=cohort, exercise=synced_exercise)
        context = LtiContext.objects.create(deployment=deployment, id_on_platform="course-101", title="AI 101")
        ContextCohort.objects.create(context=context, cohort=cohort)
        yield lms, assignment


def test_a_launch_runs_inside_the_lms_frame_and_only_there(live_server, lms_site, browser_page) -> None:
    lms, assignment = lms_site
    synced_exercise = assignment.exercise
    message = lms.message(sub="browser-student", roles=[LEARNER], with_nrps=False, with_ags=False,
                          custom={"gradient_assignment": str(assignment.pk)})

    page = browser_page
    page.goto(f"{lms.base_url}/course/1?{urlencode(lms.prepare(message))}")
    frame = page.frame(name="tool")
    assert frame is not None
    frame.wait_for_url(f"{live_server.url}/assignments/{assignment.pk}/", timeout=15_000)
    frame.wait_for_load_state()
    # Signed in inside the frame (the session cookie came back on the redirect), on the assignment.
    assert synced_exercise.title in frame.content()
    assert frame.locator("#account-link").inner_text().startswith("lti-")
    cookies = {c["name"]: c for c in page.context.cookies(live_server.url)}
    assert cookies["sessionid"]["sameSite"] == "None" and cookies["sessionid"]["secure"]
    assert cookies["sessionid"]["partitionKey"] == "http://127.0.0.1"  # kept for this LMS's frames only

    # The same page framed by another site (the platform's origin is allowed; a stranger's is not).
    # (In a page of its own: the browser_page fixture fails a test on any CSP report of its page.)
    blocked: list[str] = []
    other_page = page.context.browser.new_page()
    other_page.on("console", lambda m: blocked.append(m.text) if "frame-ancestors" in m.text else None)
    with PlatformServer(host="127.0.0.2") as stranger:
        stranger.tool_login_url = f"{live_server.url}/assignments/{assignment.pk}/"
        other_page.goto(f"{stranger.base_url}/course/2")
        other_page.wait_for_load_state("networkidle")
        framed = other_page.frame(name="tool")
        assert framed is not None and synced_exercise.title not in framed.content()
    other_page.close()
    # Its cookies are partitioned under the LMS's site, so a stranger's frame has no session, and the
    # page it gets allows no framing at all.
    assert any("frame-ancestors 'none'" in text for text in blocked), blocked


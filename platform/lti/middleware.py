"""Inside the LMS's frame: for a session that an LTI launch signed in, the pages a launch leads to (FRAMED) may
be framed by that launch's registered platform, and no other site; and the session and CSRF cookies they set
are sent inside the frame.

The site's own rules stay for everything else: X-Frame-Options DENY and CSP ``frame-ancestors 'none'``
(django-csp) on every page, and SameSite=Lax cookies. A session launched from an LMS keeps, in its data, the
origins its platform may frame it from (lti.launch.frame_origins); for its responses of the FRAMED pages only,
this middleware (placed just after SecurityMiddleware, so it sees the responses with their final headers)
drops X-Frame-Options, puts those origins in frame-ancestors, and marks the session and CSRF cookies
SameSite=None; Secure; Partitioned (lti.cookies), which a browser requires to keep and send cookies of a site
framed by another. The account's own pages (closing it, two-factor, tokens, password) and the admin stay
unframable in that session too: a page the LMS (or a script in it) could frame is one it could trick a click
on. Browsers treat http://localhost and http://127.0.0.1 as secure, so the tests run over plain HTTP; elsewhere
it needs HTTPS.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from lti import cookies

SESSION_ORIGINS = "lti_frame_origins"
CSP = "Content-Security-Policy"
# The pages (URL names) a launch leads to: the tool's own; the assignment, handing in, the result and the
# submission; the starter and files to download; the leaderboard the assignment links to; and the sign-in
# code step, where a session of a user with two-factor sign-in is held after the launch (web.two_factor).
FRAMED = frozenset({
    "lti_login", "lti_launch", "lti_choose", "lti_cohort",
    "assignment", "assignment_submit", "assignment_starter", "assignment_file", "assignment_leaderboard",
    "submission", "submission_result",
    "login_verify",
})


def with_frame_ancestors(policy: str, origins: list[str]) -> str:
    """The policy with its frame-ancestors directive replaced by ``origins``."""
    kept = [d.strip() for d in policy.split(";") if d.strip() and d.split()[0].lower() != "frame-ancestors"]
    return "; ".join([*kept, "frame-ancestors " + " ".join(["'self'", *origins])])


def allow_framing(response: HttpResponseBase, origins: list[str]) -> None:
    if "X-Frame-Options" in response:
        del response["X-Frame-Options"]
    response.xframe_options_exempt = True  # type: ignore[attr-defined]  # for an XFrameOptionsMiddleware after us
    # For a CSP middleware that runs after us (django-csp reads this), and a header one before us wrote.
    response._csp_replace = {"frame-ancestors": ["'self'", *origins]}  # type: ignore[attr-defined]
    if CSP in response:
        response[CSP] = with_frame_ancestors(response[CSP], origins)
    elif "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE:
        response[CSP] = with_frame_ancestors("", origins)


def cookies_for_frames(request: HttpRequest, response: HttpResponseBase) -> None:
    if not cookies.possible(request):
        return  # a Secure cookie over plain HTTP elsewhere would be dropped: leave them as they are
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        if name in response.cookies and response.cookies[name].value:
            cookies.for_frames(response, name)


def framed_page(request: HttpRequest) -> bool:
    """Whether the request reached one of the FRAMED pages (a middleware's own answer reached none)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in FRAMED


class LtiFrameMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origins = session.get(SESSION_ORIGINS) if session is not None else None
        if origins and framed_page(request):
            allow_framing(response, list(origins))
            cookies_for_frames(request, response)
        return response

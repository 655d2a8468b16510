"""Cookies that work inside another site's frame: SameSite=None; Secure; Partitioned.

Browsers now block third-party cookies (Chromium does by default), so a cookie set inside the LMS's frame is
dropped unless it is partitioned (CHIPS): kept for this tool under the LMS's top-level site only, apart from
any cookie of a visit to the tool itself. Python's http.cookies learns the Partitioned attribute in 3.14; on
older versions it is taught here, once, as pylti1p3 teaches it SameSite on old ones.
"""

from __future__ import annotations

import http.cookies

from django.http import HttpRequest, HttpResponseBase
from django.http.request import split_domain_port

if "partitioned" not in http.cookies.Morsel._reserved:  # type: ignore[attr-defined]
    http.cookies.Morsel._reserved["partitioned"] = "Partitioned"  # type: ignore[attr-defined]
    http.cookies.Morsel._flags.add("partitioned")  # type: ignore[attr-defined]


LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def possible(request: HttpRequest) -> bool:
    """Whether a Secure cookie can be set over this request: HTTPS, or loopback (browsers count it secure).
    Over plain HTTP elsewhere (a test deployment), cookies stay as they are, and launches work outside frames."""
    host, _port = split_domain_port(request.get_host())
    return request.is_secure() or host in LOOPBACK


def for_frames(response: HttpResponseBase, name: str) -> None:
    """Make the response's cookie ``name`` one that a browser keeps and sends inside a cross-site frame."""
    morsel = response.cookies[name]
    morsel["samesite"] = "None"
    morsel["secure"] = True
    morsel["partitioned"] = True

"""Request bodies: a size cap enforced before a byte of the body is read, and no upload from a client that is
not signed in. Without these, Django parses a multipart body wherever something asks for request.POST (the
CSRF check does, before any view), and writes each file part over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary
file: the whole upload was on disk before the submission's own size check ran, for anyone.

- ``RequestBodyLimitMiddleware`` (after AuthenticationMiddleware): a body declared larger than
  GRADIENT_MAX_REQUEST_BYTES is answered 413 unread. From a client not signed in, a body larger than
  GRADIENT_MAX_ANONYMOUS_REQUEST_BYTES (64 KiB: sign-in, sign-up and LTI launch forms fit many times over;
  a file upload does not) is answered as the page would answer it (a redirect to sign in; 401 from the API),
  unread. That cap stays far below FILE_UPLOAD_MAX_MEMORY_SIZE, so nothing of theirs is ever written to disk.
- ``ChunkedBodies`` (config/wsgi.py wraps the site in it): a chunked body (Transfer-Encoding: chunked, no
  Content-Length) reaches Django as a sized one. Django reads CONTENT_LENGTH bytes of a request and no more,
  so without it such a body reads as empty. It reads at most the cap plus one byte, into memory, and only
  for a request that carries a credential (a session cookie, an Authorization header); a larger body then
  counts as too large, and one without a credential is left unread for the middleware to refuse.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.cookie import parse_cookie
from django.shortcuts import render, resolve_url
from rest_framework.exceptions import AuthenticationFailed

from web import tokens

API_PREFIX = "/api/"
FORM_OVERHEAD = 1024 * 1024  # the multipart form around a submission's files: boundaries, headers, fields

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def max_request_bytes() -> int:
    """GRADIENT_MAX_REQUEST_BYTES, or where unset the upload cap plus the form around the files."""
    return int(settings.GRADIENT_MAX_REQUEST_BYTES or settings.SANDBOX.max_upload_bytes + FORM_OVERHEAD)


def is_chunked(environ: dict[str, Any]) -> bool:
    return "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()


def declared_length(meta: dict[str, Any]) -> int:
    try:
        return max(0, int(meta.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django reads such a body as empty too


def has_credential(environ: dict[str, Any]) -> bool:
    """Whether the request could come from someone signed in: a session cookie, or an API token."""
    if environ.get("HTTP_AUTHORIZATION"):
        return True
    return settings.SESSION_COOKIE_NAME in parse_cookie(str(environ.get("HTTP_COOKIE", "")))


class ChunkedBodies:
    """WSGI wrapper: see the module's docstring. Servers that decode chunked bodies say so with
    ``wsgi.input_terminated`` (gunicorn does); with any other, wsgi.input is left alone."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if (
            is_chunked(environ)
            and not environ.get("CONTENT_LENGTH")
            and environ.get("wsgi.input_terminated")
            and has_credential(environ)
        ):
            body = _read_at_most(environ["wsgi.input"], max_request_bytes() + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.application(environ, start_response)


def _read_at_most(stream: Any, limit: int) -> bytes:
    parts, size = [], 0
    while size < limit:
        part = stream.read(min(64 * 1024, limit - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        chunked = is_chunked(request.META)  # still chunked here: ChunkedBodies did not read it
        length = declared_length(request.META)
        if not chunked and length == 0:
            return None
        if length > max_request_bytes():
            return too_large(request)
        if (chunked or length > settings.GRADIENT_MAX_ANONYMOUS_REQUEST_BYTES) and not self.signed_in(request):
            return not_signed_in(request)
        if chunked:
            return length_required(request)
        return None

    @staticmethod
    def signed_in(request: HttpRequest) -> bool:
        if request.user.is_authenticated:
            return True
        # API clients sign in with a token, which the view checks: here it is checked first (only for a body
        # over the anonymous cap), so that any Authorization header is no way past that cap.
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not request.path.startswith(API_PREFIX) or not header.startswith("Token "):
            return False
        try:
            tokens.ApiTokenAuthentication().authenticate_credentials(header.removeprefix("Token ").encode("latin-1"))
        except (AuthenticationFailed, UnicodeEncodeError):
            return False
        return True


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _refuse(request: HttpRequest, *, status: int, code: str, message: str, **details: Any) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": {"code": code, "message": message, "details": details or None}},
                            status=status)
    return render(request, "limits/refused.html", {"message": message}, status=status)


def too_large(request: HttpRequest) -> HttpResponse:
    cap, files = max_request_bytes(), settings.SANDBOX.max_upload_bytes
    return _refuse(
        request, status=413, code="too_large", max_bytes=cap,
        message=(f"The request is too large: at most {_megabytes(cap)} MB in one request (the files of a submission "
                 f"together: at most {_megabytes(files)} MB). Nothing was saved."),
    )


def not_signed_in(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        response = _refuse(request, status=401, code="not_authenticated",
                           message="Sign in first: uploads are taken from signed-in users only.")
        response["WWW-Authenticate"] = "Token"
        return response
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")


def length_required(request: HttpRequest) -> HttpResponse:
    return _refuse(request, status=411, code="length_required",
                   message="This server takes request bodies with a Content-Length only; send the upload again.")

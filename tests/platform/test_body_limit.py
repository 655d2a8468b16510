"""The request body limit holds before anything is written to disk (web/limits.py).

Measured on the upload folder itself: FILE_UPLOAD_TEMP_DIR points at a folder of the test's own, and "nothing
was written" means its listing and its modification time (which every file created or removed in it changes)
are as before. A control shows the measurement sees the penetration test's finding: without the limit, an
anonymous upload with a valid CSRF cookie is parsed by the CSRF check and lands in that folder.

In-process (Django's test client): the declared Content-Length over the cap, and uploads from clients not
signed in, pages and API alike. Through a real gunicorn (the test client cannot send chunked bodies), over a raw
socket: chunked bodies over the cap (answered while the client is still sending), within it (taken), and from
a client not signed in (answered before the body is sent at all); an oversized Content-Length answered from
the headers alone.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from urllib3 import encode_multipart_formdata

from catalog.services import exercises_sync
from grading.models import Submission, SubmissionFile
from sandbox import SandboxConfig
from tests.support.factories import UserFactory
from tests.support.solutions import WORD_FREQ
from tests.support.web_server import Gunicorn, signed_in_session, start_gunicorn
from tests.support.workers import purge_queue
from web import tokens
from web.limits import max_request_bytes

SUBMIT = f"/exercises/{WORD_FREQ}/submit/"
API_SUBMIT = "/api/v1/submissions/"
MIDDLEWARE = "web.limits.RequestBodyLimitMiddleware"


@dataclasses.dataclass
class UploadFolder:
    """FILE_UPLOAD_TEMP_DIR, and whether anything was created or removed in it since ``mark``."""

    path: Path
    mtime_ns: int = 0

    def mark(self) -> None:
        time.sleep(0.02)  # past the file system's timestamp granularity
        self.mtime_ns = self.path.stat().st_mtime_ns

    def untouched(self) -> bool:
        return not any(self.path.iterdir()) and self.path.stat().st_mtime_ns == self.mtime_ns


@pytest.fixture
def upload_folder(tmp_path: Path, settings) -> UploadFolder:  # type: ignore[no-untyped-def]
    folder = UploadFolder(tmp_path / "uploads")
    folder.path.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder.path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # any file part past 64 KiB would go to that folder
    settings.GRADIENT_MAX_REQUEST_BYTES = 512 * 1024
    folder.mark()
    return folder


def solution(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("solution.py", b"#" * size, content_type="text/x-python")


def anonymous_with_csrf_cookie() -> tuple[Client, str]:
    """What an attacker has without signing in: a CSRF cookie from any form page, and its token."""
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    return client, client.cookies["csrftoken"].value


def test_the_default_cap_follows_the_upload_cap(settings) -> None:  # type: ignore[no-untyped-def]
    settings.GRADIENT_MAX_REQUEST_BYTES = 0  # unset
    assert max_request_bytes() == settings.SANDBOX.max_upload_bytes + 1024 * 1024
    settings.SANDBOX = SandboxConfig.from_env({"GRADIENT_MAX_UPLOAD_BYTES": str(8 * 1024 * 1024)})
    assert max_request_bytes() == 9 * 1024 * 1024
    settings.GRADIENT_MAX_REQUEST_BYTES = 123456
    assert max_request_bytes() == 123456


def test_control_without_the_limit_an_anonymous_upload_lands_on_disk(upload_folder, settings) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    client, csrf = anonymous_with_csrf_cookie()
    upload_folder.mark()
    response = client.post(SUBMIT, {"files": [solution(256 * 1024)], "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302  # sent to sign in, but only after the CSRF check parsed the body...
    assert not upload_folder.untouched()  # ...into a temporary file


def test_an_anonymous_upload_is_refused_unread(upload_folder) -> None:
    client, csrf = anonymous_with_csrf_cookie()
    upload_folder.mark()
    response = client.post(SUBMIT, {"files": [solution(256 * 1024)], "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={SUBMIT.replace('/', '%2F')}"
    assert upload_folder.untouched()


def test_small_anonymous_forms_are_read_as_usual(student_user, upload_folder) -> None:
    """Signing in (multipart, as the test client posts, or urlencoded, as browsers do) is far under the cap
    for clients not signed in."""
    for multipart in (True, False):
        client = Client()
        data = {"username": "ada", "password": "pw-ada-12345"}
        response = (client.post("/login/", data) if multipart else
                    client.post("/login/", "username=ada&password=pw-ada-12345",
                                content_type="application/x-www-form-urlencoded"))
        assert response.status_code == 302 and response["Location"] == "/", response.content[:300]
    assert upload_folder.untouched()


def test_an_anonymous_api_upload_is_refused_unread(db, upload_folder) -> None:
    response = Client().post(API_SUBMIT, {"exercise": WORD_FREQ, "files": [solution(256 * 1024)]})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "Sign in" in response.json()["error"]["message"]
    # A token that is no good is refused by the API's authentication, which runs before the body is read.
    forged = Client().post(API_SUBMIT, {"exercise": WORD_FREQ, "files": [solution(256 * 1024)]},
                           HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert forged.status_code == 401
    assert upload_folder.untouched()
    assert not Submission.objects.exists()


def test_an_authorization_header_is_no_way_past_the_anonymous_cap(db) -> None:
    """The token endpoint takes anonymous requests: a 2 MiB sign-in with any Authorization header is refused by
    the anonymous cap (401 before reading it), not read and parsed."""
    body = json.dumps({"username": "x" * (2 * 1024 * 1024), "password": "y"})
    for header in ["Token nonsense", "Token " + "0" * 64, "Basic eDp5", "Bearer abc"]:
        response = Client().post("/api/v1/token/", body, content_type="application/json", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated", header


def test_a_body_over_the_cap_is_refused_unread_even_signed_in(student_user, upload_folder) -> None:
    web = Client()
    web.force_login(student_user)
    page = web.post(SUBMIT, {"files": [solution(600 * 1024)]})
    assert page.status_code == 413
    text = " ".join(page.content.decode().split())
    assert "The request is too large: at most 0.5 MB in one request" in text and "Nothing was saved." in text

    api = Client(HTTP_AUTHORIZATION=f"Token {tokens.issue(student_user)[1]}")
    answer = api.post(API_SUBMIT, {"exercise": WORD_FREQ, "files": [solution(600 * 1024)]})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
    assert answer.json()["error"]["details"] == {"max_bytes": 512 * 1024}
    assert upload_folder.untouched()
    assert not Submission.objects.exists()


def test_within_the_cap_a_signed_in_upload_is_taken(synced_exercise, student_user, upload_folder, monkeypatch) -> None:
    from grading import dispatch

    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)  # no broker needed: the run stays queued
    web = Client()
    web.force_login(student_user)
    response = web.post(SUBMIT, {"files": [solution(300 * 1024)]})
    assert response.status_code == 302, response.content[:500]
    assert Submission.objects.filter(student=student_user).count() == 1


# --------------------------------------------------------------------------- through gunicorn, raw sockets

CAP = 256 * 1024


class Raw:
    """One HTTP/1.1 request written by hand on a socket, so that the body can be chunked, or cut short."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=15)
        self.host = parts.netloc

    def head(self, method: str, path: str, headers: dict[str, str]) -> None:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", *(f"{k}: {v}" for k, v in headers.items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def chunks(self, body: bytes, *, size: int = 16 * 1024, finish: bool = True) -> None:
        for start in range(0, len(body), size):
            piece = body[start:start + size]
            self.sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        if finish:
            self.sock.sendall(b"0\r\n\r\n")

    def response(self) -> tuple[int, dict[str, str], bytes]:
        data = b""
        while b"\r\n\r\n" not in data:
            more = self.sock.recv(65536)
            assert more, f"the server closed the connection: {data!r}"
            data += more
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            more = self.sock.recv(65536)
            if not more:
                break
            body += more
        return int(status_line.split(" ")[1]), headers, body

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def body_server(django_db_setup, tmp_path_factory) -> Iterator[tuple[Gunicorn, UploadFolder]]:  # type: ignore[no-untyped-def]
    folder = UploadFolder(tmp_path_factory.mktemp("gunicorn-uploads"))
    web = start_gunicorn("body-limit", workers=1, env={
        "GRADIENT_MAX_REQUEST_BYTES": str(CAP), "FILE_UPLOAD_TEMP_DIR": str(folder.path),
        "SUBMISSION_RATE": "1000/min",
    })
    folder.mark()
    yield web, folder
    web.stop()
    for queue in ("cpu", "cpu-long"):
        purge_queue(f"test-body-limit-{queue}")  # the one chunked submission that was taken


@pytest.fixture
def signed_in(body_server):  # type: ignore[no-untyped-def]
    """The server, the upload folder, and the cookies and CSRF token of a signed-in student."""
    web, folder = body_server
    UserFactory(username="chunky", password="pw-chunky-12345")
    session = signed_in_session(web.url, "chunky", "pw-chunky-12345")
    cookies = session.cookies.get_dict()
    return web, folder, "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


def multipart(csrf: str, content: bytes) -> tuple[bytes, str]:
    return encode_multipart_formdata(
        {"csrfmiddlewaretoken": csrf, "files": ("solution.py", content, "text/x-python")}
    )


@pytest.mark.django_db(transaction=True)
def test_a_chunked_upload_within_the_cap_is_taken(signed_in) -> None:  # type: ignore[no-untyped-def]
    web, folder, cookie, csrf = signed_in
    exercises_sync()
    source = b"def count_words(text):\n    return {}\n" + b"#" * (100 * 1024) + b"\n"
    body, content_type = multipart(csrf, source)
    raw = Raw(web.url)
    raw.head("POST", SUBMIT, {"Cookie": cookie, "Content-Type": content_type, "Transfer-Encoding": "chunked"})
    raw.chunks(body)
    status, headers, _ = raw.response()
    raw.close()
    assert status == 302 and headers["location"].startswith("/submissions/"), (status, headers)
    stored = SubmissionFile.objects.get(submission__student__username="chunky")
    assert bytes(stored.content) == source
    assert folder.untouched()


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_over_the_cap_is_refused_while_still_arriving(signed_in) -> None:  # type: ignore[no-untyped-def]
    web, folder, cookie, csrf = signed_in
    body, content_type = multipart(csrf, b"#" * (CAP + 128 * 1024))
    raw = Raw(web.url)
    raw.head("POST", SUBMIT, {"Cookie": cookie, "Content-Type": content_type, "Transfer-Encoding": "chunked"})
    raw.chunks(body, finish=False)  # the body never ends: the answer cannot have waited for it
    status, _, page = raw.response()
    raw.close()
    assert status == 413
    assert b"The request is too large" in page
    assert not Submission.objects.exists()
    assert folder.untouched()


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_chunked_upload_is_refused_before_its_body_is_sent(body_server) -> None:  # type: ignore[no-untyped-def]
    web, folder = body_server
    raw = Raw(web.url)
    raw.head("POST", SUBMIT, {"Content-Type": "multipart/form-data; boundary=x", "Transfer-Encoding": "chunked"})
    status, headers, _ = raw.response()  # not a byte of the body sent
    raw.close()
    assert status == 302 and headers["location"].startswith("/login/?next="), (status, headers)

    api = Raw(web.url)
    api.head("POST", API_SUBMIT, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    status, headers, body = api.response()
    api.close()
    assert status == 401 and b'"not_authenticated"' in body
    assert folder.untouched()


@pytest.mark.django_db(transaction=True)
def test_an_oversized_content_length_is_refused_from_the_headers_alone(signed_in) -> None:  # type: ignore[no-untyped-def]
    web, folder, cookie, _ = signed_in
    for path, headers in ((SUBMIT, {"Cookie": cookie}), (API_SUBMIT, {"Accept": "application/json"})):
        raw = Raw(web.url)
        raw.head("POST", path, {**headers, "Content-Type": "multipart/form-data; boundary=x",
                                "Content-Length": str(100 * 1024 * 1024)})
        status, _, body = raw.response()  # nothing of the 100 MB sent
        raw.close()
        assert status == 413, (path, body[:300])
    assert folder.untouched()
    assert os.listdir(folder.path) == []

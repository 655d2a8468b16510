"""deploy/nginx.conf, run as it is (its ports, upstream and certificate paths swapped for the test's) in front
of gunicorn started with the production settings it documents (HTTPS, TRUST_X_FORWARDED_PROTO,
TRUSTED_PROXIES=1): an oversized body is refused at the proxy and never reaches the app, by Content-Length or
chunked; the app sees HTTPS and the client's own address, whatever the client claims in those headers.

Needs Debian's nginx (scripts/test installs it); skipped where it is missing.
"""

from __future__ import annotations

import http.client
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axes.models import AccessAttempt

from sandbox import SandboxConfig
from tests.support.factories import UserFactory
from tests.support.paths import ROOT
from tests.support.processes import free_port, group_alive, wait_for
from tests.support.web_server import Gunicorn, start_gunicorn

CONFIG = ROOT / "deploy" / "nginx.conf"
HOST = "grading.example.org"
MIB = 1024 * 1024


@dataclass
class Proxy:
    https_port: int
    http_port: int
    log: Path

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
                chunked: bool = False) -> tuple[int, dict[str, str], bytes]:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's own certificate
        conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=context, timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True)
            conn.putheader("Host", HOST)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body is not None and chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            elif body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            if body is not None:
                try:
                    if chunked:
                        for start in range(0, len(body), 64 * 1024):
                            piece = body[start:start + 64 * 1024]
                            conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                        conn.send(b"0\r\n\r\n")
                    else:
                        conn.send(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the proxy answered and closed before taking it all: the answer is what counts
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


def templated(config: str, *, https_port: int, http_port: int, upstream: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with the test's ports and certificate: each swap must happen exactly as often as
    written, so the test fails loudly when the file changes shape instead of testing something else."""
    swaps = [
        (r"listen 80;", f"listen 127.0.0.1:{http_port};", 1),
        (r"listen \[::\]:80;\n", "", 1),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl;", 1),
        (r"listen \[::\]:443 ssl http2;\n", "", 1),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream};", 1),
        (r"ssl_certificate +/\S+;", f"ssl_certificate {cert};", 1),
        (r"ssl_certificate_key +/\S+;", f"ssl_certificate_key {key};", 1),
    ]
    for pattern, replacement, count in swaps:
        config, made = re.subn(pattern, replacement, config)
        assert made == count, f"deploy/nginx.conf: expected {count} of {pattern!r}, found {made}"
    return config


@pytest.fixture(scope="module")
def app(django_db_setup) -> Iterator[Gunicorn]:  # type: ignore[no-untyped-def]
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (scripts/test installs Debian's)")
    web = start_gunicorn("reverse-proxy", workers=1, env={
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1", "HTTPS": "true", "TRUST_X_FORWARDED_PROTO": "true", "TRUSTED_PROXIES": "1",
        "SECURE_HSTS_SECONDS": "60",
    })
    yield web
    web.stop()


@pytest.fixture(scope="module")
def proxy(app: Gunicorn) -> Iterator[Proxy]:
    folder = Path(tempfile.mkdtemp(prefix="gradient-nginx-"))
    folder.chmod(0o755)  # nginx's workers (nobody, when started as root) make their temporary folders here
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "1", "-subj", f"/CN={HOST}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    https_port, http_port = free_port(18900, 19100), free_port(19100, 19300)
    upstream = int(app.url.rsplit(":", 1)[1])
    site = templated(CONFIG.read_text(), https_port=https_port, http_port=http_port, upstream=upstream,
                     cert=cert, key=key)
    (folder / "gradient.conf").write_text(site)
    (folder / "nginx.conf").write_text(f"""
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/gradient.conf;
}}
""")
    tested = subprocess.run(["nginx", "-t", "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert tested.returncode == 0, tested.stderr
    process = subprocess.Popen(["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    server = Proxy(https_port, http_port, folder / "access.log")
    try:
        wait_for(lambda: _answers(server), 20, "nginx to answer")
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        wait_for(lambda: not group_alive(process.pid), 10, "nginx's processes to exit")
        shutil.rmtree(folder, ignore_errors=True)


def _answers(proxy: Proxy) -> bool:
    try:
        return proxy.request("GET", "/healthz")[0] == 200
    except OSError:
        return False


def requests_reaching_the_app(app: Gunicorn, path: str) -> int:
    return sum(len(statuses) for statuses in app.served_by(path).values())


def test_the_proxy_limit_matches_the_apps_default_cap() -> None:
    size = re.search(r"client_max_body_size (\d+)m;", CONFIG.read_text())
    assert size, "deploy/nginx.conf sets no client_max_body_size in MiB"
    assert int(size.group(1)) * MIB == SandboxConfig.from_env().max_upload_bytes + MIB  # settings' default


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_body_is_refused_at_the_proxy(app: Gunicorn, proxy: Proxy, chunked: bool) -> None:
    path = f"/api/v1/submissions/?probe={'chunked' if chunked else 'sized'}"
    status, _, page = proxy.request("POST", path, body=b"x" * (7 * MIB), chunked=chunked,
                                    headers={"Content-Type": "application/octet-stream"})
    assert status == 413
    assert b"nginx" in page  # nginx's own answer...
    assert requests_reaching_the_app(app, "/api/v1/submissions/") == 0  # ...the app never saw the request


def test_the_app_sees_https_and_the_real_client_whatever_the_client_claims(app: Gunicorn, proxy: Proxy,
                                                                          transactional_db) -> None:  # type: ignore[no-untyped-def]
    # Through the proxy, over HTTPS: no redirect, the site's HSTS header, secure cookies.
    status, headers, _ = proxy.request("GET", "/login/", headers={"X-Forwarded-Proto": "http"})
    assert status == 200
    assert headers["strict-transport-security"].startswith("max-age=60")
    assert "secure" in headers["set-cookie"].lower()
    # The plain-HTTP port only redirects.
    plain = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    plain.request("GET", "/login/", headers={"Host": HOST})
    redirect = plain.getresponse()
    assert redirect.status == 301 and redirect.getheader("Location") == f"https://{HOST}/login/"
    plain.close()

    # A failed sign-in is counted for the address the proxy saw, not the one the client made up.
    UserFactory(username="proxied")
    status, headers, _ = proxy.request(
        "POST", "/api/v1/token/", body=b'{"username": "proxied", "password": "wrong"}',
        headers={"Content-Type": "application/json", "X-Forwarded-For": "6.6.6.6"},
    )
    assert status == 400
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]

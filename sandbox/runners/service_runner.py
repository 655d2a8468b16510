"""Runs inside the student box: a submission that is a service, started as a real server and called over HTTP.

An exercise whose grader declares ``SERVICE = {"app": "app"}`` (an ASGI app in the submitted module, served by
uvicorn) or ``SERVICE = {"command": ["python3", "server.py", "{port}"]}`` (a command that starts a server on the
port it is given) has its server started here once the module has loaded, on a free loopback port of the
box. The grader's requests (``{"op": "service", "requests": [...]}``) are made here, on the box's loopback,
by this runner: the grader box never connects to anything, and the answers go back up the box's one channel
like any other answer, capped (status, headers, body, the times the body's chunks arrived, the latency).

A server that exits, hangs or starts slowly fails the tests that need it, each with what happened (its exit
code and the end of its output); it never stops the run.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

LOG_PATH = "/tmp/gradient-service.log"  # noqa: S108 - the box's own tmpfs, which only this run sees
MAX_BODY = 1024 * 1024  # bytes of one response's body kept for the grader
MAX_BODIES = 4 * 1024 * 1024  # bytes kept over all the responses of one frame (the answer must fit a frame)
MAX_HEADERS = 50
MAX_CHUNKS = 1000  # arrival times of a streamed body's chunks
MAX_REQUESTS = 64  # requests in one frame
MAX_CONCURRENCY = 16
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Service:
    def __init__(self, module: str, spec: dict[str, Any]) -> None:
        self.port = free_port()
        startup = spec.get("startup_s")
        self.startup_s = float(startup) if type(startup) in (int, float) and 0 < startup <= 120 else 10.0
        command = spec.get("command")
        if type(command) is list and command and all(type(part) is str for part in command):
            self.argv = [part.replace("{port}", str(self.port)) for part in command]
            if self.argv[0] in ("python", "python3"):
                self.argv[0] = sys.executable
        else:
            app = spec.get("app") if type(spec.get("app")) is str else "app"
            self.argv = [sys.executable, "-m", "uvicorn", f"{module}:{app}", "--host", "127.0.0.1",
                         "--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in: float | None = None

    def start(self, deadline: float) -> None:
        """Start the server and wait (until the start-up limit or ``deadline``) for its port to accept."""
        log = open(LOG_PATH, "wb")  # noqa: SIM115 - the server writes to it for the whole run
        env = dict(os.environ, PORT=str(self.port))
        began = time.monotonic()
        self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                        env=env, cwd=os.getcwd())
        log.close()
        limit = min(deadline, began + self.startup_s)
        while time.monotonic() < limit and self.process.poll() is None:
            if self.listening():
                self.started_in = time.monotonic() - began
                return
            time.sleep(0.05)

    def listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def output_tail(self, limit: int = 1500) -> str:
        try:
            with open(LOG_PATH, "rb") as log:
                log.seek(max(0, os.path.getsize(LOG_PATH) - limit))
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def problem(self) -> str | None:
        """Why no request can reach the server now, in words for the student; None when it is up."""
        if self.process is None:
            return "Your service was not started."
        code = self.process.poll()
        if code is not None:
            tail = self.output_tail().strip()
            return (f"Your service exited (exit code {code}) before this request."
                    + (f" The end of its output:\n{tail}" if tail else ""))
        if self.started_in is None and not self.listening():
            tail = self.output_tail().strip()
            return (f"Your service did not accept connections on its port within {self.startup_s:g} s of starting."
                    + (f" The end of its output:\n{tail}" if tail else ""))
        return None

    # ------------------------------------------------------------------ requests from the grader

    def handle(self, frame: dict[str, Any]) -> dict[str, Any]:
        requests = frame.get("requests")
        if type(requests) is not list or not requests or len(requests) > MAX_REQUESTS:
            raise ValueError(f"a service frame carries 1 to {MAX_REQUESTS} requests")
        problem = self.problem()
        if problem is not None:
            return {"problem": problem, "responses": [], "started_in": self.started_in}
        concurrency = frame.get("concurrency")
        workers = min(max(concurrency, 1), MAX_CONCURRENCY) if type(concurrency) is int else 1
        timeout = frame.get("request_timeout")
        timeout = float(timeout) if type(timeout) in (int, float) and timeout > 0 else 10.0
        if workers == 1:
            responses = [self.one(r, timeout) for r in requests]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                responses = list(pool.map(lambda r: self.one(r, timeout), requests))
        room = MAX_BODIES
        for response in responses:  # in order: the first ones keep their bodies, the rest are cut
            body = response.get("body")
            if isinstance(body, bytes):
                if len(body) > room:
                    response["body"], response["truncated"] = body[:room], True
                room -= len(response["body"])
        return {"problem": self.problem(), "responses": responses, "started_in": self.started_in}

    def one(self, request: Any, timeout: float) -> dict[str, Any]:
        if type(request) is not dict:
            return {"error": "malformed request"}
        method = str(request.get("method", "GET")).upper()
        path = request.get("path")
        if method not in METHODS or type(path) is not str or not path.startswith("/"):
            return {"error": f"refused request {method} {path!r}"}
        body = request.get("body")
        data = body if type(body) is bytes else (body.encode() if type(body) is str else None)
        headers = request.get("headers") if type(request.get("headers")) is dict else {}
        began = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=data, headers={str(k): str(v) for k, v in headers.items()})
            response = connection.getresponse()
            first: float | None = None
            chunks: list[list[float]] = []
            kept = bytearray()
            truncated = False
            while True:
                if time.monotonic() - began > timeout:  # a body that trickles in forever: stop at the limit
                    return {"error": f"the answer did not complete within {timeout:g} s (it was still arriving)",
                            "status": response.status, "elapsed_s": round(time.monotonic() - began, 4)}
                piece = response.read1(65536) if method != "HEAD" else b""
                if not piece:
                    break
                now = time.monotonic() - began
                first = now if first is None else first
                if len(chunks) < MAX_CHUNKS:
                    chunks.append([round(now, 4), len(piece)])
                room = MAX_BODY - len(kept)
                kept += piece[:room]
                truncated = truncated or len(piece) > room
            return {
                "status": response.status,
                "headers": [[k[:200], v[:2000]] for k, v in response.getheaders()[:MAX_HEADERS]],
                "body": bytes(kept),
                "truncated": truncated,
                "chunks": chunks,
                "first_byte_s": first,
                "elapsed_s": round(time.monotonic() - began, 4),
            }
        except TimeoutError:
            return {"error": f"no complete answer within {timeout:g} s", "elapsed_s": round(time.monotonic() - began, 4)}
        except (OSError, http.client.HTTPException) as exc:
            died = self.problem()
            return {"error": died or f"the connection failed ({type(exc).__name__}: {str(exc)[:300]})",
                    "elapsed_s": round(time.monotonic() - began, 4)}
        finally:
            connection.close()

"""Runs inside the student box: the OpenAI-compatible base URL of an exercise's scripted model.

Student code calls ``OPENAI_BASE_URL`` (``http://127.0.0.1:<port>/v1``) the way it would call any provider:
the ``openai`` package, LangChain, or plain HTTP. This relay turns each HTTP request into one frame on the
box's only channel to the worker (``{"op": "llm", ...}``), waits for the worker's ``llm_reply`` and writes
it back as the HTTP answer (JSON, or server-sent events for ``"stream": true``). The worker checks the frame
and hands it to the grader box, where the exercise's script answers; nothing of the script or the hidden
answers is here.

The model answers only while the grader is calling into the submission (the runner sets ``in_call``): the
worker reads the channel then and only then. At any other time (the module loading, a thread left running
after a call) the relay answers 503 at once, without touching the channel. One exchange at a time: a
request waits for the one before it (``Runner.wire_lock``), and the runner takes the same lock before it
answers the grader's call, so an exchange never overlaps the call's answer.
"""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

import gradient_wire as wire
from gradient_wire import Op

MAX_REQUEST_BYTES = 512 * 1024  # one request's body; the worker caps the frame too (relay.LLM_MAX_FRAME)
API_KEY = "gradient-scripted-model"


class CallState:
    """Whether the grader is calling into the submission now (the only time the model answers), and the lock
    that keeps one exchange on the channel at a time."""

    def __init__(self, channel: wire.Channel) -> None:
        self.channel = channel
        self.wire_lock = threading.Lock()
        self.in_call = False

    def exchange(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        """Send one request and read its reply; None when no call is running (nobody would answer). The call's
        alarm is paused meanwhile: the time the grader takes to answer is not the call's (the worker does
        not count it either)."""
        with self.wire_lock:
            if not self.in_call:
                return None
            remaining = signal.setitimer(signal.ITIMER_REAL, 0)[0]
            try:
                self.channel.send(frame)
                return self.channel.recv()
            finally:
                if remaining > 0:
                    signal.setitimer(signal.ITIMER_REAL, remaining)


def error_body(status: int, message: str, kind: str) -> dict[str, Any]:
    return {"status": status, "body": json.dumps({"error": {"message": message, "type": kind, "code": status}})}


def handler_class() -> type:
    """The relay's request handler. http.server is imported here, only in a box whose exercise offers a model:
    the runner of every other box stays as small as it was (a fork inside a call copies it)."""
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        state: CallState  # set on the class the server is made with
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # the student's own output is theirs; the relay says nothing

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.relay(b"")

        def do_POST(self) -> None:  # noqa: N802
            length = self.headers.get("Content-Length")
            if length is None or not (length.isascii() and length.isdigit()):
                self.close_connection = True  # a body we did not read must not be taken for the next request
                self.answer(error_body(411, "a request body needs a Content-Length", "invalid_request_error"))
                return
            size = int(length)
            if size > MAX_REQUEST_BYTES:
                left = min(size, 64 * MAX_REQUEST_BYTES)  # read it all (bounded): the client then sees the 413
                while left > 0:
                    piece = self.rfile.read(min(left, 65536))
                    if not piece:
                        break
                    left -= len(piece)
                self.close_connection = True
                self.answer(error_body(413, f"the request is larger than {MAX_REQUEST_BYTES} bytes", "invalid_request_error"))
                return
            self.relay(self.rfile.read(size))

        def relay(self, body: bytes) -> None:
            frame = {"op": Op.LLM, "method": self.command, "path": self.path[:2000],
                     "body": body.decode("utf-8", "replace")}
            try:
                reply = self.state.exchange(frame)
            except wire.WireError:
                reply = error_body(502, "the grading channel closed", "api_error")
            if reply is None:
                reply = error_body(
                    503, "The scripted model answers only while the grader is calling your code, not while your "
                    "module loads or after a call has returned.", "service_unavailable",
                )
            elif reply.get("op") != Op.LLM_REPLY:
                reply = error_body(502, "the grading channel sent an unexpected frame", "api_error")
            self.answer(reply)

        def answer(self, reply: dict[str, Any]) -> None:
            status = reply.get("status")
            status = status if type(status) is int and 100 <= status <= 599 else 502
            stream = reply.get("stream")
            if type(stream) is list:  # server-sent events: each event as the grader wrote it, then [DONE]
                data = "".join(f"data: {event}\n\n" for event in stream if type(event) is str) + "data: [DONE]\n\n"
                content_type = "text/event-stream"
            else:
                body = reply.get("body")
                data = body if type(body) is str else ""
                content_type = "application/json"
            payload = data.encode("utf-8", "replace")
            self.send_response(status)
            headers = reply.get("headers")
            for name, value in (headers.items() if type(headers) is dict else ()):
                if type(name) is str and type(value) is str and name.lower().startswith("x-") and len(name + value) < 200:
                    self.send_header(name, value.replace("\r", " ").replace("\n", " "))
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def start(state: CallState) -> str:
    """Serve the relay on a free loopback port in a daemon thread; returns the base URL (…/v1)."""
    from http.server import ThreadingHTTPServer

    handler = type("BoundHandler", (handler_class(),), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="llm-relay", daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1"

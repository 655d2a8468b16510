"""A submission graded as the service it is (sandbox/runners/service_runner.py): started as a real server in
the student box, called over HTTP by that box's runner on its own loopback for the grader, never by a
connection from the grader box. Crashes, slow starts and hangs fail the tests that need the server, each
with what happened, and are the submission's: charged like any result, never an infrastructure error."""

from __future__ import annotations

from tests.support.redteam import FIXTURES, Grade

SERVICE_GRADER = FIXTURES / "service"

SERVER = '''
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CRASH = False
DELAY = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, {"ok": True})
        elif self.path == "/slow":
            time.sleep(0.3)
            self.reply(200, {"slow": True})
        elif self.path == "/stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for n in (1, 2, 3):
                self.wfile.write(f"data: {n}\\n\\n".encode())
                self.wfile.flush()
                time.sleep(0.05)
            self.close_connection = True
        elif self.path == "/big":
            data = b"y" * 900_000
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(300):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
            self.close_connection = True
        elif self.path == "/crash":
            if CRASH:
                os._exit(3)
            self.reply(200, {"crashed": False})
        else:
            self.reply(404, {"detail": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.reply(200, json.loads(body))


time.sleep(DELAY)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
'''


def submission(server: str = SERVER) -> dict[str, bytes]:
    return {"solution.py": b"VERSION = 1\n", "server.py": server.encode()}


def test_a_service_is_started_and_called_over_http_inside_its_box(grade: Grade, by_test) -> None:
    outcome = grade(submission(), grader_dir=SERVICE_GRADER)
    assert outcome.status == "graded", outcome.messages
    assert set(by_test(outcome).values()) == {"passed"}, outcome.tests
    assert outcome.score == outcome.max_score


def test_a_server_that_crashes_fails_the_tests_that_need_it_with_its_exit(grade: Grade, by_test) -> None:
    outcome = grade(submission(SERVER.replace("CRASH = False", "CRASH = True")), grader_dir=SERVICE_GRADER)
    assert outcome.status == "graded"
    results = by_test(outcome)
    assert results["test_health"] == "passed" and results["test_crash_is_reported"] == "failed"
    message = next(t.message for t in outcome.tests if t.name == "test_crash_is_reported")
    assert "Your service exited (exit code 3)" in message


def test_a_server_that_starts_too_slowly_is_reported_per_test(grade: Grade, by_test) -> None:
    outcome = grade(submission(SERVER.replace("DELAY = 0", "DELAY = 30")), grader_dir=SERVICE_GRADER)
    assert outcome.status == "graded"
    assert set(by_test(outcome).values()) == {"failed"}
    message = next(t.message for t in outcome.tests if t.name == "test_health")
    assert "did not accept connections on its port within 3 s" in message


def test_a_server_that_hangs_times_out_its_request_not_the_run(grade: Grade, by_test) -> None:
    hanging = SERVER.replace('            time.sleep(0.3)\n', '            time.sleep(60)\n')
    outcome = grade(submission(hanging), grader_dir=SERVICE_GRADER)
    assert outcome.status == "graded"
    results = by_test(outcome)
    assert results["test_concurrent_requests"] == "failed" and results["test_health"] == "passed"
    assert results["test_streaming"] == "passed"  # the tests after the hang still ran

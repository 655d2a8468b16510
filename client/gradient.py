#!/usr/bin/env python3
"""Gradient's command-line client: submit work and follow grading from a terminal. Standard library only.

    python client/gradient.py login                       # asks for user name and password, keeps a token
    python client/gradient.py logout                      # revokes this device's token (--all: every one)
    python client/gradient.py tokens                      # your tokens: name, created, last used, expires
    python client/gradient.py revoke 7                    # revokes token 7 (as listed by `tokens`)
    python client/gradient.py exercises
    python client/gradient.py submit python-foundations/word-frequencies solution.py [--no-wait]
    python client/gradient.py assignments
    python client/gradient.py submit python-foundations/word-frequencies solution.py --assignment 3
    python client/gradient.py status 42
    python client/gradient.py history

The server is GRADIENT_URL (default http://127.0.0.1:8000); the token is kept in ~/.config/gradient/token
(or given as GRADIENT_TOKEN). A token lasts 30 days (the server's API_TOKEN_DAYS) and is revoked when you sign
out of the site or change your password; then every command says so and asks you to run `login` again.
"""

from __future__ import annotations

import argparse
import getpass
import json
import mimetypes
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

FINAL = {"graded", "timeout", "memory_limit", "output_limit", "not_gradable", "infrastructure_error"}
TOKEN_FILE = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "gradient" / "token"


class ApiError(Exception):
    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class SignInNeeded(ApiError):
    """The server refused the token (401): it expired or was revoked, or there is none."""


class Client:
    def __init__(self, url: str, token: str | None) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def request(self, method: str, path: str, *, body: bytes | None = None, content_type: str = "") -> Any:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the user's own server
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise SignInNeeded(self._sign_in_again()) from None
            try:
                error = json.loads(exc.read())["error"]
                details = error.get("details") or {}
                extra = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in details.items()) if details else ""
                raise ApiError(f"{error['message']} {extra}".strip(), details) from None
            except (ValueError, KeyError, TypeError):
                raise ApiError(f"HTTP {exc.code} from {path}") from None
        except urllib.error.URLError as exc:
            raise ApiError(f"cannot reach {self.url}: {exc.reason}") from None

    def _sign_in_again(self) -> str:
        if not self.token:
            return "you are not signed in. Run: python client/gradient.py login"
        where = "the token in GRADIENT_TOKEN" if os.environ.get("GRADIENT_TOKEN") else "your sign-in"
        return (f"{where} has expired or was revoked (a token lasts 30 days from sign-in unless the server says "
                "otherwise; signing out of the site or changing your password revokes it). "
                "Sign in again: python client/gradient.py login")

    def post_form(self, path: str, fields: dict[str, str], files: list[Path]) -> Any:
        boundary = uuid.uuid4().hex
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for upload in files:
            kind = mimetypes.guess_type(upload.name)[0] or "application/octet-stream"
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{upload.name}"\r\n'
                f"Content-Type: {kind}\r\n\r\n".encode() + upload.read_bytes() + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, body=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}")


def show_run(submission: dict[str, Any]) -> None:
    run = submission.get("run") or {}
    print(f"submission {submission['id']} ({submission['exercise']}): {run.get('status')}, "
          f"{submission.get('score')} / {submission.get('max_score')} points")
    for message in run.get("messages", []):
        print(f"  {message}")
    for test in run.get("tests", []):
        mark = "PASS" if test["outcome"] == "passed" else test["outcome"].upper()
        print(f"  {mark:<7} {test['name']} ({test['points']:g}/{test['max_points']:g})")
        for line in (test.get("message") or "").splitlines()[:8]:
            print(f"          {line}")


def wait_for(client: Client, submission_id: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        submission = client.request("GET", f"/api/v1/submissions/{submission_id}/")
        run = submission.get("run") or {}
        status = run.get("status", "")
        progress = f"{status} {run.get('tests_done', 0)}/{run.get('tests_total', 0)}"
        if progress != last and sys.stderr.isatty():
            print(f"\r  {progress:<30}", end="", file=sys.stderr, flush=True)
            last = progress
        if status in FINAL or time.monotonic() > deadline:
            if sys.stderr.isatty():
                print(file=sys.stderr)
            return submission
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gradient", description="Submit work to Gradient and read feedback.")
    parser.add_argument("--url", default=os.environ.get("GRADIENT_URL", "http://127.0.0.1:8000"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("login", help="get an API token with your user name and password")
    logout = sub.add_parser("logout", help="revoke this device's token and forget it")
    logout.add_argument("--all", action="store_true", help="revoke every token of yours, on every device")
    sub.add_parser("tokens", help="your API tokens: name, created, last used, expires")
    revoke = sub.add_parser("revoke", help="revoke one of your tokens (see `tokens`)")
    revoke.add_argument("token_id", type=int)
    sub.add_parser("exercises", help="list the exercises")
    submit = sub.add_parser("submit", help="submit files (a .py, several files, a .zip or an .ipynb)")
    submit.add_argument("exercise")
    submit.add_argument("files", nargs="+", type=Path)
    submit.add_argument("--assignment", type=int, help="submit to this assignment (see `assignments`)")
    submit.add_argument("--no-wait", action="store_true")
    submit.add_argument("--timeout", type=float, default=300)
    status = sub.add_parser("status", help="show one submission")
    status.add_argument("submission", type=int)
    sub.add_parser("history", help="your submissions")
    sub.add_parser("assignments", help="the assignments of your courses, with attempts left")
    args = parser.parse_args(argv)

    token = os.environ.get("GRADIENT_TOKEN") or (TOKEN_FILE.read_text().strip() if TOKEN_FILE.exists() else None)
    client = Client(args.url, token)
    try:
        if args.command == "login":
            username = input("user name: ")
            password = getpass.getpass("password: ")
            name = f"command line on {socket.gethostname()}"[:100]
            fields = {"username": username, "password": password, "name": name}
            # Without the old token: an expired one must not stand in the way of getting a new one.
            anonymous = Client(args.url, None)
            try:
                result = anonymous.request("POST", "/api/v1/token/", body=json.dumps(fields).encode(),
                                           content_type="application/json")
            except ApiError as exc:
                if "otp" not in exc.details or "otp" in fields:
                    raise
                # Two-factor sign-in: the server asks for the authenticator's code, as the sign-in page does.
                fields["otp"] = input("code from your authenticator app: ").strip()
                result = anonymous.request("POST", "/api/v1/token/", body=json.dumps(fields).encode(),
                                           content_type="application/json")
            TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
            TOKEN_FILE.touch(mode=0o600)
            TOKEN_FILE.chmod(0o600)
            TOKEN_FILE.write_text(result["token"])
            print(f"signed in; token kept in {TOKEN_FILE}, valid until {result['expires_at'][:16]} UTC")
        elif args.command == "logout":
            try:
                client.request("POST", "/api/v1/token/logout-all/" if args.all else "/api/v1/token/logout/")
                print("signed out: every token of yours is revoked" if args.all else "signed out: token revoked")
            except SignInNeeded:
                print("signed out (the token had already expired or been revoked)")
            if TOKEN_FILE.exists():
                TOKEN_FILE.unlink()
        elif args.command == "tokens":
            for item in client.request("GET", "/api/v1/tokens/?page_size=500")["results"]:
                last = (item["last_used"] or "never")[:16]
                expires = (item["expires_at"] or "never")[:16]
                mark = "*" if item["current"] else " "
                print(f"{item['id']:>6}{mark} {item['name'][:40]:<40} created {item['created'][:16]}  "
                      f"last used {last:<16}  expires {expires}")
        elif args.command == "revoke":
            client.request("DELETE", f"/api/v1/tokens/{args.token_id}/")
            print(f"token {args.token_id} revoked")
        elif args.command == "exercises":
            path: str | None = "/api/v1/exercises/"
            while path:  # every page (the API pages its lists)
                page = client.request("GET", path)
                for exercise in page["results"]:
                    print(f"{exercise['slug']:<48} {exercise['title']} ({exercise['points']} points)")
                following = page.get("next")
                path = urllib.parse.urlsplit(following)._replace(scheme="", netloc="").geturl() if following else None
        elif args.command == "submit":
            missing = [str(p) for p in args.files if not p.is_file()]
            if missing:
                raise ApiError(f"no such file: {', '.join(missing)}")
            if args.assignment:
                path = f"/api/v1/assignments/{args.assignment}/submissions/"
                submission = client.post_form(path, {}, args.files)
            else:
                submission = client.post_form("/api/v1/submissions/", {"exercise": args.exercise}, args.files)
            print(f"submitted: {submission['id']}")
            if not args.no_wait:
                show_run(wait_for(client, submission["id"], args.timeout))
        elif args.command == "status":
            show_run(client.request("GET", f"/api/v1/submissions/{args.submission}/"))
        elif args.command == "assignments":
            for item in client.request("GET", "/api/v1/assignments/")["results"]:
                score = "-" if item.get("score") is None else f"{item['score']:g}"
                print(f"{item['id']:>5}  {item['exercise']:<44} due {item['due_at'][:16]}  {item['state']:<8} "
                      f"score {score}/{item['max_score']}")
        elif args.command == "history":
            for submission in client.request("GET", "/api/v1/submissions/")["results"]:
                run = submission.get("run") or {}
                print(f"{submission['id']:>6}  {submission['created_at'][:19]}  {submission['exercise']:<44} "
                      f"{run.get('status', ''):<12} {submission.get('score')}")
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

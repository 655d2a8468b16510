"""Every rate limit counts in the cache all web processes share, proven on the production shape: gunicorn with
three worker processes (gthread, as deploy/compose.yaml runs it) on PostgreSQL, with Redis as the cache.

- 70 rapid submissions from one user, half through the web form and half through the API, from 10 client
  threads at once over fresh connections, with SUBMISSION_RATE=10/min: exactly 10 are taken, and the access
  log shows more than one process answered. (A penetration test let 67 of 70 through with a process-local
  cache; DRF's own throttle, a read-modify-write of a list, lets concurrent requests through too.)
- Failed sign-ins are counted in the database by every process alike: the 5th failure locks the pair out
  however the attempts were spread over the processes.
- Without a shared cache, a production web process refuses to start, and `check --deploy` fails.

No Celery worker is needed: the submissions just queue (in a queue of this test's own, purged afterwards).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from axes.models import AccessAttempt

from catalog.services import exercises_sync
from grading.models import Submission
from tests.support.factories import UserFactory
from tests.support.paths import ROOT
from tests.support.solutions import WORD_FREQ
from tests.support.web_server import Gunicorn, gunicorn_env, signed_in_session, start_gunicorn
from tests.support.workers import purge_queue

pytestmark = pytest.mark.django_db(transaction=True)

RATE = 10
LIMIT = 5  # SIGNIN_FAILURE_LIMIT's default
SOURCE = (ROOT / "graders" / WORD_FREQ / "reference" / "solution.py").read_bytes()


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[Gunicorn]:  # type: ignore[no-untyped-def]
    web = start_gunicorn("shared-rate", workers=3, env={"SUBMISSION_RATE": f"{RATE}/min"})
    yield web
    web.stop()
    for queue in ("cpu", "cpu-long"):
        purge_queue(f"test-shared-rate-{queue}")


def test_seventy_rapid_submissions_over_three_processes_let_exactly_the_limit_through(server: Gunicorn) -> None:
    exercises_sync()
    student = UserFactory(username="burst", password="pw-burst-12345")
    session = signed_in_session(server.url, "burst", "pw-burst-12345")
    cookies = session.cookies.get_dict()
    csrf = cookies["csrftoken"]

    def submit(index: int) -> tuple[str, int]:
        files = {"files": ("solution.py", SOURCE, "text/x-python")}
        headers = {"Connection": "close"}  # a fresh connection each time: any process may take it
        if index % 2:
            response = requests.post(
                f"{server.url}/api/v1/submissions/", data={"exercise": WORD_FREQ}, files=files, cookies=cookies,
                headers={**headers, "X-CSRFToken": csrf, "Accept": "application/json"}, timeout=30,
            )
            return "api", response.status_code
        response = requests.post(
            f"{server.url}/exercises/{WORD_FREQ}/submit/", data={"csrfmiddlewaretoken": csrf}, files=files,
            cookies=cookies, headers=headers, timeout=30, allow_redirects=False,
        )
        return "form", response.status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(submit, range(70)))

    by_status = Counter(status for _, status in results)
    taken = by_status[201] + by_status[302]  # the API's Created, the form's redirect to the new submission
    assert taken == RATE, results
    assert by_status[429] == 70 - RATE, results
    assert Submission.objects.filter(student=student).count() == RATE
    assert {kind for kind, status in results if status in (201, 302)} <= {"api", "form"}
    assert {kind for kind, status in results if status == 429} == {"api", "form"}  # one counter for both
    processes = server.served_by("/exercises/") | server.served_by("/api/v1/submissions/")
    answered = {pid for pid, statuses in processes.items() if statuses}
    assert len(answered) >= 2, processes  # the limit held across processes, not within one


def test_failed_sign_ins_are_counted_across_the_processes(server: Gunicorn) -> None:
    UserFactory(username="target", password="pw-target-12345")

    def attempt(password: str) -> int:
        session = requests.Session()
        session.get(f"{server.url}/login/", headers={"Connection": "close"}, timeout=10)
        return session.post(
            f"{server.url}/login/", timeout=10, allow_redirects=False, headers={"Connection": "close"},
            data={"username": "target", "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        ).status_code

    statuses = [attempt(f"wrong-{n}") for n in range(7)]
    assert statuses == [200] * (LIMIT - 1) + [429] * 3
    assert attempt("pw-target-12345") == 429  # the right password too, from this client
    assert AccessAttempt.objects.get(username="target").failures_since_start == 5
    logins = server.served_by("/login/")
    assert len(logins) >= 2, logins


def test_a_concurrent_burst_of_wrong_passwords_still_ends_locked(server: Gunicorn) -> None:
    """Axes checks before it counts, so attempts that arrive together may all be checked before the first is
    counted: the burst is bounded by the server's concurrency, and the pair ends locked all the same."""
    UserFactory(username="stormed", password="pw-stormed-12345")
    session = requests.Session()
    session.get(f"{server.url}/login/", timeout=10)
    csrf = session.cookies["csrftoken"]

    def attempt(password: str) -> int:
        return requests.post(
            f"{server.url}/login/", timeout=30, allow_redirects=False, cookies={"csrftoken": csrf},
            headers={"Connection": "close"},
            data={"username": "stormed", "password": password, "csrfmiddlewaretoken": csrf},
        ).status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(attempt, [f"wrong-{n}" for n in range(48)]))
    # Attempts refused as locked out are not counted: the count is the number of passwords actually tried.
    tried = AccessAttempt.objects.get(username="stormed").failures_since_start
    print(f"\nconcurrent burst: {tried} of 48 wrong passwords were tried (limit {LIMIT}); "
          f"{statuses.count(429)} answers were 429")
    # At most the 3 x 4 threads' attempts in hand, plus one let in for each thread freed while fewer than 5
    # failures were counted.
    assert LIMIT <= tried <= 3 * 4 + LIMIT - 1, statuses
    assert attempt("pw-stormed-12345") == 429


def test_without_a_shared_cache_production_refuses_to_start(django_db_setup) -> None:  # type: ignore[no-untyped-def]
    env = gunicorn_env("no-cache")
    del env["CACHE_URL"]
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", "127.0.0.1:0", "--workers", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert "not shared by the web processes" in result.stderr and "CACHE_URL" in result.stderr

    deploy = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy"],
        cwd=ROOT, env={**env, "SECRET_KEY": secrets.token_urlsafe(50)},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert deploy.returncode != 0 and "gradient.E001" in deploy.stderr, deploy.stderr[-2000:]
    # With CACHE_URL set, `check --deploy` is clean: test_production_settings.py.


def test_the_demo_on_sqlite_still_starts_without_a_cache(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One process, no server to share: the SQLite demo (scripts/run) needs no Redis."""
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", DEBUG="false", PYTHONPATH=f"{ROOT / 'platform'}:{ROOT}")
    program = "import config.wsgi; print('started', type(config.wsgi.application).__name__)"
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0 and "started ChunkedBodies" in result.stdout, result.stderr[-2000:]

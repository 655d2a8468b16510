"""Gradient on the private PostgreSQL, Redis and Docker engine (``PrivateStack``): what a worker needs in its
environment, Django code run against them in a subprocess, and SQL reads of the results.

The test process's Django stays on the shared test database (pytest-django set it up), so everything on the
private database goes through a short-lived Python subprocess configured by environment variables, exactly
as the worker is (``PrivateStack.django``), and the checks read rows with plain SQL (``PrivateStack.sql``),
which also reconnects by itself after the database restarted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from sandbox import SandboxConfig
from sandbox.boxes import run_containers
from tests.support.docker_engine import PrivateDocker, SharedEngine
from tests.support.paths import ROOT
from tests.support.processes import wait_for
from tests.support.services import PrivatePostgres, PrivateRedis
from tests.support.solutions import DECLARED_TESTS, FULL_MARKS, WORD_FREQ


class PrivateStack:
    """Gradient on the private PostgreSQL, Redis and Docker engine: migrated, the exercises synced and one
    student ("faults") made."""

    def __init__(self, postgres: PrivatePostgres, broker: PrivateRedis, engine: PrivateDocker | SharedEngine) -> None:
        self.postgres, self.broker, self.engine = postgres, broker, engine
        self.env = {
            "DATABASE_URL": postgres.url,
            "CELERY_BROKER_URL": broker.url,
            "DOCKER_HOST": engine.host,
            "GRADING_QUEUE_PREFIX": "faults-",
            "GRADING_LEASE_S": "3",
            "GRADING_RETRY_DELAY_S": "1",
        }
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env={**os.environ, **self.env},
            capture_output=True, text=True, timeout=180, check=False,
        )
        assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
        self.django(
            "from catalog.services import exercises_sync\n"
            "from django.contrib.auth import get_user_model\n"
            "exercises_sync()\n"
            "get_user_model().objects.create_user(username='faults', password='pw-faults-12345')\n"
            "result = True\n"
        )

    def django(self, code: str, args: Any = None, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
        """Run ``code`` in a fresh Django process on the private services; it sets ``result`` (JSON-able)."""
        program = (
            "import json, os, sys\n"
            f"sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'platform')!r}]\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
            "import django\n"
            "django.setup()\n"
            "args = json.load(sys.stdin)\n"
            "result = None\n"
            f"{code}\n"
            "print('RESULT=' + json.dumps(result))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", program], cwd=ROOT, env={**os.environ, **self.env, **(env or {})},
            input=json.dumps(args), capture_output=True, text=True, timeout=timeout, check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        line = [x for x in done.stdout.splitlines() if x.startswith("RESULT=")][-1]
        return json.loads(line[len("RESULT="):])

    def submit(self, *sources: str) -> list[int]:
        """Submissions as the student makes them (one transaction, then the task is sent); their run ids."""
        return self.django(
            "from catalog.models import Exercise\n"
            "from django.contrib.auth import get_user_model\n"
            "from grading import intake\n"
            "from grading.models import GradingRun\n"
            "student = get_user_model().objects.get(username='faults')\n"
            f"exercise = Exercise.objects.get(slug={WORD_FREQ!r})\n"
            "result = []\n"
            "for source in args:\n"
            "    submission = intake.submission_create(\n"
            "        student=student, exercise=exercise, uploads={'solution.py': source.encode()})\n"
            "    result.append(GradingRun.objects.get(submission=submission).pk)\n",
            args=list(sources),
        )

    def sweep(self, **kwargs: Any) -> dict[str, int]:
        """What beat runs every minute."""
        return self.django("from grading import runs\nresult = runs.sweep(**args)\n", args=kwargs)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.postgres.connect() as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]

    def run_row(self, run_id: int) -> dict[str, Any]:
        columns = ("id", "status", "score", "max_score", "deliveries", "messages", "submission_id", "lease_token")
        rows = self.sql(f"SELECT {', '.join(columns)} FROM grading_gradingrun WHERE id = %s", run_id)
        return dict(zip(columns, rows[0], strict=True))

    def status_of(self, run_id: int) -> str | None:
        try:
            return str(self.run_row(run_id)["status"])
        except Exception:  # noqa: BLE001 - the database is restarting
            return None

    def all_final(self, run_ids: list[int]) -> bool:
        statuses = [self.status_of(r) for r in run_ids]
        return all(s not in (None, "queued", "running") for s in statuses)

    def run_name(self, run_id: int) -> str:
        return f"{self.postgres.name}-run{run_id}"  # grading.selectors.run_name_for

    def leftover_containers(self, run_id: int) -> list[str]:
        return [c.name for c in run_containers(self.engine.client, self.run_name(run_id))]

    def assert_graded_once(self, run_id: int, *, deliveries: int | tuple[int, ...] = 1) -> dict[str, Any]:
        """One final result: graded with full marks, exactly one set of test results, the submission's
        score set once, the only run of its submission, and nothing of it left on the engine."""
        row = self.run_row(run_id)
        assert row["status"] == "graded", row
        assert row["score"] == row["max_score"] == FULL_MARKS, row
        allowed = deliveries if isinstance(deliveries, tuple) else (deliveries,)
        assert row["deliveries"] in allowed, row
        assert row["lease_token"] == "", row
        names = [r[0] for r in self.sql("SELECT name FROM grading_testresult WHERE run_id = %s", run_id)]
        assert len(names) == len(set(names)) == DECLARED_TESTS, names
        runs = self.sql("SELECT count(*) FROM grading_gradingrun WHERE submission_id = %s", row["submission_id"])
        assert runs[0][0] == 1
        score = self.sql("SELECT score FROM grading_submission WHERE id = %s", row["submission_id"])
        assert score[0][0] == FULL_MARKS
        # The result is committed before the boxes are removed (so the student sees it sooner): give the
        # worker a moment to finish removing them.
        wait_for(lambda: self.leftover_containers(run_id) == [], 30, "the run's boxes to be removed")
        run_dir = SandboxConfig.from_env().work_dir / self.run_name(run_id)
        wait_for(lambda: not run_dir.exists(), 30, "the run's folder to go")
        return row

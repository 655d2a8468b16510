"""Backups that restore: deploy/backup.sh dumps the real PostgreSQL database, deploy/restore.sh puts it into a
fresh one, and a new process on the restored database serves the same gradebook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.platform.courses.test_staff import book, people  # noqa: F401 - fixtures: a graded cohort
from tests.support.workers import worker_database_url as database_url

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db(transaction=True)  # committed rows: pg_dump reads them from outside

# Run in a fresh process against a database: the cohort's gradebook as its instructor sees it (CSV and the
# page's rows), through the views.
READ_GRADEBOOK = """
import json, re
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
client.force_login(get_user_model().objects.get(username="ines"))
page = client.get("/cohorts/%(cohort)d/gradebook/")
csv = client.get("/cohorts/%(cohort)d/gradebook.csv")
rows = re.findall(r'<tr class="gradebook-row" data-username="[^"]+">.*?</tr>', page.content.decode(), re.S)
print(json.dumps({"status": [page.status_code, csv.status_code], "csv": csv.content.decode(), "rows": rows}))
"""


def gradebook_in(url: str, cohort_id: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", READ_GRADEBOOK % {"cohort": cohort_id}],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def fresh_database():  # type: ignore[no-untyped-def]
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = database_url("postgres")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_dump_restored_into_a_fresh_database_serves_the_same_gradebook(
    cohort, book, fresh_database, tmp_path  # noqa: F811 - the fixture imported above
) -> None:  # type: ignore[no-untyped-def]
    live = database_url(connection.settings_dict["NAME"])
    before = gradebook_in(live, cohort.pk)
    assert before["status"] == [200, 200] and len(before["rows"]) == 3 and "ada" in before["csv"]

    dump = tmp_path / "gradient.dump"
    backup = subprocess.run([str(ROOT / "deploy" / "backup.sh"), str(dump)], env={**os.environ, "DATABASE_URL": live},
                            capture_output=True, text=True, timeout=300, check=False)
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0 and not (tmp_path / "gradient.dump.partial").exists()

    restore = [str(ROOT / "deploy" / "restore.sh"), str(dump)]
    restored = subprocess.run(restore, env={**os.environ, "DATABASE_URL": fresh_database},
                              capture_output=True, text=True, timeout=300, check=False)
    assert restored.returncode == 0, restored.stderr

    after = gradebook_in(fresh_database, cohort.pk)
    assert after == before

    # A second restore into the same (now full) database is refused, and changes nothing.
    again = subprocess.run(restore, env={**os.environ, "DATABASE_URL": fresh_database},
                           capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 2 and "restore into an empty database" in again.stderr
    assert gradebook_in(fresh_database, cohort.pk) == before


def test_a_dump_that_fails_leaves_no_file_that_looks_like_a_backup(tmp_path) -> None:
    dump = tmp_path / "gradient.dump"
    env = {**os.environ, "DATABASE_URL": database_url("no_such_database_here")}
    done = subprocess.run([str(ROOT / "deploy" / "backup.sh"), str(dump)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and "no_such_database_here" in done.stderr
    assert list(tmp_path.iterdir()) == []

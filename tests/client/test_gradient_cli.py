"""The command-line client against the live site and a real worker (it only speaks the REST API)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from web import tokens

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client" / "gradient.py"
REFERENCE = ROOT / "graders" / "python-foundations" / "word-frequencies" / "reference" / "solution.py"

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def cli(url: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADIENT_URL": url, "GRADIENT_TOKEN": token}
    return subprocess.run([sys.executable, str(CLIENT), *args], capture_output=True, text=True, env=env,
                          timeout=180, check=False)


def test_submit_and_follow_a_run_from_the_terminal(live_server, synced_exercise, student_user, celery_worker_process):
    token = tokens.issue(student_user, name="cli test")[1]
    listing = cli(live_server.url, token, "exercises")
    assert listing.returncode == 0, listing.stderr
    assert "python-foundations/word-frequencies" in listing.stdout

    result = cli(live_server.url, token, "submit", "python-foundations/word-frequencies", str(REFERENCE))
    assert result.returncode == 0, result.stderr
    assert "graded, 10.0 / 10.0 points" in result.stdout
    assert result.stdout.count("PASS") == 7

    history = cli(live_server.url, token, "history")
    assert "python-foundations/word-frequencies" in history.stdout and "graded" in history.stdout


def test_clear_errors_for_bad_input(live_server, synced_exercise, student_user, tmp_path):
    token = tokens.issue(student_user, name="cli test")[1]
    wrong = tmp_path / "answer.py"
    wrong.write_text("x = 1\n")
    result = cli(live_server.url, token, "submit", "python-foundations/word-frequencies", str(wrong), "--no-wait")
    assert result.returncode == 1
    assert "Expected solution.py but got answer.py" in result.stderr
    bad_token = cli(live_server.url, "not-a-token", "history")
    assert bad_token.returncode == 1 and "error:" in bad_token.stderr
    nothing = cli("http://127.0.0.1:9", token, "history")
    assert nothing.returncode == 1 and "cannot reach" in nothing.stderr


def test_assignments_are_listed_and_submitted_to(live_server, synced_exercise, student_user, monkeypatch):
    from grading import dispatch
    from grading.models import Submission
    from tests.support.factories import AssignmentFactory, CohortFactory, EnrolmentFactory

    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)  # no worker needed: --no-wait
    cohort = CohortFactory(course__slug="ai101", course__title="AI Engineering 101", slug="autumn", name="Autumn")
    EnrolmentFactory(cohort=cohort, user=student_user, role="student")
    assignment = AssignmentFactory(cohort=cohort, exercise=synced_exercise)  # open since yesterday, due in a week
    token = tokens.issue(student_user, name="cli test")[1]
    listing = cli(live_server.url, token, "assignments")
    assert listing.returncode == 0, listing.stderr
    assert str(assignment.pk) in listing.stdout and "python-foundations/word-frequencies" in listing.stdout
    result = cli(live_server.url, token, "submit", synced_exercise.slug, str(REFERENCE),
                 "--assignment", str(assignment.pk), "--no-wait")
    assert result.returncode == 0, result.stderr
    assert Submission.objects.get(student=student_user).assignment_id == assignment.pk

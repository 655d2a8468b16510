"""A student downloads the starter with the public tests, and those run with plain pytest."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[3]
# What a student has: plain pytest, none of this project's plugins or settings.
PLAIN_ENV = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"
}


def test_starter_zip_holds_the_starter_and_public_tests_which_run_locally(synced_exercise, student_user, tmp_path):
    client = Client()
    client.force_login(student_user)
    response = client.get(f"/exercises/{synced_exercise.slug}/starter/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert set(archive.namelist()) == {"solution.py", "public_tests/test_public.py"}
    archive.extractall(tmp_path)
    # The starter fails the public tests; the reference passes them: plain pytest, nothing of ours.
    starter_run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "public_tests"],
                                 cwd=tmp_path, capture_output=True, text=True, check=False, env=PLAIN_ENV)
    assert starter_run.returncode == 1 and "NotImplementedError" in starter_run.stdout
    (tmp_path / "solution.py").write_bytes((ROOT / "graders" / synced_exercise.slug / "reference" / "solution.py").read_bytes())
    reference_run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "public_tests"],
                                   cwd=tmp_path, capture_output=True, text=True, check=False, env=PLAIN_ENV)
    assert reference_run.returncode == 0, reference_run.stdout


def test_starter_download_needs_sign_in(synced_exercise):
    response = Client().get(f"/exercises/{synced_exercise.slug}/starter/")
    assert response.status_code == 302 and "/login/" in response["Location"]

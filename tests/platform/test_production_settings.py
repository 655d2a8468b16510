"""Production settings hold: `manage.py check --deploy` is clean under deploy/env.example's HTTPS settings,
and static files (the admin's, the API docs') are served by the app itself with DEBUG off."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from tests.support.paths import ROOT


def test_check_deploy_is_clean_under_the_production_settings() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), HTTPS="true", TRUST_X_FORWARDED_PROTO="true",
        ALLOWED_HOSTS="gradient.example.org", CACHE_URL="redis://127.0.0.1:6379/15",
        SITE_URL="https://gradient.example.org",
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_https_the_deploy_check_says_what_is_missing() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), HTTPS="false", ALLOWED_HOSTS="gradient.example.org")
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode != 0 and "SECURE_HSTS_SECONDS" in result.stderr + result.stdout
    # SITE_URL left at its default: notification mails would link to loopback.
    assert "gradient.E002" in result.stderr + result.stdout


def test_static_files_are_served_with_debug_off(client, settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.DEBUG is False
    for path in ("/static/admin/css/base.css", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content if response.streaming else [response.content])

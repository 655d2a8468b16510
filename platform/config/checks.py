"""The production check that every rate limit is counted in a cache all web processes share.

The submission limit, the password-reset throttle and the other per-user and per-client counts live in
Django's cache. A process-local cache (LocMemCache, the default without CACHE_URL) gives each gunicorn process
its own counts: with three processes, three times the limit gets through (a penetration test let 67 of 70
rapid submissions through a 30/min limit that way). Two guards:

- ``manage.py check --deploy`` reports it as an error (gradient.E001);
- the WSGI application refuses to start with it (config/wsgi.py) when DEBUG is off and the database is
  PostgreSQL: a production deployment, as opposed to the SQLite demo, which runs one process.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

# Caches whose counts other processes (or other hosts) do not see, or that count nothing at all.
NOT_SHARED = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}
MESSAGE = (
    "The default cache ({backend}) is not shared by the web processes, so every rate limit (submissions, "
    "password resets) counts per process: with N processes, N times the limit gets through."
)
HINT = "Set CACHE_URL to a Redis every web process reaches, e.g. CACHE_URL=redis://redis:6379/1 (deploy/env.example)."


def unshared_cache() -> str | None:
    """The default cache's backend when it is not shared between processes; None when it is."""
    backend = str(settings.CACHES.get("default", {}).get("BACKEND", ""))
    return backend if backend in NOT_SHARED else None


@register(Tags.caches, Tags.security, deploy=True)
def shared_cache_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    backend = unshared_cache()
    if backend is None:
        return []
    return [Error(MESSAGE.format(backend=backend), hint=HINT, id="gradient.E001")]


def require_shared_cache() -> None:
    """At the start of a production web process (DEBUG off, PostgreSQL): refuse to serve without one."""
    backend = unshared_cache()
    postgres = "postgresql" in str(settings.DATABASES["default"]["ENGINE"])
    if backend is not None and postgres and not settings.DEBUG:
        raise ImproperlyConfigured(f"{MESSAGE.format(backend=backend)} {HINT}")


@register(Tags.security, deploy=True)
def site_url_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Mails sent outside a request (notices from workers, reminders, digests) link to SITE_URL: left at its
    loopback default, every such link points nowhere."""
    url = str(getattr(settings, "GRADIENT_SITE_URL", ""))
    if url.startswith(("http://127.0.0.1", "http://localhost")) or not url:
        return [
            Error(
                f"SITE_URL is {url or 'empty'}: links in notification mails would not reach the site.",
                hint="Set SITE_URL to the site's public address, e.g. SITE_URL=https://grading.example.org (deploy/env.example).",
                id="gradient.E002",
            )
        ]
    return []

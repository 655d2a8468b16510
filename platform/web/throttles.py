"""Rate limits counted in the cache every web process shares (Redis where CACHE_URL is set): the per-user limit
on creating submissions (SUBMISSION_RATE), shared by the API and the web forms; and who "the client" is for
the limits that count per client (its address, through a known number of reverse proxies).

The submission counter is one atomic increment per request (Redis's INCR), not DRF's read-modify-write list of
timestamps: with several gunicorn processes and threads, DRF's SimpleRateThrottle lets requests that arrive
together through together (its own documentation says so), and a burst is exactly what a limit is for.
"""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from core.errors import UserError

PREFIX = "gradient:rate"


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind TRUSTED_PROXIES reverse proxies (each appending the
    address it saw to X-Forwarded-For, as deploy/nginx.conf does), the entry the outermost proxy wrote. Entries
    further left came from the client and could be anything, so they are never read. None when unknown (a
    request made up in a test or a shell)."""
    proxies = settings.GRADIENT_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies and _is_address(forwarded[-proxies]):
            return forwarded[-proxies]
    remote = request.META.get("REMOTE_ADDR")
    return str(remote) if remote and _is_address(str(remote)) else None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's notation: ``30/min`` is (30, 60); the period's first letter counts (s, m, h, d)."""
    count, _, period = rate.partition("/")
    try:
        return int(count), PERIODS[period.strip()[:1].lower()]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"a rate is a number, a slash and s, min, hour or day, not {rate!r}") from None


class FixedWindow:
    """``limit`` events per ``period`` seconds for one key: the window opens with the first event and lasts
    ``period`` seconds; one atomic increment per event."""

    def __init__(self, key: str, limit: int, period: int) -> None:
        self.key, self.limit, self.period = f"{PREFIX}:{key}", limit, period

    def hit(self) -> bool:
        """Counts one event; whether it is within the limit (an event over the limit still counts)."""
        if cache.add(f"{self.key}:count", 1, timeout=self.period):
            cache.set(f"{self.key}:start", time.time(), timeout=self.period)
            return self.limit >= 1
        try:
            count = cache.incr(f"{self.key}:count")
        except ValueError:  # the window closed between add and incr: this event opens the next one
            cache.add(f"{self.key}:count", 1, timeout=self.period)
            cache.set(f"{self.key}:start", time.time(), timeout=self.period)
            count = 1
        return count <= self.limit

    def wait(self) -> float:
        """Seconds until the window closes (the whole period when its start is not known)."""
        start = cache.get(f"{self.key}:start")
        if start is None:
            return float(self.period)
        return max(0.0, float(start) + self.period - time.time())


class SubmissionRateThrottle(BaseThrottle):
    """SUBMISSION_RATE (e.g. ``30/min``) per user, read per request so an operator's change applies."""

    def __init__(self) -> None:
        self.window: FixedWindow | None = None

    def allow_request(self, request: Request | HttpRequest, view: APIView | None) -> bool:
        user = request.user
        if not user.is_authenticated:  # the views refuse anonymous users before this counts anything
            return True
        limit, period = parse_rate(settings.GRADIENT_SUBMISSION_RATE)
        self.window = FixedWindow(f"submissions:{user.pk}", limit, period)
        return self.window.hit()

    def wait(self) -> float | None:
        return self.window.wait() if self.window is not None else None


class TooManySubmissions(UserError):
    status = 429


def check_submission_rate(request: HttpRequest) -> None:
    """For the web forms: the same counter the API uses."""
    throttle = SubmissionRateThrottle()
    if not throttle.allow_request(request, None):
        wait = throttle.wait()
        raise TooManySubmissions(
            f"You are submitting very fast; please wait {int(wait or 60)} seconds and try again. Nothing was submitted."
        )

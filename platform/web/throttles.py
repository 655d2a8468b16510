"""One per-user rate limit on creating submissions, shared by the API and the web forms (SUBMISSION_RATE)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import UserRateThrottle

from core.errors import UserError


class SubmissionRateThrottle(UserRateThrottle):
    scope = "submissions"

    def get_rate(self) -> str:
        return settings.GRADIENT_SUBMISSION_RATE  # read per request, so an operator's change applies


class TooManySubmissions(UserError):
    status = 429


def check_submission_rate(request: HttpRequest) -> None:
    """For the web forms: the same counter the API uses (it only reads the user and the cache)."""
    throttle = SubmissionRateThrottle()
    # Typed for DRF's Request and a view: it reads only request.user (and META), which a Django request has too.
    if not throttle.allow_request(request, None):  # type: ignore[arg-type]
        wait = throttle.wait()
        raise TooManySubmissions(
            f"You are submitting very fast; please wait {int(wait or 60)} seconds and try again. Nothing was submitted."
        )

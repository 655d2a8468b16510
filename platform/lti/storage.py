"""pylti1p3's launch storage and state cookie, as this site needs them.

Storage: in the database (LaunchState), not a cache. The OIDC login and the launch that follows it are two
requests that may reach two web processes, and the site's default cache is per process (see settings.CACHES).
Keys are unguessable (random state, nonce and launch ids), so no session cookie partitions them: inside an
LMS's frame a browser may not send one.

Cookie: the state cookie that ties the launch to the browser that started the login is set with
SameSite=None, Secure and Partitioned (lti.cookies), which a browser requires of a cookie set inside another
site's frame (pylti1p3 sets the first two, over HTTPS only; browsers count http://127.0.0.1 and
http://localhost as secure too).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from pylti1p3.contrib.django.cookie import DjangoCookieService
from pylti1p3.launch_data_storage.base import LaunchDataStorage

from lti import cookies
from lti.models import LaunchState

DEFAULT_LIFETIME_S = 86400  # pylti1p3's own default for launch data


class DatabaseLaunchStorage(LaunchDataStorage[Any]):
    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        row = LaunchState.objects.filter(key=self._prepare_key(key), expires_at__gt=timezone.now()).first()
        return row.value if row else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        LaunchState.objects.update_or_create(
            key=self._prepare_key(key),
            defaults={"value": value, "expires_at": timezone.now() + timedelta(seconds=exp or DEFAULT_LIFETIME_S)},
        )

    def check_value(self, key: str) -> bool:
        return LaunchState.objects.filter(key=self._prepare_key(key), expires_at__gt=timezone.now()).exists()

    def remove_value(self, key: str) -> None:
        LaunchState.objects.filter(key=self._prepare_key(key)).delete()


def prune_expired() -> int:
    deleted, _ = LaunchState.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


class FrameCookieService(DjangoCookieService):
    """pylti1p3's cookies, SameSite=None; Secure; Partitioned where possible (lti.cookies.possible), so they
    survive being set inside an LMS's frame."""

    def update_response(self, response: HttpResponse) -> None:
        assert self._request is not None  # pylti1p3 sets it at construction
        framed = cookies.possible(self._request._request)
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(key, data["value"], max_age=data["exp"], httponly=True, path="/")
            if framed:
                cookies.for_frames(response, key)

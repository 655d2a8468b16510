"""The header's "Notices (N)": the signed-in user's unread count, read only when a page shows it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from notices.services import UNREAD_CAP, unread_count


def unread_notices(request: HttpRequest) -> dict[str, Callable[[], str]]:
    """``unread_notices``: "" (none), "3", or "99+"; one cheap query, only for a signed-in user and only for
    templates that use it (a polled fragment costs nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> str:
        found = unread_count(user)
        if found > UNREAD_CAP:
            return f"{UNREAD_CAP}+"
        return str(found) if found else ""

    return {"unread_notices": count}

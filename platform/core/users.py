"""The platform's user, for annotations: Django's own User (the settings name no AUTH_USER_MODEL; the models'
foreign keys to settings.AUTH_USER_MODEL are typed with this class too).

Services and selectors take a signed-in ``User``. A view finds ``request.user`` typed ``User | AnonymousUser``;
behind ``login_required`` it is a User: annotate the view's request as ``SignedInRequest``. The API's views
(IsAuthenticated) narrow ``request.user`` with ``signed_in``.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

__all__ = ["SignedInRequest", "User", "signed_in"]


class SignedInRequest(HttpRequest):
    """The request a view behind ``login_required`` gets (for annotations: never instantiated)."""

    user: User


def signed_in(user: User | AnonymousUser) -> User:
    """``request.user`` where only a signed-in user gets (the API's IsAuthenticated, login_required)."""
    assert isinstance(user, User), "reached without signing in"
    return user

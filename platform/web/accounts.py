"""Password reset by email and password change: Django's own auth views, with our templates, a reset form
that also serves accounts that never had a password (rosters enrolled from CSV), and a throttle on reset mails.

The reset page never says whether an address has an account: it answers the same page for every valid
address, whether a mail went out, nobody has that address, or the throttle held the mail back.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse_lazy

from web.throttles import client_address

THROTTLE_PREFIX = "gradient:reset"


class ResetForm(auth_forms.PasswordResetForm):
    """Django's form, except that an account with no usable password gets the mail too: that is how a student
    enrolled from a CSV roster (created without a password) sets their first one. Inactive accounts still get
    nothing. The mail proves the address: a reset link only reaches whoever reads that mailbox."""

    def get_users(self, email: str) -> Iterator[User]:
        wanted = _folded(email)
        for user in User._default_manager.filter(email__iexact=email, is_active=True):
            if _folded(user.email) == wanted:  # as Django's own form: no look-alike matches the database's
                yield user


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def count_in_window(key: str, window_s: int) -> int:
    """Adds one to the counter ``key`` in the shared cache and returns it (the window of ``window_s`` starts
    with the first request; Redis's INCR where CACHE_URL is set, so every web process shares the count).
    The sign-up, verification-mail and join-code limits count with it too."""
    cache.add(key, 0, timeout=window_s)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request starts a new window
        cache.add(key, 1, timeout=window_s)
        return 1


def _count(key: str) -> int:
    return count_in_window(key, settings.GRADIENT_RESET_WINDOW_S)


def reset_allowed(request: HttpRequest, email: str) -> bool:
    """Whether a reset mail for ``email`` may go out now: both counters are charged on every request, so a
    client that is over its limit cannot keep probing addresses either."""
    address = hashlib.sha256(_folded(email.strip()).encode()).hexdigest()
    client = client_address(request)
    per_address = _count(f"{THROTTLE_PREFIX}:address:{address}")
    per_client = _count(f"{THROTTLE_PREFIX}:client:{client}")
    return (
        per_address <= settings.GRADIENT_RESET_PER_ADDRESS and per_client <= settings.GRADIENT_RESET_PER_CLIENT
    )


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    form_class = ResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        if reset_allowed(self.request, form.cleaned_data["email"]):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())  # the same answer, no mail


urlpatterns = [
    path("password/reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="accounts/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change_form.html", success_url=reverse_lazy("password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
]

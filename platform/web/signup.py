"""Creating an account: through a cohort's invitation (always allowed: the link is the permission), through a
course's open sign-up (Course.signup_cohort), or on its own for the roadmap (GRADIENT_SIGNUP_OPEN).

The account is active at once; its email address is unverified until the mailed link is followed (or, for a
personal invitation, when the address given is the one the invitation was mailed to: the link came through
that mailbox). A user name keeps accounts.usernames' rules; the password Django's validators.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from accounts.emails import AddressTaken, folded, mark_verified
from accounts.usernames import RULES, validate_new_username
from core.errors import UserError
from core.users import User
from courses.invitations import join, open_signup_cohort
from courses.models import Cohort, Invitation
from web.accounts import count_in_window
from web.email_verification import send_verification
from web.invitations import find_counted
from web.mailing import MailNotSent
from web.throttles import client_address

# Signing in right after sign-up: the model backend by name (settings may list others first, e.g. axes').
BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignUpForm(auth_forms.UserCreationForm):
    email = forms.EmailField(
        max_length=254, help_text="We mail a link to confirm it; password resets go there too."
    )

    class Meta(auth_forms.UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
        help_texts = {"username": RULES}

    def clean_username(self) -> str:
        name = str(self.cleaned_data.get("username", ""))
        validate_new_username(name)
        return name


class SignUpClosed(UserError):
    status = 404


class TooManySignUps(UserError):
    status = 429


def _allowed(request: HttpRequest) -> bool:
    """Counts this sign-up try against the client's hourly limit. Every try counts, taken names and bad
    passwords too: a form that answers "this name is taken" would otherwise tell a prober which names exist
    at no cost."""
    client = client_address(request)
    return count_in_window(f"gradient:signup:client:{client}", 3600) <= settings.GRADIENT_SIGNUP_PER_CLIENT


def _signup(
    request: HttpRequest, *, cohort: Cohort | None, invitation: Invitation | None, back: str
) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(back)  # the join page (or the roadmap): signed in already
    if request.method == "POST" and not _allowed(request):
        raise TooManySignUps("Too many sign-ups were tried from your network in the last hour. Try again later.")
    form = SignUpForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "cohort": cohort, "invitation": invitation, "back": back}
    if request.method != "POST" or not form.is_valid():
        return render(request, "accounts/signup.html", context, status=400 if request.method == "POST" else 200)
    with transaction.atomic():
        user = form.save()
        if cohort is not None:
            join(user=user, cohort=cohort, invitation=invitation)
        proven = invitation is not None and invitation.is_personal and folded(invitation.email) == folded(user.email)
        if proven:
            try:
                mark_verified(user, user.email, source="invitation")
            except AddressTaken:  # another account proved it: this one stays unverified (its link will say why)
                proven = False
    login(request, user, backend=BACKEND)
    welcome = f"{reverse('account')}?welcome=1"
    if not proven:
        try:
            send_verification(request, user)
        except MailNotSent:  # the account is made and signed in: the account page offers the link again
            welcome = f"{reverse('account')}?sent=failed"
    if cohort is not None:
        return redirect(f"{reverse('courses')}#cohort-{cohort.pk}")
    return redirect(welcome)


def _failed(request: HttpRequest, problem: UserError) -> HttpResponse:
    return render(request, "courses/invite_closed.html", {"problem": problem.message}, status=problem.status)


def signup_view(request: HttpRequest) -> HttpResponse:
    """An account of one's own for the roadmap (GRADIENT_SIGNUP_OPEN)."""
    try:
        if not settings.GRADIENT_SIGNUP_OPEN:
            raise SignUpClosed(
                "This site does not take sign-ups. If you are in a course, ask its staff for an invitation link."
            )
        return _signup(request, cohort=None, invitation=None, back=reverse("roadmap"))
    except UserError as problem:
        return _failed(request, problem)


def invitation_signup_view(request: HttpRequest, code: str) -> HttpResponse:
    try:
        invitation = find_counted(request, code)
        return _signup(
            request, cohort=invitation.cohort, invitation=invitation, back=reverse("join", args=[invitation.code])
        )
    except UserError as problem:
        return _failed(request, problem)


def course_signup_view(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        cohort = open_signup_cohort(slug)
        return _signup(request, cohort=cohort, invitation=None, back=reverse("course_join", args=[slug]))
    except UserError as problem:
        return _failed(request, problem)


urlpatterns = [
    path("signup/", signup_view, name="signup"),
    path("join/<str:code>/signup/", invitation_signup_view, name="join_signup"),
    path("courses/<slug:slug>/join/signup/", course_signup_view, name="course_signup"),
]

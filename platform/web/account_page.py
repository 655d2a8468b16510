"""The account page (/account/): the email address and whether it is verified, the password, two-factor
sign-in, API tokens, the data export and closing the account (web/account_data.py does the work)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.emails import is_verified
from core.users import SignedInRequest, User
from web import mailing
from web.account_data import close_account, export_zip, has_course_records
from web.email_verification import send_verification
from web.mailing import MailNotSent
from web.two_factor import has_two_factor


class EmailForm(forms.Form):
    email = forms.EmailField(max_length=254, label="New email address")
    password = forms.CharField(widget=forms.PasswordInput, label="Your password")


class CloseForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, label="Your password")


def _password_ok(request: SignedInRequest, password: str) -> bool:
    """Checked through authenticate(request=...), so a guessed password counts like a failed sign-in."""
    return authenticate(request, username=request.user.get_username(), password=password) is not None


def _page(request: SignedInRequest, *, status: int = 200, **extra: object) -> HttpResponse:
    user = request.user
    context = {
        "email_verified": is_verified(user),
        "two_factor": has_two_factor(user),
        "email_form": extra.pop("email_form", EmailForm()),
        "sent": request.GET.get("sent", ""),
        "welcome": request.GET.get("welcome") == "1",
        **extra,
    }
    return render(request, "accounts/account.html", context, status=status)


@login_required
@never_cache
def account_view(request: SignedInRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def email_view(request: SignedInRequest) -> HttpResponse:
    """A new address (with the password): unverified until the link mailed to it is followed."""
    form = EmailForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, email_form=form)
    if not _password_ok(request, form.cleaned_data["password"]):
        form.add_error("password", "That password is not right.")
        return _page(request, status=400, email_form=form)
    user = request.user
    previous = user.email
    try:
        with transaction.atomic():  # the new address is kept only once the link to confirm it went out
            user.email = form.cleaned_data["email"]
            user.save(update_fields=["email"])
            send_verification(request, user)
    except MailNotSent:
        user.email = previous
        error = (f"Our mail server could not send the link to {form.cleaned_data['email']}, so your address was not "
                 "changed. Try again in a few minutes.")
        return _page(request, status=MailNotSent.status, email_form=form, email_error=error)
    return redirect(f"{reverse('account')}?sent=verify")


@login_required
@never_cache
def export_view(request: SignedInRequest) -> FileResponse:
    archive = export_zip(request.user, request)
    name = f"gradient-{request.user.get_username()}-data.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


def _goodbye(user: User, outcome: str) -> EmailMessage | None:
    if not user.email or not is_verified(user):
        return None  # only an address the person proved: a mail to anyone else's would leak the deletion
    body = render_to_string("accounts/account_closed_email.txt", {"user": user, "outcome": outcome})
    return EmailMessage("Your Gradient account was closed", body, to=[user.email])


@login_required
@never_cache
def close_view(request: SignedInRequest) -> HttpResponse:
    """Closing the account, confirmed with the password. Site administrators are closed by another
    administrator (so a site is never left without one by a click)."""
    user = request.user
    context: dict[str, object] = {"keeps_records": has_course_records(user), "form": CloseForm()}
    if user.is_staff or user.is_superuser:
        context["refused"] = True
        return render(request, "accounts/account_close.html", context, status=403 if request.method == "POST" else 200)
    if request.method != "POST":
        return render(request, "accounts/account_close.html", context)
    form = CloseForm(request.POST)
    context["form"] = form
    if not form.is_valid() or not _password_ok(request, form.cleaned_data["password"]):
        context["error"] = "That password is not right: your account stays as it is."
        return render(request, "accounts/account_close.html", context, status=400)
    goodbye = _goodbye(user, "anonymised" if context["keeps_records"] else "deleted")
    logout(request)  # first: signing out still finds the user as they were (their tokens are revoked)
    outcome = close_account(user)
    if goodbye is not None:
        try:
            mailing.send(goodbye)
        except mailing.MailNotSent:
            pass  # the account is closed either way; the mail only confirms it, and the page says so too
    return render(request, "accounts/account_closed.html", {"outcome": outcome})


urlpatterns = [
    path("account/", account_view, name="account"),
    path("account/email/", email_view, name="account_email"),
    path("account/export/", export_view, name="account_export"),
    path("account/close/", close_view, name="account_close"),
]

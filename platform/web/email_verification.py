"""Email verification: a signed, expiring link mailed at sign-up and on request from the account page.
Following it (signed in or not: the link is the proof) shows a page naming the account, and its button (a
POST) records the address with accounts.emails.mark_verified. Following the link alone changes nothing: mail
scanners and link previews fetch links nobody meant to follow, and someone who typed another person's address
into their own account must not gain it by the owner's click: the page names the account it would join, and an
address another account already proved is never moved (AddressTaken).

The link carries the user's id and a hash of the address it was mailed to, signed with SECRET_KEY (Django's
TimestampSigner), so it proves exactly one address of one account, and stops working when the account's
address changes or after GRADIENT_VERIFY_EMAIL_MAX_AGE_S. The address itself is not in the link (links end
up in logs)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.emails import AddressTaken, folded, is_verified, mark_verified, taken_by_another
from core.users import SignedInRequest, User
from web.accounts import count_in_window
from web.mailing import MailNotSent, send

SALT = "gradient.verify-email"


def _address_hash(address: str) -> str:
    return hashlib.sha256(folded(address).encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": _address_hash(user.email)}, salt=SALT)


class LinkProblem(Exception):
    """Why a verification link does not work, as the sentence the page shows."""


def check_token(token: str) -> User:
    """The user whose current address ``token`` proves; LinkProblem otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.GRADIENT_VERIFY_EMAIL_MAX_AGE_S)
    except signing.SignatureExpired as exc:
        raise LinkProblem("This link has expired. Ask for a new one from your account page.") from exc
    except signing.BadSignature as exc:
        raise LinkProblem("This link is not one we sent (it may have been cut short by your mail program).") from exc
    user = User._default_manager.filter(pk=data.get("u"), is_active=True).first()
    if user is None or not user.email or _address_hash(user.email) != data.get("e"):
        raise LinkProblem("This link was sent to an address that is no longer this account's. Ask for a new one "
                          "from your account page.")
    return user


def send_verification(request: HttpRequest, user: User) -> None:
    """Mail ``user`` a link that proves their current address (nothing when they have none); MailNotSent when
    the mail server refused it or could not be reached."""
    if not user.email:
        return
    link = request.build_absolute_uri(reverse("verify_email", args=[make_token(user)]))
    days = settings.GRADIENT_VERIFY_EMAIL_MAX_AGE_S // 86400
    body = render_to_string("accounts/verify_email.txt", {"user": user, "link": link, "days": days})
    send(EmailMessage("Confirm your email address on Gradient", body, to=[user.email]))


def verify_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the page that says which account the address would be confirmed for, with the button; POST (that
    button): records the proof (a link confirmed twice is as good as once)."""
    try:
        user = check_token(token)
    except LinkProblem as problem:
        return render(request, "accounts/verify_email_done.html", {"problem": str(problem)}, status=400)
    context: dict[str, object] = {"verified_user": user, "already": is_verified(user)}
    if taken_by_another(user, user.email):
        taken = {**context, "taken": AddressTaken().message}
        return render(request, "accounts/verify_email_done.html", taken, status=409)
    if context["already"]:
        return render(request, "accounts/verify_email_done.html", context)
    if request.method != "POST":
        return render(request, "accounts/verify_email_confirm.html", context)
    try:
        mark_verified(user, user.email, source="link")
    except AddressTaken as problem:  # proved for another account since the page was shown
        return render(request, "accounts/verify_email_done.html", {**context, "taken": problem.message}, status=409)
    return render(request, "accounts/verify_email_done.html", context)


@login_required
@require_POST
def resend_view(request: SignedInRequest) -> HttpResponse:
    """Another link, from the account page: a few an hour per account, so the button cannot mail-bomb."""
    user = request.user
    if user.email and not is_verified(user):
        sent = count_in_window(f"gradient:verify-mail:{user.pk}", 3600)
        if sent <= settings.GRADIENT_VERIFY_MAILS_PER_HOUR:
            try:
                send_verification(request, user)
            except MailNotSent:
                return redirect(f"{reverse('account')}?sent=failed")
            return redirect(f"{reverse('account')}?sent=verify")
        return redirect(f"{reverse('account')}?sent=held")
    return redirect("account")


urlpatterns = [
    path("account/verify/<str:token>/", verify_view, name="verify_email"),
    path("account/verify-email/", resend_view, name="verify_email_resend"),
]

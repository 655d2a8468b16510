"""Joining a cohort, and the staff page that hands out the ways in ("Invite students", from the gradebook).

A student follows a join link (or types its code at /join/), signs in or signs up, and confirms: they are
enrolled as a student (courses/invitations.py). Staff of the cohort (its instructors and TAs: the gradebook's
rule) make join codes with an optional end date and cap on uses, withdraw them, and mail personal links;
instructors open or close the course's sign-up.

Mailing invitations needs a verified address of the staff member's own: the mail names them and takes
replies to that address, so it must be one they proved they read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.emails import is_verified
from core.errors import UserError
from core.users import SignedInRequest, User
from courses.invitations import (
    MAX_EMAILS,
    InvitationNotFound,
    active_invitations,
    display_code,
    find_open,
    join,
    new_join_code,
    new_personal_invitation,
    normal_code,
    open_signup_cohort,
    revoke,
    set_open_signup,
)
from courses.models import Cohort, Enrolment, Invitation, Role
from courses.selectors import access_cohort_as_staff, enrolment_get
from web.accounts import count_in_window
from web.mailing import MailNotSent, send
from web.throttles import client_address


class TooManyMisses(UserError):
    status = 429


def _closed(request: HttpRequest, problem: UserError) -> HttpResponse:
    return render(request, "courses/invite_closed.html", {"problem": problem.message}, status=problem.status)


def find_counted(request: HttpRequest, code: str) -> Invitation:
    """find_open, with a limit on unknown codes per client: codes cannot be guessed by trying many. Every page
    that looks a code up goes through here (the join page, its sign-up page), so none answers for free."""
    key = f"gradient:join-miss:{client_address(request)}"
    if (cache.get(key) or 0) >= settings.GRADIENT_JOIN_MISSES_PER_HOUR:  # over the limit, even a hit is refused
        raise TooManyMisses("Too many codes that do not exist were tried from your network. Try again in an hour.")
    try:
        return find_open(code)
    except InvitationNotFound:
        count_in_window(key, 3600)
        raise


# --------------------------------------------------------------------------- joining


def _join_page(
    request: HttpRequest, *, cohort: Cohort, invitation: Invitation | None, here: str, signup: str
) -> HttpResponse:
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={here}")
        joined = join(user=request.user, cohort=cohort, invitation=invitation)
        return redirect(f"{reverse('courses')}#cohort-{joined.enrolment.cohort_id}")
    member = enrolment_get(cohort_id=cohort.pk, user=request.user) if request.user.is_authenticated else None
    return render(
        request,
        "courses/invite_join.html",
        {"cohort": cohort, "member": member, "here": here, "signup": signup, "invitation": invitation},
    )


def join_view(request: HttpRequest, code: str) -> HttpResponse:
    try:
        invitation = find_counted(request, code)
        if invitation.code != code:  # typed with dashes or in lower case: the link as we make it
            return redirect("join", code=invitation.code)
        return _join_page(
            request,
            cohort=invitation.cohort,
            invitation=invitation,
            here=reverse("join", args=[invitation.code]),
            signup=reverse("join_signup", args=[invitation.code]),
        )
    except UserError as problem:
        return _closed(request, problem)


def course_join_view(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        cohort = open_signup_cohort(slug)
        return _join_page(
            request,
            cohort=cohort,
            invitation=None,
            here=reverse("course_join", args=[slug]),
            signup=reverse("course_signup", args=[slug]),
        )
    except UserError as problem:
        return _closed(request, problem)


def enter_code_view(request: HttpRequest) -> HttpResponse:
    """A box to type a join code read off a slide."""
    code = normal_code(request.GET.get("code", ""))
    if code:
        return redirect("join", code=code)
    return render(request, "courses/invite_enter.html")


# --------------------------------------------------------------------------- the staff page


class JoinCodeForm(forms.Form):
    days = forms.IntegerField(required=False, min_value=1, max_value=365, label="Expires after (days)")
    max_uses = forms.IntegerField(required=False, min_value=1, max_value=100_000, label="At most this many people")


class EmailInviteForm(forms.Form):
    addresses = forms.CharField(
        widget=forms.Textarea, max_length=MAX_EMAILS * 260, label="Email addresses (one a line, or commas)"
    )

    def clean_addresses(self) -> list[str]:
        raw = self.cleaned_data["addresses"].replace(",", "\n").replace(";", "\n")
        addresses = list(dict.fromkeys(a.strip() for a in raw.splitlines() if a.strip()))
        if len(addresses) > MAX_EMAILS:
            raise ValidationError(f"At most {MAX_EMAILS} addresses at a time ({len(addresses)} given).")
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError("Not email addresses: " + ", ".join(bad[:10]) + (" ..." if len(bad) > 10 else ""))
        return addresses


def _is_instructor(user: User, cohort: Cohort) -> bool:
    return user.is_staff or Enrolment.objects.filter(cohort=cohort, user=user, role=Role.INSTRUCTOR).exists()


def _staff_page(request: SignedInRequest, cohort: Cohort, *, status: int = 200, **extra: Any) -> HttpResponse:
    invitations = active_invitations(cohort)
    for invitation in invitations:
        # For the template only: the code as people read it, and the link to hand out.
        invitation.shown_code = display_code(invitation.code)  # type: ignore[attr-defined]
        invitation.link = request.build_absolute_uri(reverse("join", args=[invitation.code]))  # type: ignore[attr-defined]
    course = cohort.course
    elsewhere = course.signup_cohort if course.signup_cohort_id not in (None, cohort.pk) else None
    context = {
        "cohort": cohort,
        "codes": [i for i in invitations if not i.is_personal],
        "personal": [i for i in invitations if i.is_personal],
        "code_form": extra.pop("code_form", JoinCodeForm()),
        "email_form": extra.pop("email_form", EmailInviteForm()),
        "can_mail": is_verified(request.user),
        "instructor": _is_instructor(request.user, cohort),
        "signup_open_here": course.signup_cohort_id == cohort.pk,
        "signup_elsewhere": elsewhere,
        # Moving the sign-up away from another cohort takes an instructor of that cohort too.
        "signup_movable": elsewhere is None or _is_instructor(request.user, elsewhere),
        "signup_link": request.build_absolute_uri(reverse("course_join", args=[course.slug])),
        "enter_link": request.build_absolute_uri(reverse("join_enter")),
        **extra,
    }
    return render(request, "courses/invite.html", context, status=status)


@login_required
def invite_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    return _staff_page(request, access_cohort_as_staff(user=request.user, cohort_id=cohort_id))


@login_required
@require_POST
def new_code_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    form = JoinCodeForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, cohort, status=400, code_form=form)
    days = form.cleaned_data["days"]
    new_join_code(
        cohort=cohort,
        by=request.user,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
        max_uses=form.cleaned_data["max_uses"],
    )
    return redirect("cohort_invite", cohort_id=cohort.pk)


@login_required
@require_POST
def revoke_view(request: SignedInRequest, cohort_id: int, invitation_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    invitation = Invitation.objects.filter(cohort=cohort, pk=invitation_id).first()
    if invitation is not None:
        revoke(invitation)
    return redirect("cohort_invite", cohort_id=cohort.pk)


@login_required
@require_POST
def email_invite_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    staff = request.user
    if not is_verified(staff):
        return _staff_page(
            request, cohort, status=403,
            email_error="Confirm your own email address first (from your account page): invitations are mailed "
            "in your name, and replies go to you.",
        )
    form = EmailInviteForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, cohort, status=400, email_form=form)
    sender = staff.get_full_name() or staff.get_username()
    addresses: list[str] = form.cleaned_data["addresses"]
    invited: list[str] = []
    connection = get_connection()  # one SMTP session for the whole list
    try:
        for address in addresses:
            with transaction.atomic():  # an invitation is kept only once its mail went out
                invitation = new_personal_invitation(cohort=cohort, by=staff, email=address)
                link = request.build_absolute_uri(reverse("join", args=[invitation.code]))
                body = render_to_string(
                    "courses/invite_email.txt",
                    {"cohort": cohort, "sender": sender, "link": link, "expires_at": invitation.expires_at},
                )
                subject = f"{sender} invites you to {cohort.course.title} on Gradient"
                send(EmailMessage(subject, body, to=[address], reply_to=[staff.email]), connection=connection)
            invited.append(address)
    except MailNotSent:
        # Stopped at the first failure (a server that is down would make each further try wait for it); the
        # addresses not invited go back into the form, to send again later.
        unsent = addresses[len(invited):]
        return _staff_page(
            request, cohort, status=MailNotSent.status, invited=invited,
            email_form=EmailInviteForm(initial={"addresses": "\n".join(unsent)}),
            email_error=(
                f"Our mail server could not send the invitation to {unsent[0]}, so no invitation was kept for "
                f"{'it' if len(unsent) == 1 else f'it or the {len(unsent) - 1} addresses after it'}. They are back "
                "in the form below: try again in a few minutes, and tell the site's administrators if it keeps "
                "failing."
            ),
        )
    finally:
        connection.close()
    return _staff_page(request, cohort, invited=invited)


@login_required
@require_POST
def open_signup_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    try:
        set_open_signup(cohort=cohort, by=request.user, open_=request.POST.get("open") == "1")
    except UserError as problem:
        return _staff_page(request, cohort, status=problem.status, signup_error=problem.message)
    return redirect("cohort_invite", cohort_id=cohort.pk)


urlpatterns = [
    path("join/", enter_code_view, name="join_enter"),
    path("join/<str:code>/", join_view, name="join"),
    path("courses/<slug:slug>/join/", course_join_view, name="course_join"),
    path("cohorts/<int:cohort_id>/invite/", invite_view, name="cohort_invite"),
    path("cohorts/<int:cohort_id>/invite/code/", new_code_view, name="cohort_invite_code"),
    path("cohorts/<int:cohort_id>/invite/email/", email_invite_view, name="cohort_invite_email"),
    path("cohorts/<int:cohort_id>/invite/<int:invitation_id>/revoke/", revoke_view, name="cohort_invite_revoke"),
    path("cohorts/<int:cohort_id>/invite/open-signup/", open_signup_view, name="cohort_open_signup"),
]

"""The tool's addresses: its JWKS, OIDC login initiation, the launch, an instructor's choice of assignment (deep
linking, or a new link), and a cohort's LMS page (links, roster sync, scores owed).

Every page here may be shown in a registered LMS's frame: after a launch, lti.middleware allows the launch's
platform; before one (the login step's and the launch's refusals), these views allow every registered
platform's origins and no other site.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from lti_tool.models import Key, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django.oidc_login import DjangoOIDCLogin
from pylti1p3.contrib.django.request import DjangoRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import OIDCException
from pylti1p3.lineitem import LineItem as LibraryLineItem

from audit import services as audit
from catalog.models import Exercise
from core.errors import UserError
from core.users import SignedInRequest, User
from courses.models import Assignment, Cohort, Enrolment, Role
from courses.selectors import access_cohort_as_staff, exercises_assignable
from courses.services import assignment_rules
from lti import launch as launches
from lti import lms, roster
from lti.identities import signed_in
from lti.middleware import SESSION_ORIGINS, allow_framing
from lti.models import ContextCohort, Passback
from lti.storage import DatabaseLaunchStorage, FrameCookieService
from lti.tasks import sync_roster

PENDING = "lti_pending"  # a launch waiting for an instructor's choice: {"launch_id", "mode", "cohort_id"}


def registered_origins() -> list[str]:
    """Every active registered platform's origins (issuer, login URL, its options' frame origins)."""
    found: set[str] = set()
    for registration in LtiRegistration.objects.active().select_related("gradient"):
        options = getattr(registration, "gradient", None)
        found.update(launches.frame_origins(registration, options, {}))
    return sorted(found)


def _framed(response: HttpResponseBase, origins: list[str] | None = None) -> HttpResponseBase:
    allow_framing(response, origins if origins is not None else registered_origins())
    return response


def refused(request: HttpRequest, error: UserError) -> HttpResponseBase:
    response = render(request, "lti/refused.html", {"message": error.message}, status=error.status)
    return _framed(response)


def jwks_view(request: HttpRequest) -> JsonResponse:
    """The tool's public keys, for platforms to check what it signs (service assertions, deep links)."""
    lms.ensure_key()
    return JsonResponse(Key.objects.as_jwks())


def launch_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("lti_launch"))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest, registration_uuid: str | None = None) -> HttpResponseBase:
    """OIDC third-party login initiation: the LMS names itself; we answer with a redirect to its
    authentication endpoint carrying a fresh state (also set as a cookie) and nonce. The launch always comes
    back to our launch URL (the redirect_uri registered with the LMS), whatever target_link_uri says."""
    params = request.POST if request.method == "POST" else request.GET
    if not params.get("target_link_uri"):
        return refused(request, UserError("This LMS login is missing its target_link_uri."))
    lms.ensure_key()  # the registration pylti1p3 builds carries the tool's key
    tool_config = DjangoToolConfig(registration_uuid)
    oidc = DjangoOIDCLogin(
        request, tool_config,
        cookie_service=FrameCookieService(DjangoRequest(request)),
        launch_data_storage=DatabaseLaunchStorage(),
    )
    try:
        return oidc.redirect(launch_url(request))
    except OIDCException as exc:
        return refused(request, UserError(f"This LMS login could not start: {exc}.", status=400))


def _backend() -> str:
    """A sign-in backend that can load the user again on later requests (Django's model backend)."""
    model = "django.contrib.auth.backends.ModelBackend"
    return model if model in settings.AUTHENTICATION_BACKENDS else settings.AUTHENTICATION_BACKENDS[-1]


@csrf_exempt
@require_POST
def launch_view(request: HttpRequest) -> HttpResponseBase:
    try:
        lti_launch = launches.verify(request)
        arrival = launches.arrive(lti_launch)
    except UserError as error:
        return refused(request, error)
    login(request, arrival.user, backend=_backend())
    claims = lti_launch.get_launch_data()
    signed_in(arrival.user, registration=lti_launch.registration, subject=str(claims["sub"]))
    request.session[SESSION_ORIGINS] = arrival.frame_origins
    if arrival.sync_roster:
        link_id = ContextCohort.objects.get(context=arrival.context).pk
        transaction.on_commit(lambda: sync_roster.delay(link_id))
    if lti_launch.is_deep_link_launch or arrival.assignment is None:
        if arrival.role != Role.INSTRUCTOR:
            return refused(request, UserError("Only an instructor of this course chooses what a link opens.", status=403))
        request.session[PENDING] = {
            "launch_id": lti_launch.get_launch_id(),
            "mode": "deep_link" if lti_launch.is_deep_link_launch else "link",
            "cohort_id": arrival.cohort.pk,
        }
        return redirect("lti_choose")
    return redirect("assignment", assignment_id=arrival.assignment.pk)


class AssignmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Assignment) -> str:
        return f"{obj.exercise.title} (due {obj.due_at:%Y-%m-%d %H:%M})"


class ExerciseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Exercise) -> str:
        return f"{obj.title} ({obj.slug})"


class ChooseForm(forms.Form):
    assignment = AssignmentChoice(queryset=Assignment.objects.none(), required=False, empty_label="—")
    exercise = ExerciseChoice(queryset=Exercise.objects.none(), required=False, empty_label="—",
                              help_text="or a new assignment of this exercise")
    due_at = forms.DateTimeField(required=False, help_text="the new assignment's due date (UTC)")

    def __init__(self, *args: Any, cohort: Cohort, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        assignment_field = self.fields["assignment"]
        exercise_field = self.fields["exercise"]
        assert isinstance(assignment_field, forms.ModelChoiceField)
        assert isinstance(exercise_field, forms.ModelChoiceField)
        assignment_field.queryset = Assignment.objects.filter(cohort=cohort).select_related("exercise")
        # As on the staff pages: another course's private (unlisted) exercise is never offered.
        exercise_field.queryset = (
            exercises_assignable(user=user, cohort=cohort)
            .filter(current_version__isnull=False)
            .exclude(assignments__cohort=cohort)
            .order_by("slug")
        )
        self.fields["due_at"].initial = (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("assignment")) == bool(data.get("exercise")):
            raise forms.ValidationError("Choose an assignment, or an exercise to make a new assignment of.")
        if data.get("exercise") and not data.get("due_at"):
            self.add_error("due_at", "A new assignment needs a due date.")
        return data

    def chosen(self, actor: User) -> Assignment:
        """The assignment chosen, or the one made of the exercise chosen (in the audit log, as staff's are)."""
        data = self.cleaned_data
        if data.get("assignment"):
            assignment: Assignment = data["assignment"]
            return assignment
        now = timezone.now()
        made, created = Assignment.objects.get_or_create(
            cohort=self.cohort, exercise=data["exercise"],
            defaults={"opens_at": now, "due_at": max(data["due_at"], now)},
        )
        if created:
            audit.record(actor=actor, cohort_id=self.cohort.pk, action="assignment.create", target=str(made),
                         after=assignment_rules(made), reason="LMS link chosen")
        return made


@login_required
@require_http_methods(["GET", "POST"])
def choose_view(request: SignedInRequest) -> HttpResponseBase:
    """An instructor chooses the assignment a link opens: for the LMS's deep linking (the answer goes back to
    the LMS, signed), or for a link that the LMS made without one."""
    pending = request.session.get(PENDING)
    if not pending:
        raise Http404("No launch from the LMS is waiting for a choice.")
    cohort = Cohort.objects.select_related("course").get(pk=pending["cohort_id"])
    if not Enrolment.objects.filter(cohort=cohort, user=request.user, role=Role.INSTRUCTOR).exists():
        raise Http404("No launch from the LMS is waiting for a choice.")
    try:
        lti_launch = launches.restore(request, pending["launch_id"])
    except UserError as error:
        return refused(request, error)
    form = ChooseForm(request.POST or None, cohort=cohort, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            assignment = form.chosen(request.user)
            if pending["mode"] == "link":
                launches.link_resource(lti_launch=lti_launch, assignment=assignment)
        del request.session[PENDING]
        if pending["mode"] == "link":
            return redirect("assignment", assignment_id=assignment.pk)
        return _deep_link_answer(request, lti_launch, assignment)
    return render(request, "lti/choose.html", {"form": form, "cohort": cohort, "mode": pending["mode"]})


def _deep_link_answer(request: HttpRequest, lti_launch: Any, assignment: Assignment) -> HttpResponseBase:
    """The signed LtiDeepLinkingResponse, posted back to the LMS by the browser (a form this page submits)."""
    line_item = LibraryLineItem()
    line_item.set_score_maximum(float(assignment.max_score)).set_label(assignment.exercise.title[:255])
    line_item.set_resource_id(f"gradient-assignment-{assignment.pk}").set_tag("gradient")
    resource = (
        DeepLinkResource()
        .set_url(launch_url(request))
        .set_title(assignment.exercise.title)
        .set_custom_params({launches.CUSTOM_ASSIGNMENT: str(assignment.pk)})
        .set_lineitem(line_item)
    )
    lms.ensure_key()
    deep_link = lti_launch.get_message_launch().get_deep_link()
    token = deep_link.get_response_jwt([resource])
    return_url = lti_launch.get_launch_data()[launches.DEEP_LINKING_CLAIM]["deep_link_return_url"]
    response = render(request, "lti/deep_link_return.html", {"return_url": return_url, "token": token,
                                                             "assignment": assignment})
    target = launches.origin(return_url)
    response._csp_update = {"form-action": [target] if target else []}  # type: ignore[attr-defined]
    return response


@login_required
@require_http_methods(["GET", "POST"])
def cohort_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    """Staff's LMS page of a cohort: the LMS courses linked to it, a roster sync, the scores owed to the LMS."""
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    links = list(ContextCohort.objects.filter(cohort=cohort).select_related("context__deployment__registration"))
    synced: list[str] = []
    error = ""
    if request.method == "POST":
        for link in links:
            try:
                synced.append(f"{link.context}: {roster.sync(link.pk)}")
            except lms.ServiceFailed as exc:
                error = f"{link.context}: {exc}"
    owed = Passback.objects.filter(assignment__cohort=cohort).aggregate(
        owed=Count("pk", filter=Q(sent__lt=F("wanted"))),
        failing=Count("pk", filter=Q(sent__lt=F("wanted")) & ~Q(last_error="")),
        sent=Count("pk", filter=Q(sent=F("wanted"))),
    )
    failures = Passback.objects.filter(assignment__cohort=cohort, sent__lt=F("wanted")).exclude(last_error="")
    return render(request, "lti/cohort.html", {
        "cohort": cohort, "links": links, "synced": synced, "error": error, "owed": owed,
        "failures": failures.select_related("assignment__exercise", "student")[:20],
    })

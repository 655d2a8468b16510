"""REST API (v1): exercises, my submissions, my assignments (with attempts left), submitting to one, and its
leaderboard; API tokens: signing in for one, signing out, listing and revoking mine (web/tokens.py). Token or
session authentication.

Each view is one call into the apps below. Refusals from the services are UserErrors, which the API's one
error handler (web/api_errors.py) reports with their own status and field. An assignment of a cohort the
user is not in is a 404, as if it did not exist (courses.selectors.access_assignment).
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from catalog.models import Exercise
from catalog.selectors import exercise_find_open
from core.errors import UserError
from core.users import User, signed_in
from courses.selectors import access_assignment
from grading import intake
from grading.gradebook import AssignmentStatus, my_assignments
from grading.leaderboards import assignment_leaderboard
from grading.models import Submission
from grading.selectors import submission_get_for_user, submissions_visible_to
from web import tokens, two_factor
from web.models import ApiToken
from web.serializers import (
    AssignmentSerializer,
    AssignmentSubmissionCreateSerializer,
    AssignmentSubmissionSerializer,
    ExerciseSerializer,
    IssuedTokenSerializer,
    LeaderboardSerializer,
    SubmissionCreateSerializer,
    SubmissionSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from web.throttles import SubmissionRateThrottle


class ExerciseList(generics.ListAPIView):
    serializer_class = ExerciseSerializer
    # The roadmap's exercises; an unlisted one is reached through the assignments (api-assignments).
    queryset = Exercise.objects.filter(active=True, listed=True).order_by("phase", "order", "slug")


class _Submit(APIView):
    """Creating a submission (POST): rate-limited per user, one counter shared with the web forms
    (SUBMISSION_RATE); reading is not limited. Answers 201 with the new submission and its queued run."""

    def get_throttles(self) -> list[BaseThrottle]:
        return [SubmissionRateThrottle()] if self.request.method == "POST" else []

    def created(self, submission: Submission) -> Response:
        data = SubmissionSerializer(submission, context={"request": self.request}).data
        return Response(data, status=status.HTTP_201_CREATED)


# The schema shows what a POST takes (the exercise's slug and the files) and what it answers (201 with the new
# submission and its queued run); without this it would show the read-only Submission as the request body.
@extend_schema_view(post=extend_schema(request=SubmissionCreateSerializer, responses={201: SubmissionSerializer}))
class SubmissionListCreate(_Submit, generics.ListCreateAPIView):
    serializer_class = SubmissionSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Submission]:
        user = signed_in(self.request.user)
        return submissions_visible_to(user).filter(student=user)

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        form = SubmissionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        exercise = exercise_find_open(slug=form.validated_data["exercise"])
        if exercise is None:
            raise intake.SubmissionRejected("No open exercise has this slug.", field="exercise")
        return self.created(
            intake.submit(student=signed_in(request.user), files=form.validated_data["files"], exercise=exercise)
        )


class SubmissionDetail(generics.RetrieveAPIView):
    serializer_class = SubmissionSerializer

    def get_object(self) -> Submission:
        try:
            return submission_get_for_user(user=signed_in(self.request.user), submission_id=int(self.kwargs["pk"]))
        except (ValueError, Http404):
            raise Http404 from None


class AssignmentList(generics.ListAPIView):
    """The assignments of my cohorts, with the attempts I have left."""

    serializer_class = AssignmentSerializer

    # Rows computed per student, not a query: DRF's list view and paginator take a list as well.
    def get_queryset(self) -> list[AssignmentStatus]:  # type: ignore[override]
        return [row for _, rows in my_assignments(signed_in(self.request.user)) for row in rows]


@extend_schema_view(
    post=extend_schema(request=AssignmentSubmissionCreateSerializer, responses={201: AssignmentSubmissionSerializer})
)
class AssignmentSubmissions(_Submit, generics.ListCreateAPIView):
    """GET: my submissions for the assignment. POST (multipart `files`): submit to it; 201 with a queued run.
    The assignment's rules (dates, attempts, enrolment) are reported under the key `assignment`."""

    serializer_class = AssignmentSubmissionSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Submission]:
        user = signed_in(self.request.user)
        assignment = access_assignment(user=user, assignment_id=int(self.kwargs["pk"]))
        return submissions_visible_to(user).filter(assignment=assignment, student=user)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.request.method == "POST":
            return AssignmentSubmissionCreateSerializer
        return AssignmentSubmissionSerializer

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        user = signed_in(request.user)
        assignment = access_assignment(user=user, assignment_id=int(self.kwargs["pk"]))
        form = AssignmentSubmissionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self.created(intake.submit(student=user, files=form.validated_data["files"], assignment=assignment))


class AssignmentLeaderboard(APIView):
    """The assignment's leaderboard: rank, name (pseudonym unless the student shows their name), score, metric.
    (A plain APIView: a generic view without a queryset answered 500 to a browser's Accept: text/html, when
    the browsable renderer asked it for one.)"""

    @extend_schema(responses=LeaderboardSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in(request.user)
        assignment = access_assignment(user=user, assignment_id=pk)
        rows, ranked_by = assignment_leaderboard(assignment=assignment, viewer=user)
        data = {
            "assignment": assignment.pk,
            "metric": assignment.exercise.leaderboard_metric or None,
            "ranked_by": ranked_by,
            "results": rows,
        }
        return Response(LeaderboardSerializer(data).data)


# --------------------------------------------------------------------------- API tokens


class SignInRefused(UserError):
    field = "non_field_errors"


class TokenObtain(APIView):
    """Sign in with a user name and password for a new API token (one per device: name it). The token is in
    this answer only; it expires at `expires_at` (API_TOKEN_DAYS after now, however often it is used)."""

    authentication_classes: list[type[BaseAuthentication]] = []  # the password is the credential: no CSRF
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser]  # no multipart: no file comes with a sign-in

    @extend_schema(request=TokenRequestSerializer, responses={200: IssuedTokenSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        # Django's authenticate with the HttpRequest, always: the sign-in throttle (django-axes, the first
        # backend) counts failures and refuses locked-out clients there, and marks that request for its
        # middleware to answer.
        user = authenticate(
            request=request._request,
            username=form.validated_data["username"],
            password=form.validated_data["password"],
        )
        if not isinstance(user, User) or not user.is_active:
            raise SignInRefused("Unable to sign in with this user name and password.")
        if two_factor.has_two_factor(user):
            # The second step the sign-in page asks for: a token must not be a way around it.
            code = form.validated_data.get("otp", "")
            if not code:
                raise UserError(
                    "This account signs in with a second step: send the code from your authenticator app as otp.",
                    field="otp",
                )
            if two_factor.match_code(user, code) is None:
                raise SignInRefused("The code is wrong or was used already; try the next one.", field="otp")
        row, secret = tokens.issue(user, name=form.validated_data.get("name", ""))
        return Response({"token": secret, **TokenSerializer(row, context={"request": request}).data})


class TokenLogout(APIView):
    """Revoke the token this request signed in with."""

    authentication_classes = [tokens.ApiTokenAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        row = tokens.token_of(request)
        if row is not None:
            row.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutAll(APIView):
    """Revoke every token of mine, this one included (signing out of the site does the same)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        tokens.revoke_all(signed_in(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenList(generics.ListAPIView):
    """My tokens that still sign in: name, created, last used, expires (never the secret)."""

    serializer_class = TokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        return tokens.live_tokens(signed_in(self.request.user))


class TokenDetail(generics.RetrieveDestroyAPIView):
    """One of my tokens; DELETE revokes it. Another user's token is a 404, as if it did not exist."""

    serializer_class = TokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        return tokens.live_tokens(signed_in(self.request.user))

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.revoke(signed_in(self.request.user), instance.pk)

"""REST API (v1) for courses: my assignments with attempts left, submitting to one, its leaderboard.

Permissions come from courses.selectors.access_assignment: an assignment of a cohort the user is not in is a
404, as if it did not exist. Errors use the API's one error body (grading/api_errors.py).
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from courses.selectors import access_assignment, leaderboard
from courses.services import AssignmentClosed
from courses.views import AssignmentStatus, my_assignments
from grading.models import Submission
from grading.selectors import submissions_visible_to
from grading.serializers import SubmissionSerializer
from grading.services import SubmissionRejected, submission_create
from grading.throttles import SubmissionRateThrottle
from grading.uploads import read_uploads

# ------------------------------------------------------------------------------------- serializers


class AttemptsSerializer(serializers.Serializer):
    remaining = serializers.IntegerField(allow_null=True, help_text="attempts left now; null: unlimited")
    used_today = serializers.IntegerField(help_text="attempts used in the last 24 hours")
    used_total = serializers.IntegerField()
    per_day = serializers.IntegerField(allow_null=True)
    cap = serializers.IntegerField(allow_null=True)
    next_refill_at = serializers.DateTimeField(allow_null=True)


class AssignmentSerializer(serializers.Serializer):
    """An assignment as the signed-in student sees it (dates with their extension, if any)."""

    id = serializers.IntegerField(source="assignment.pk")
    exercise = serializers.CharField(source="assignment.exercise.slug")
    title = serializers.CharField(source="assignment.exercise.title")
    course = serializers.CharField(source="assignment.cohort.course.title")
    cohort = serializers.CharField(source="assignment.cohort.name")
    opens_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    extended = serializers.BooleanField()
    cutoff_at = serializers.DateTimeField(allow_null=True)
    late_penalty_per_day = serializers.FloatField(source="assignment.late_penalty_per_day")
    score_policy = serializers.CharField(source="assignment.score_policy")
    feedback_visibility = serializers.CharField(source="assignment.feedback_visibility")
    max_score = serializers.IntegerField(source="assignment.max_score", help_text="full marks of the assignment's grader version")
    score = serializers.FloatField(allow_null=True, help_text="the score that counts, after any late penalty")
    state = serializers.ChoiceField(choices=["upcoming", "open", "late", "closed"])
    attempts = AttemptsSerializer()


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField()
    metric = serializers.FloatField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    is_me = serializers.BooleanField()


class LeaderboardSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    metric = serializers.CharField(allow_null=True, help_text="the leaderboard metric, if the exercise has one")
    ranked_by = serializers.CharField(help_text="what the rows are ranked by, as a sentence")
    results = LeaderboardRowSerializer(many=True)


class AssignmentSubmissionSerializer(SubmissionSerializer):
    """A submission as /api/v1/submissions/ shows it (feedback visibility applied there)."""


class AssignmentSubmissionCreateSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=50)


# ------------------------------------------------------------------------------------- views


class AssignmentList(generics.ListAPIView):
    """The assignments of my cohorts, with the attempts I have left."""

    serializer_class = AssignmentSerializer

    def get_queryset(self) -> list[AssignmentStatus]:  # type: ignore[override]
        return [row for _, rows in my_assignments(self.request.user) for row in rows]


@extend_schema_view(
    post=extend_schema(request=AssignmentSubmissionCreateSerializer, responses={201: AssignmentSubmissionSerializer})
)
class AssignmentSubmissions(generics.ListCreateAPIView):
    """GET: my submissions for the assignment. POST (multipart `files`): submit to it; 201 with a queued run."""

    serializer_class = AssignmentSubmissionSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Submission]:
        assignment = access_assignment(user=self.request.user, assignment_id=int(self.kwargs["pk"]))
        return submissions_visible_to(self.request.user).filter(assignment=assignment, student=self.request.user)

    def get_throttles(self):  # type: ignore[no-untyped-def]
        # Creating is rate-limited per user, sharing the count of /api/v1/submissions/ (SUBMISSION_RATE).
        return [SubmissionRateThrottle()] if self.request.method == "POST" else []

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.request.method == "POST":
            return AssignmentSubmissionCreateSerializer
        return AssignmentSubmissionSerializer

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        assignment = access_assignment(user=request.user, assignment_id=int(self.kwargs["pk"]))
        form = AssignmentSubmissionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            uploads = read_uploads(form.validated_data["files"])
            submission = submission_create(
                student=request.user, exercise=assignment.exercise, uploads=uploads, assignment=assignment
            )
        except SubmissionRejected as exc:
            # The assignment's rules (dates, attempts, enrolment) under their own key; upload problems as
            # /api/v1/submissions/ reports them.
            key = "assignment" if isinstance(exc.__cause__, AssignmentClosed) else "files"
            raise ValidationError({key: [str(exc)]}) from exc
        data = AssignmentSubmissionSerializer(submission, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class AssignmentLeaderboard(generics.GenericAPIView):
    """The assignment's leaderboard: rank, name (pseudonym unless the student shows their name), score, metric."""

    serializer_class = LeaderboardSerializer

    def get(self, request: Request, pk: int) -> Response:
        assignment = access_assignment(user=request.user, assignment_id=pk)
        rows, ranked_by = leaderboard(assignment=assignment, viewer=request.user)
        data = {
            "assignment": assignment.pk,
            "metric": assignment.exercise.leaderboard_metric or None,
            "ranked_by": ranked_by,
            "results": rows,
        }
        return Response(LeaderboardSerializer(data).data)

"""REST API (v1): exercises, and submissions of the signed-in user. Token or session authentication."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Exercise
from grading.models import Submission
from grading.selectors import submission_get_for_user, submissions_visible_to
from grading.serializers import ExerciseSerializer, SubmissionCreateSerializer, SubmissionSerializer
from grading.services import SubmissionRejected, submission_create
from grading.throttles import SubmissionRateThrottle
from grading.uploads import read_uploads


class ExerciseList(generics.ListAPIView):
    serializer_class = ExerciseSerializer
    queryset = Exercise.objects.filter(active=True).order_by("phase", "order", "slug")


# The schema shows what a POST takes (the exercise's slug and the files) and what it answers (201 with the new
# submission and its queued run); without this it would show the read-only Submission as the request body.
@extend_schema_view(post=extend_schema(request=SubmissionCreateSerializer, responses={201: SubmissionSerializer}))
class SubmissionListCreate(generics.ListCreateAPIView):
    serializer_class = SubmissionSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_throttles(self):  # type: ignore[no-untyped-def]
        # Creating submissions is rate-limited per user (SUBMISSION_RATE); reading them is not.
        return [SubmissionRateThrottle()] if self.request.method == "POST" else []

    def get_queryset(self) -> QuerySet[Submission]:
        return submissions_visible_to(self.request.user).filter(student=self.request.user)

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        form = SubmissionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        exercise = Exercise.objects.filter(slug=form.validated_data["exercise"], active=True).first()
        if exercise is None:
            raise ValidationError({"exercise": ["No open exercise has this slug."]})
        try:
            uploads = read_uploads(form.validated_data["files"])
            submission = submission_create(student=request.user, exercise=exercise, uploads=uploads)
        except SubmissionRejected as exc:
            raise ValidationError({"files": [str(exc)]}) from exc
        return Response(
            SubmissionSerializer(submission, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class SubmissionDetail(generics.RetrieveAPIView):
    serializer_class = SubmissionSerializer

    def get_object(self) -> Submission:
        try:
            return submission_get_for_user(user=self.request.user, submission_id=int(self.kwargs["pk"]))
        except (ValueError, Http404):
            raise Http404 from None

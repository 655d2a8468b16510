"""Staff REST API (v1), under /api/v1/staff/: what the staff pages do (web/staff.py, web/staff_assignments.py,
web/staff_review.py), for scripts. Token or session authentication, as the rest of the API.

Access is the pages': a cohort's teaching assistants and instructors (and site administrators) only; anyone
else, staff of another cohort included, gets a 404 as if it did not exist (courses.selectors.
access_cohort_as_staff); what only instructors may do is a 403 for a teaching assistant (courses.roles,
docs/roles.md). Every change goes through the service the page calls (courses.services), which checks the
rules again and writes the audit log in the change's transaction; input is validated by the page's own form
(courses.forms), so a bad date is the same 400, naming the field, here as there. Points are exact decimal
strings (web/staff_serializers.py).

One section per resource; each view is in the OpenAPI schema (/api/schema/), tagged "staff".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Value
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from audit import services as audit
from catalog.selectors import exercise_find_open
from core.users import User, signed_in
from courses.forms import AssignmentForm, ExtensionForm
from courses.models import Assignment, Cohort, Enrolment, Extension, Role, RubricItem
from courses.roles import is_instructor
from courses.selectors import access_assignment_as_staff, access_cohort_as_staff
from courses.services import assignment_rules, assignment_save, extension_grant, extension_revoke
from grading import marking
from grading.gradebook import gradebook
from grading.models import Comment, GradingRun, ManualGrade, Submission, SubmissionFile
from grading.selectors import assignment_has_submissions, assignment_submissions, submission_for_staff
from web.staff import gradebook_csv, gradebook_rows
from web.staff_serializers import (
    AssignmentRulesSerializer,
    CommentInputSerializer,
    CommentSerializer,
    ExtensionGrantSerializer,
    ExtensionSerializer,
    GradebookSerializer,
    ManualGradeInputSerializer,
    ManualGradeSerializer,
    ReleaseSerializer,
    RubricItemInputSerializer,
    RubricItemSerializer,
    StaffAssignmentSerializer,
    StaffCohortSerializer,
    StaffSubmissionListSerializer,
    StaffSubmissionSerializer,
)

TAGS = ["staff"]
ONLY_INSTRUCTORS = "Only the cohort's instructors create assignments or change their rules."


def _cohort(request: Request, cohort_id: int) -> Cohort:
    return access_cohort_as_staff(user=signed_in(request.user), cohort_id=cohort_id)


def _assignment(request: Request, assignment_id: int) -> Assignment:
    """An assignment of a cohort the user teaches (404 otherwise, as the pages)."""
    return access_assignment_as_staff(user=signed_in(request.user), assignment_id=assignment_id)


def _form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """A page form's errors under the API's names (a form's own errors as `non_field_errors`)."""
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


# --------------------------------------------------------------------------- cohorts


@extend_schema_view(get=extend_schema(tags=TAGS, summary="The cohorts I teach, with my role in each"))
class CohortList(generics.ListAPIView):
    serializer_class = StaffCohortSerializer

    def get_queryset(self) -> QuerySet[Cohort]:
        user = signed_in(self.request.user)
        cohorts = Cohort.objects.select_related("course").order_by("course__title", "name", "pk")
        if user.is_staff:  # site administrators act as instructors of every cohort (courses.roles)
            return cohorts.annotate(role=Value(Role.INSTRUCTOR.value))
        mine = Enrolment.objects.filter(cohort=OuterRef("pk"), user=user, role__in=[Role.TA, Role.INSTRUCTOR])
        return cohorts.annotate(role=Subquery(mine.values("role")[:1])).filter(role__isnull=False)


# --------------------------------------------------------------------------- assignments


def _save_rules(request: Request, assignment: Assignment, *, partial: bool) -> Assignment:
    """Create (``assignment`` unsaved) or change an assignment from the request: the shapes checked by the
    serializer, the rules by the staff page's form, saved and audited by courses.services.assignment_save."""
    rules = AssignmentRulesSerializer(data=request.data, partial=partial)
    rules.is_valid(raise_exception=True)
    given: dict[str, Any] = dict(rules.validated_data)
    user = signed_in(request.user)
    if "exercise" in given:
        exercise = exercise_find_open(slug=given["exercise"])
        # An unknown slug is no valid choice for the form, which says so as it does on the page.
        given["exercise"] = exercise.pk if exercise is not None else 0
        if assignment.pk and given["exercise"] != assignment.exercise_id and "exercise_version" not in given:
            given["exercise_version"] = None  # another exercise: its current grader version
    # What is not given keeps its value (a new assignment: the model's defaults).
    data = model_to_dict(assignment, fields=AssignmentForm.Meta.fields) | given
    before = assignment_rules(assignment) if assignment.pk else None
    has_submissions = bool(assignment.pk) and assignment_has_submissions(assignment.pk)
    form = AssignmentForm(data, instance=assignment, user=user, has_submissions=has_submissions)
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    return assignment_save(actor=user, assignment=form.instance, before=before)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="The cohort's assignments with their rules"),
    post=extend_schema(
        tags=TAGS, summary="Create an assignment (instructors)", request=AssignmentRulesSerializer,
        responses={201: StaffAssignmentSerializer},
    ),
)
class CohortAssignments(generics.ListAPIView):
    serializer_class = StaffAssignmentSerializer

    def get_queryset(self) -> QuerySet[Assignment]:
        cohort = _cohort(self.request, int(self.kwargs["pk"]))
        return Assignment.objects.filter(cohort=cohort).select_related("exercise", "exercise_version")

    def get_serializer_class(self) -> type[BaseSerializer]:
        # The browsable API's form for POST shows what a POST takes.
        return AssignmentRulesSerializer if self.request.method == "POST" else StaffAssignmentSerializer

    def post(self, request: Request, pk: int) -> Response:
        cohort = _cohort(request, pk)
        if not is_instructor(signed_in(request.user), cohort.pk):
            raise PermissionDenied(ONLY_INSTRUCTORS)
        assignment = _save_rules(request, Assignment(cohort=cohort), partial=False)
        return Response(StaffAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentDetail(APIView):
    @extend_schema(tags=TAGS, summary="One assignment's rules", responses=StaffAssignmentSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(StaffAssignmentSerializer(_assignment(request, pk)).data)

    @extend_schema(
        tags=TAGS, summary="Change an assignment's rules (instructors; only the keys given)",
        request=AssignmentRulesSerializer, responses=StaffAssignmentSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        assignment = _assignment(request, pk)
        if not is_instructor(signed_in(request.user), assignment.cohort_id):
            raise PermissionDenied(ONLY_INSTRUCTORS)
        return Response(StaffAssignmentSerializer(_save_rules(request, assignment, partial=True)).data)


# --------------------------------------------------------------------------- extensions


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="The assignment's extensions"),
    post=extend_schema(
        tags=TAGS, summary="Grant a student an extension, or change theirs (any staff; a reason is required)",
        request=ExtensionGrantSerializer, responses={201: ExtensionSerializer},
    ),
)
class AssignmentExtensions(generics.ListAPIView):
    serializer_class = ExtensionSerializer

    def get_queryset(self) -> QuerySet[Extension]:
        assignment = _assignment(self.request, int(self.kwargs["pk"]))
        return (
            Extension.objects.filter(assignment=assignment)
            .select_related("student", "granted_by")
            .order_by("student__username")
        )

    def get_serializer_class(self) -> type[BaseSerializer]:
        return ExtensionGrantSerializer if self.request.method == "POST" else ExtensionSerializer

    def post(self, request: Request, pk: int) -> Response:
        assignment = _assignment(request, pk)
        shape = ExtensionGrantSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        # The page's form: a student of the cohort, a date, 0 to 1000 extra attempts, a reason.
        form = ExtensionForm({"due_at": assignment.due_at, **shape.validated_data}, assignment=assignment)
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        extension = extension_grant(actor=signed_in(request.user), assignment=assignment, **form.cleaned_data)
        return Response(ExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)


class AssignmentExtension(APIView):
    @extend_schema(
        tags=TAGS, summary="Withdraw a student's extension (any staff; a reason is required)",
        parameters=[OpenApiParameter("reason", str, required=True, description="why it is withdrawn")],
        responses={204: None},
    )
    def delete(self, request: Request, pk: int, student_id: int) -> Response:
        assignment = _assignment(request, pk)
        extension = (
            Extension.objects.select_related("student", "assignment__exercise", "assignment__cohort__course")
            .filter(assignment=assignment, student_id=student_id)
            .first()
        )
        if extension is None:
            raise Http404("This student has no extension on this assignment.")
        body = request.data if isinstance(request.data, dict) else {}  # the reason may come as a body too
        reason = request.query_params.get("reason") or str(body.get("reason") or "")
        if not reason.strip():
            raise ValidationError({"reason": ["Give a reason: the student and the other staff see why."]})
        extension_revoke(actor=signed_in(request.user), extension=extension, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------- gradebook


class CohortGradebook(APIView):
    """Every enrolled student with each assignment's score that counts, the numbers of the gradebook page and
    its CSV."""

    # The page's own numbers: grading.gradebook.gradebook, with web.staff.gradebook_rows's totals.
    @extend_schema(tags=TAGS, summary="The cohort's gradebook", responses=GradebookSerializer)
    def get(self, request: Request, pk: int) -> Response:
        book = gradebook(cohort=_cohort(request, pk))
        assignments = [
            {
                "id": a.pk, "exercise": a.exercise.slug, "title": a.exercise.title, "max_score": a.max_score,
                "questions": [q.name for q in a.exercise_version.manifest.questions],
            }
            for a in book.assignments
        ]
        students = [
            {
                "id": row.enrolment.user_id,
                "username": row.enrolment.user.get_username(),
                "display_name": row.enrolment.display_name,
                "total": row.total,
                "cells": [
                    {
                        "assignment": a.pk, "score": cell.score, "raw": cell.raw, "late": cell.late,
                        "attempts": cell.attempts, "submission": cell.submission_id, "questions": cell.questions,
                        "auto": cell.auto, "manual": cell.manual, "overridden": cell.overridden,
                        "marks_hidden": cell.marks_hidden,
                    }
                    for a, cell in zip(book.assignments, row.cells, strict=True)
                ],
            }
            for row in gradebook_rows(book)
        ]
        return Response(GradebookSerializer({"cohort": pk, "assignments": assignments, "students": students}).data)


class CsvRenderer(BaseRenderer):
    """Lets a client ask for text/csv; the view answers with the page's CSV itself. An error body is JSON,
    labelled so."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = JSONRenderer.media_type
        return JSONRenderer().render(data)


class CohortGradebookCsv(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CsvRenderer]

    @extend_schema(
        tags=TAGS, summary="The cohort's gradebook as CSV (the page's export)", operation_id="staff_gradebook_csv",
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return gradebook_csv(_cohort(request, pk))


# --------------------------------------------------------------------------- submissions


@extend_schema_view(
    get=extend_schema(
        tags=TAGS, summary="Every submission of the assignment, newest first",
        parameters=[OpenApiParameter("student", str, description="only this student's (user name)")],
    )
)
class AssignmentSubmissionList(generics.ListAPIView):
    serializer_class = StaffSubmissionListSerializer

    def get_queryset(self) -> QuerySet[Submission]:
        assignment = _assignment(self.request, int(self.kwargs["pk"]))
        return assignment_submissions(assignment, username=self.request.query_params.get("student") or "")


class SubmissionDetail(APIView):
    @extend_schema(
        tags=TAGS, summary="One submission: its files, every run with every test (hidden ones included)",
        responses=StaffSubmissionSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in(request.user)
        submission = _submission_for_staff(user, pk)
        data = StaffSubmissionSerializer(submission).data
        cohort_id = submission.assignment.cohort_id if submission.assignment is not None else None
        audit.record(  # as the review page: who opened whose work
            actor=user, action="submission.opened", cohort_id=cohort_id,
            target=f"submission {submission.pk} of {submission.student.get_username()}",
        )
        return Response(data)


def _submission_for_staff(user: User, submission_id: int) -> Submission:
    """A submission to an assignment of a cohort the user teaches; practice (no assignment) only site
    administrators (as the review page); 404 for anyone else."""
    runs = GradingRun.objects.order_by("created_at", "pk").prefetch_related("results")
    return submission_for_staff(
        user=user,
        submission_id=submission_id,
        submissions=Submission.objects.select_related("student", "exercise", "assignment").prefetch_related(
            Prefetch("files", SubmissionFile.objects.order_by("name")), Prefetch("runs", runs)
        ),
    )


# --------------------------------------------------------------------------- grading by hand (docs/marking.md)


def _graded_submission(request: Request, submission_id: int) -> Submission:
    """An assignment's submission of a cohort the user teaches (404 otherwise, practice included)."""
    submission = _submission_for_staff(signed_in(request.user), submission_id)
    if submission.assignment_id is None:
        raise Http404("Practice submissions are not graded by hand.")
    return submission


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="The assignment's rubric"),
    post=extend_schema(
        tags=TAGS, summary="Add a rubric item (instructors)", request=RubricItemInputSerializer,
        responses={201: RubricItemSerializer},
    ),
)
class AssignmentRubric(generics.ListAPIView):
    serializer_class = RubricItemSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[RubricItem]:
        return RubricItem.objects.filter(assignment=_assignment(self.request, int(self.kwargs["pk"])))

    def get_serializer_class(self) -> type[BaseSerializer]:
        return RubricItemInputSerializer if self.request.method == "POST" else RubricItemSerializer

    def post(self, request: Request, pk: int) -> Response:
        assignment = _assignment(request, pk)
        shape = RubricItemInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        item = marking.rubric_item_save(actor=signed_in(request.user), assignment=assignment, item=None, **shape.validated_data)
        return Response(RubricItemSerializer(item).data, status=status.HTTP_201_CREATED)


class RubricItemDetail(APIView):
    def _item(self, request: Request, pk: int) -> RubricItem:
        item = RubricItem.objects.select_related("assignment__exercise_version").filter(pk=pk).first()
        _assignment(request, item.assignment_id if item else 0)
        assert item is not None
        return item

    @extend_schema(tags=TAGS, summary="Change a rubric item (instructors; it changes every grade it is in)",
                   request=RubricItemInputSerializer, responses=RubricItemSerializer)
    def put(self, request: Request, pk: int) -> Response:
        item = self._item(request, pk)
        shape = RubricItemInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        saved = marking.rubric_item_save(
            actor=signed_in(request.user), assignment=item.assignment, item=item, **shape.validated_data
        )
        return Response(RubricItemSerializer(saved).data)

    @extend_schema(tags=TAGS, summary="Delete a rubric item applied to no submission (instructors)", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        marking.rubric_item_delete(actor=signed_in(request.user), item=self._item(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubmissionGrade(APIView):
    @extend_schema(tags=TAGS, summary="A submission's marks graded by hand (404: not graded yet)", responses=ManualGradeSerializer)
    def get(self, request: Request, pk: int) -> Response:
        submission = _graded_submission(request, pk)
        grade = ManualGrade.objects.filter(submission=submission).select_related("graded_by").first()
        if grade is None:
            raise Http404("Not graded by hand yet.")
        return Response(ManualGradeSerializer(grade).data)

    @extend_schema(
        tags=TAGS, summary="Grade a submission by hand: rubric items, adjustment, override with a reason (any staff)",
        request=ManualGradeInputSerializer, responses=ManualGradeSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        submission = _graded_submission(request, pk)
        shape = ManualGradeInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        grade = marking.grade_save(
            actor=signed_in(request.user),
            submission=submission,
            data=marking.GradeInput(
                item_ids=data["rubric_items"], adjustment=data["adjustment"],
                override=data["override_score"] or "", override_reason=data["override_reason"],
            ),
        )
        return Response(ManualGradeSerializer(grade).data)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="A submission's comments"),
    post=extend_schema(tags=TAGS, summary="Comment on a line, a cell or the whole submission (any staff)",
                       request=CommentInputSerializer, responses={201: CommentSerializer}),
)
class SubmissionComments(generics.ListAPIView):
    serializer_class = CommentSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Comment]:
        submission = _graded_submission(self.request, int(self.kwargs["pk"]))
        return Comment.objects.filter(submission=submission).select_related("author")

    def get_serializer_class(self) -> type[BaseSerializer]:
        return CommentInputSerializer if self.request.method == "POST" else CommentSerializer

    def post(self, request: Request, pk: int) -> Response:
        submission = _graded_submission(request, pk)
        shape = CommentInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        comment = marking.comment_add(actor=signed_in(request.user), submission=submission, **shape.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class AssignmentRelease(APIView):
    @extend_schema(tags=TAGS, summary="Release (or hide again) the assignment's marks and comments (instructors)",
                   request=ReleaseSerializer, responses=StaffAssignmentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        assignment = _assignment(request, pk)
        shape = ReleaseSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        marking.marks_release(actor=signed_in(request.user), assignment=assignment, release=shape.validated_data["released"])
        assignment.refresh_from_db()
        return Response(StaffAssignmentSerializer(assignment).data)

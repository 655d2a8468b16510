"""Representations of the staff API (web/staff_api.py): cohorts I teach, assignments and their rules,
extensions, the gradebook, submissions with every test (hidden ones included).

Points are exact decimals given as strings in the gradebook's CSV form ("9", "0.5", "0.6667"), never binary
floats. What students wrote (file text, messages, output) is plain text: clients must escape it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from core.points import POINTS_DIGITS, POINTS_PLACES, format_points
from courses.models import (
    Assignment,
    CombineRule,
    Extension,
    FeedbackVisibility,
    Role,
    RubricItem,
    ScorePolicy,
)
from grading.models import Comment, GradingRun, ManualGrade, Submission, SubmissionFile, TestResult

FILE_TEXT_CAP = 512 * 1024  # bytes of one file given as text; a larger (or non-UTF-8) file gives its size only


class PointsField(serializers.DecimalField):
    """Points as an exact decimal string, as the gradebook's CSV writes them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=POINTS_DIGITS, decimal_places=POINTS_PLACES, coerce_to_string=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        # Stored question subtotals are decimal strings already (grading.models.questions_record).
        return format_points(value if isinstance(value, Decimal | int | float) else Decimal(str(value)))


# --------------------------------------------------------------------------- cohorts


class StaffCohortSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.CharField(source="course.slug")
    course_title = serializers.CharField(source="course.title")
    slug = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(
        choices=[Role.TA.value, Role.INSTRUCTOR.value],
        help_text="my role in the cohort (site administrators act as instructors of every cohort)",
    )


# --------------------------------------------------------------------------- assignments


class StaffAssignmentSerializer(serializers.ModelSerializer):
    """An assignment's rules as its staff see them."""

    exercise = serializers.CharField(source="exercise.slug")
    title = serializers.CharField(source="exercise.title")
    grader = serializers.CharField(source="exercise_version.short_hash", help_text="the pinned grader version")
    newer_version_exists = serializers.BooleanField(help_text="the exercise's grader changed since it was pinned")
    max_score = PointsField(help_text="full marks")

    class Meta:
        model = Assignment
        fields = [
            "id", "cohort", "exercise", "title", "exercise_version", "grader", "newer_version_exists", "opens_at",
            "due_at", "hard_cutoff_at", "late_penalty_per_day", "attempts_per_day", "attempts_cap",
            "feedback_visibility", "score_policy", "manual_max_points", "combine_rule", "marks_released_at",
            "max_score",
        ]


class AssignmentRulesSerializer(serializers.Serializer):
    """What an instructor sends to create an assignment (POST) or change its rules (PATCH: only the keys
    given change). Shapes only: the rules themselves are the staff page's (courses.forms.AssignmentForm)."""

    exercise = serializers.CharField(
        max_length=200, help_text="exercise slug, e.g. python-foundations/word-frequencies"
    )
    exercise_version = serializers.IntegerField(
        required=False, allow_null=True, help_text="a grader version id of the exercise; null: its current version"
    )
    opens_at = serializers.DateTimeField(help_text="ISO 8601; without an offset, UTC")
    due_at = serializers.DateTimeField()
    hard_cutoff_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="late work is refused after this; null: never"
    )
    late_penalty_per_day = serializers.FloatField(
        required=False, help_text="fraction of the score taken off per started day late (0.1 = 10%)"
    )
    attempts_per_day = serializers.IntegerField(required=False, allow_null=True, help_text="null: no daily limit")
    attempts_cap = serializers.IntegerField(required=False, allow_null=True, help_text="null: no total limit")
    feedback_visibility = serializers.ChoiceField(choices=FeedbackVisibility.choices, required=False)
    score_policy = serializers.ChoiceField(choices=ScorePolicy.choices, required=False)
    manual_max_points = serializers.DecimalField(
        max_digits=POINTS_DIGITS, decimal_places=POINTS_PLACES, required=False,
        help_text="points graded by hand (docs/marking.md); 0: the tests alone",
    )
    combine_rule = serializers.ChoiceField(
        choices=CombineRule.choices, required=False, help_text="add: tests + hand; replace: hand only"
    )


# --------------------------------------------------------------------------- extensions


class ExtensionSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="student.username")
    granted_by = serializers.CharField(source="granted_by.username", allow_null=True, default=None)

    class Meta:
        model = Extension
        fields = ["student", "username", "due_at", "extra_attempts", "reason", "granted_by", "granted_at"]


class ExtensionGrantSerializer(serializers.Serializer):
    """One student's extension (replacing any they had)."""

    student = serializers.IntegerField(help_text="the student's user id (a student of the cohort)")
    due_at = serializers.DateTimeField(required=False, help_text="their due date; default: the assignment's")
    extra_attempts = serializers.IntegerField(
        required=False, default=0, help_text="added to the daily and the total limits"
    )
    reason = serializers.CharField(allow_blank=True, help_text="why: the student and the other staff see it")


# --------------------------------------------------------------------------- gradebook


class GradebookAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    exercise = serializers.CharField()
    title = serializers.CharField()
    max_score = PointsField()
    questions = serializers.ListField(child=serializers.CharField(), help_text="the grader's questions, in order")


class GradebookCellSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    score = PointsField(allow_null=True, help_text="the score that counts, after any late penalty")
    raw = PointsField(allow_null=True, help_text="before the late penalty")
    late = serializers.BooleanField()
    attempts = serializers.IntegerField()
    submission = serializers.IntegerField(allow_null=True, help_text="the submission that counts")
    questions = serializers.DictField(child=PointsField(), help_text="question name -> subtotal, as graded")
    auto = PointsField(allow_null=True, help_text="the tests' score of the submission that counts")
    manual = PointsField(allow_null=True, help_text="points graded by hand (rubric items and adjustment)")
    overridden = serializers.BooleanField(help_text="staff set the score that counts, with a reason")
    marks_hidden = serializers.BooleanField(help_text="graded by hand but not released to the student yet")


class GradebookStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the student's user id")
    username = serializers.CharField()
    display_name = serializers.CharField()
    total = PointsField()
    cells = GradebookCellSerializer(many=True, help_text="one per assignment, in the order of `assignments`")


class GradebookSerializer(serializers.Serializer):
    cohort = serializers.IntegerField()
    assignments = GradebookAssignmentSerializer(many=True)
    students = GradebookStudentSerializer(many=True)


# --------------------------------------------------------------------------- submissions


class StaffSubmissionListSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="student.username")
    score = PointsField(allow_null=True)
    max_score = PointsField()
    status = serializers.CharField(source="run_status", allow_null=True, help_text="the latest run's status")

    class Meta:
        model = Submission
        fields = ["id", "student", "username", "created_at", "score", "max_score", "status"]


class SubmissionFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField(help_text="bytes")
    text = serializers.CharField(
        allow_null=True, help_text=f"the content, if it is UTF-8 and at most {FILE_TEXT_CAP} bytes; else null"
    )

    def to_representation(self, instance: SubmissionFile) -> dict[str, Any]:
        content = bytes(instance.content)
        text = None
        if len(content) <= FILE_TEXT_CAP:
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        return {"name": instance.name, "size": len(content), "text": text}


class StaffTestResultSerializer(serializers.ModelSerializer):
    points = PointsField()
    max_points = PointsField()

    class Meta:
        model = TestResult
        fields = ["name", "outcome", "points", "max_points", "message", "question", "hidden"]


class QuestionSubtotalSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    score = PointsField()
    max_score = PointsField()
    passed = serializers.IntegerField()
    tests = serializers.IntegerField()


class StaffRunSerializer(serializers.ModelSerializer):
    score = PointsField(allow_null=True)
    max_score = PointsField(allow_null=True)
    questions = QuestionSubtotalSerializer(many=True)
    messages = serializers.ListField(child=serializers.CharField())
    tests = StaffTestResultSerializer(source="results", many=True, help_text="every test, hidden ones by name")

    class Meta:
        model = GradingRun
        fields = [
            "id", "status", "is_regrade", "exercise_version", "tests_done", "tests_total", "score", "max_score",
            "messages", "student_output", "duration_s", "created_at", "started_at", "finished_at", "questions",
            "tests",
        ]


class StaffSubmissionSerializer(serializers.ModelSerializer):
    exercise = serializers.CharField(source="exercise.slug")
    username = serializers.CharField(source="student.username")
    score = PointsField(allow_null=True)
    max_score = PointsField()
    files = SubmissionFileSerializer(many=True)
    runs = StaffRunSerializer(many=True, help_text="oldest first")

    class Meta:
        model = Submission
        fields = [
            "id", "assignment", "exercise", "student", "username", "created_at", "score", "max_score", "notes",
            "files", "runs",
        ]


# --------------------------------------------------------------------------- grading by hand


class RubricItemSerializer(serializers.ModelSerializer):
    points = PointsField(help_text="signed: positive gives, negative takes off")

    class Meta:
        model = RubricItem
        fields = ["id", "title", "description", "points", "question", "position"]


class RubricItemInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    points = serializers.CharField(max_length=20, help_text="a decimal, e.g. 2 or -0.5")
    question = serializers.CharField(required=False, allow_blank=True, default="", help_text="one of the grader's questions; empty: the whole work")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ManualGradeSerializer(serializers.Serializer):
    """A submission's marks graded by hand (docs/marking.md)."""

    submission = serializers.IntegerField(source="submission_id")
    rubric_items = serializers.SerializerMethodField(help_text="the ids of the rubric items applied")
    adjustment = PointsField()
    override_score = PointsField(allow_null=True)
    override_reason = serializers.CharField()
    graded_by = serializers.CharField(source="graded_by.username", allow_null=True, default=None)
    updated_at = serializers.DateTimeField()

    def get_rubric_items(self, grade: ManualGrade) -> list[int]:
        return sorted(item.pk for item in grade.rubric_items.all())


class ManualGradeInputSerializer(serializers.Serializer):
    rubric_items = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    adjustment = serializers.CharField(required=False, default="0", max_length=20)
    override_score = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="", max_length=20)
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", allow_null=True, default=None)

    class Meta:
        model = Comment
        fields = ["id", "author", "file_name", "line", "cell", "text", "created_at"]


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    file_name = serializers.CharField(required=False, allow_blank=True, default="")
    line = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=1_000_000, help_text="from 1, in a code file"
    )
    cell = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=1_000_000, help_text="from 0, in a notebook"
    )


class ReleaseSerializer(serializers.Serializer):
    released = serializers.BooleanField(help_text="true: students see marks and comments; false: hide them again")

"""API representations. Student output and messages are plain strings; clients must escape them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalog.models import Exercise
from courses.models import AssignmentState, FeedbackLevel
from courses.selectors import feedback_level, hidden_tests_shown
from grading.models import GradingRun, RunStatus, Submission
from grading.selectors import latest_run, queue_position
from web.feedback import Feedback, run_feedback
from web.models import ApiToken


class ExerciseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exercise
        fields = ["slug", "title", "phase", "order", "summary", "skills", "files", "points", "gpu"]


class RunSerializer(serializers.ModelSerializer):
    """A run; its tests and questions as the context's viewer may see them (see web.feedback)."""

    tests = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField(help_text="question subtotals, in the grader's order")
    queue_position = serializers.SerializerMethodField(help_text="1 = next to be graded; null unless queued")
    held = serializers.BooleanField(
        read_only=True, help_text="waiting for the student's earlier run to start first (the fair queue)"
    )

    class Meta:
        model = GradingRun
        fields = [
            "id", "status", "queue_position", "held", "tests_done", "tests_total", "score", "max_score", "messages",
            "student_output", "duration_s", "created_at", "started_at", "finished_at", "questions", "tests",
        ]

    def get_queue_position(self, run: GradingRun) -> int | None:
        return queue_position(run) if run.status == RunStatus.QUEUED else None

    def _feedback(self, run: GradingRun) -> Feedback:
        return run_feedback(
            run,
            level=self.context.get("level", FeedbackLevel.TOTAL),
            hidden_shown=self.context.get("hidden_shown", False),
        )

    def get_tests(self, run: GradingRun) -> list[dict[str, Any]]:
        return [t.as_dict() for t in self._feedback(run).tests]

    def get_questions(self, run: GradingRun) -> list[dict[str, Any]]:
        return [q.as_dict() for q in self._feedback(run).questions]


class SubmissionSerializer(serializers.ModelSerializer):
    exercise: serializers.SlugRelatedField[Exercise] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    run = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "exercise", "created_at", "score", "max_score", "notes", "run"]

    def get_run(self, submission: Submission) -> dict[str, Any] | None:
        run = latest_run(submission)
        if run is None:
            return None
        request = self.context.get("request")
        # What the assignment's feedback visibility hides from this user now (no request: nothing shown).
        level, hidden_shown = FeedbackLevel.TOTAL, False
        if request is not None:
            who = {"user": request.user, "assignment": submission.assignment, "student_id": submission.student_id}
            level = feedback_level(**who)[0]
            hidden_shown = hidden_tests_shown(**who)
        data: dict[str, Any] = dict(RunSerializer(run, context={"level": level, "hidden_shown": hidden_shown}).data)
        if level != FeedbackLevel.FULL:
            data["student_output"] = ""
        return data


class SubmissionCreateSerializer(serializers.Serializer):
    exercise = serializers.CharField(max_length=200, help_text="exercise slug, e.g. python-foundations/word-frequencies")
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=50)


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
    max_score = serializers.FloatField(source="assignment.max_score", help_text="full marks of the assignment's grader version")
    score = serializers.FloatField(allow_null=True, help_text="the score that counts, after any late penalty")
    state = serializers.ChoiceField(choices=AssignmentState.values)
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


# --------------------------------------------------------------------------- API tokens (web/tokens.py)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True,
        help_text='what the token is for, e.g. "laptop CLI"; shown in the list of your tokens',
    )
    otp = serializers.CharField(
        max_length=64, required=False, allow_blank=True,
        help_text="the code from your authenticator app (or a backup code), for an account with two-factor sign-in",
    )


class TokenSerializer(serializers.ModelSerializer):
    """One of my tokens, never its secret (which only the sign-in answer carries, once)."""

    expires_at = serializers.DateTimeField(source="expiry", allow_null=True)
    current = serializers.SerializerMethodField(help_text="whether this request signed in with this token")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created", "last_used", "expires_at", "current"]

    def get_current(self, token: ApiToken) -> bool:
        request = self.context.get("request")
        return request is not None and getattr(request, "auth", None) == token


class IssuedTokenSerializer(TokenSerializer):
    """The sign-in answer: the secret, shown this once (only its hash is stored)."""

    token = serializers.CharField(help_text="send as `Authorization: Token <token>`")

    class Meta(TokenSerializer.Meta):
        fields = ["token", *TokenSerializer.Meta.fields]

"""API representations. Student output and messages are plain strings; clients must escape them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalog.models import Exercise
from courses.selectors import FULL, TOTAL, feedback_level
from grading.models import GradingRun, Submission, TestResult
from grading.selectors import latest_run, queue_position


class ExerciseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exercise
        fields = ["slug", "title", "phase", "order", "summary", "skills", "files", "points", "gpu"]


class TestResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = TestResult
        fields = ["name", "outcome", "points", "max_points", "message"]


class RunSerializer(serializers.ModelSerializer):
    tests = serializers.SerializerMethodField()
    queue_position = serializers.SerializerMethodField(help_text="1 = next to be graded; null unless queued")

    class Meta:
        model = GradingRun
        fields = [
            "id", "status", "queue_position", "tests_done", "tests_total", "score", "max_score", "messages",
            "student_output", "duration_s", "created_at", "started_at", "finished_at", "tests",
        ]

    def get_queue_position(self, run: GradingRun) -> int | None:
        return queue_position(run) if run.status == "queued" else None

    def get_tests(self, run: GradingRun) -> list[dict[str, Any]]:
        if not run.is_final:
            return []
        return TestResultSerializer(run.results.all(), many=True).data  # type: ignore[return-value]


class SubmissionSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    run = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "exercise", "created_at", "score", "max_score", "notes", "run"]

    def get_run(self, submission: Submission) -> dict[str, Any] | None:
        run = latest_run(submission)
        if run is None:
            return None
        data: dict[str, Any] = dict(RunSerializer(run).data)
        request = self.context.get("request")
        # What the assignment's feedback visibility hides from this user now (no request: nothing shown).
        level = feedback_level(user=request.user, submission=submission)[0] if request else TOTAL
        if level != FULL:
            data["student_output"] = ""
            data["tests"] = [] if level == TOTAL else [{**t, "message": ""} for t in data["tests"]]
        return data


class SubmissionCreateSerializer(serializers.Serializer):
    exercise = serializers.CharField(max_length=200, help_text="exercise slug, e.g. python-foundations/word-frequencies")
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=50)

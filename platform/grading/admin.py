from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from grading import signals
from grading.models import GradingRun, LeaderboardEntry, Submission, TestResult


class TestResultInline(admin.TabularInline):
    model = TestResult
    extra = 0
    readonly_fields = ["name", "outcome", "points", "max_points", "message"]


@admin.register(GradingRun)
class GradingRunAdmin(admin.ModelAdmin):
    list_display = ["id", "submission", "status", "score", "max_score", "deliveries", "created_at"]
    list_filter = ["status", "queue"]
    inlines = [TestResultInline]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "student", "exercise", "score", "max_score", "created_at"]
    list_filter = ["exercise"]

    # A score changed or removed by hand reaches whoever listens for scores (an LMS's gradebook: lti).
    def save_model(self, request: HttpRequest, obj: Submission, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        signals.score_changed_on_commit(assignment_id=obj.assignment_id, student_id=obj.student_id)

    def delete_model(self, request: HttpRequest, obj: Submission) -> None:
        super().delete_model(request, obj)
        signals.score_changed_on_commit(assignment_id=obj.assignment_id, student_id=obj.student_id)


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin):
    list_display = ["assignment", "student", "best_score", "best_submitted_at", "metric_public"]

from django.contrib import admin

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


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin):
    list_display = ["assignment", "student", "best_score", "best_submitted_at", "metric_public"]

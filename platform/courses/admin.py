from django.contrib import admin

from courses.models import Assignment, Cohort, Course, Enrolment, Extension, LeaderboardEntry


class CohortInline(admin.TabularInline):
    model = Cohort
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["slug", "title"]
    inlines = [CohortInline]


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "course"]
    inlines = [EnrolmentInline]


class ExtensionInline(admin.TabularInline):
    model = Extension
    extra = 0


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["exercise", "cohort", "opens_at", "due_at", "attempts_per_day", "attempts_cap", "score_policy"]
    list_filter = ["cohort"]
    inlines = [ExtensionInline]


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin):
    list_display = ["assignment", "student", "best_score", "best_submitted_at", "metric_public"]

from typing import Any

from django import forms
from django.contrib import admin

from catalog.models import ExerciseVersion
from courses.models import Assignment, Cohort, Course, Enrolment, Extension


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


class GraderVersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ExerciseVersion) -> str:
        current = " (current)" if obj.exercise.current_version_id == obj.pk else ""
        return f"{obj.exercise.slug} @ {obj.short_hash} of {obj.created_at:%Y-%m-%d %H:%M}{current}"


class AssignmentAdminForm(forms.ModelForm):
    """Staff choose among the exercise's grader versions (empty: its current one). The list shows the
    assignment's exercise's versions; whatever is sent, Assignment.clean refuses another exercise's."""

    class Meta:
        model = Assignment
        fields = [
            "cohort", "exercise", "exercise_version", "opens_at", "due_at", "late_penalty_per_day", "hard_cutoff_at",
            "attempts_per_day", "attempts_cap", "feedback_visibility", "score_policy", "manual_max_points",
            "combine_rule", "marks_released_at",
        ]
        field_classes = {"exercise_version": GraderVersionChoice}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["exercise_version"]
        assert isinstance(field, GraderVersionChoice)  # Meta.field_classes
        versions = ExerciseVersion.objects.select_related("exercise").order_by("exercise__slug", "-created_at", "-pk")
        # Offered: the versions of the assignment's exercise. Accepted: any version, so that a version of another
        # exercise gets Assignment.clean's sentence rather than a bare "not one of the available choices".
        field.queryset = versions
        if not self.is_bound and self.instance.exercise_id is not None:
            field.queryset = versions.filter(exercise_id=self.instance.exercise_id)
        # Hand grading is optional here as in the staff pages: left out, the assignment keeps its own.
        self.fields["manual_max_points"].required = False
        self.fields["combine_rule"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("manual_max_points") is None:
            data["manual_max_points"] = self.instance.manual_max_points
        if not data.get("combine_rule"):
            data["combine_rule"] = self.instance.combine_rule
        return data


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    form = AssignmentAdminForm
    list_display = [
        "exercise", "cohort", "grader_version", "opens_at", "due_at", "attempts_per_day", "attempts_cap",
        "score_policy",
    ]
    list_filter = ["cohort"]
    list_select_related = ["exercise__current_version", "exercise_version", "cohort__course"]
    inlines = [ExtensionInline]

    @admin.display(description="grader version")
    def grader_version(self, assignment: Assignment) -> str:
        version = assignment.exercise_version
        newer = "; a newer version exists" if assignment.newer_version_exists else ""
        return f"{version.short_hash} of {version.created_at:%Y-%m-%d}{newer}"

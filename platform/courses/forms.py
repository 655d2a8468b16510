"""Forms of the course pages: a student's leaderboard name; the staff's bulk enrolment upload and assignment
rules."""

from __future__ import annotations

from typing import Any

from django import forms

from catalog.models import ExerciseVersion
from core.users import User
from courses import pseudonyms
from courses.models import Assignment, CombineRule, Enrolment, Role
from courses.selectors import exercises_assignable

MAX_ROSTER_BYTES = 1024 * 1024


class LeaderboardNameForm(forms.ModelForm):
    """How I appear on my cohort's leaderboards: a pseudonym, or my real name if I choose."""

    class Meta:
        model = Enrolment
        fields = ["pseudonym", "show_name"]
        labels = {"pseudonym": "Pseudonym", "show_name": "Show my real name on leaderboards instead"}

    def clean_pseudonym(self) -> str:
        """Short, printable, and nobody else's name (courses.pseudonyms)."""
        pseudonym = pseudonyms.tidy(self.cleaned_data.get("pseudonym") or "")
        if pseudonym:
            taken = pseudonyms.TakenNames(cohort_id=self.instance.cohort_id, candidates=[pseudonym])
            problem = pseudonyms.text_problem(pseudonym) or taken.problem(pseudonym, user_id=self.instance.user_id)
            if problem:
                raise forms.ValidationError(problem[0].upper() + problem[1:] + ".")
        return pseudonym


class RosterForm(forms.Form):
    roster = forms.FileField(label="Roster (CSV)")

    def clean_roster(self) -> str:
        upload = self.cleaned_data["roster"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(f"The roster is larger than {MAX_ROSTER_BYTES // 1024} KiB.")
        try:
            # utf-8-sig: spreadsheets often start their CSV exports with a byte-order mark.
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The roster is not UTF-8 text; export it as CSV (UTF-8).") from None


class VersionChoiceField(forms.ModelChoiceField):
    """Grader versions named as staff see them elsewhere: the exercise, the short hash, the day it was made."""

    def label_from_instance(self, obj: ExerciseVersion) -> str:
        return f"{obj.exercise.slug} @ {obj.short_hash} ({obj.created_at:%Y-%m-%d})"


DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AssignmentForm(forms.ModelForm):
    """An assignment's rules as instructors set them in the staff pages (times in UTC, the site's zone)."""

    class Meta:
        model = Assignment
        fields = [
            "exercise", "exercise_version", "opens_at", "due_at", "hard_cutoff_at", "late_penalty_per_day",
            "attempts_per_day", "attempts_cap", "feedback_visibility", "score_policy", "manual_max_points",
            "combine_rule",
        ]
        labels = {
            "opens_at": "Opens (UTC)",
            "due_at": "Due (UTC)",
            "hard_cutoff_at": "Cut-off for late work (UTC)",
            "late_penalty_per_day": "Late penalty per started day",
            "attempts_per_day": "Attempts per rolling day",
            "attempts_cap": "Attempts in total",
            "score_policy": "Score that counts",
            "manual_max_points": "Points graded by hand",
            "combine_rule": "With the tests' score",
        }
        help_texts = {
            "late_penalty_per_day": "A fraction of the score: 0.1 takes 10% off per started day late; 0 for none.",
            "hard_cutoff_at": "Empty: late work is taken until you close it (with the penalty).",
            "attempts_per_day": "Empty: no daily limit.",
            "attempts_cap": "Empty: no total limit.",
            "manual_max_points": "0: the tests alone (a rubric may still take points off). The rubric is on the "
            "assignment's Rubric page.",
        }
        field_classes = {"exercise_version": VersionChoiceField}
        widgets = {"opens_at": DATETIME_INPUT, "due_at": DATETIME_INPUT, "hard_cutoff_at": DATETIME_INPUT}

    def __init__(self, *args: Any, user: User, has_submissions: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        exercise_field = self.fields["exercise"]
        version_field = self.fields["exercise_version"]
        assert isinstance(exercise_field, forms.ModelChoiceField) and isinstance(version_field, forms.ModelChoiceField)
        # Another course's private (unlisted) exercise is not offered: its statement and hidden tests are theirs.
        assignable = exercises_assignable(user=user, cohort=self.instance.cohort)
        exercise_field.queryset = assignable.order_by("phase", "order", "slug")
        version_field.required = False
        exercise_id = self.instance.exercise_id if self.instance.pk else None
        versions = ExerciseVersion.objects.filter(exercise__in=assignable).select_related("exercise").order_by(
            "exercise__slug", "-pk"
        )
        version_field.queryset = versions.filter(exercise_id=exercise_id) if exercise_id else versions
        version_field.empty_label = "the exercise's current version"
        # Hand grading is optional: a form (or API call) that leaves it out keeps the assignment's own.
        self.fields["manual_max_points"].required = False
        self.fields["combine_rule"].required = False
        if has_submissions:
            # Its submissions were made to this exercise: another one would orphan their scores.
            self.fields["exercise"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        due, cutoff, opens = data.get("due_at"), data.get("hard_cutoff_at"), data.get("opens_at")
        if opens and due and due < opens:
            self.add_error("due_at", "The due date must not be before the assignment opens.")
        if due and cutoff and cutoff < due:
            self.add_error("hard_cutoff_at", "The cut-off must not be before the due date.")
        exercise = data.get("exercise")
        twice = Assignment.objects.filter(cohort_id=self.instance.cohort_id, exercise=exercise).exclude(pk=self.instance.pk)
        if exercise is not None and twice.exists():
            # The form has no cohort field, so Django's own unique check skips this constraint.
            self.add_error("exercise", "This cohort has an assignment of this exercise already: edit that one.")
        if data.get("manual_max_points") is None:
            data["manual_max_points"] = self.instance.manual_max_points
        if not data.get("combine_rule"):
            data["combine_rule"] = self.instance.combine_rule
        manual, rule = data.get("manual_max_points"), data.get("combine_rule")
        if manual is not None and manual < 0:
            self.add_error("manual_max_points", "Give 0 or more points.")
        if rule == CombineRule.REPLACE and not manual:
            self.add_error("manual_max_points", "Graded by hand only: say how many points the hand grading gives.")
        penalty = data.get("late_penalty_per_day")
        if penalty is not None and not 0 <= penalty <= 1:
            self.add_error("late_penalty_per_day", "Give a fraction between 0 and 1 (0.1 = 10% per day).")
        return data


class ExtensionForm(forms.Form):
    """One student's extension: a later due date and/or extra attempts, and why."""

    student: forms.ModelChoiceField[User] = forms.ModelChoiceField(queryset=User.objects.none(), label="Student")
    due_at = forms.DateTimeField(label="Due (UTC)", widget=DATETIME_INPUT)
    extra_attempts = forms.IntegerField(
        label="Extra attempts", min_value=0, max_value=1000, initial=0,
        help_text="Added to the assignment's daily and total limits for this student.",
    )
    reason = forms.CharField(label="Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, assignment: Assignment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        students = User.objects.filter(
            enrolments__cohort_id=assignment.cohort_id, enrolments__role=Role.STUDENT
        ).order_by("username")
        field = self.fields["student"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = students
        self.fields["due_at"].initial = assignment.due_at

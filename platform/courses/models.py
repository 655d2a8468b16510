"""Courses, cohorts, enrolments, and assignments with their deadlines, attempt allowances and feedback rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.points import POINTS_DIGITS, POINTS_PLACES, points_field


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    # Open sign-up (courses/invitations.py): anyone may create an account at /courses/<slug>/join/ and join
    # this cohort as a student. Empty, the default: the course is joined through invitations only.
    signup_cohort = models.ForeignKey(
        "Cohort",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="open sign-up into",
        help_text="Anyone may sign up at /courses/<slug>/join/ and join this cohort as a student. Empty: "
        "closed (join links and invitations only).",
    )

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.signup_cohort is not None and self.signup_cohort.course_id != self.pk:
            raise ValidationError({"signup_cohort": "Choose one of this course's own cohorts."})


class Cohort(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="cohorts")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    # Each student's bank of grace days (0: none), spent automatically on late work (grading/grace_days.py).
    grace_days = models.PositiveIntegerField(
        default=0, help_text="Days of late work each student may use without a penalty, over all assignments."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="cohort_unique_slug")]

    def __str__(self) -> str:
        return f"{self.course.slug}/{self.slug}"


class Role(models.TextChoices):
    STUDENT = "student"
    TA = "ta", "teaching assistant"
    INSTRUCTOR = "instructor"


class Enrolment(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT)
    # Leaderboards show the pseudonym unless the student chooses to show their name.
    pseudonym = models.CharField(max_length=80, blank=True)
    show_name = models.BooleanField(default=False)
    # Added to the cohort's grace days for this student (negative: fewer), with the staff's latest reason.
    grace_days_adjust = models.IntegerField(default=0)
    grace_days_reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="enrolment_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort} ({self.role})"

    @property
    def is_staff_role(self) -> bool:
        return self.role in (Role.TA, Role.INSTRUCTOR)

    @property
    def grace_days_total(self) -> int:
        """The student's bank: the cohort's grace days plus their adjustment, never below zero."""
        return max(0, self.cohort.grace_days + self.grace_days_adjust)

    @property
    def display_name(self) -> str:
        if self.show_name:
            return self.user.get_full_name() or self.user.get_username()
        return self.pseudonym or f"Learner {self.pk}"


class FeedbackVisibility(models.TextChoices):
    VISIBLE = "visible", "every test's result and message"
    AFTER_DUE = "after_due", "scores now, messages after the due date"
    HIDDEN = "hidden", "the score only"


class FeedbackLevel(models.TextChoices):
    """What one person may see of one result, by the assignment's FeedbackVisibility (staff see all)."""

    FULL = "full", "every test with its message, and the output of the student's code"
    SCORES = "scores", "each test's outcome and points; no messages or output"
    TOTAL = "total", "the total score and the run's status only"


class AssignmentState(models.TextChoices):
    """Where an assignment stands for one student (with their extension)."""

    UPCOMING = "upcoming"
    OPEN = "open"
    LATE = "late", "late (accepted with a penalty)"
    CLOSED = "closed"


class ScorePolicy(models.TextChoices):
    BEST = "best"
    LATEST = "latest"


class CombineRule(models.TextChoices):
    """How points graded by hand meet the tests' score (manual grading: grading.marking)."""

    ADD = "add", "the tests' score plus the points graded by hand"
    REPLACE = "replace", "only the points graded by hand (the tests are a guide for graders)"


class Assignment(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="assignments")
    exercise = models.ForeignKey("catalog.Exercise", on_delete=models.PROTECT, related_name="assignments")
    # The grader version the cohort's submissions are graded with, whatever graders/ holds later: a grader
    # change reaches an assignment only when staff re-pin it (the admin) or regrade it (manage.py regrade).
    exercise_version = models.ForeignKey(
        "catalog.ExerciseVersion",
        on_delete=models.PROTECT,
        related_name="assignments",
        blank=True,  # left empty, save() pins the exercise's current version
        verbose_name="grader version",
        help_text="Submissions are graded with this version of the exercise's grader. Leave empty for the "
        "exercise's current version.",
    )
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # Late work: a penalty per started day after the due date, until an optional hard cut-off.
    late_penalty_per_day = models.FloatField(default=0.0, help_text="fraction of the score, e.g. 0.1 = 10%")
    hard_cutoff_at = models.DateTimeField(null=True, blank=True)
    # Attempts: a refilling allowance (per rolling day) and an optional total cap.
    attempts_per_day = models.PositiveIntegerField(null=True, blank=True)
    attempts_cap = models.PositiveIntegerField(null=True, blank=True)
    feedback_visibility = models.CharField(
        max_length=20, choices=FeedbackVisibility.choices, default=FeedbackVisibility.VISIBLE
    )
    score_policy = models.CharField(max_length=10, choices=ScorePolicy.choices, default=ScorePolicy.BEST)
    # Manual grading: points given by hand (rubric items, adjustments) on top of the tests' score, or instead
    # of it; students see them, and the comments, once the instructors release the marks.
    manual_max_points = points_field(default=Decimal(0))
    combine_rule = models.CharField(max_length=10, choices=CombineRule.choices, default=CombineRule.ADD)
    marks_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "exercise"], name="assignment_unique_exercise"),
            models.CheckConstraint(condition=Q(due_at__gte=models.F("opens_at")), name="assignment_due_after_open"),
            models.CheckConstraint(
                condition=Q(late_penalty_per_day__gte=0, late_penalty_per_day__lte=1),
                name="assignment_penalty_fraction",
            ),
            models.CheckConstraint(condition=Q(manual_max_points__gte=0), name="assignment_manual_points_positive"),
            models.CheckConstraint(
                condition=~Q(combine_rule="replace") | Q(manual_max_points__gt=0),
                name="assignment_replace_needs_manual_points",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise.slug} for {self.cohort}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every way of making an assignment (admin, seed_demo, services, scripts) pins a version.
        self._pin_default_version()
        self._check_version_belongs_to_exercise()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self._pin_default_version()
        self._check_version_belongs_to_exercise()

    @property
    def auto_max_score(self) -> Decimal:
        """The tests' full marks as the pinned version counts them (a newer grader may give more or fewer)."""
        return self.exercise_version.max_score

    @property
    def max_score(self) -> Decimal:
        """Full marks of the assignment: the tests' and the points graded by hand, by its combine rule."""
        if self.combine_rule == CombineRule.REPLACE:
            return self.manual_max_points
        return self.auto_max_score + self.manual_max_points

    @property
    def marks_released(self) -> bool:
        return self.marks_released_at is not None

    @property
    def newer_version_exists(self) -> bool:
        """The exercise's grader changed since this assignment was pinned (staff pages say so)."""
        return self.exercise.current_version_id not in (None, self.exercise_version_id)

    def _pin_default_version(self) -> None:
        if self.exercise_version_id is not None or self.exercise_id is None:
            return
        if self.exercise.current_version_id is None:
            raise ValidationError(
                {"exercise": f"{self.exercise.slug} has no grader version yet: run manage.py sync_exercises."}
            )
        self.exercise_version_id = self.exercise.current_version_id

    def _check_version_belongs_to_exercise(self) -> None:
        if self.exercise_version_id is None or self.exercise_id is None:
            return
        version = self.exercise_version
        if version.exercise_id != self.exercise_id:
            raise ValidationError(
                {
                    "exercise_version": f"Grader version {version.short_hash} belongs to {version.exercise.slug}, "
                    f"not to {self.exercise.slug}: choose one of {self.exercise.slug}'s versions, or leave it "
                    "empty for its current version."
                }
            )


class Extension(models.Model):
    """One student's exception to an assignment's rules, granted by its staff with a reason (the audit log
    keeps who granted what, and what it replaced)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    # Added to the assignment's total cap (and to its daily allowance on the days it applies): a student who
    # lost attempts to a broken laptop gets them back without changing everyone's rules.
    extra_attempts = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "student"], name="extension_unique")]

    def __str__(self) -> str:
        return f"extension for {self.student} to {self.due_at:%Y-%m-%d %H:%M}"


class RubricItem(models.Model):
    """One line of an assignment's rubric: points a grader gives (positive) or takes (negative) by hand, for the
    whole submission or one of the grader's questions. Applying items to a submission: grading.ManualGrade."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="rubric_items")
    question = models.CharField(max_length=100, blank=True)  # a question of the grader ("": the whole work)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    points = models.DecimalField(max_digits=POINTS_DIGITS, decimal_places=POINTS_PLACES)  # signed
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.points:+g})"


class Invitation(models.Model):
    """A way into a cohort as a student (never as staff): a join code that whoever holds it may use, shown as
    a code and a link, or a personal link mailed to one address (``email`` set, one use). Staff may give it an
    end date and a cap on uses, and withdraw it. See courses/invitations.py."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    code = models.CharField(max_length=64, unique=True)  # upper case, no separators (see invitations.normal_code)
    email = models.CharField(max_length=254, blank=True, help_text="a personal invitation: the address mailed")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)  # people it enrolled (joining again uses nothing)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation to {self.cohort}" + (f" for {self.email}" if self.email else "")

    @property
    def is_personal(self) -> bool:
        return bool(self.email)

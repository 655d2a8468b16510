"""Submissions, their grading runs and per-test results, and the standings kept with each result (a
student's best per exercise, and per assignment for its leaderboard).

Invariants live in the database as well as in the services: one result row per test of a run, scores
within their maxima, and a run's status drawn from the statuses ARCHITECTURE.md names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.points import points_field
from sandbox import QuestionOutcome, TestOutcome, TestResultOutcome
from sandbox import RunStatus as SandboxStatus


class Submission(models.Model):
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    exercise = models.ForeignKey("catalog.Exercise", on_delete=models.PROTECT, related_name="submissions")
    exercise_version = models.ForeignKey("catalog.ExerciseVersion", on_delete=models.PROTECT, related_name="+")
    # The assignment it counts for; null for practice on the roadmap.
    assignment = models.ForeignKey(
        "courses.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    notes = models.JSONField(default=list, blank=True)  # from loading it, e.g. dropped notebook magics
    # The score of the latest final run (denormalised for lists and leaderboards).
    score = points_field(null=True, blank=True)
    max_score = points_field()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["student", "exercise", "-created_at"], name="submission_student_ex"),
            models.Index(fields=["assignment", "student", "-created_at"], name="submission_assignment"),
        ]

    def __str__(self) -> str:
        return f"submission {self.pk} of {self.exercise_id} by {self.student_id}"


class SubmissionFile(models.Model):
    """The submitted files themselves, in the same transaction as the submission (no half-written rows)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    content = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "name"], name="submission_file_unique")]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    """The sandbox's statuses (how a run ended: sandbox.RunStatus, the one source of their values), and the two
    the platform adds before a run ends. tests/platform/test_layers.py checks that none is missing."""

    QUEUED = "queued"
    RUNNING = "running"
    GRADED = SandboxStatus.GRADED.value
    TIMEOUT = SandboxStatus.TIMEOUT.value
    MEMORY_LIMIT = SandboxStatus.MEMORY_LIMIT.value
    OUTPUT_LIMIT = SandboxStatus.OUTPUT_LIMIT.value
    NOT_GRADABLE = SandboxStatus.NOT_GRADABLE.value
    INFRASTRUCTURE_ERROR = SandboxStatus.INFRASTRUCTURE_ERROR.value


FINAL_STATUSES = frozenset(RunStatus) - {RunStatus.QUEUED, RunStatus.RUNNING}


class GradingRun(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="runs")
    exercise_version = models.ForeignKey("catalog.ExerciseVersion", on_delete=models.PROTECT, related_name="+")
    queue = models.CharField(max_length=20, default="cpu")
    is_regrade = models.BooleanField(default=False)
    never_lower = models.BooleanField(default=False)  # a regrade may raise the submission's score, never lower it
    # A regrade's: the batch that asked for it (null: one submission, or a command), and the submission's score
    # when it was asked (its page's "before"; with never_lower, the score it may not go below).
    batch = models.ForeignKey(
        "grading.RegradeBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    score_before = points_field(null=True, blank=True)
    max_before = points_field(null=True, blank=True)  # the full marks score_before was out of
    status = models.CharField(max_length=30, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When its task was last sent to the broker: the sweeper re-sends a queued run only when this is old, so a
    # backlog is not sent again every minute.
    sent_at = models.DateTimeField(null=True, blank=True)
    # Held back by the fair queue (grading.dispatch.admit): the student already has a run waiting in the queue,
    # so this one is sent only once that one has started. A new run is held from its creation until admitted.
    # Never set on regrades.
    held = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The lease: which delivery is in charge and until when. A result commits only under a live lease.
    deliveries = models.PositiveIntegerField(default=0)
    lease_token = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The worker that claimed it last (settings.WORKER_NAME: its host unless named), and whether that run's
    # boxes came warm from the worker's pool (null: not known, or no boxes): for operators and /metrics.
    worker = models.CharField(max_length=200, blank=True)
    warm_start = models.BooleanField(null=True, blank=True)
    tests_done = models.PositiveIntegerField(default=0)
    tests_total = models.PositiveIntegerField(default=0)
    score = points_field(null=True, blank=True)
    max_score = points_field(null=True, blank=True)
    # The subtotals of the grader's questions, in order: [{"name", "title", "score", "max_score", "passed",
    # "tests"}], scores as decimal strings (see sandbox.report.score_tests).
    questions = models.JSONField(default=list, blank=True)
    messages = models.JSONField(default=list, blank=True)
    student_output = models.TextField(blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True)  # leaderboard metrics: {"public": {...}, "private": {...}}

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RunStatus]), name="grading_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=models.F("max_score")),
                name="grading_run_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


def questions_record(questions: Iterable[QuestionOutcome]) -> list[dict[str, Any]]:
    """Question subtotals as GradingRun.questions stores them (points as exact decimal strings)."""
    return [
        {
            "name": q.name,
            "title": q.title,
            "score": str(q.score),
            "max_score": str(q.max_score),
            "passed": q.passed,
            "tests": q.tests,
        }
        for q in questions
    ]


class TestResult(models.Model):
    __test__ = False  # not a pytest test class

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="results")
    name = models.CharField(max_length=200)
    outcome = models.CharField(max_length=10)
    points = points_field()
    max_points = points_field()
    question = models.CharField(max_length=100, blank=True)  # the question it counts towards ("": none)
    hidden = models.BooleanField(default=False)  # students see its outcome and points, not its name or message
    message = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="test_result_unique_name"),
            models.CheckConstraint(
                condition=Q(outcome__in=[o.value for o in TestResultOutcome]), name="test_result_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=models.F("max_points")), name="test_result_points_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"


class ExerciseBest(models.Model):
    """A student's best score on an exercise, whatever the route (practice or assignment). Kept in the
    result's transaction; the roadmap and its overall leaderboard read only these rows."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_bests")
    exercise = models.ForeignKey("catalog.Exercise", on_delete=models.CASCADE, related_name="+")
    best_score = points_field()
    max_score = points_field()
    achieved_at = models.DateTimeField()  # when the best was first reached (earlier wins a tie)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["student", "exercise"], name="exercise_best_unique")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.best_score:g}/{self.max_score:g} on {self.exercise_id}"

    @property
    def mastered(self) -> bool:
        return self.max_score > 0 and self.best_score >= self.max_score


class LeaderboardEntry(models.Model):
    """A student's best result on an assignment, kept in the same transaction as each result, so the
    leaderboard is one indexed read however many submissions there are."""

    assignment = models.ForeignKey("courses.Assignment", on_delete=models.CASCADE, related_name="leaderboard")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    best_score = points_field()
    best_submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    best_submitted_at = models.DateTimeField()  # earliest submission wins a tie
    metric_public = models.FloatField(null=True, blank=True)
    metric_private = models.FloatField(null=True, blank=True)
    metric_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "student"], name="leaderboard_unique")]
        indexes = [
            models.Index(fields=["assignment", "-best_score", "best_submitted_at"], name="leaderboard_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.best_score:g} on {self.assignment_id}"


def test_result_rows(run: GradingRun, tests: Iterable[TestOutcome]) -> list[TestResult]:
    """The result rows of a run's scored tests, in the grader's order (unsaved: the caller bulk-creates)."""
    return [
        TestResult(
            run=run,
            name=test.name,
            outcome=test.outcome,
            points=test.points,
            max_points=test.max_points,
            message=test.message,
            question=test.question,
            hidden=test.hidden,
            position=position,
        )
        for position, test in enumerate(tests)
    ]


class ManualGrade(models.Model):
    """What a grader gave a submission by hand: rubric items applied, an adjustment, or an override of the
    whole score with a reason. grading.marking combines it with the tests' score under the assignment's rule;
    students see it once the assignment's marks are released."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="manual_grade")
    rubric_items = models.ManyToManyField("courses.RubricItem", blank=True, related_name="+")
    adjustment = models.DecimalField(max_digits=12, decimal_places=4, default=0)  # signed, beyond the rubric
    override_score = points_field(null=True, blank=True)  # the score that counts, whatever else says
    override_reason = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(override_score__isnull=True) | Q(override_score__gte=0), name="manual_grade_override_positive"
            ),
            models.CheckConstraint(
                condition=Q(override_score__isnull=True) | ~Q(override_reason=""), name="manual_grade_override_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"manual grade of submission {self.submission_id}"


class Comment(models.Model):
    """A grader's comment on a submission: on a line of one of its files, on a notebook cell, or on the whole
    work (neither). Released to the student with the marks."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)  # 1-based, in file_name
    cell = models.PositiveIntegerField(null=True, blank=True)  # 0-based cell index, in the notebook file_name
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file_name", "cell", "line", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(line__isnull=True) | Q(cell__isnull=True), name="comment_line_or_cell"),
        ]

    def __str__(self) -> str:
        return f"comment on submission {self.submission_id}"

    @property
    def anchor(self) -> str:
        """Where it sits in words: "solution.py line 12", "notebook.ipynb cell 3", "the whole submission"."""
        if self.line is not None:
            return f"{self.file_name} line {self.line}"
        if self.cell is not None:
            return f"{self.file_name} cell {self.cell + 1}"
        return "the whole submission"


class RegradeVersion(models.TextChoices):
    """Which grader version a batch regrade grades with (grading.regrade)."""

    SAME = "same", "the grader version each submission is graded with now"
    CURRENT = "current", "the exercise's current grader version (re-pins the assignments)"


class RegradeBatch(models.Model):
    """Many regrade runs asked for at once from the staff pages: every submission of an assignment (by its
    cohort's instructors) or of an exercise across cohorts (by site administrators). Its runs point back at it
    (GradingRun.batch), so its page counts them as they finish."""

    exercise = models.ForeignKey("catalog.Exercise", on_delete=models.PROTECT, related_name="+")
    # The assignment regraded; null: every submission of the exercise, practice included.
    assignment = models.ForeignKey(
        "courses.Assignment", null=True, blank=True, on_delete=models.CASCADE, related_name="regrade_batches"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.CharField(max_length=10, choices=RegradeVersion.choices)
    # With CURRENT, the version the runs grade with; with SAME, each run's own (see its exercise_version).
    exercise_version = models.ForeignKey(
        "catalog.ExerciseVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    never_lower = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"regrade {self.pk} of {self.assignment or self.exercise_id}"


class RegradeRequestStatus(models.TextChoices):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


REGRADE_REASON_MAX = 1000  # characters of a student's reason
REGRADE_ANSWER_MAX = 2000  # characters of the staff's answer


class RegradeRequest(models.Model):
    """A student asks the staff to look at one test of their assignment submission again, with a reason;
    staff accept it (optionally with a regrade run) or reject it, with an answer the student reads."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="regrade_requests")
    # The test's real name (staff see it) and the name the student saw and chose (a hidden test is named by
    # its position there, never by its real name): the student's page shows only ``test_shown_as``.
    test_name = models.CharField(max_length=200)
    test_shown_as = models.CharField(max_length=200)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=RegradeRequestStatus.choices, default=RegradeRequestStatus.OPEN, db_index=True
    )
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # The regrade run an accepted request started, if any.
    regrade_run = models.ForeignKey(
        GradingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "test_name"],
                condition=Q(status="open"),
                name="regrade_request_one_open_per_test",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RegradeRequestStatus]), name="regrade_request_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"regrade request {self.pk} on {self.submission_id}: {self.test_name} ({self.status})"

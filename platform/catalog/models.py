"""Exercises as the database knows them: loaded from the files by `manage.py sync_exercises`."""

from __future__ import annotations

from django.db import models


class Exercise(models.Model):
    slug = models.CharField(max_length=200, unique=True)  # "<phase>/<name>", as on disk
    phase = models.CharField(max_length=50, db_index=True)
    order = models.PositiveIntegerField(default=100)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    statement_md = models.TextField(blank=True)
    skills = models.JSONField(default=list, blank=True)
    files = models.JSONField(default=list)  # the file names a student submits
    points = models.PositiveIntegerField(default=0)
    gpu = models.BooleanField(default=False)
    notebook = models.BooleanField(default=False)
    leaderboard_metric = models.CharField(max_length=100, blank=True)
    leaderboard_direction = models.CharField(
        max_length=3, default="max", choices=[("max", "higher is better"), ("min", "lower is better")]
    )
    active = models.BooleanField(default=True)  # False once its files are gone
    current_version = models.ForeignKey(
        "ExerciseVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["phase", "order", "slug"]

    def __str__(self) -> str:
        return self.slug


class ExerciseVersion(models.Model):
    """One version of an exercise's grader: a changed test or data file makes a new one (regrades use it)."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="versions")
    grader_hash = models.CharField(max_length=64)
    declared_tests = models.JSONField()  # test name -> points, as read from the grader source
    max_score = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exercise", "grader_hash"], name="exercise_version_unique_hash")
        ]

    def __str__(self) -> str:
        return f"{self.exercise.slug}@{self.short_hash}"

    @property
    def short_hash(self) -> str:
        return self.grader_hash[:8]


class GraderSnapshot(models.Model):
    """Everything about a version that decides grading, stored when the version is made, so that a version
    grades the same on every worker for as long as anything is pinned to it, whatever graders/ holds now.
    (Its declared tests and maximum are on the version itself.) A version synced before snapshots existed
    has none; see grading.grader_versions for how it is graded."""

    version = models.OneToOneField(
        ExerciseVersion, on_delete=models.CASCADE, primary_key=True, related_name="snapshot"
    )
    files = models.BinaryField()  # the test_*.py files and data/ as a deterministic tar (catalog.snapshots)
    files_sha256 = models.CharField(max_length=64)  # names the folder each worker unpacks the files into
    module = models.CharField(max_length=200)
    image = models.CharField(max_length=50)
    gpu = models.BooleanField()
    limits = models.JSONField(default=dict, blank=True)  # the exercise's overrides of the platform defaults
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"snapshot of {self.version_id}"

    @property
    def grading_settings(self) -> dict[str, object]:
        """As catalog.definitions.ExerciseDefinition.grading_settings, to compare the two."""
        return {"module": self.module, "image": self.image, "gpu": self.gpu, "limits": dict(self.limits)}

"""Exercises as the database knows them: loaded from the files by `manage.py sync_exercises`."""

from __future__ import annotations

from django.db import models

from core.points import points_field
from sandbox import Manifest


class Exercise(models.Model):
    slug = models.CharField(max_length=200, unique=True)  # "<phase>/<name>", as on disk
    phase = models.CharField(max_length=50, db_index=True)
    order = models.PositiveIntegerField(default=100)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    statement_md = models.TextField(blank=True)
    skills = models.JSONField(default=list, blank=True)
    files = models.JSONField(default=list)  # the file names a student submits
    points = points_field(default=0)  # full marks of the current version
    gpu = models.BooleanField(default=False)
    notebook = models.BooleanField(default=False)
    leaderboard_metric = models.CharField(max_length=100, blank=True)
    leaderboard_direction = models.CharField(
        max_length=3, default="max", choices=[("max", "higher is better"), ("min", "lower is better")]
    )
    active = models.BooleanField(default=True)  # False once its files are gone
    # False for `unlisted = true`: on no roadmap page or roadmap leaderboard, and no practice; students reach
    # it through an assignment that schedules it for their cohort.
    listed = models.BooleanField(default=True)
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
    # The graded tests, their points and questions, as read from the grader source (Manifest.to_json; an
    # older version holds {test name: points}). Read it through `manifest`.
    declared_tests = models.JSONField()
    max_score = points_field()
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

    @property
    def manifest(self) -> Manifest:
        return Manifest.from_json(self.declared_tests)


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
    # "python", "ml", or a derived image with the exercise's pinned requirements ("python[tqdm==4.67.1]",
    # sandbox.image_with: at most sandbox's MAX_IMAGE_NAME characters), so a pinned version keeps its packages.
    image = models.CharField(max_length=1000)
    gpu = models.BooleanField()
    limits = models.JSONField(default=dict, blank=True)  # the exercise's overrides of the platform defaults
    # The exercise's support/ files (catalog.support): copied beside the submission into the student's box,
    # never into the grader box; b"" when it has none. A deterministic tar, with its names and sizes beside
    # it so the exercise page can list them without reading the archive.
    support_files = models.BinaryField(default=b"", blank=True)
    support_sizes = models.JSONField(default=dict, blank=True)  # name -> bytes
    # What the student reads and starts from with this version: the statement (Markdown) and the starter with
    # its public tests ("public_tests/..."), as a deterministic tar like support_files. A student of an
    # assignment pinned to this version sees these, whatever the exercise's files say now. A sync that finds
    # only these changed (a typo fixed, no grader change) amends the current version's copy; an older pinned
    # version keeps its own. learner_files_at is None for a snapshot stored before they were kept: its
    # readers fall back to the exercise's current files.
    statement_md = models.TextField(blank=True, default="")
    starter_files = models.BinaryField(default=b"", blank=True)
    learner_files_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"snapshot of {self.version_id}"

    @property
    def grading_settings(self) -> dict[str, object]:
        """As catalog.definitions.ExerciseDefinition.grading_settings, to compare the two."""
        return {"module": self.module, "image": self.image, "gpu": self.gpu, "limits": dict(self.limits)}

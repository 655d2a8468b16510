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
        return f"{self.exercise.slug}@{self.grader_hash[:8]}"

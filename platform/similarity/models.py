"""Similarity reports: for one assignment, every pair of students' submissions compared by copydetect, the
pairs that look alike ranked, with the matching fragments of each side. A report informs staff; nothing
follows from it automatically (no penalty, no flag on a grade). See docs/similarity.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Which(models.TextChoices):
    LATEST = "latest", "each student's latest submission"
    BEST = "best", "each student's best submission (after late penalties)"


class ReportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINAL_REPORT_STATUSES = frozenset({ReportStatus.DONE, ReportStatus.FAILED})


class SimilarityReport(models.Model):
    assignment = models.ForeignKey("courses.Assignment", on_delete=models.CASCADE, related_name="similarity_reports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    which = models.CharField(max_length=10, choices=Which.choices, default=Which.LATEST)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=0)  # how many times a worker took it up (a crash loop ends)
    error = models.TextField(blank=True)  # why it failed, for staff
    # Counts, once built: enrolled students, the submissions compared (one per student with code), the
    # pairs compared and those kept (above the threshold, at most SIMILARITY_MAX_PAIRS).
    students = models.PositiveIntegerField(default=0)
    submissions_compared = models.PositiveIntegerField(default=0)
    pairs_compared = models.PositiveIntegerField(default=0)
    pairs_kept = models.PositiveIntegerField(default=0)
    # What it was built with: thresholds, the starter files left out, and notes (students without code...).
    params = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ReportStatus]), name="similarity_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(which__in=[w.value for w in Which]), name="similarity_report_which_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"similarity report {self.pk} of assignment {self.assignment_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_REPORT_STATUSES


class SimilarityText(models.Model):
    """The text a submission was compared as (its code only: notebook code cells, Python files in name order
    with a header line each), kept for the submissions of the report's pairs: the pairs' offsets point into
    these, whatever later changes in how texts are made."""

    report = models.ForeignKey(SimilarityReport, on_delete=models.CASCADE, related_name="texts")
    submission = models.ForeignKey("grading.Submission", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "submission"], name="similarity_text_unique"),
        ]

    def __str__(self) -> str:
        return f"text of submission {self.submission_id} in report {self.report_id}"


class SimilarityPair(models.Model):
    """Two students' submissions that look alike. ``similarity_a`` is the share of A's compared code (its
    fingerprints left after the starter code is taken out) found in B, and the other way round; ``score`` is
    the larger, which ranks the pairs (rank 1 first). ``fragments_a`` / ``fragments_b`` are the matching
    fragments as [start, end] character offsets into each side's SimilarityText, in text order;
    ``partners_a[i]`` is the fragment of B that fragment i of A shares most fingerprints with (and
    ``partners_b`` the other way round), -1 for none."""

    report = models.ForeignKey(SimilarityReport, on_delete=models.CASCADE, related_name="pairs")
    submission_a = models.ForeignKey("grading.Submission", on_delete=models.CASCADE, related_name="+")
    submission_b = models.ForeignKey("grading.Submission", on_delete=models.CASCADE, related_name="+")
    similarity_a = models.FloatField()
    similarity_b = models.FloatField()
    score = models.FloatField()
    rank = models.PositiveIntegerField()
    fragments_a = models.JSONField(default=list)
    fragments_b = models.JSONField(default=list)
    partners_a = models.JSONField(default=list)
    partners_b = models.JSONField(default=list)
    matched_lines_a = models.PositiveIntegerField(default=0)
    matched_lines_b = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["report", "rank"], name="similarity_pair_unique_rank"),
            models.CheckConstraint(
                condition=Q(similarity_a__gte=0, similarity_a__lte=1, similarity_b__gte=0, similarity_b__lte=1),
                name="similarity_pair_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(submission_a=models.F("submission_b")), name="similarity_pair_two_submissions"
            ),
        ]

    def __str__(self) -> str:
        return f"pair {self.rank} of report {self.report_id}: {self.score:.0%}"

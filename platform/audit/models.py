"""One row per change course staff make, kept when the people and cohorts it names are gone."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Who acted (None: a command or a sync, or a user since deleted: actor_name keeps who it was).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    # The cohort as a number, not a foreign key: the log sits below courses (every app records into it) and
    # outlives a deleted cohort.
    cohort_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=60)  # "enrolment.role", "assignment.update", "extension.grant", ...
    target = models.CharField(max_length=300)  # what it acted on, in words: "ada in ai-101/autumn"
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["cohort_id", "-created_at"], name="audit_cohort_recent")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.action} {self.target}"

"""A notice to one person (shown on the site, mailed, or both) and each person's choices per kind.

The kinds, who gets each and their defaults are in docs/notifications.md. A ``key`` makes a notice
once-only: the same key is never given to the same person twice (a deadline reminder, an alert per day).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class NoticeKind(models.TextChoices):
    RESULT_AFTER_BACKLOG = "result_after_backlog", "a result that came after a wait in the grading queue"
    RUN_FAILED = "run_failed", "grading failed on our side (being retried, or given up)"
    GRADE_RELEASED = "grade_released", "a grade or comments released by your course staff"
    EXTENSION = "extension", "an extension granted or withdrawn"
    REGRADE_ANSWERED = "regrade_answered", "an answer to your regrade request"
    DEADLINE_REMINDER = "deadline_reminder", "a deadline coming up with nothing submitted yet"
    STAFF_ALERT = "staff_alert", "for course staff: grading given up, a GPU exercise with no GPU grader"


# Per kind, what someone who never chose gets: (by email, on the site).
KIND_DEFAULTS: dict[str, tuple[bool, bool]] = {
    NoticeKind.RESULT_AFTER_BACKLOG: (True, True),
    NoticeKind.RUN_FAILED: (True, True),
    NoticeKind.GRADE_RELEASED: (True, True),
    NoticeKind.EXTENSION: (True, True),
    NoticeKind.REGRADE_ANSWERED: (True, True),
    NoticeKind.DEADLINE_REMINDER: (True, True),
    NoticeKind.STAFF_ALERT: (True, True),
}

# Not a kind of notice but a setting kept in the same table: its row's ``by_email`` says the person's mail
# comes once a day as one digest instead of one mail per notice. Off unless chosen.
DAILY_DIGEST = "daily_digest"
PREFERENCE_CHOICES = [*NoticeKind.choices, (DAILY_DIGEST, "all of the day's mail as one digest")]


class MailState(models.TextChoices):
    NONE = "none", "not mailed (no address, or mail of this kind turned off)"
    NOW = "now", "to be mailed once the change that caused it commits"
    DIGEST = "digest", "waiting for the daily digest"
    SENT = "sent"
    FAILED = "failed", "the mail server refused it or could not be reached"


class Notice(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=40, choices=NoticeKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)  # plain text, shown escaped
    link = models.CharField(max_length=500, blank=True)  # a path on this site ("/submissions/12/"), or empty
    key = models.CharField(max_length=200, blank=True)  # "": no de-duplication
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    on_site = models.BooleanField(default=True)  # False: a mail only (the person turned the site's off)
    mail = models.CharField(max_length=10, choices=MailState.choices, default=MailState.NONE)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notice_unique_key"),
            models.CheckConstraint(condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notice_user_recent"),
            # The header's count: a person's unread notices, read from this partial index alone.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True, on_site=True), name="notice_user_unread"
            ),
            models.Index(fields=["mail"], condition=Q(mail__in=["now", "digest"]), name="notice_mail_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"


class NoticePreference(models.Model):
    """One person's choice for one kind (or the daily digest); no row: the kind's default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preferences")
    kind = models.CharField(max_length=40, choices=PREFERENCE_CHOICES)
    by_email = models.BooleanField()
    on_site = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: email {self.by_email}, site {self.on_site}"

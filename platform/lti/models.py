"""What Gradient adds to django-lti's tables (registrations, deployments, contexts, resource links, keys): how
an LMS's courses and links map onto our cohorts and assignments, the roles the LMS gave, the gradebook
columns scores go to and what was sent there, and the one-time launch state (nonces, OIDC state).

django-lti's tables stay as the library defines them (``lti_tool``); ours point at them one to one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from lti_tool.models import LtiContext, LtiRegistration, LtiResourceLink

from core.points import points_field
from courses.models import Assignment, Cohort, Course, Enrolment, Role


class PlatformOptions(models.Model):
    """Gradient's settings for one registered LMS (django-lti's LtiRegistration)."""

    registration = models.OneToOneField(LtiRegistration, on_delete=models.CASCADE, related_name="gradient")
    course = models.ForeignKey(
        Course,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="An LMS course that an instructor launches Gradient from for the first time gets a new cohort "
        "in this course. Empty: an administrator links each LMS course to a cohort (LTI context cohorts).",
    )
    frame_origins = models.TextField(
        blank=True,
        help_text="Origins allowed to show Gradient in a frame after a launch, one per line (for Canvas, your "
        "school's address, e.g. https://school.instructure.com). The issuer's and the login URL's origins, "
        "and the origin of the launch's return URL, are always allowed.",
    )
    link_verified_emails = models.BooleanField(
        default=False,
        help_text="Sign an LMS person in as the existing Gradient user who verified the email address the LMS "
        "sends. Only for an LMS whose addresses you trust: whoever administers it could then sign in as any "
        "Gradient user with a verified address. Off: LMS people get accounts of their own.",
    )

    class Meta:
        verbose_name = "Gradient options"
        verbose_name_plural = "Gradient options"

    def __str__(self) -> str:
        return f"Gradient options for {self.registration}"

    @property
    def origins(self) -> list[str]:
        return [line.strip().rstrip("/") for line in self.frame_origins.splitlines() if line.strip()]


class ContextCohort(models.Model):
    """An LMS course (an LTI context) taught as one of our cohorts."""

    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="gradient")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="lti_contexts")
    roster_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "LTI context cohort"

    def __str__(self) -> str:
        return f"{self.context} -> {self.cohort}"


class ResourceLinkAssignment(models.Model):
    """A link placed in an LMS course (an LTI resource link) that opens one of our assignments."""

    resource_link = models.OneToOneField(LtiResourceLink, on_delete=models.CASCADE, related_name="gradient")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="lti_resource_links")

    def __str__(self) -> str:
        return f"{self.resource_link} -> {self.assignment}"


class LmsRole(models.Model):
    """What the LMS says an enrolment's role is, and the role it last WROTE there. The LMS may change an
    enrolment's role only while it still holds the role the LMS wrote (``applied``); one changed by hand since
    (by an instructor or in the admin) is never changed by a launch or a roster sync again, up or down, and one
    the LMS never wrote (``applied`` empty) it may only raise (lti.roles)."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="lms_role")
    says = models.CharField(max_length=20, choices=Role.choices, blank=True,
                            help_text="the LMS's roles, mapped; empty: none of ours")
    applied = models.CharField(max_length=20, choices=Role.choices, blank=True,
                               help_text="the role the LMS last wrote; empty: never")
    lms_roles = models.JSONField(default=list, blank=True, help_text="the LMS's role URIs as sent")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "LMS role"

    def __str__(self) -> str:
        return f"{self.enrolment}: the LMS says {self.says}"


class LineItem(models.Model):
    """The LMS gradebook column that an assignment's scores go to, in one LMS course."""

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="gradient_line_items")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="lti_line_items")
    url = models.URLField(max_length=1000)

    class Meta:
        verbose_name = "LTI line item"
        constraints = [models.UniqueConstraint(fields=["context", "assignment"], name="lti_line_item_unique")]

    def __str__(self) -> str:
        return self.url


class Passback(models.Model):
    """One student's score on one assignment, as owed to one LMS course. ``wanted`` counts the changes asked
    for, ``sent`` the last one delivered: a change that lands while a send is under way is sent again.
    ``release_at``: not before then (a score held back with the assignment's feedback until the due date)."""

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="gradient_passbacks")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="lti_passbacks")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    wanted = models.PositiveIntegerField(default=1)
    sent = models.PositiveIntegerField(default=0)
    release_at = models.DateTimeField(db_index=True)
    score_given = points_field(null=True, blank=True)  # what the LMS was last sent (None: no score)
    score_maximum = points_field(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_try_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["context", "assignment", "student"], name="lti_passback_unique"),
        ]
        indexes = [models.Index(fields=["release_at"], condition=Q(sent__lt=models.F("wanted")),
                                name="lti_passback_owed")]

    def __str__(self) -> str:
        return f"score of {self.student_id} on {self.assignment_id} for {self.context}"

    @property
    def owed(self) -> bool:
        return self.sent < self.wanted


class UsedNonce(models.Model):
    """A launch's nonce, once used: the same id_token posted again is refused (pylti1p3 alone accepts it)."""

    issuer = models.CharField(max_length=255)
    nonce = models.CharField(max_length=255)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "nonce"], name="lti_nonce_once")]

    def __str__(self) -> str:
        return self.nonce


class LaunchState(models.Model):
    """pylti1p3's launch storage (OIDC state, nonces, launch data), in the database so that the login and
    the launch may reach different web processes without a shared cache. Keys are random and short-lived."""

    key = models.CharField(max_length=255, unique=True)
    value = models.JSONField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key

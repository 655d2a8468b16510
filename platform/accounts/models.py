"""Identities: which email address a user proved they read, and which outside accounts sign them in.

Accounts are never linked on an address nobody verified: a roster line, an SSO claim or an LTI launch that
carries an email matches an existing user only through a VerifiedEmail (and, for SSO, only when the provider
says it verified the address too). Outside identities are keyed by issuer and subject, never by email.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class VerifiedEmail(models.Model):
    """An address the user proved they read (a link mailed to it was followed), or one an identity provider
    that we trust vouched for. ``user.email`` may differ (changed since): only this row counts as proof."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verified_emails")
    # Stored folded (NFKC + casefold), so look-alike spellings of one address are one row.
    email = models.CharField(max_length=254)
    verified_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=255, default="link", help_text="link, oidc:<issuer>, lti:<issuer>")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email"], name="verified_email_unique_address")]

    def __str__(self) -> str:
        return f"{self.email} (verified for {self.user})"


class IdentityKind(models.TextChoices):
    OIDC = "oidc", "OpenID Connect"
    LTI = "lti", "LTI 1.3"


class ExternalIdentity(models.Model):
    """One outside account (an OpenID provider's or an LMS's) that signs a user in: matched by its issuer and
    its subject, which the provider promises never to reassign, never by name or email."""

    kind = models.CharField(max_length=10, choices=IdentityKind.choices)
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "issuer", "subject"], name="external_identity_unique_subject")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.issuer} {self.subject} -> {self.user}"

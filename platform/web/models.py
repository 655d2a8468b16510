"""API tokens: the only table of the web layer (the REST API's credentials; web/tokens.py issues, checks and
revokes them).

django-rest-knox's token, stored hashed: the row keeps a SHA-512 digest of the secret and its first 15
characters (to find the row), never the secret itself, so a copy of the database hands out no live token.
Ours adds what the owner needs to tell their tokens apart and revoke one: a number, a name and when it was
last used. A token expires at a fixed time (``expiry``), however often it is used.
"""

from __future__ import annotations

from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    # knox keys the row by its digest; the owner's pages and the API name a token by a plain number instead,
    # so nothing derived from the secret ever appears in a URL or a listing.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)
    name = models.CharField(max_length=100, default="API token")
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.user}, expires {self.expiry:%Y-%m-%d})" if self.expiry else self.name

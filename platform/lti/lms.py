"""Calls to an LMS's services (Assignment and Grade Services, Names and Role Provisioning) as this tool:
pylti1p3's ServiceConnector signs the client-credentials assertion with our key and fetches the access token;
this module gives it a session with time limits, and the tool's key on first use."""

from __future__ import annotations

from typing import Any

import requests
from lti_tool.models import Key, LtiContext, LtiRegistration
from pylti1p3.service_connector import REQUESTS_USER_AGENT, ServiceConnector

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
TIMEOUT_S = (5, 20)  # connect, read: a slow LMS must not hold a worker for ever


class ServiceFailed(Exception):
    """An LMS service call failed (network, refusal, odd answer); retried later."""


class TimeLimitedSession(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_S)
        return super().request(*args, **kwargs)


def ensure_key() -> Key:
    """The tool's signing key, made on first use (rotate with ``manage.py rotate_keys``). The private key
    lives in the database, never in the repository or the settings."""
    key = Key.objects.active().order_by("-datetime_created").first()
    return key if key is not None else Key.objects.generate()


def connector(registration: LtiRegistration) -> ServiceConnector:
    ensure_key()
    session = TimeLimitedSession()
    session.headers["User-Agent"] = f"Gradient ({REQUESTS_USER_AGENT})"
    return ServiceConnector(registration.to_registration(), requests_session=session)


def ags_scopes(context: LtiContext) -> list[str]:
    scopes = []
    if context.can_publish_scores:
        scopes.append(SCORE)
    if context.can_manage_lineitems:
        scopes.append(LINEITEM)
    if context.can_query_lineitems:
        scopes.append(LINEITEM_READ)
    return scopes

"""The LTI tests' parts: a real LTI 1.3 platform on loopback (tests/support/lti_platform.py, not built on the
library the tool uses), registered with the tool as an administrator would, and a launch that goes the way a
browser goes: the LMS's login initiation, the tool's redirect to the platform, the platform's form_post back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pytest
from django.test import Client
from lti_tool.models import LtiDeployment, LtiRegistration

from config.celery import app as celery_app
from courses.models import Assignment, Course
from lti.models import PlatformOptions
from tests.support.lti_platform import INSTRUCTOR, LmsPlatform, PlatformServer

FORM_FIELD = re.compile(r"name='(id_token|state)' value='([^']*)'")


@pytest.fixture(scope="session")
def lms_server() -> Iterator[LmsPlatform]:
    with PlatformServer() as platform:
        yield platform


@pytest.fixture
def lms(lms_server: LmsPlatform) -> LmsPlatform:
    """The platform, with what it recorded forgotten, and the tool's addresses as the Django test client's."""
    platform = lms_server
    with platform.lock:
        platform.requests.clear()
        platform.scores.clear()
        platform.line_items.clear()
        platform.members.clear()
        platform.deep_link_returns.clear()
        platform.token_refusals.clear()
    platform.tool_login_url = "http://testserver/lti/login/"
    platform.tool_launch_url = "http://testserver/lti/launch/"
    platform.tool_jwks_url = ""  # the live-server tests point it at the tool
    return platform


def identity_issuer(lms: LmsPlatform) -> str:
    """ExternalIdentity.issuer of the platform's people: its registration's issuer and client id."""
    return f"{lms.issuer}#{lms.client_id}"


@dataclass
class Registered:
    registration: LtiRegistration
    deployment: LtiDeployment
    options: PlatformOptions
    course: Course


@pytest.fixture
def registered(db, lms: LmsPlatform) -> Registered:  # type: ignore[no-untyped-def]
    """The platform registered in the tool as docs/lti.md tells an administrator, with one active deployment
    and a course for the cohorts of the LMS's courses."""
    registration = LtiRegistration.objects.create(
        name="Test LMS", issuer=lms.issuer, client_id=lms.client_id, auth_url=f"{lms.base_url}/auth",
        token_url=f"{lms.base_url}/token", keyset_url=f"{lms.base_url}/jwks",
    )
    deployment = LtiDeployment.objects.create(registration=registration, deployment_id=lms.deployment_id, is_active=True)
    course = Course.objects.create(slug="ai-101", title="AI Engineering 101")
    options = PlatformOptions.objects.create(registration=registration, course=course)
    return Registered(registration, deployment, options, course)


def start_login(client: Client, lms: LmsPlatform, claims: dict[str, Any], tamper: dict[str, Any] | None = None) -> tuple[str, str]:
    """The LMS's login initiation and the platform's auth step: (id_token, state) as the form_post carries
    them to the tool."""
    response = client.get("/lti/login/", lms.prepare(claims, tamper=tamper))
    assert response.status_code == 302, response.content.decode()[:500]
    location = response["Location"]
    assert location.startswith(f"{lms.base_url}/auth?"), location
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["redirect_uri"] == "http://testserver/lti/launch/"
    with urlopen(location, timeout=5) as page:  # noqa: S310 - the platform on loopback
        fields = dict(FORM_FIELD.findall(page.read().decode()))
    return fields["id_token"], fields["state"]


def launch(
    client: Client, lms: LmsPlatform, claims: dict[str, Any], tamper: dict[str, Any] | None = None, *, secure: bool = False
) -> Any:
    """A whole launch; returns the tool's answer to the form_post (over HTTPS where ``secure``)."""
    id_token, state = start_login(client, lms, claims, tamper)
    return client.post("/lti/launch/", {"id_token": id_token, "state": state}, secure=secure)


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Celery tasks run in this process when sent (still only once the transaction commits)."""
    before = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def exercise(grader_tree):  # type: ignore[no-untyped-def]
    grader_tree.sync()
    return grader_tree.exercise()


def set_up_link(lms, exercise, *, link: str = "link-1", lineitem: str | None = None, teacher: Client | None = None) -> Assignment:  # type: ignore[no-untyped-def]
    """An instructor's first launch from a new LMS course: it makes the cohort, and the instructor chooses a
    new assignment of ``exercise`` for the link."""
    teacher = teacher or Client()
    response = launch(teacher, lms, lms.message(sub="teacher-1", roles=[INSTRUCTOR], resource_link_id=link,
                                                with_nrps=False, lineitem=lineitem))
    assert response.status_code == 302 and response["Location"] == "/lti/choose/", response.content.decode()[:400]
    page = teacher.get("/lti/choose/")
    assert page.status_code == 200 and "What does this link open?" in page.content.decode()
    chosen = teacher.post("/lti/choose/", {"exercise": exercise.pk, "due_at": "2030-01-01 12:00"})
    assignment = Assignment.objects.get(exercise=exercise)
    assert chosen.status_code == 302 and chosen["Location"] == f"/assignments/{assignment.pk}/"
    return assignment

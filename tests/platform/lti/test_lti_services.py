"""LTI Advantage services against the test platform, with the tool served by pytest-django's live server (the
platform checks each client-credentials assertion against the tool's real JWKS URL): scores back to the LMS
(AGS) when committed and again after a late penalty, an extension, a regrade or a hand edit; a line item made
when the LMS gave none; a score held back until the due date; the roster (NRPS); deep linking."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import jwt
import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import ExternalIdentity
from audit.models import AuditEvent
from config.celery import app as celery_app
from courses.models import Assignment, Enrolment, FeedbackVisibility, Role, ScorePolicy
from grading import dispatch, intake, runs
from grading.admin import SubmissionAdmin
from grading.models import GradingRun, Submission
from grading.regrade import run_regrade
from lti import lms as lms_module
from lti import passback as passback_module
from lti import tasks
from lti.models import ContextCohort, LineItem, LmsRole, Passback
from tests.support.factories import ExtensionFactory, UserFactory
from tests.support.lti_platform import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT, Member
from tests.support.outcomes import fake_outcome

from .conftest import identity_issuer, launch, set_up_link

SOURCE = b"def top_words(text, n):\n    return []\n"


@pytest.fixture
def tool(live_server, lms, registered, eager_tasks, monkeypatch):  # type: ignore[no-untyped-def]
    """The tool on a live server (its JWKS reachable by the platform); grading runs are never sent to a
    broker here (the tests commit their results themselves)."""
    lms.tool_jwks_url = f"{live_server.url}/lti/jwks/"
    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)
    return live_server


def grade(student, assignment, *, failing=(), submission=None) -> Submission:  # type: ignore[no-untyped-def]
    """Commit a result as a worker does (claim, then complete in one transaction): a new submission's, or a
    regrade of ``submission``."""
    if submission is None:
        submission = intake.submission_create(student=student, exercise=assignment.exercise,
                                              uploads={"solution.py": SOURCE}, assignment=assignment)
        run = GradingRun.objects.get(submission=submission)
    else:
        run = run_regrade(submission=submission)
    assert runs.claim(run_id=run.pk, token="worker")
    assert runs.complete(run_id=run.pk, token="worker", outcome=fake_outcome(run, failing=failing))
    submission.refresh_from_db()
    return submission


def learner(lms, sub: str = "student-7"):  # type: ignore[no-untyped-def]
    assert launch(Client(), lms, lms.message(sub=sub, roles=[LEARNER], with_nrps=False)).status_code == 302
    return ExternalIdentity.objects.get(issuer=identity_issuer(lms), subject=sub).user


def test_scores_reach_the_lms_when_committed_and_again_after_a_penalty_extension_regrade_or_hand_edit(
    tool, lms, exercise
) -> None:
    lineitem = f"{lms.base_url}/lineitems/course-101/1"
    assignment = set_up_link(lms, exercise, lineitem=lineitem)
    student = learner(lms)
    failing = exercise.current_version.manifest.names[:1]
    submission = grade(student, assignment, failing=failing)
    assert submission.score is not None and submission.score < assignment.max_score

    [score] = lms.scores_for(lineitem)
    assert score["userId"] == "student-7"
    assert Decimal(str(score["scoreGiven"])) == submission.score
    assert Decimal(str(score["scoreMaximum"])) == assignment.max_score
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "Submitted"
    assert timezone.datetime.fromisoformat(score["timestamp"]) <= timezone.now()
    assert lms.token_refusals == []  # every assertion the tool signed held against its JWKS
    token_requests = [r for r in lms.requests if r.path == "/token"]
    assert token_requests and "client_assertion=" in token_requests[0].body

    # Late: the assignment was due before the submission, at a third of the score off per day.
    Assignment.objects.filter(pk=assignment.pk).update(opens_at=submission.created_at - timedelta(days=3))
    assignment.refresh_from_db()
    assignment.due_at = submission.created_at - timedelta(hours=1)
    assignment.late_penalty_per_day = 0.3333
    assignment.save()
    penalised = (submission.score * Decimal("0.6667")).quantize(Decimal("0.0001"))
    assert Decimal(str(lms.scores_for(lineitem)[-1]["scoreGiven"])) == penalised
    raw = [s["raw"] for s in lms.scores if s["lineitem"] == lineitem][-1]
    assert f'"scoreGiven": {penalised.normalize():f}' in raw  # the exact decimal, as JSON text

    # An extension past the submission: no penalty again.
    ExtensionFactory(assignment=assignment, student=student, due_at=submission.created_at + timedelta(hours=1))
    assert Decimal(str(lms.scores_for(lineitem)[-1]["scoreGiven"])) == submission.score

    # A regrade that passes everything: full marks.
    grade(student, assignment, submission=submission)
    assert Decimal(str(lms.scores_for(lineitem)[-1]["scoreGiven"])) == assignment.max_score

    # A score changed by hand in the admin.
    submission.refresh_from_db()
    submission.score = Decimal("1.5")
    request = RequestFactory().post("/admin/")
    SubmissionAdmin(Submission, admin.site).save_model(request, submission, form=None, change=True)
    assert lms.scores_for(lineitem)[-1]["scoreGiven"] == 1.5
    assert len(lms.scores_for(lineitem)) == 5
    passback = Passback.objects.get(student=student, assignment=assignment)
    assert not passback.owed and passback.score_given == Decimal("1.5")


def test_a_line_item_is_made_when_the_lms_gave_none(tool, lms, exercise) -> None:
    assignment = set_up_link(lms, exercise)  # the launch's AGS claim names only the line items service
    student = learner(lms)
    submission = grade(student, assignment)
    [item] = lms.line_items["course-101"]
    assert item["resourceId"] == f"gradient-assignment-{assignment.pk}" and item["resourceLinkId"] == "link-1"
    assert item["scoreMaximum"] == float(assignment.max_score) and item["label"] == exercise.title
    [score] = lms.scores_for(item["id"])
    assert Decimal(str(score["scoreGiven"])) == submission.score == assignment.max_score
    # A worse attempt under "best": the score that counts is unchanged, and nothing is sent.
    grade(student, assignment, failing=exercise.current_version.manifest.names[:1])
    assert len(lms.scores_for(item["id"])) == 1
    # Under "latest" it changes; with the recorded column forgotten, it is found again by its resource id,
    # never made twice.
    LineItem.objects.all().delete()
    Assignment.objects.filter(pk=assignment.pk).update(score_policy=ScorePolicy.LATEST)
    latest = grade(student, assignment, failing=exercise.current_version.manifest.names[:1])
    assert len(lms.line_items["course-101"]) == 1
    assert [Decimal(str(s["scoreGiven"])) for s in lms.scores_for(item["id"])] == [assignment.max_score, latest.score]


def test_a_score_held_until_the_due_date_reaches_the_lms_after_it(tool, lms, exercise) -> None:
    lineitem = f"{lms.base_url}/lineitems/course-101/3"
    assignment = set_up_link(lms, exercise, lineitem=lineitem)
    Assignment.objects.filter(pk=assignment.pk).update(feedback_visibility=FeedbackVisibility.AFTER_DUE)
    assignment.refresh_from_db()
    student = learner(lms)
    grade(student, assignment)
    assert lms.scores_for(lineitem) == []
    passback = Passback.objects.get(student=student)
    assert passback.owed and passback.release_at == assignment.due_at
    assert tasks.release_scores() == 0  # not yet

    # The due date passes (moved back, without the save that would itself send the score).
    past = timezone.now() - timedelta(minutes=1)
    Assignment.objects.filter(pk=assignment.pk).update(opens_at=past - timedelta(days=1), due_at=past)
    Passback.objects.filter(pk=passback.pk).update(release_at=timezone.now() - timedelta(minutes=1))
    assert tasks.release_scores() == 1
    [score] = lms.scores_for(lineitem)
    assert Decimal(str(score["scoreGiven"])) == assignment.max_score
    passback.refresh_from_db()
    assert not passback.owed


def test_the_roster_comes_from_the_lms_with_roles_and_never_demotes_staff_set_by_hand(tool, lms, exercise) -> None:
    teacher = Client()
    assignment = set_up_link(lms, exercise, teacher=teacher)
    cohort = assignment.cohort
    hand_ta = UserFactory(username="hand-ta")
    ExternalIdentity.objects.create(kind="lti", issuer=identity_issuer(lms), subject="hand-ta-sub", user=hand_ta)
    Enrolment.objects.create(cohort=cohort, user=hand_ta, role=Role.TA)
    disabled = UserFactory(username="disabled", is_active=False)
    ExternalIdentity.objects.create(kind="lti", issuer=identity_issuer(lms), subject="disabled-f", user=disabled)
    lms.members["course-101"] = [
        Member("teacher-1", [INSTRUCTOR]),
        Member("learner-a", [LEARNER], name="Ana Learner", email="ana@lms.example"),
        Member("ta-b", [INSTRUCTOR, TEACHING_ASSISTANT], name="Ben Assistant"),
        Member("hand-ta-sub", [LEARNER]),  # the LMS says learner; the TA set by hand stays a TA
        Member("gone-c", [LEARNER], status="Inactive"),
        Member("parent-d", ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]),
        Member("disabled-f", [LEARNER]),  # a disabled account: left out
    ]
    # A launch that carries the NRPS claim reads the roster (a Celery task, once the launch commits).
    response = launch(Client(), lms, lms.message(sub="learner-a", roles=[LEARNER], with_nrps=True))
    assert response.status_code == 302
    roles = {e.user.identities.get().subject: e.role for e in Enrolment.objects.filter(cohort=cohort)}
    assert roles == {"teacher-1": Role.INSTRUCTOR, "learner-a": Role.STUDENT, "ta-b": Role.TA,
                     "hand-ta-sub": Role.TA}
    assert LmsRole.objects.get(enrolment__user=hand_ta).says == Role.STUDENT
    # The sync's enrolments are in the audit log, by nobody.
    ben = ExternalIdentity.objects.get(subject="ta-b").user
    added = AuditEvent.objects.get(action="enrolment.add", target=f"{ben.username} in {cohort}")
    assert (added.actor, added.after, added.reason) == (None, {"role": Role.TA}, "LMS roster sync")
    assert ContextCohort.objects.get(cohort=cohort).roster_synced_at is not None
    nrps = [r for r in lms.requests if r.path == "/nrps/course-101"]
    assert nrps and nrps[0].headers["authorization"].startswith("Bearer ")

    # The instructor's button reads it again: a new member joins; nobody is removed.
    lms.members["course-101"].append(Member("late-e", [LEARNER]))
    page = teacher.post(f"/lti/cohorts/{cohort.pk}/")
    assert page.status_code == 200 and "enrolled" in page.content.decode()
    assert Enrolment.objects.filter(cohort=cohort).count() == 5
    assert Enrolment.objects.get(cohort=cohort, user=hand_ta).role == Role.TA


def test_deep_linking_returns_a_signed_link_that_opens_the_chosen_assignment(tool, lms, exercise) -> None:
    assignment = set_up_link(lms, exercise)
    teacher = Client()
    message = lms.message(sub="teacher-1", roles=[INSTRUCTOR], resource_link_id=None, with_nrps=False,
                          message_type="LtiDeepLinkingRequest")
    response = launch(teacher, lms, message)
    assert response.status_code == 302 and response["Location"] == "/lti/choose/"
    page = teacher.get("/lti/choose/")
    assert "Add a Gradient assignment to your LMS course" in page.content.decode()
    answer = teacher.post("/lti/choose/", {"assignment": assignment.pk})
    html = answer.content.decode()
    assert answer.status_code == 200 and f'action="{lms.base_url}/deep-link-return"' in html
    assert f"form-action 'self' {lms.base_url}" in answer["Content-Security-Policy"]
    token = html.split('name="JWT" value="')[1].split('"')[0]

    keys = json.loads(teacher.get("/lti/jwks/").content)["keys"]
    key = next(k for k in keys if k["kid"] == jwt.get_unverified_header(token)["kid"])
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=lms.issuer)
    assert claims["iss"] == lms.client_id
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == lms.deployment_id
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    [item] = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == "http://testserver/lti/launch/"
    assert item["custom"] == {"gradient_assignment": str(assignment.pk)}
    assert item["lineItem"]["scoreMaximum"] == float(assignment.max_score)
    assert item["lineItem"]["resourceId"] == f"gradient-assignment-{assignment.pk}"
    # The browser posts it back to the LMS.
    back = Request(f"{lms.base_url}/deep-link-return", data=urlencode({"JWT": token}).encode())
    with urlopen(back, timeout=5) as reply:  # noqa: S310 - loopback
        assert reply.status == 200
    assert lms.deep_link_returns == [token]

    # The LMS's new link, launched by a student: the custom parameter names the assignment.
    student = Client()
    launched = launch(student, lms, lms.message(sub="s9", roles=[LEARNER], resource_link_id="dl-link",
                                                with_nrps=False, custom=item["custom"]))
    assert launched.status_code == 302 and launched["Location"] == f"/assignments/{assignment.pk}/"

    # A student's deep-linking request is refused.
    refused = launch(Client(), lms, {**message, "sub": "s9", "https://purl.imsglobal.org/spec/lti/claim/roles": [LEARNER]})
    assert refused.status_code == 403 and "Only an instructor" in refused.content.decode()



def test_a_failed_send_stays_owed_with_its_reason_and_goes_through_later(tool, lms, exercise) -> None:
    lineitem = f"{lms.base_url}/lineitems/course-101/4"
    assignment = set_up_link(lms, exercise, lineitem=lineitem)
    student = learner(lms)
    good_jwks = lms.tool_jwks_url
    lms.tool_jwks_url = f"{tool.url}/no-such-jwks/"  # the platform cannot check the tool's assertion
    celery_app.conf.task_eager_propagates = False  # the task's retries fail in turn, quietly
    grade(student, assignment)
    assert lms.scores_for(lineitem) == [] and lms.token_refusals
    passback = Passback.objects.get(student=student)
    assert passback.owed and "the LMS answered" in passback.last_error and passback.tries >= 1
    with pytest.raises(lms_module.ServiceFailed):
        passback_module.send(passback.pk)

    lms.tool_jwks_url = good_jwks
    assert passback_module.send(passback.pk) == "sent"
    assert Decimal(str(lms.scores_for(lineitem)[0]["scoreGiven"])) == assignment.max_score
    passback.refresh_from_db()
    assert not passback.owed and passback.last_error == ""

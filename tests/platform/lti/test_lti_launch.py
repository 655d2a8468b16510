"""LTI 1.3 launches against the test platform on loopback: who is signed in (keyed by registration and
subject), into which cohort with which role, onto which assignment; and every forged, expired, replayed,
algorithm-confused or misdirected launch refused with a page that says why, nobody signed in."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from lti_tool.models import LtiDeployment, LtiUser

from accounts.emails import mark_verified
from accounts.models import ExternalIdentity, IdentityKind
from core.users import User
from courses.models import Cohort, Enrolment, Role
from lti.models import ContextCohort, LaunchState, LineItem, ResourceLinkAssignment, UsedNonce
from tests.support.factories import UserFactory
from tests.support.lti_platform import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT, SigningKey

from .conftest import identity_issuer, launch, set_up_link, start_login


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_a_learner_lands_on_the_assignment_as_a_new_user_keyed_by_registration_and_subject(registered, lms, exercise) -> None:
    assignment = set_up_link(lms, exercise, lineitem=f"{lms.base_url}/lineitems/course-101/7")
    cohort = assignment.cohort
    assert cohort.course == registered.course and cohort.name == "AI Engineering 101"
    assert ContextCohort.objects.get(cohort=cohort).context.id_on_platform == "course-101"
    assert Enrolment.objects.get(cohort=cohort, user__identities__subject="teacher-1").role == Role.INSTRUCTOR
    # The launch's AGS claim named the link's gradebook column: scores go there.
    assert LineItem.objects.get(assignment=assignment).url == f"{lms.base_url}/lineitems/course-101/7"

    student = Client()
    response = launch(student, lms, lms.message(sub="student-7", roles=[LEARNER], with_nrps=False))
    assert response.status_code == 302 and response["Location"] == f"/assignments/{assignment.pk}/"
    identity = ExternalIdentity.objects.get(kind=IdentityKind.LTI, issuer=identity_issuer(lms), subject="student-7")
    user = identity.user
    assert signed_in_user_id(student) == str(user.pk)
    assert not user.has_usable_password() and user.email == "student-7@lms.example" and user.last_name == "student-7"
    assert Enrolment.objects.get(cohort=cohort, user=user).role == Role.STUDENT
    page = student.get(response["Location"])
    assert page.status_code == 200 and exercise.title in page.content.decode()

    # Launching again (a new browser): the same account, found by registration and subject.
    again = Client()
    assert launch(again, lms, lms.message(sub="student-7", roles=[LEARNER], with_nrps=False)).status_code == 302
    assert signed_in_user_id(again) == str(user.pk)
    assert ExternalIdentity.objects.filter(subject="student-7").count() == 1


def test_an_email_links_an_account_only_where_a_user_verified_it_and_the_platform_is_trusted(
    registered, lms, exercise
) -> None:
    set_up_link(lms, exercise)
    ada = UserFactory(username="ada", email="ada@lms.example")
    mark_verified(ada, "ada@lms.example")
    nobody_verified = UserFactory(username="bob", email="bob@lms.example")

    client = Client()
    claims = lms.message(sub="ada-on-lms", roles=[LEARNER], with_nrps=False, extra={"email": "ada@lms.example"})
    assert launch(client, lms, claims).status_code == 302
    assert signed_in_user_id(client) != str(ada.pk)  # the default: LMS people get accounts of their own

    registered.options.link_verified_emails = True
    registered.options.save()
    for sub, email, expected in [("ada-2", "ADA@lms.example", ada), ("bob-2", "bob@lms.example", None)]:
        client = Client()
        claims = lms.message(sub=sub, roles=[LEARNER], with_nrps=False, extra={"email": email})
        assert launch(client, lms, claims).status_code == 302
        user_id = signed_in_user_id(client)
        if expected is not None:
            assert user_id == str(expected.pk)  # a verified address, a trusted platform
        else:
            assert user_id not in (None, str(nobody_verified.pk))  # nobody verified bob's address


def test_staff_set_by_hand_are_never_demoted_and_lms_roles_map_to_ours(registered, lms, exercise) -> None:
    assignment = set_up_link(lms, exercise)
    cohort = assignment.cohort
    # A TA enrolled by hand, who then comes in from the LMS as a learner: still a TA.
    helper = UserFactory(username="helper")
    ExternalIdentity.objects.create(kind=IdentityKind.LTI, issuer=identity_issuer(lms), subject="helper-sub", user=helper)
    Enrolment.objects.create(cohort=cohort, user=helper, role=Role.TA)
    assert launch(Client(), lms, lms.message(sub="helper-sub", roles=[LEARNER], with_nrps=False)).status_code == 302
    assert Enrolment.objects.get(cohort=cohort, user=helper).role == Role.TA

    # The LMS raises and lowers the roles it gave itself.
    client = Client()
    ta_roles = [INSTRUCTOR, TEACHING_ASSISTANT]  # a sub-role comes with its principal role
    assert launch(client, lms, lms.message(sub="ta-1", roles=ta_roles, with_nrps=False)).status_code == 302
    enrolment = Enrolment.objects.get(cohort=cohort, user__identities__subject="ta-1")
    assert enrolment.role == Role.TA
    assert launch(Client(), lms, lms.message(sub="ta-1", roles=[LEARNER], with_nrps=False)).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.role == Role.STUDENT

    # A mentor (an observer) gets no place in the cohort, and says so.
    response = launch(Client(), lms, lms.message(sub="parent", roles=[
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"], with_nrps=False))
    assert response.status_code == 409 and "gives you no place" in response.content.decode()


def test_a_student_cannot_launch_a_course_or_link_nobody_set_up(registered, lms, exercise) -> None:
    response = launch(Client(), lms, lms.message(sub="early", roles=[LEARNER], with_nrps=False))
    assert response.status_code == 409
    assert "your instructor opens it from the LMS first" in response.content.decode()
    assert not Cohort.objects.exists()
    set_up_link(lms, exercise)
    response = launch(Client(), lms, lms.message(sub="early", roles=[LEARNER], resource_link_id="link-2",
                                                 with_nrps=False))
    assert response.status_code == 409 and "This link is not set up" in response.content.decode()
    assert not ResourceLinkAssignment.objects.filter(resource_link__id_on_platform="link-2").exists()


OTHER_KEY = SigningKey("platform-key-1")  # the platform's kid, another key: a forgery


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        ({"key": OTHER_KEY}, "Signature verification failed"),
        ({"expired": True}, "Signature has expired"),
        ({"alg": "HS256"}, "Unable to find public key"),  # HMAC keyed with the platform's public key
        ({"alg": "none"}, "Unable to find public key"),
        ({"drop": ["exp"]}, 'Token is missing the "exp" claim'),
        ({"claims": {"aud": "another-tool"}}, "Registration not found"),
        ({"claims": {"iss": "http://127.0.0.1:9/not-registered"}}, "Registration not found"),
        ({"claims": {"nonce": "a-nonce-we-never-issued"}}, "Invalid Nonce"),
        ({"claims": {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "deployment-unknown"}},
         "is not activated in Gradient"),
    ],
    ids=["forged", "expired", "hs256-with-public-key", "alg-none", "no-exp", "wrong-audience", "wrong-issuer",
         "unknown-nonce", "unknown-deployment"],
)
def test_forged_and_misdirected_launches_are_refused(registered, lms, exercise, tamper, says) -> None:
    set_up_link(lms, exercise)
    client = Client()
    response = launch(client, lms, lms.message(sub="mallory", roles=[INSTRUCTOR], with_nrps=False), tamper=tamper)
    page = html.unescape(response.content.decode())
    assert response.status_code == 403, page[:500]
    assert "This LMS launch did not go through" in page and says in page, page[:2000]
    assert signed_in_user_id(client) is None
    assert not ExternalIdentity.objects.filter(subject="mallory").exists()
    # Nothing of the person is left behind: no claims in the launch state, no django-lti user or membership.
    assert not LaunchState.objects.filter(value__sub="mallory").exists()
    assert not LtiUser.objects.filter(sub="mallory").exists()
    if "deployment" in str(tamper):
        # Recorded for an administrator to activate, refused until then.
        assert not LtiDeployment.objects.get(deployment_id="deployment-unknown").is_active


def test_a_replayed_launch_and_one_from_another_browser_are_refused(registered, lms, exercise) -> None:
    set_up_link(lms, exercise)
    client = Client()
    id_token, state = start_login(client, lms, lms.message(sub="s1", roles=[LEARNER], with_nrps=False))
    first = client.post("/lti/launch/", {"id_token": id_token, "state": state})
    assert first.status_code == 302
    used = UsedNonce.objects.filter(issuer=lms.issuer).count()
    launches = LaunchState.objects.filter(key__startswith="lti1p3-launch-").count()
    users = User.objects.count()
    replay = Client()
    replay.cookies = client.cookies  # even with the state cookie of the browser that started it
    again = replay.post("/lti/launch/", {"id_token": id_token, "state": state})
    assert again.status_code == 403 and "already used" in again.content.decode()
    assert UsedNonce.objects.filter(issuer=lms.issuer).count() == used
    # The replay stored nothing: no second copy of the claims, nobody new.
    assert LaunchState.objects.filter(key__startswith="lti1p3-launch-").count() == launches
    assert User.objects.count() == users

    # A token posted by a browser that did not start the login (no state cookie): login CSRF, refused.
    id_token, state = start_login(Client(), lms, lms.message(sub="s2", roles=[LEARNER], with_nrps=False))
    elsewhere = Client()
    refused = elsewhere.post("/lti/launch/", {"id_token": id_token, "state": state})
    assert refused.status_code == 403 and "State not found" in refused.content.decode()
    assert signed_in_user_id(elsewhere) is None


def test_only_the_launching_platform_may_frame_the_site_and_its_cookies_reach_the_frame(registered, lms, exercise) -> None:
    assignment = set_up_link(lms, exercise)
    # The login step's state cookie, set inside the LMS's frame, must survive there (over HTTPS; over plain
    # HTTP to a host that is not loopback, a Secure cookie would be dropped, so it is left plain).
    client = Client()
    login = client.get("/lti/login/", lms.prepare(lms.message(sub="s3", roles=[LEARNER], with_nrps=False)), secure=True)
    state_cookie = next(c for name, c in login.cookies.items() if name.startswith("lti1p3-state"))
    assert state_cookie["samesite"] == "None" and state_cookie["secure"] and state_cookie["partitioned"]

    # Over HTTPS, as in production (browsers also treat http://127.0.0.1 so: the browser test).
    response = launch(client, lms, lms.message(sub="s3", roles=[LEARNER], with_nrps=False), secure=True)
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["samesite"] == "None" and session_cookie["secure"] and session_cookie["partitioned"]
    assert session_cookie["httponly"]
    page = client.get(f"/assignments/{assignment.pk}/")
    assert page.status_code == 200
    assert "X-Frame-Options" not in page
    policy = page["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {lms.base_url}" in policy
    assert "script-src 'self'" in policy  # the rest of the site's policy stands

    # Anyone else: never framed, cookies as always.
    direct = Client().get("/login/")
    assert direct["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in direct["Content-Security-Policy"]
    # A refused launch's page may show in a registered platform's frame only.
    refused = Client().post("/lti/launch/", {"id_token": "x.y.z", "state": "state-nope"})
    assert refused.status_code == 403
    assert f"frame-ancestors 'self' {lms.base_url}" in refused["Content-Security-Policy"]


def test_an_administrator_registers_a_platform_with_its_deployments_and_options(db, lms) -> None:
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="127.0.0.1")
    client.force_login(admin_user)
    form = client.get("/admin/lti_tool/ltiregistration/add/").content.decode()
    assert "Gradient options" in form and "deployment" in form.lower() and "frame_origins" in form
    for page in ("ltitool/ltiregistration", "lti/contextcohort", "lti/passback", "lti/lmsrole",
                 "lti/resourcelinkassignment", "lti/lineitem"):
        app, model = page.split("/")
        app = "lti_tool" if app == "ltitool" else app
        assert client.get(f"/admin/{app}/{model}/").status_code == 200, page
    # The tool's JWKS: made on first use, public parts only.
    keys = client.get("/lti/jwks/").json()["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "RS256" and keys[0]["kty"] == "RSA" and "d" not in keys[0]

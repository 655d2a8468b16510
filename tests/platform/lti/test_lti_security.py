"""What an LTI launch may and may not do beyond signing a person in: identities per registration (a second
registration with the same issuer signs nobody in as the first one's people), frames only where a launch
leads, the audit log of what the LMS writes, disabled accounts refused, hand-made role changes kept, and what
closing an account erases."""

from __future__ import annotations

from django.test import Client
from lti_tool.models import LtiDeployment, LtiRegistration, LtiUser

from accounts.emails import mark_verified
from accounts.models import ExternalIdentity, IdentityKind
from audit.models import AuditEvent
from courses.models import Enrolment, Role
from courses.services import assignment_rules
from lti import identities
from lti.models import LaunchState, LmsRole, PlatformOptions
from tests.support.factories import UserFactory
from tests.support.lti_platform import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT, PlatformServer, SigningKey

from .conftest import identity_issuer, launch, set_up_link


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_a_second_registration_with_the_same_issuer_signs_in_its_own_people_only(registered, lms, exercise) -> None:
    set_up_link(lms, exercise)  # teacher-1, an instructor, through the first registration
    victim = ExternalIdentity.objects.get(kind=IdentityKind.LTI, subject="teacher-1").user

    # Another school on the same LMS (one issuer, as Canvas cloud's): its own client id and its own keys, even
    # the same key id. It sends the first one's sub.
    with PlatformServer() as other:
        other.issuer_url = lms.issuer
        other.client_id = "another-school"
        other.key = SigningKey(lms.key.kid)
        other.tool_login_url, other.tool_launch_url = lms.tool_login_url, lms.tool_launch_url
        second = LtiRegistration.objects.create(
            name="Another school", issuer=lms.issuer, client_id=other.client_id, auth_url=f"{other.base_url}/auth",
            token_url=f"{other.base_url}/token", keyset_url=f"{other.base_url}/jwks",
        )
        LtiDeployment.objects.create(registration=second, deployment_id=other.deployment_id, is_active=True)
        PlatformOptions.objects.create(registration=second, course=registered.options.course)
        client = Client()
        response = launch(client, other, other.message(sub="teacher-1", roles=[INSTRUCTOR], with_nrps=False))
    assert response.status_code == 302, response.content.decode()[:500]
    intruder = signed_in_user_id(client)
    assert intruder is not None and intruder != str(victim.pk)
    assert dict(ExternalIdentity.objects.filter(subject="teacher-1").values_list("issuer", "user_id")) == {
        identity_issuer(lms): victim.pk, f"{lms.issuer}#another-school": int(intruder),
    }
    # A roster sync finds people the same way (lti.roster calls this for every member).
    assert identities.user_for(registration=second, subject="teacher-1", claims={}).pk == int(intruder)
    assert identities.user_for(registration=registered.registration, subject="teacher-1", claims={}) == victim
    # And the first registration still signs its own person in.
    again = Client()
    assert launch(again, lms, lms.message(sub="teacher-1", roles=[INSTRUCTOR], with_nrps=False)).status_code == 302
    assert signed_in_user_id(again) == str(victim.pk)


ACCOUNT_PAGES = ["/account/close/", "/account/two-factor/", "/account/tokens/", "/password/change/", "/admin/",
                 "/admin/login/?next=/admin/"]


def test_an_lti_session_lets_the_lms_frame_only_the_pages_a_launch_leads_to(registered, lms, exercise) -> None:
    assignment = set_up_link(lms, exercise)
    browser = Client()
    response = launch(browser, lms, lms.message(sub="s-frame", roles=[LEARNER], with_nrps=False), secure=True)
    assert response.status_code == 302 and response.cookies["sessionid"]["samesite"] == "None"

    for url in (f"/assignments/{assignment.pk}/", f"/assignments/{assignment.pk}/starter/", "/lti/choose/"):
        page = browser.get(url, secure=True)
        assert "X-Frame-Options" not in page, url
        assert f"frame-ancestors 'self' {lms.base_url}" in page["Content-Security-Policy"], url

    for url in ACCOUNT_PAGES:
        page = browser.get(url, secure=True)
        assert page.status_code in (200, 302), (url, page.status_code)
        assert page["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"], url
        assert lms.base_url not in page["Content-Security-Policy"], url

    # Cookies go SameSite=None only from the pages the frame shows: the same session's CSRF cookie, set by an
    # account page, stays Lax; set by the assignment page (its form), it is the frame's.
    session_only = Client()
    session_only.cookies["sessionid"] = browser.cookies["sessionid"].value
    page = session_only.get("/account/tokens/", secure=True)
    assert page.status_code == 200 and page.cookies["csrftoken"]["samesite"] == "Lax"
    session_only = Client()
    session_only.cookies["sessionid"] = browser.cookies["sessionid"].value
    page = session_only.get(f"/assignments/{assignment.pk}/", secure=True)
    assert page.status_code == 200 and page.cookies["csrftoken"]["samesite"] == "None"


def test_what_the_lms_writes_is_in_the_audit_log(registered, lms, exercise) -> None:
    assignment = set_up_link(lms, exercise)
    cohort = assignment.cohort
    teacher = ExternalIdentity.objects.get(subject="teacher-1").user
    made = AuditEvent.objects.get(action="assignment.create")
    assert (made.actor, made.cohort_id, made.after) == (teacher, cohort.pk, assignment_rules(assignment))
    added = AuditEvent.objects.get(action="enrolment.add", target=f"{teacher.username} in {cohort}")
    assert (added.actor, added.cohort_id, added.before, added.after) == (teacher, cohort.pk, None, {"role": "instructor"})

    assert launch(Client(), lms, lms.message(sub="ta-2", roles=[LEARNER], with_nrps=False)).status_code == 302
    assert launch(Client(), lms, lms.message(sub="ta-2", roles=[INSTRUCTOR, TEACHING_ASSISTANT], with_nrps=False)).status_code == 302
    ta = ExternalIdentity.objects.get(subject="ta-2").user
    [raised] = AuditEvent.objects.filter(action="enrolment.role", target=f"{ta.username} in {cohort}")
    assert (raised.actor, raised.before, raised.after) == (ta, {"role": "student"}, {"role": "ta"})
    # (A roster sync's, by nobody: test_lti_services' roster test.)


def test_a_disabled_account_is_refused_before_anything_is_written(registered, lms, exercise) -> None:
    assignment = set_up_link(lms, exercise)
    assert launch(Client(), lms, lms.message(sub="s-off", roles=[LEARNER], with_nrps=False)).status_code == 302
    identity = ExternalIdentity.objects.get(subject="s-off")
    user = identity.user
    user.is_active = False
    user.save()
    events = AuditEvent.objects.count()
    last_login = identity.last_login_at

    client = Client()
    response = launch(client, lms, lms.message(sub="s-off", roles=[INSTRUCTOR], with_nrps=False))
    assert response.status_code == 403 and "account is disabled" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert Enrolment.objects.get(cohort=assignment.cohort, user=user).role == Role.STUDENT  # not raised
    assert LmsRole.objects.get(enrolment__user=user).says == Role.STUDENT
    assert AuditEvent.objects.count() == events
    identity.refresh_from_db()
    assert identity.last_login_at == last_login

    # Through a verified address on a trusted platform: refused too, and nothing linked.
    registered.options.link_verified_emails = True
    registered.options.save()
    ada = UserFactory(username="ada-off", email="ada@lms.example", is_active=False)
    mark_verified(ada, "ada@lms.example")
    client = Client()
    claims = lms.message(sub="ada-sub", roles=[LEARNER], with_nrps=False, extra={"email": "ada@lms.example"})
    response = launch(client, lms, claims)
    assert response.status_code == 403 and signed_in_user_id(client) is None
    assert not ExternalIdentity.objects.filter(subject="ada-sub").exists()
    assert not Enrolment.objects.filter(user=ada).exists()
    assert not LtiUser.objects.filter(sub="ada-sub").exists()


def test_a_role_changed_by_hand_is_never_changed_by_the_lms_again(registered, lms, exercise) -> None:
    cohort = set_up_link(lms, exercise).cohort
    # The LMS made ta-3 an instructor; an instructor of the course demotes them by hand.
    assert launch(Client(), lms, lms.message(sub="ta-3", roles=[INSTRUCTOR], with_nrps=False)).status_code == 302
    enrolment = Enrolment.objects.get(cohort=cohort, user__identities__subject="ta-3")
    assert enrolment.role == Role.INSTRUCTOR
    Enrolment.objects.filter(pk=enrolment.pk).update(role=Role.TA)
    # The next launches say instructor, then learner: the hand-made role stays, up and down.
    for roles in ([INSTRUCTOR], [LEARNER]):
        assert launch(Client(), lms, lms.message(sub="ta-3", roles=roles, with_nrps=False)).status_code == 302
        enrolment.refresh_from_db()
        assert enrolment.role == Role.TA, roles
    assert LmsRole.objects.get(enrolment=enrolment).says == Role.STUDENT  # what the LMS says, still recorded
    assert not AuditEvent.objects.filter(action="enrolment.role", target__startswith=enrolment.user.username).exists()


def test_erase_user_deletes_what_the_lti_tool_keeps_about_them(registered, lms, exercise) -> None:
    set_up_link(lms, exercise)
    closing = "s-close"
    for sub in (closing, "s-stays"):
        assert launch(Client(), lms, lms.message(sub=sub, roles=[LEARNER], with_nrps=False)).status_code == 302
    user = ExternalIdentity.objects.get(subject=closing).user
    assert LtiUser.objects.filter(sub=closing).exists() and LaunchState.objects.filter(value__sub=closing).exists()
    assert LmsRole.objects.filter(enrolment__user=user).exists()

    deleted = identities.erase_user(user)
    # Its LtiUser and membership, its launch data, its LMS role and its identity, at least.
    assert deleted >= 5
    assert not LtiUser.objects.filter(sub=closing).exists()
    assert not LaunchState.objects.filter(value__sub=closing).exists()
    assert not LmsRole.objects.filter(enrolment__user=user).exists()
    assert not ExternalIdentity.objects.filter(user=user).exists()
    assert Enrolment.objects.filter(user=user).exists()  # the course's records are account_data's to decide
    # Nobody else's.
    assert LtiUser.objects.filter(sub="s-stays").exists() and LaunchState.objects.filter(value__sub="s-stays").exists()
    assert LmsRole.objects.filter(enrolment__user__identities__subject="s-stays").exists()
    assert identities.erase_user(user) == 0


def test_deep_linking_never_offers_another_courses_private_exercise(registered, exercise) -> None:
    """Choosing an exercise for a new assignment from the LMS follows the staff pages' rule: an unlisted
    exercise (a course's own, hidden tests and all) only where that course already has it."""
    from catalog.models import Exercise
    from lti.views import ChooseForm
    from tests.support.factories import AssignmentFactory, CohortFactory

    private = Exercise.objects.exclude(pk=exercise.pk).filter(active=True, current_version__isnull=False).first()
    assert private is not None
    Exercise.objects.filter(pk=private.pk).update(listed=False)
    cohort, teacher = CohortFactory(), UserFactory()
    Enrolment.objects.create(cohort=cohort, user=teacher, role=Role.INSTRUCTOR)

    def offered() -> set[int]:
        field = ChooseForm(cohort=cohort, user=teacher).fields["exercise"]
        return set(field.queryset.values_list("pk", flat=True))  # type: ignore[attr-defined]

    assert exercise.pk in offered() and private.pk not in offered()
    AssignmentFactory(cohort=CohortFactory(course=cohort.course), exercise=private)  # a sibling cohort has it
    assert private.pk in offered()

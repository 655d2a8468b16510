"""Ways into a cohort, followed as people do: a TA makes a join code on the "Invite students" page, a new
student signs up through its link and lands enrolled, an existing user signs in through it; personal links
mailed through the real SMTP server (aiosmtpd on loopback), and what is kept when it fails; a course's open
sign-up, which one cohort's instructor cannot take from another's; the audit log of joins and sign-up changes;
and the clear 4xx pages of withdrawn, expired, used-up and unknown codes."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.emails import is_verified, mark_verified
from audit.models import AuditEvent
from courses.models import Course, Enrolment, Invitation, Role
from tests.support.factories import CohortFactory, EnrolmentFactory, UserFactory
from tests.support.mail import Inbox, body, free_port
from tests.support.signing_in import sign_in


def staff_of(cohort, role: Role, username: str) -> Client:  # type: ignore[no-untyped-def]
    EnrolmentFactory(cohort=cohort, user=UserFactory(username=username), role=role)
    return sign_in(username, f"pw-{username}-12345")


def make_code(staff: Client, cohort_id: int, **limits: int) -> str:
    """Makes a join code on the staff page, as a TA does, and reads the newest one off the page."""
    gradebook = staff.get(f"/cohorts/{cohort_id}/gradebook/").content.decode()
    assert f'href="/cohorts/{cohort_id}/invite/"' in gradebook
    page = staff.post(f"/cohorts/{cohort_id}/invite/code/", {k: str(v) for k, v in limits.items()}, follow=True)
    assert page.status_code == 200
    codes = re.findall(r'class="join-code" data-code="([A-Z0-9]+)"', page.content.decode())
    assert codes, page.content.decode()
    assert f"http://testserver/join/{codes[0]}/" in page.content.decode()  # the link to hand out
    return codes[0]


def sign_up(client: Client, url: str, username: str, email: str, password: str = "quiet-harbour-73"):  # type: ignore[no-untyped-def]
    return client.post(url, {"username": username, "email": email, "password1": password, "password2": password})


def test_a_new_student_signs_up_through_a_join_link_and_an_existing_one_signs_in(db, inbox: Inbox) -> None:
    cohort = CohortFactory(course__title="Deep Learning 201")
    ta = staff_of(cohort, Role.TA, "tam")
    code = make_code(ta, cohort.pk, days=7, max_uses=2)

    # A new student follows the link: the page offers signing in or signing up.
    visitor = Client()
    landing = visitor.get(f"/join/{code}/").content.decode()
    assert "Join Deep Learning 201" in landing and 'id="join-sign-up"' in landing
    form = visitor.get(f"/join/{code}/signup/").content.decode()
    assert "as a student" in form
    done = sign_up(visitor, f"/join/{code}/signup/", "nia.k", "nia@example.org")
    assert done.status_code == 302 and done["Location"] == f"/courses/#cohort-{cohort.pk}"
    nia = Enrolment.objects.get(cohort=cohort, user__username="nia.k")
    assert nia.role == Role.STUDENT and nia.user.is_active
    assert cohort.course.title in visitor.get("/courses/").content.decode()
    # Her address is unverified until she follows the mailed link.
    assert not is_verified(nia.user)
    confirmed = Client().post(inbox.link_to("nia@example.org"))
    assert confirmed.status_code == 200 and is_verified(nia.user)

    # Joining twice is harmless: no second enrolment, no use counted.
    assert visitor.post(f"/join/{code}/").status_code == 302
    assert Enrolment.objects.filter(user__username="nia.k").count() == 1
    assert Invitation.objects.get(code=code).uses == 1
    assert 'id="already-member"' in visitor.get(f"/join/{code}/").content.decode()

    # Someone with an account signs in from the link and confirms.
    UserFactory(username="omar", password="omar-pass-2468")
    omar = Client()
    sent = omar.get(f"/join/{code}/")
    assert f'href="/login/?next=/join/{code}/"' in sent.content.decode()
    signed_in = omar.post("/login/", {"username": "omar", "password": "omar-pass-2468", "next": f"/join/{code}/"})
    assert signed_in["Location"] == f"/join/{code}/"
    assert "Join as omar" in omar.get(f"/join/{code}/").content.decode()
    omar.post(f"/join/{code}/")
    assert Enrolment.objects.get(cohort=cohort, user__username="omar").role == Role.STUDENT

    # The code was for two people: the third gets a clear page, and no account is made.
    full = Client().get(f"/join/{code}/")
    assert full.status_code == 410 and "used as many times as it allows" in full.content.decode()
    late = sign_up(Client(), f"/join/{code}/signup/", "pia", "pia@example.org")
    assert late.status_code == 410 and not Enrolment.objects.filter(user__username="pia").exists()


def test_a_link_never_makes_anyone_staff_and_staff_keep_their_role(db, inbox: Inbox) -> None:
    cohort = CohortFactory()
    instructor = staff_of(cohort, Role.INSTRUCTOR, "ines")
    code = make_code(instructor, cohort.pk)
    ta = staff_of(cohort, Role.TA, "theo")
    ta.post(f"/join/{code}/")
    assert Enrolment.objects.get(cohort=cohort, user__username="theo").role == Role.TA
    assert Invitation.objects.get(code=code).uses == 0


def test_withdrawn_expired_and_unknown_codes_answer_clearly(db, inbox: Inbox) -> None:
    cohort = CohortFactory()
    staff = staff_of(cohort, Role.INSTRUCTOR, "ivy")
    code = make_code(staff, cohort.pk)
    # People type codes in lower case, with the dash the page shows: the same code.
    typed = f"{code[:5].lower()}-{code[5:].lower()}"
    assert Client().get(f"/join/?code={typed}")["Location"] == f"/join/{code}/"
    assert Client().get(f"/join/{typed}/")["Location"] == f"/join/{code}/"

    invitation = Invitation.objects.get(code=code)
    staff.post(f"/cohorts/{cohort.pk}/invite/{invitation.pk}/revoke/")
    withdrawn = Client().get(f"/join/{code}/")
    assert withdrawn.status_code == 410 and "withdrawn by the course staff" in withdrawn.content.decode()
    assert code not in staff.get(f"/cohorts/{cohort.pk}/invite/").content.decode()

    other = make_code(staff, cohort.pk)
    Invitation.objects.filter(code=other).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = Client().get(f"/join/{other}/")
    assert expired.status_code == 410 and "expired on" in expired.content.decode()

    unknown = Client().get("/join/ABCDEFGHJK/")
    assert unknown.status_code == 404 and "No invitation has this code" in unknown.content.decode()


def test_guessing_codes_is_cut_short(db, inbox: Inbox, settings) -> None:
    settings.GRADIENT_JOIN_MISSES_PER_HOUR = 3
    cohort = CohortFactory()
    code = make_code(staff_of(cohort, Role.INSTRUCTOR, "ida"), cohort.pk)
    guesser = Client(REMOTE_ADDR="203.0.113.5")
    assert [guesser.get(f"/join/WRONG{n}CODE/").status_code for n in range(3)] == [404, 404, 404]
    assert guesser.get(f"/join/{code}/").status_code == 429  # even a right code, once over the limit
    assert Client(REMOTE_ADDR="203.0.113.6").get(f"/join/{code}/").status_code == 200


def test_guessing_through_the_sign_up_address_counts_too(db, inbox: Inbox, settings) -> None:
    """/join/<code>/signup/ answers 404, 410 or 200 as the join page does: its misses count the same."""
    settings.GRADIENT_JOIN_MISSES_PER_HOUR = 3
    cohort = CohortFactory()
    code = make_code(staff_of(cohort, Role.INSTRUCTOR, "ida"), cohort.pk)
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    assert [guesser.get(f"/join/WRONG{n}CODE/signup/").status_code for n in range(3)] == [404, 404, 404]
    assert guesser.get(f"/join/{code}/signup/").status_code == 429
    assert guesser.get(f"/join/{code}/").status_code == 429  # one allowance for both addresses
    late = sign_up(Client(REMOTE_ADDR="203.0.113.7"), f"/join/{code}/signup/", "guess", "guess@example.org")
    assert late.status_code == 429 and not Enrolment.objects.filter(user__username="guess").exists()
    assert Client(REMOTE_ADDR="203.0.113.8").get(f"/join/{code}/signup/").status_code == 200


def test_only_the_cohorts_staff_reach_the_invite_page(db, inbox: Inbox) -> None:
    cohort = CohortFactory()
    student = staff_of(cohort, Role.STUDENT, "stu")
    assert student.get(f"/cohorts/{cohort.pk}/invite/").status_code == 404
    assert student.post(f"/cohorts/{cohort.pk}/invite/code/").status_code == 404
    elsewhere = staff_of(CohortFactory(), Role.INSTRUCTOR, "else")
    assert elsewhere.get(f"/cohorts/{cohort.pk}/invite/").status_code == 404
    assert not Invitation.objects.exists()


def test_personal_invitations_by_email(db, inbox: Inbox) -> None:
    cohort = CohortFactory(course__title="NLP Foundations")
    teacher = UserFactory(username="prof", email="prof@uni.example", first_name="Ada", last_name="Byron")
    EnrolmentFactory(cohort=cohort, user=teacher, role=Role.INSTRUCTOR)
    staff = sign_in("prof", "pw-prof-12345")
    addresses = {"addresses": "new.person@example.org, old.hand@example.org\nnot-an-address"}

    # Mails go out in the staff member's name only once they proved their own address.
    unverified = staff.post(f"/cohorts/{cohort.pk}/invite/email/", addresses)
    assert unverified.status_code == 403 and "confirm your own email address" in unverified.content.decode().lower()
    mark_verified(teacher, teacher.email)
    bad = staff.post(f"/cohorts/{cohort.pk}/invite/email/", addresses)
    assert bad.status_code == 400 and "not-an-address" in bad.content.decode() and not inbox.messages
    sent = staff.post(f"/cohorts/{cohort.pk}/invite/email/", {"addresses": "new.person@example.org, old.hand@example.org"})
    assert sent.status_code == 200 and 'id="invited"' in sent.content.decode()
    assert sorted(r[0] for r in inbox.recipients) == ["new.person@example.org", "old.hand@example.org"]
    mail = inbox.last_to("new.person@example.org")
    assert mail["Subject"] == "Ada Byron invites you to NLP Foundations on Gradient"
    assert mail["Reply-To"] == "prof@uni.example"

    # The new person signs up with the address the link was mailed to: proven by the link, no second mail.
    link = inbox.link_to("new.person@example.org")
    newcomer = Client()
    assert newcomer.get(link).status_code == 200
    sign_up(newcomer, f"{link}signup/", "newbie", "new.person@example.org")
    user = Enrolment.objects.get(cohort=cohort, user__username="newbie").user
    assert is_verified(user) and len(inbox.to("new.person@example.org")) == 1

    # Someone with an account uses theirs; the personal link then works for nobody else.
    UserFactory(username="oldhand", password="old-hand-pass-1")
    old_link = inbox.link_to("old.hand@example.org")
    oldhand = sign_in("oldhand", "old-hand-pass-1", next=old_link)
    oldhand.post(old_link)
    assert Enrolment.objects.filter(cohort=cohort, user__username="oldhand", role=Role.STUDENT).exists()
    forwarded = Client().get(old_link)
    assert forwarded.status_code == 410 and "already used" in forwarded.content.decode()
    assert "works once" in body(mail) and "Replies go to Ada Byron" in body(mail)


def test_open_sign_up_into_a_cohort_set_by_its_instructor(db, inbox: Inbox) -> None:
    cohort = CohortFactory(course__slug="intro-ml", course__title="Intro to ML")
    course_page = Client().get("/courses/intro-ml/join/")
    assert course_page.status_code == 404 and "does not take sign-ups" in course_page.content.decode()

    ta = staff_of(cohort, Role.TA, "tia")
    refused = ta.post(f"/cohorts/{cohort.pk}/invite/open-signup/", {"open": "1"})
    assert refused.status_code == 403 and Course.objects.get(slug="intro-ml").signup_cohort is None
    instructor = staff_of(cohort, Role.INSTRUCTOR, "ian")
    instructor.post(f"/cohorts/{cohort.pk}/invite/open-signup/", {"open": "1"})
    assert "http://testserver/courses/intro-ml/join/" in instructor.get(f"/cohorts/{cohort.pk}/invite/").content.decode()

    visitor = Client()
    assert "Join Intro to ML" in visitor.get("/courses/intro-ml/join/").content.decode()
    done = sign_up(visitor, "/courses/intro-ml/join/signup/", "lea", "lea@example.org")
    assert done["Location"] == f"/courses/#cohort-{cohort.pk}"
    assert Enrolment.objects.get(user__username="lea").cohort == cohort

    instructor.post(f"/cohorts/{cohort.pk}/invite/open-signup/", {"open": "0"})
    assert Client().get("/courses/intro-ml/join/").status_code == 404


def test_the_demo_prints_a_join_link_that_works_and_a_ta_who_invites(db, inbox: Inbox) -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    link = re.search(r"demo join link:\s+http://127\.0\.0\.1:8000(/join/([A-Z0-9]+)/)\s+\(code ([A-Z0-9-]+)", printed)
    assert link, printed
    assert re.search(r"demo TA:\s+ta / assist-ai-2026", printed)
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert link.group(1) in again.getvalue()  # the same code on every run
    assert Invitation.objects.count() == 1

    cohort = Invitation.objects.get().cohort
    visitor = Client()
    sign_up(visitor, f"{link.group(1)}signup/", "demo.newcomer", "newcomer@example.org")
    assert Enrolment.objects.get(user__username="demo.newcomer").cohort == cohort
    ta = sign_in("ta", "assist-ai-2026")
    assert link.group(3) in ta.get(f"/cohorts/{cohort.pk}/invite/").content.decode()
    assert Enrolment.objects.get(cohort=cohort, user__username="ta").role == Role.TA


def test_a_course_opens_its_sign_up_only_into_its_own_cohorts(db) -> None:
    course = CohortFactory().course
    course.signup_cohort = CohortFactory()  # another course's cohort, as the admin's list would offer it
    with pytest.raises(ValidationError, match="this course's own cohorts"):
        course.full_clean()
    course.signup_cohort = CohortFactory(course=course)
    course.full_clean()


def test_an_instructor_of_one_cohort_cannot_take_the_sign_up_from_another(db, inbox: Inbox) -> None:
    """The course's open sign-up is open into the morning cohort; an instructor of the evening cohort alone
    cannot move it to theirs (the morning's would-be students would land in the evening's). An instructor of
    both can, as can a site administrator; every change is in the audit log."""
    morning = CohortFactory(course__slug="stats", name="Morning")
    evening = CohortFactory(course=morning.course, name="Evening")
    mia = staff_of(morning, Role.INSTRUCTOR, "mia")
    assert mia.post(f"/cohorts/{morning.pk}/invite/open-signup/", {"open": "1"}).status_code == 302
    assert Course.objects.get(slug="stats").signup_cohort == morning

    eve = staff_of(evening, Role.INSTRUCTOR, "eve")
    page = eve.get(f"/cohorts/{evening.pk}/invite/").content.decode()
    assert 'id="signup-not-movable"' in page and 'id="signup-toggle"' not in page
    taken = eve.post(f"/cohorts/{evening.pk}/invite/open-signup/", {"open": "1"})
    assert taken.status_code == 403 and "only its instructors" in taken.content.decode()
    assert Course.objects.get(slug="stats").signup_cohort == morning
    eve.post(f"/cohorts/{evening.pk}/invite/open-signup/", {"open": "0"})  # closing another's: nothing
    assert Course.objects.get(slug="stats").signup_cohort == morning

    EnrolmentFactory(cohort=morning, user=UserFactory(username="max"), role=Role.INSTRUCTOR)
    EnrolmentFactory(cohort=evening, user=Enrolment.objects.get(user__username="max").user, role=Role.INSTRUCTOR)
    both = sign_in("max", "pw-max-12345")
    assert both.post(f"/cohorts/{evening.pk}/invite/open-signup/", {"open": "1"}).status_code == 302
    assert Course.objects.get(slug="stats").signup_cohort == evening
    UserFactory(username="root", is_staff=True)
    root = sign_in("root", "pw-root-12345")
    assert root.post(f"/cohorts/{morning.pk}/invite/open-signup/", {"open": "1"}).status_code == 302
    root.post(f"/cohorts/{morning.pk}/invite/open-signup/", {"open": "0"})
    assert Course.objects.get(slug="stats").signup_cohort is None

    log = [
        (e.actor_name, e.action, e.cohort_id, e.before, e.after)
        for e in AuditEvent.objects.filter(action__startswith="signup.").order_by("pk")
    ]
    assert log == [
        ("mia", "signup.open", morning.pk, {"signup_cohort": None}, {"signup_cohort": str(morning)}),
        ("max", "signup.open", evening.pk, {"signup_cohort": str(morning)}, {"signup_cohort": str(evening)}),
        ("root", "signup.open", morning.pk, {"signup_cohort": str(evening)}, {"signup_cohort": str(morning)}),
        ("root", "signup.close", morning.pk, {"signup_cohort": str(morning)}, {"signup_cohort": None}),
    ]


def test_joins_are_in_the_audit_log(db, inbox: Inbox) -> None:
    cohort = CohortFactory(course__slug="ml")
    instructor = staff_of(cohort, Role.INSTRUCTOR, "ines")
    code = make_code(instructor, cohort.pk)
    sign_up(Client(), f"/join/{code}/signup/", "cody", "cody@example.org")
    UserFactory(username="ivan", password="ivan-pass-2468")
    personal = Invitation.objects.create(cohort=cohort, code="P" * 32, email="ivan@example.org", max_uses=1)
    sign_in("ivan", "ivan-pass-2468").post(f"/join/{personal.code}/")
    instructor.post(f"/cohorts/{cohort.pk}/invite/open-signup/", {"open": "1"})
    sign_up(Client(), "/courses/ml/join/signup/", "olga", "olga@example.org")
    sign_in("cody", "quiet-harbour-73").post(f"/join/{code}/")  # a member already: nothing happens, no row

    rows = AuditEvent.objects.filter(action="enrolment.join").order_by("pk")
    joins = [(e.actor_name, e.target, e.cohort_id, e.after) for e in rows]
    assert joins == [
        ("cody", f"cody in {cohort}", cohort.pk, {"role": "student", "via": "code"}),
        ("ivan", f"ivan in {cohort}", cohort.pk, {"role": "student", "via": "invitation"}),
        ("olga", f"olga in {cohort}", cohort.pk, {"role": "student", "via": "open sign-up"}),
    ]


def test_invitations_are_kept_only_when_their_mail_went_out(db, inbox: Inbox, settings) -> None:
    """The server refuses the second of three addresses (554): the first is invited, the second and third
    are not (no invitation, no mail), the page says so (503) and puts them back in the form. With the
    server down, nothing is kept at all."""
    cohort = CohortFactory()
    teacher = UserFactory(username="prof", email="prof@uni.example")
    mark_verified(teacher, teacher.email)
    EnrolmentFactory(cohort=cohort, user=teacher, role=Role.INSTRUCTOR)
    staff = sign_in("prof", "pw-prof-12345")
    inbox.refuse("b@example.org")
    three = {"addresses": "a@example.org\nb@example.org\nc@example.org"}
    page = staff.post(f"/cohorts/{cohort.pk}/invite/email/", three)
    text = page.content.decode()
    assert page.status_code == 503 and "could not send the invitation to b@example.org" in text
    assert "the 1 addresses after it" in text and 'id="invited"' in text
    assert re.search(r'<textarea name="addresses"[^>]*>b@example.org\nc@example.org</textarea>', text), text
    assert list(Invitation.objects.values_list("email", flat=True)) == ["a@example.org"]
    assert [r[0] for r in inbox.recipients] == ["a@example.org"]

    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nothing listens there: down
    down = staff.post(f"/cohorts/{cohort.pk}/invite/email/", {"addresses": "c@example.org, d@example.org"})
    assert down.status_code == 503 and "could not send the invitation to c@example.org" in down.content.decode()
    assert Invitation.objects.count() == 1
    settings.EMAIL_PORT = working_port
    assert staff.post(f"/cohorts/{cohort.pk}/invite/email/", {"addresses": "c@example.org"}).status_code == 200
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["a@example.org", "c@example.org"]

"""Roles per cohort and roster validation, one test per rule, through the enrol page as staff use it:
instructors enrol anyone and change roles; teaching assistants enrol students only; nobody changes their own
role; every bad line is named with its line number and nothing is written; pseudonyms are nobody else's name."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from courses.models import Enrolment, Role
from tests.support.factories import UserFactory


@pytest.fixture
def staff(cohort, enrol):  # type: ignore[no-untyped-def]
    ta = UserFactory(username="tara")
    enrol(ta, cohort, role=Role.TA)
    teacher = UserFactory(username="ines")
    enrol(teacher, cohort, role=Role.INSTRUCTOR)
    student = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    enrol(student, cohort, pseudonym="Curious Otter")
    return {"ta": ta, "teacher": teacher, "ada": student}


def upload(client, cohort, text: str):  # type: ignore[no-untyped-def]
    roster = SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")
    return client.post(f"/cohorts/{cohort.pk}/enrol/", {"roster": roster})


def problems(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nobody was enrolled" in page
    return [html.unescape(re.sub(r"\s+", " ", p)) for p in re.findall(r"<li>(.*?)</li>", page.split('id="enrol-problems"')[1], re.S)]


def snapshot() -> tuple[list[tuple[str, str]], int]:
    rows = sorted(Enrolment.objects.values_list("user__username", "role"))
    return rows, get_user_model().objects.count()


def roles(cohort) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(Enrolment.objects.filter(cohort=cohort).values_list("user__username", "role"))


# ------------------------------------------------------------------------------------ roles


def test_an_instructor_enrols_staff_and_changes_roles(client, cohort, staff) -> None:
    client.force_login(staff["teacher"])
    response = upload(client, cohort, "username,role\nnewta,ta\ntara,instructor\nada,ta\n")
    assert response.status_code == 200, response.content.decode()
    assert roles(cohort) == {"newta": "ta", "tara": "instructor", "ada": "ta", "ines": "instructor"}
    # Each change is in the audit log: who, what, before and after.
    events = {
        (e.actor_name, e.action, e.target.split()[0], str(e.before), str(e.after))
        for e in AuditEvent.objects.filter(cohort_id=cohort.pk)
    }
    assert events == {
        ("ines", "enrolment.add", "newta", "None", "{'role': 'ta'}"),
        ("ines", "enrolment.role", "tara", "{'role': 'ta'}", "{'role': 'instructor'}"),
        ("ines", "enrolment.role", "ada", "{'role': 'student'}", "{'role': 'ta'}"),
    }


def test_a_ta_enrols_new_students(client, cohort, staff) -> None:
    client.force_login(staff["ta"])
    response = upload(client, cohort, "username,email,role\nnew1,new1@example.org,student\nada,,student\n")
    assert response.status_code == 200, response.content.decode()
    assert roles(cohort)["new1"] == Role.STUDENT


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("newta,ta", "only instructors enrol teaching assistants and instructors"),
        ("newboss,instructor", "only instructors enrol teaching assistants and instructors"),
        ("ines,student", "only instructors change the role"),  # demoting the course's instructor
        ("ada,ta", "only instructors enrol teaching assistants"),
        ("tara,instructor", "nobody changes their own role"),  # promoting themselves
    ],
)
def test_a_ta_cannot_enrol_staff_or_change_roles(client, cohort, staff, line, complaint) -> None:
    client.force_login(staff["ta"])
    before = snapshot()
    found = problems(upload(client, cohort, f"username,role\nok,student\n{line}\n"))
    assert len(found) == 1 and found[0].startswith("line 3:") and complaint in found[0], found
    assert snapshot() == before
    assert not AuditEvent.objects.exists()


def test_nobody_changes_their_own_role(client, cohort, staff) -> None:
    client.force_login(staff["teacher"])
    before = snapshot()
    found = problems(upload(client, cohort, "username,role\nines,student\n"))
    assert found == ["line 2: nobody changes their own role (you are instructor)"]
    assert snapshot() == before
    # Staying as one is is no change, so it is fine.
    assert upload(client, cohort, "username,role\nines,instructor\n").status_code == 200


def test_students_and_other_cohorts_staff_cannot_enrol(client, cohort, other_cohort, staff, enrol) -> None:
    client.force_login(staff["ada"])
    assert upload(client, cohort, "username,role\nada,instructor\n").status_code == 404
    outsider = UserFactory(username="oscar")
    enrol(outsider, other_cohort, role=Role.INSTRUCTOR)
    client.force_login(outsider)
    assert upload(client, cohort, "username,role\noscar,instructor\n").status_code == 404
    assert roles(cohort)["ada"] == Role.STUDENT and "oscar" not in roles(cohort)


def test_an_instructor_gains_no_site_rights(client, cohort, staff) -> None:
    client.force_login(staff["teacher"])
    assert upload(client, cohort, "username,role\ntara,instructor\n").status_code == 200
    promoted = get_user_model().objects.get(username="tara")
    assert not promoted.is_staff and not promoted.is_superuser
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_site_administrator_acts_as_instructor(client, cohort, staff) -> None:
    client.force_login(UserFactory(username="root", is_staff=True))
    assert upload(client, cohort, "username,role\ntara,instructor\n").status_code == 200
    assert roles(cohort)["tara"] == Role.INSTRUCTOR


# ------------------------------------------------------------------------------------ lines


def test_every_bad_line_is_named_and_nothing_is_written(client, cohort, staff) -> None:
    UserFactory(username="Bob", email="bob@example.org")
    client.force_login(staff["teacher"])
    before = snapshot()
    text = (
        "username,email,role,pseudonym\n"
        "fine,fine@example.org,student,Red Fox\n"  # 2: fine
        "bad name!,,student,\n"  # 3: characters
        "bob,,student,\n"  # 4: look-alike of Bob
        "eve,not-an-email,student,\n"  # 5: email
        "mallory,BOB@example.org,student,\n"  # 6: another account's email
        "fine,,student,\n"  # 7: twice in the file
        "p1,,student,Ada Lovelace\n"  # 8: a real name
        "p2,,student,curious  OTTER\n"  # 9: another's pseudonym
        "p3,,student,Red Fox\n"  # 10: a pseudonym used on line 2
        f"p4,,student,{'x' * 41}\n"  # 11: too long
        "p5,,student,Learner 12\n"  # 12: the anonymous label
        "p6,,student,ines\n"  # 13: someone's user name
        "p7,,student,Zero\u200bWidth\n"  # 14: an invisible character
        "p8,,wizard,\n"  # 15: no such role
    )
    found = problems(upload(client, cohort, text))
    assert [int(re.match(r"line (\d+)", p).group(1)) for p in found] == list(range(3, 16)), found  # type: ignore[union-attr]
    joined = "\n".join(found)
    for expected in [
        "breaks the rule: 2 to 40 characters", "looks like the existing account 'Bob'", "is not an email address",
        "another account already uses BOB@example.org", "is on line 2 already", "the name of someone else",
        "already uses this pseudonym", "at most 40 characters", "anonymous label", "invisible", "needs a username and a role",
    ]:
        assert expected in joined, expected
    assert snapshot() == before


def test_a_huge_roster_is_refused_before_any_work(client, cohort, staff, settings) -> None:
    settings.GRADIENT_ROSTER_MAX_ROWS = 100
    client.force_login(staff["teacher"])
    before = snapshot()
    lines = "".join(f"user{i},user{i}@example.org,student\n" for i in range(20_000))
    response = upload(client, cohort, "username,email,role\n" + lines)
    assert response.status_code == 400 and "at most 100 lines" in response.content.decode()
    assert snapshot() == before


def test_a_full_roster_enrols_in_a_few_queries(client, cohort, staff, django_assert_max_num_queries) -> None:
    client.force_login(staff["teacher"])
    lines = "".join(f"s{i},s{i}@example.org,student,Pseudo {i}\n" for i in range(2000))
    started = time.perf_counter()
    with django_assert_max_num_queries(40):  # bulk reads and writes, not queries per line
        response = upload(client, cohort, "username,email,role,pseudonym\n" + lines)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "2000 enrolled, 2000 new accounts" in response.content.decode()
    assert Enrolment.objects.filter(cohort=cohort, role=Role.STUDENT).count() == 2001
    print(f"2000-line roster enrolled in {time.perf_counter() - started:.2f} s")


def test_a_student_cannot_take_a_classmates_name_as_pseudonym(client, cohort, staff, enrol) -> None:
    mallory = UserFactory(username="mallory")
    enrolment = enrol(mallory, cohort)
    client.force_login(mallory)
    for taken in ["Ada Lovelace", "curious otter", "ADA", "Learner 7"]:
        response = client.post(
            f"/cohorts/{cohort.pk}/leaderboard-name/", {f"e{enrolment.pk}-pseudonym": taken}
        )
        assert response.status_code == 400, taken
    enrolment.refresh_from_db()
    assert enrolment.pseudonym == ""
    response = client.post(f"/cohorts/{cohort.pk}/leaderboard-name/", {f"e{enrolment.pk}-pseudonym": "Sly Fox"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.pseudonym == "Sly Fox"

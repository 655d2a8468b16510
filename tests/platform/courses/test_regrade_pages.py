"""Regrades from the browser (web/staff_regrades.py): who may regrade what (a submission: its cohort's staff;
an assignment: its instructors, a TA gets 403; every submission of an exercise: site administrators; 404 for
everyone else), the audit rows, the before/after comparison test by test, never_lower, and students'
regrade requests with the staff's queue.

Most tests finish runs as a worker would (the ``grade`` fixture of conftest.py: grading.runs.complete with a
made-up outcome); one regrades for real, after a grader change, with a real Celery worker and the sandbox."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from catalog.models import Exercise
from core.users import User
from courses.models import Assignment, Cohort, Role
from grading import intake
from grading.models import GradingRun, RegradeBatch, RegradeRequest, Submission
from tests.support.factories import AssignmentFactory, UserFactory

# A hidden test, appended to word-frequencies' grader: students see its outcome and points, not its name.
HIDDEN = '''

from gradient_grader import hidden


@hidden
@points(1)
def test_secret_words(student):
    got = student.count_words("b a b")
    assert got == {"a": 1, "b": 2}, "the counts are not right"
'''
# v2 of the grader expects something else in test_ignores_case: the reference solution fails it (2 points).
V1_EXPECTED, V2_EXPECTED = 'want = {"the": 4, "cat": 2}', 'want = {"the": 5, "cat": 2}'


def assignment_of(cohort: Cohort, exercise: Exercise) -> Assignment:
    """An assignment open since yesterday and due in a week (the factory, typed)."""
    made = AssignmentFactory(cohort=cohort, exercise=exercise)
    assert isinstance(made, Assignment)
    return made


def user(username: str, **fields: object) -> User:
    made = UserFactory(username=username, **fields)
    assert isinstance(made, User)
    return made


@pytest.fixture
def sent() -> list[int]:
    """Replaces conftest's recorder: runs really go to the broker, once a transaction commits (only the
    transactional test below commits; the others never send anything)."""
    return []


@dataclass
class People:
    ines: User  # instructor of the cohort
    tara: User  # teaching assistant of the cohort
    ada: User  # student of the cohort
    grace: User  # another student of the cohort
    oscar: User  # instructor of the other cohort
    root: User  # site administrator


@pytest.fixture
def people(cohort: Cohort, other_cohort: Cohort, enrol, student_user, other_student) -> People:  # type: ignore[no-untyped-def]
    made = People(
        ines=user("ines"), tara=user("tara"), ada=student_user, grace=other_student, oscar=user("oscar"),
        root=user("root", is_staff=True),
    )
    for member, where, role in [
        (made.ines, cohort, Role.INSTRUCTOR), (made.tara, cohort, Role.TA), (made.ada, cohort, Role.STUDENT),
        (made.grace, cohort, Role.STUDENT), (made.oscar, other_cohort, Role.INSTRUCTOR),
    ]:
        enrol(member, where, role=role)
    return made


@pytest.fixture
def hidden_exercise(grader_tree):  # type: ignore[no-untyped-def]
    """word-frequencies with a hidden test (11 points), synced from a private copy of graders/."""
    path = grader_tree.test_file()
    path.write_text(path.read_text() + HIDDEN)
    grader_tree.sync()
    return grader_tree.exercise()


def diff_rows(page: str) -> dict[str, str]:
    """Test name -> "yes"/"no": whether the regrade page marks its row as changed."""
    return dict(re.findall(r'<tr class="diff-row[^"]*" data-test="([^"]+)" data-changed="(yes|no)"', page))


def assert_no_inline_script(page: str) -> None:
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == [] and " style=" not in page


# ------------------------------------------------------------------------------ who may


def test_who_may_regrade_what(  # type: ignore[no-untyped-def]
    client, people, cohort, other_cohort, make_assignment, submit, grade, synced_exercise, reference_source
) -> None:
    assignment = make_assignment(cohort)
    submission = submit(people.ada, assignment)
    grade(submission)  # 10 / 10
    practice = intake.submission_create(  # by someone in no cohort: practice on the roadmap
        student=user("pia"), exercise=synced_exercise, uploads={"solution.py": reference_source}
    )
    slug = synced_exercise.slug
    staff_pages = [
        f"/submissions/{submission.pk}/regrade/", f"/assignments/{assignment.pk}/regrade/",
        f"/cohorts/{cohort.pk}/regrade-requests/", f"/exercises/{slug}/regrade/", f"/submissions/{practice.pk}/regrade/",
    ]
    for who in (people.oscar, people.ada):  # staff of another cohort, a student of this one
        client.force_login(who)
        for url in staff_pages:
            assert client.get(url).status_code == 404, (who, url)
            assert client.post(url, {"version": "same", "never_lower": "on"}).status_code == 404, (who, url)
    assert not GradingRun.objects.filter(is_regrade=True).exists() and not AuditEvent.objects.exists()

    # A teaching assistant regrades one submission, not a whole assignment, and nothing across cohorts.
    client.force_login(people.tara)
    for method in (client.get, client.post):
        refused = method(f"/assignments/{assignment.pk}/regrade/", {"version": "same"})
        assert refused.status_code == 403 and "Only the cohort&#x27;s instructors" in refused.content.decode()
    assert client.get(f"/exercises/{slug}/regrade/").status_code == 404
    assert client.post(f"/submissions/{practice.pk}/regrade/").status_code == 404
    form = client.get(f"/submissions/{submission.pk}/regrade/").content.decode()
    assert 'id="regrade-form"' in form and 'name="never_lower" checked' in form
    response = client.post(f"/submissions/{submission.pk}/regrade/", {"never_lower": "on"})
    run = GradingRun.objects.get(is_regrade=True)
    assert response.status_code == 302 and response["Location"] == f"/regrades/runs/{run.pk}/"
    assert run.never_lower and run.score_before == 10 and run.batch is None and run.status == "queued"
    event = AuditEvent.objects.get(action="submission.regraded")
    assert (event.cohort_id, event.actor_name, event.after["run"]) == (cohort.pk, "tara", run.pk)  # type: ignore[index]
    page = client.get(f"/regrades/runs/{run.pk}/").content.decode()
    assert 'data-final="no"' in page and "gradient/regrade.js" in page and "<progress" in page
    assert_no_inline_script(page)
    assert client.get(f"/regrades/runs/{run.pk}/status/").json() | {"text": ""} == {
        "status": "queued", "final": False, "done": 0, "total": 7, "text": "",
    }
    client.force_login(people.oscar)
    assert client.get(f"/regrades/runs/{run.pk}/").status_code == 404
    assert client.get(f"/regrades/runs/{run.pk}/status/").status_code == 404
    # An assignment without submissions: a clear 400, nothing saved.
    empty = make_assignment(other_cohort)
    refused = client.post(f"/assignments/{empty.pk}/regrade/", {"version": "same"})
    assert refused.status_code == 400 and "no submission to regrade" in refused.content.decode()
    assert not RegradeBatch.objects.exists()

    # The instructor regrades the assignment.
    client.force_login(people.ines)
    assert 'id="regrade-version"' in client.get(f"/assignments/{assignment.pk}/regrade/").content.decode()
    assert client.post(f"/assignments/{assignment.pk}/regrade/", {"version": "newest"}).status_code == 400
    assert not RegradeBatch.objects.exists()
    response = client.post(f"/assignments/{assignment.pk}/regrade/", {"version": "same", "never_lower": "on"})
    batch = RegradeBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/regrades/{batch.pk}/"
    assert (batch.assignment, batch.version, batch.never_lower, batch.requested_by) == (
        assignment, "same", True, people.ines
    )
    assert [r.submission_id for r in batch.runs.all()] == [submission.pk]
    event = AuditEvent.objects.get(action="assignment.regraded")
    assert event.cohort_id == cohort.pk and event.after["runs"] == 1 and event.after["batch"] == batch.pk  # type: ignore[index]
    assert client.get(f"/exercises/{slug}/regrade/").status_code == 404
    assert client.post(f"/submissions/{practice.pk}/regrade/").status_code == 404
    for who, status in [(people.tara, 200), (people.ines, 200), (people.oscar, 404), (people.ada, 404)]:
        client.force_login(who)
        assert client.get(f"/regrades/{batch.pk}/").status_code == status, who
        assert client.get(f"/regrades/{batch.pk}/status/").status_code == status, who
    client.force_login(people.tara)
    assert client.get(f"/regrades/{batch.pk}/status/").json() == {
        "final": False, "done": 0, "total": 1, "text": "0 of 1 runs finished.",
    }

    # A site administrator regrades every submission of the exercise, practice included.
    client.force_login(people.root)
    assert client.get(f"/exercises/{slug}/regrade/").status_code == 200
    response = client.post(f"/exercises/{slug}/regrade/", {"version": "current"})
    everywhere = RegradeBatch.objects.exclude(pk=batch.pk).get()
    assert response.status_code == 302 and everywhere.assignment is None and not everywhere.never_lower
    assert sorted(r.submission_id for r in everywhere.runs.all()) == sorted([submission.pk, practice.pk])
    assert everywhere.exercise_version_id == synced_exercise.current_version_id
    assert AuditEvent.objects.get(action="exercise.regraded").after["runs"] == 2  # type: ignore[index]
    assert AuditEvent.objects.filter(action="assignment.regraded", cohort_id=cohort.pk).count() == 2
    assert client.post(f"/submissions/{practice.pk}/regrade/").status_code == 302
    client.force_login(people.ines)
    assert client.get(f"/regrades/{everywhere.pk}/").status_code == 404


# ------------------------------------------------------------------------------ regrade requests


def test_a_student_asks_for_a_regrade_and_the_staff_answer(client, people, cohort, hidden_exercise, submit, grade) -> None:  # type: ignore[no-untyped-def]
    assignment = assignment_of(cohort, hidden_exercise)  # open, due in a week: hidden stays hidden
    submission = submit(people.ada, assignment)
    first = grade(submission, failing=["test_secret_words", "test_ignores_case"])  # 11 - 1 - 2 = 8
    names = list(first.results.values_list("name", flat=True))
    hidden_label = f"hidden test {names.index('test_secret_words') + 1}"
    page_url, ask_url = f"/submissions/{submission.pk}/", f"/submissions/{submission.pk}/regrade-requests/"

    client.force_login(people.ada)
    page = client.get(page_url).content.decode()
    form = page[page.index('id="regrade-request-form"'):]
    assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")] and f'value="{hidden_label}"' in form
    assert "test_secret_words" not in page
    reason = "<b>My code</b> counts 'b' twice & the test says it is wrong"
    response = client.post(ask_url, {"test": hidden_label, "reason": reason})
    assert response.status_code == 302 and response["Location"] == f"{page_url}#regrade-requests"
    asked = RegradeRequest.objects.get()
    assert (asked.test_name, asked.test_shown_as, asked.student, asked.status, asked.reason) == (
        "test_secret_words", hidden_label, people.ada, "open", reason
    )
    again = client.post(ask_url, {"test": hidden_label, "reason": "Please look again."})
    assert again.status_code == 400 and "already asked" in again.content.decode()
    for refused in [
        {"test": "test_ignores_case", "reason": "   "},
        {"test": "test_ignores_case", "reason": "x" * 1001},
        {"test": "test_ignores_case", "reason": "a NUL \x00 here"},
        {"test": "test_secret_words", "reason": "the hidden test by its real name"},
        {"test": "test_nothing", "reason": "no such test"},
    ]:
        response = client.post(ask_url, refused)
        assert response.status_code == 400, refused
        assert "test_secret_words" not in response.content.decode()
    assert RegradeRequest.objects.count() == 1
    page = client.get(page_url).content.decode()
    assert "&lt;b&gt;My code&lt;/b&gt;" in page and "<b>My code" not in page and "test_secret_words" not in page
    client.force_login(people.grace)  # another student of the cohort
    assert client.post(ask_url, {"test": "test_ignores_case", "reason": "mine now"}).status_code == 404

    # The staff's queue, linked from the gradebook with its count.
    client.force_login(people.tara)
    assert "Regrade requests (1 open)" in client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    queue = client.get(f"/cohorts/{cohort.pk}/regrade-requests/").content.decode()
    assert f'id="request-{asked.pk}"' in queue and "test_secret_words" in queue and hidden_label in queue
    assert f"/submissions/{submission.pk}/review/" in queue and "&lt;b&gt;My code&lt;/b&gt;" in queue
    assert "<b>My code" not in queue
    assert_no_inline_script(queue)
    answer_url = f"/regrade-requests/{asked.pk}/answer/"
    assert client.post(answer_url, {"decision": "accept", "answer": "  "}).status_code == 400
    assert client.post(answer_url, {"decision": "perhaps", "answer": "Hm."}).status_code == 400
    client.force_login(people.oscar)
    assert client.post(answer_url, {"decision": "reject", "answer": "No."}).status_code == 404
    assert client.get(f"/cohorts/{cohort.pk}/regrade-requests/").status_code == 404
    asked.refresh_from_db()
    assert asked.status == "open" and not AuditEvent.objects.exists()

    client.force_login(people.tara)
    response = client.post(
        answer_url, {"decision": "accept", "answer": "You are right: <i>fixed</i>.", "regrade": "on", "never_lower": "on"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    run = asked.regrade_run
    assert asked.status == "accepted" and asked.answered_by == people.tara and asked.answered_at is not None
    assert run is not None and run.is_regrade and run.never_lower and run.score_before == 8
    accepted = AuditEvent.objects.get(action="regrade_request.accepted")
    assert accepted.after["regrade_run"] == run.pk and accepted.cohort_id == cohort.pk  # type: ignore[index]
    assert AuditEvent.objects.filter(action="submission.regraded").count() == 1
    again = client.post(answer_url, {"decision": "reject", "answer": "Changed my mind."})
    assert again.status_code == 400 and "already answered" in again.content.decode()

    # The fixed grader passes both tests: the regrade page compares the two runs.
    grade(submission)
    page = client.get(f"/regrades/runs/{run.pk}/").content.decode()
    rows = diff_rows(page)
    assert {name for name, changed in rows.items() if changed == "yes"} == {"test_secret_words", "test_ignores_case"}
    assert len(rows) == 8 and 'data-final="yes"' in page
    assert re.search(r'id="score-before">8<', page) and re.search(r'id="score-counted">11<', page)

    # After the cut-off the student may still ask, and the hidden test has its name.
    now = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(
        opens_at=now - timedelta(days=10), due_at=now - timedelta(days=2), hard_cutoff_at=now - timedelta(days=1)
    )
    client.force_login(people.ada)
    page = client.get(page_url).content.decode()
    assert "You are right: &lt;i&gt;fixed&lt;/i&gt;." in page and 'data-status="accepted"' in page
    assert 'value="test_secret_words"' in page
    assert client.post(ask_url, {"test": "test_ignores_case", "reason": "Late, but still."}).status_code == 302
    second = RegradeRequest.objects.get(status="open")
    client.force_login(people.tara)
    assert "Regrade requests (1 open)" in client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    response = client.post(f"/regrade-requests/{second.pk}/answer/", {"decision": "reject", "answer": "It was right."})
    second.refresh_from_db()
    assert response.status_code == 302 and second.status == "rejected" and second.regrade_run is None
    assert AuditEvent.objects.filter(action="regrade_request.rejected").count() == 1
    client.force_login(people.ada)
    assert 'data-status="rejected"' in client.get(page_url).content.decode()


# ------------------------------------------------------------------------------ a real regrade


def wait_final(run_id: int, timeout: float = 120) -> GradingRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = GradingRun.objects.get(pk=run_id)
        if run.is_final:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


@pytest.mark.docker
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_real_regrade_after_a_grader_change(  # type: ignore[no-untyped-def]
    client, people, cohort, hidden_exercise, grader_tree, reference_source, celery_worker_process
) -> None:
    assignment = assignment_of(cohort, hidden_exercise)
    submission = intake.submission_create(
        student=people.ada, exercise=hidden_exercise, uploads={"solution.py": reference_source}, assignment=assignment
    )
    graded = wait_final(GradingRun.objects.get(submission=submission).pk)
    assert graded.status == "graded" and graded.score == graded.max_score == 11, graded.messages
    v1 = assignment.exercise_version

    # The author changes what test_ignores_case expects; the instructor regrades with the new version.
    path = grader_tree.test_file()
    assert V1_EXPECTED in path.read_text()
    path.write_text(path.read_text().replace(V1_EXPECTED, V2_EXPECTED))
    grader_tree.sync()
    v2 = grader_tree.exercise().current_version
    assert v2.pk != v1.pk
    client.force_login(people.ines)
    response = client.post(f"/assignments/{assignment.pk}/regrade/", {"version": "current", "never_lower": "on"})
    batch = RegradeBatch.objects.get()
    assert response.status_code == 302 and batch.exercise_version == v2
    run = wait_final(batch.runs.get().pk)
    assert run.status == "graded" and run.exercise_version == v2 and run.score == 9 and run.score_before == 11
    submission.refresh_from_db()
    assert submission.score == 11  # never lower: the higher score stays
    assignment.refresh_from_db()
    assert assignment.exercise_version == v2  # re-pinned, by the instructor
    assert AuditEvent.objects.get(action="assignment.pin").actor_name == "ines"

    page = client.get(f"/regrades/runs/{run.pk}/").content.decode()
    rows = diff_rows(page)
    assert rows.pop("test_ignores_case") == "yes" and set(rows.values()) == {"no"} and len(rows) == 7
    row = re.search(r'data-test="test_ignores_case".*?</tr>', page, re.S)
    assert row and re.findall(r'class="pill (\w+)"', row.group(0)) == ["passed", "failed"]
    assert "<pre>" in row.group(0)  # the new message, escaped text
    assert re.search(r'id="score-counted">11<', page) and "the earlier one still counts" in page
    assert client.get(f"/regrades/runs/{run.pk}/status/").json()["final"] is True
    batch_page = client.get(f"/regrades/{batch.pk}/").content.decode()
    assert 'data-final="yes"' in batch_page and 'class="batch-row changed"' in batch_page
    assert client.get(f"/regrades/{batch.pk}/status/").json() | {"text": ""} == {
        "final": True, "done": 1, "total": 1, "text": "",
    }

    # A TA regrades the submission again without never_lower: the lower score now counts.
    client.force_login(people.tara)
    client.post(f"/submissions/{submission.pk}/regrade/")
    again = wait_final(GradingRun.objects.filter(submission=submission).latest("pk").pk)
    assert again.exercise_version == v2 and again.score == 9 and not again.never_lower
    assert Submission.objects.get(pk=submission.pk).score == 9
    rows = diff_rows(client.get(f"/regrades/runs/{again.pk}/").content.decode())
    assert len(rows) == 8 and set(rows.values()) == {"no"}  # compared with the batch's run: nothing changed


def test_never_lower_keeps_the_fraction_not_the_points_when_full_marks_change() -> None:
    from decimal import Decimal

    from grading.runs import kept_score

    # A new grader out of 8 never leaves 10 points standing from the old one out of 10.
    assert kept_score(Decimal(10), Decimal(10), Decimal(8)) == Decimal(8)
    assert kept_score(Decimal(5), Decimal(10), Decimal(8)) == Decimal(4)
    assert kept_score(Decimal(2), Decimal(3), Decimal(10)) == Decimal("6.6667")
    assert kept_score(Decimal(7), Decimal(10), Decimal(10)) == Decimal(7)

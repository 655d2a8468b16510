"""Manual grading without the admin: an instructor writes a rubric, a teaching assistant applies items,
adjusts, overrides with a reason and comments on a line; students see none of it until the instructor
releases the marks, then see it all; the gradebook, the student's score, the leaderboard and the LMS follow;
every change is in the audit log; staff of another cohort and students get a 404, a TA a 403 where only
instructors may act."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from audit.models import AuditEvent
from core.points import format_points
from courses.models import Assignment, CombineRule, Role, RubricItem
from grading import marking
from grading.gradebook import assignment_status, counted_scores
from grading.leaderboards import assignment_leaderboard
from grading.models import Comment, ManualGrade
from grading.signals import score_changed
from notices.models import Notice
from tests.support.factories import UserFactory


@pytest.fixture
def people(cohort, other_cohort, enrol):  # type: ignore[no-untyped-def]
    made = {}
    for name, target, role in [
        ("ines", cohort, Role.INSTRUCTOR), ("tara", cohort, Role.TA), ("ada", cohort, Role.STUDENT),
        ("bo", cohort, Role.STUDENT), ("oscar", other_cohort, Role.TA),
    ]:
        made[name] = UserFactory(username=name, email=f"{name}@example.test")
        enrol(made[name], target, role=role)
    return made


@pytest.fixture
def marked(cohort, people, make_assignment, submit, grade):  # type: ignore[no-untyped-def]
    """An assignment worth the tests' points plus 5 by hand; ada's work passes every test but one, bo's all."""
    assignment = make_assignment(cohort, manual_max_points=Decimal(5))
    names = assignment.exercise_version.manifest.names
    ada = submit(people["ada"], assignment)
    grade(ada, failing=[names[0]])
    bo = submit(people["bo"], assignment)
    grade(bo)
    ada.refresh_from_db()
    bo.refresh_from_db()
    return assignment, ada, bo


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data)


def test_a_rubric_graded_by_a_ta_reaches_the_student_only_once_released(client, marked, people, submit, grade) -> None:  # type: ignore[no-untyped-def]
    assignment, ada, _bo = marked
    auto = ada.score
    assert auto is not None and assignment.max_score == assignment.auto_max_score + 5

    # The instructor writes the rubric in the page.
    client.force_login(people["ines"])
    for title, points in [("Clear names", "3"), ("Explains the edge cases", "2"), ("Prints debug output", "-1.5")]:
        response = post(client, f"/assignments/{assignment.pk}/rubric/", {"action": "save", "title": title, "points": points})
        assert response.status_code == 302, response.content.decode()
    items = {item.title: item for item in RubricItem.objects.filter(assignment=assignment)}
    assert [str(i.points) for i in items.values()] == ["3.0000", "2.0000", "-1.5000"]

    # A TA grades ada's submission from the review page's forms: two items, an adjustment, a line comment.
    client.force_login(people["tara"])
    response = post(client, f"/submissions/{ada.pk}/grade/", {
        "item": [items["Clear names"].pk, items["Prints debug output"].pk], "adjustment": "0.25",
    })
    assert response.status_code == 302 and response["Location"].endswith(f"/submissions/{ada.pk}/review/#grade")
    response = post(client, f"/submissions/{ada.pk}/comments/", {
        "file": "solution.py", "line": "1", "text": "Why <b>this</b> import?",
    })
    assert response.status_code == 302 and response["Location"].endswith("#f0-L1")
    saved = ManualGrade.objects.get(submission=ada)
    assert marking.manual_points(saved) == Decimal("1.75") and saved.graded_by == people["tara"]
    # The review page shows the grade in its form and the comment beside line 1, escaped; a line number's
    # link fills in the comment form.
    review = client.get(f"/submissions/{ada.pk}/review/?comment_file=solution.py&comment_line=7").content.decode()
    assert f'value="{items["Clear names"].pk}" id="item-{items["Clear names"].pk}" checked' in review
    assert f'id="item-{items["Explains the edge cases"].pk}">' in review  # not applied: unchecked
    line_one = review.index('id="f0-L1"')
    assert review.index("Why &lt;b&gt;this&lt;/b&gt; import?", line_one) < review.index('id="f0-L2"')
    assert 'name="line" inputmode="numeric" size="6" value="7"' in review and "<b>this</b>" not in review

    # Staff count it at once; the student does not, and the student's page shows none of it.
    expected = auto + Decimal("1.75")
    staff_cell = counted_scores([assignment], include_unreleased=True)[(people["ada"].pk, assignment.pk)]
    assert (staff_cell.score, staff_cell.manual, staff_cell.marks_hidden) == (expected, Decimal("1.75"), True)
    assert assignment_status(assignment, people["ada"].pk).score == auto
    gradebook = client.get(f"/cohorts/{assignment.cohort_id}/gradebook/").content.decode()
    assert str(expected.normalize()) in gradebook
    client.force_login(people["ada"])
    page = client.get(f"/submissions/{ada.pk}/").content.decode()
    assert 'id="marks"' not in page and "this</b> import" not in page
    assert not Notice.objects.filter(user=people["ada"], kind="grade_released").exists()

    # A TA may not release; the instructor does, and ada is told.
    client.force_login(people["tara"])
    assert post(client, f"/assignments/{assignment.pk}/rubric/", {"action": "release"}).status_code == 403
    client.force_login(people["ines"])
    assert post(client, f"/assignments/{assignment.pk}/rubric/", {"action": "release"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.marks_released
    assert Notice.objects.filter(user=people["ada"], kind="grade_released").count() == 1
    assert not Notice.objects.filter(user=people["bo"], kind="grade_released").exists()  # nothing marked for bo

    client.force_login(people["ada"])
    page = client.get(f"/submissions/{ada.pk}/").content.decode()
    assert 'id="marks"' in page and "Clear names" in page and "Prints debug output" in page
    assert "Explains the edge cases" not in page  # not applied
    assert "Why &lt;b&gt;this&lt;/b&gt; import?" in page and "solution.py line 1" in page
    assert f"counts for the assignment: <strong>{format_points(expected)} / {format_points(assignment.max_score)}</strong>" in page
    assert assignment_status(assignment, people["ada"].pk).score == expected

    # A later, better submission does not drop the marks: the graded one keeps counting.
    again = submit(people["ada"], assignment)
    grade(again)
    cell = counted_scores([assignment])[(people["ada"].pk, assignment.pk)]
    assert (cell.submission_id, cell.score, cell.manual) == (ada.pk, expected, Decimal("1.75"))

    # Every step is in the audit log, with before and after.
    actions = list(AuditEvent.objects.filter(cohort_id=assignment.cohort_id).values_list("action", flat=True))
    assert actions.count("rubric.added") == 3 and "grade.saved" in actions and "comment.added" in actions
    assert "marks.released" in actions
    saved = AuditEvent.objects.get(action="grade.saved")
    assert saved.before == {"rubric": [], "adjustment": "0", "override": None}
    assert saved.after["adjustment"] == "0.25" and len(saved.after["rubric"]) == 2


def test_scores_stay_within_full_marks_and_an_override_needs_a_reason(client, marked, people) -> None:  # type: ignore[no-untyped-def]
    assignment, ada, bo = marked
    plus = RubricItem.objects.create(assignment=assignment, title="Bonus", points=Decimal(9))
    minus = RubricItem.objects.create(assignment=assignment, title="Plagiarised helper", points=Decimal(-100))
    tara = people["tara"]
    grade = marking.grade_save(actor=tara, submission=bo, data=marking.GradeInput(item_ids=[plus.pk]))
    assert marking.marked_score(assignment, bo.score, grade) == assignment.max_score  # capped at full marks
    grade = marking.grade_save(actor=tara, submission=bo, data=marking.GradeInput(item_ids=[minus.pk]))
    assert marking.marked_score(assignment, bo.score, grade) == 0  # never below zero

    client.force_login(tara)
    cases = [
        ({"override": "3"}, "Say why"),
        ({"override": "999", "override_reason": "typo"}, "between 0"),
        ({"adjustment": "lots"}, "must be a number"),
        ({"adjustment": "0.00001"}, "four decimal places"),
        ({"item": ["999999"]}, "not one of this assignment"),
        ({"item": ["abc"]}, "not a number"),
    ]
    for data, complaint in cases:
        response = post(client, f"/submissions/{ada.pk}/grade/", data)
        assert response.status_code == 400 and complaint in response.content.decode(), (data, response.content)
    assert not ManualGrade.objects.filter(submission=ada).exists()  # nothing half-saved
    for anchor in ({"line": "99999999999"}, {"line": "0"}, {"cell": "-3"}):
        response = post(client, f"/submissions/{ada.pk}/comments/", {"file": "solution.py", "text": "x", **anchor})
        assert response.status_code == 400, (anchor, response.content)
    assert not Comment.objects.exists()

    response = post(client, f"/submissions/{ada.pk}/grade/", {"override": "4.5", "override_reason": "graded on paper"})
    assert response.status_code == 302
    cell = counted_scores([assignment], include_unreleased=True)[(people["ada"].pk, assignment.pk)]
    assert (cell.score, cell.overridden) == (Decimal("4.5"), True)

    # "Graded by hand only": nothing counts for the student until a grader gives points and they are released.
    Assignment.objects.filter(pk=assignment.pk).update(combine_rule=CombineRule.REPLACE)
    assignment.refresh_from_db()
    assert assignment.max_score == 5
    assert assignment_status(assignment, people["bo"].pk).score is None
    marking.grade_save(actor=tara, submission=bo, data=marking.GradeInput(item_ids=[], adjustment="4"))
    marking.marks_release(actor=people["ines"], assignment=assignment, release=True)
    assert assignment_status(assignment, people["bo"].pk).score == 4


def test_the_leaderboard_and_the_lms_follow_released_marks(marked, people, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    assignment, ada, bo = marked
    ines, tara = people["ines"], people["tara"]
    before, _ = assignment_leaderboard(assignment=assignment, viewer=ines)
    names = {row.score: row.name for row in before}
    assert before[0].score == bo.score and before[1].score == ada.score < bo.score  # the tests alone
    first_test_points = assignment.auto_max_score - ada.score
    assert first_test_points < 4  # so 4 points by hand put ada first

    heard: list[tuple[int, int]] = []

    def hear(sender: Any, *, assignment_id: int, student_id: int, **kwargs: Any) -> None:
        heard.append((assignment_id, student_id))

    score_changed.connect(hear, dispatch_uid="test-marking")
    try:
        marking.grade_save(actor=tara, submission=ada, data=marking.GradeInput(item_ids=[], adjustment="5"))
        with django_capture_on_commit_callbacks(execute=True):
            marking.marks_release(actor=ines, assignment=assignment, release=True)
        with django_capture_on_commit_callbacks(execute=True):
            marking.grade_save(actor=tara, submission=ada, data=marking.GradeInput(item_ids=[], adjustment="4"))
    finally:
        score_changed.disconnect(dispatch_uid="test-marking")
    assert (assignment.pk, people["ada"].pk) in heard  # a change after release is owed to the LMS

    rows, ranked_by = assignment_leaderboard(assignment=assignment, viewer=ines)
    cells = counted_scores([assignment])
    assert "released marks" in ranked_by
    assert [row.score for row in rows] == [cells[(people[n].pk, assignment.pk)].score for n in ("ada", "bo")]
    assert rows[0].score == ada.score + 4 and rows[0].name != names[bo.score]


def test_only_the_cohorts_staff_grade_and_only_instructors_change_the_rubric(client, marked, people) -> None:  # type: ignore[no-untyped-def]
    assignment, ada, _bo = marked
    item = RubricItem.objects.create(assignment=assignment, title="Tidy", points=Decimal(1))
    comment = Comment.objects.create(submission=ada, author=people["ines"], text="see me")
    staff_pages = [f"/assignments/{assignment.pk}/rubric/", f"/assignments/{assignment.pk}/grading/"]
    writes = [
        (f"/submissions/{ada.pk}/grade/", {"item": [item.pk]}),
        (f"/submissions/{ada.pk}/comments/", {"text": "hello"}),
        (f"/comments/{comment.pk}/delete/", {}),
        (f"/assignments/{assignment.pk}/rubric/", {"action": "save", "title": "x", "points": "1"}),
    ]
    for outsider in ("oscar", "ada"):  # staff of another cohort, a student of this one
        client.force_login(people[outsider])
        for url in staff_pages:
            assert client.get(url).status_code == 404, (outsider, url)
        for url, data in writes:
            assert post(client, url, data).status_code == 404, (outsider, url)
    assert not ManualGrade.objects.exists() and Comment.objects.count() == 1

    client.force_login(people["tara"])
    for url in staff_pages:
        assert client.get(url).status_code == 200
    queue = client.get(f"/assignments/{assignment.pk}/grading/").content.decode()
    assert f"/submissions/{ada.pk}/review/#grade" in queue
    assert post(client, f"/assignments/{assignment.pk}/rubric/", {"action": "save", "title": "x", "points": "1"}).status_code == 403
    assert post(client, f"/assignments/{assignment.pk}/rubric/", {"action": "delete", "item": item.pk}).status_code == 403
    assert post(client, f"/comments/{comment.pk}/delete/", {}).status_code == 403  # not the author's
    assert post(client, f"/submissions/{ada.pk}/grade/", {"item": [item.pk]}).status_code == 302
    # An applied item cannot be deleted out from under the grades.
    client.force_login(people["ines"])
    response = post(client, f"/assignments/{assignment.pk}/rubric/", {"action": "delete", "item": item.pk})
    assert response.status_code == 400 and "applied to 1 submission" in response.content.decode()
    assert post(client, f"/comments/{comment.pk}/delete/", {}).status_code == 302
    assert not Comment.objects.exists()


def test_the_staff_api_grades_by_hand_with_the_pages_rules(client, marked, people) -> None:  # type: ignore[no-untyped-def]
    assignment, ada, _bo = marked
    api = "/api/v1/staff"
    client.force_login(people["tara"])
    refused = client.post(f"{api}/assignments/{assignment.pk}/rubric/", {"title": "x", "points": "1"}, content_type="application/json")
    assert refused.status_code == 403
    client.force_login(people["ines"])
    made = client.post(f"{api}/assignments/{assignment.pk}/rubric/", {"title": "Tidy", "points": "2.5"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["points"] == "2.5", made.content
    item_id = made.json()["id"]
    client.force_login(people["tara"])
    bad = client.put(f"{api}/submissions/{ada.pk}/grade/", {"override_score": "1"}, content_type="application/json")
    assert bad.status_code == 400 and "Say why" in bad.content.decode()
    graded = client.put(f"{api}/submissions/{ada.pk}/grade/", {"rubric_items": [item_id], "adjustment": "-0.5"}, content_type="application/json")
    assert graded.status_code == 200 and graded.json()["rubric_items"] == [item_id] and graded.json()["adjustment"] == "-0.5"
    assert client.get(f"{api}/submissions/{ada.pk}/grade/").json()["graded_by"] == "tara"
    commented = client.post(f"{api}/submissions/{ada.pk}/comments/", {"text": "ok", "file_name": "solution.py", "line": 2}, content_type="application/json")
    assert commented.status_code == 201 and [c["line"] for c in client.get(f"{api}/submissions/{ada.pk}/comments/").json()] == [2]
    book = client.get(f"{api}/cohorts/{assignment.cohort_id}/gradebook/").json()
    cell = next(s for s in book["students"] if s["username"] == "ada")["cells"][0]
    assert (cell["manual"], cell["marks_hidden"], cell["score"]) == ("2", True, format_points(ada.score + 2))
    assert client.post(f"{api}/assignments/{assignment.pk}/release/", {"released": True}, content_type="application/json").status_code == 403
    client.force_login(people["ines"])
    released = client.post(f"{api}/assignments/{assignment.pk}/release/", {"released": True}, content_type="application/json")
    assert released.status_code == 200 and released.json()["marks_released_at"]
    client.force_login(people["oscar"])  # staff of another cohort
    for url in (f"{api}/submissions/{ada.pk}/grade/", f"{api}/submissions/{ada.pk}/comments/", f"{api}/assignments/{assignment.pk}/rubric/"):
        assert client.get(url).status_code == 404, url
    schema = client.get("/api/schema/").content.decode()
    assert all(path in schema for path in ("/rubric/", "/release/", "/grade/", "/comments/", "/rubric-items/{id}/"))

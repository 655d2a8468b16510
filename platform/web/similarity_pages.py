"""Similarity reports in the staff pages (docs/similarity.md): an assignment's reports and a form to request
one, a report's ranked pairs, and a pair side by side. Any of the cohort's staff; 404 for anyone else, staff
of other cohorts included. Every character of a student's code reaches the page through ``escape``: the
highlighted view is built here from the stored character offsets, never from a library's HTML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from core.users import SignedInRequest
from courses.models import Assignment, Cohort
from courses.selectors import access_assignment_as_staff, access_cohort_as_staff
from similarity.models import SimilarityPair, SimilarityReport, SimilarityText, Which
from similarity.services import ReportRefused, report_request


def _assignment_as_staff(request: SignedInRequest, assignment_id: int) -> tuple[Assignment, Cohort]:
    assignment = access_assignment_as_staff(user=request.user, assignment_id=assignment_id)
    return assignment, assignment.cohort


def _report_as_staff(request: SignedInRequest, report_id: int) -> tuple[SimilarityReport, Cohort]:
    report = (
        SimilarityReport.objects.select_related("assignment__exercise", "assignment__cohort", "requested_by")
        .filter(pk=report_id)
        .first()
    )
    cohort = access_cohort_as_staff(user=request.user, cohort_id=report.assignment.cohort_id if report else 0)
    assert report is not None
    return report, cohort


@login_required
@require_http_methods(["GET", "POST"])
def reports_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    assignment, cohort = _assignment_as_staff(request, assignment_id)
    error, status = "", 200
    which = Which.LATEST.value
    if request.method == "POST":
        which = request.POST.get("which", "")
        try:
            report = report_request(actor=request.user, assignment=assignment, which=which)
        except ReportRefused as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("similarity_report", report.pk)
    reports = SimilarityReport.objects.filter(assignment=assignment).select_related("requested_by")
    return render(
        request,
        "similarity/reports.html",
        {
            "assignment": assignment,
            "cohort": cohort,
            "reports": reports,
            "choices": Which.choices,
            "which": which,
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def report_view(request: SignedInRequest, report_id: int) -> HttpResponse:
    report, cohort = _report_as_staff(request, report_id)
    pairs = report.pairs.select_related("submission_a__student", "submission_b__student") if report.is_final else []
    return render(request, "similarity/report.html", {"report": report, "cohort": cohort, "pairs": pairs})


@dataclass
class Side:
    label: str  # "A" or "B"
    username: str
    submission_id: int
    submitted_at: object
    similarity: float
    matched_lines: int
    fragments: int
    code: SafeString


@login_required
@require_GET
def pair_view(request: SignedInRequest, report_id: int, pair_id: int) -> HttpResponse:
    report, cohort = _report_as_staff(request, report_id)
    pair = (
        SimilarityPair.objects.filter(report=report, pk=pair_id)
        .select_related("submission_a__student", "submission_b__student")
        .first()
    )
    if pair is None:
        raise Http404("No such pair in this report.")
    stored = dict(
        SimilarityText.objects.filter(
            report=report, submission_id__in=[pair.submission_a_id, pair.submission_b_id]
        ).values_list("submission_id", "text")
    )
    sides = []
    for key, other, submission, similarity, fragments, partners, lines in [
        ("a", "b", pair.submission_a, pair.similarity_a, pair.fragments_a, pair.partners_a, pair.matched_lines_a),
        ("b", "a", pair.submission_b, pair.similarity_b, pair.fragments_b, pair.partners_b, pair.matched_lines_b),
    ]:
        sides.append(
            Side(
                label=key.upper(),
                username=submission.student.get_username(),
                submission_id=submission.pk,
                submitted_at=submission.created_at,
                similarity=similarity,
                matched_lines=lines,
                fragments=len(fragments),
                code=code_html(stored.get(submission.pk, ""), fragments, partners, side=key, other=other),
            )
        )
    return render(
        request, "similarity/pair.html", {"report": report, "cohort": cohort, "pair": pair, "sides": sides}
    )


def code_html(
    text: str, fragments: Sequence[Sequence[int]], partners: Sequence[int], *, side: str, other: str
) -> SafeString:
    """``text`` as numbered lines, each fragment's characters inside <mark> elements (one per line it spans),
    the first of them after a numbered tag that links to its counterpart on the other side (``partners``).
    Every piece of the text is escaped; only the markup made here is not."""
    spans = _clean(fragments, len(text))
    out: list[str] = []
    position = 0
    current = 0  # the first fragment that may still reach the line being written
    tagged: set[int] = set()
    for number, line in enumerate(text.split("\n"), start=1):
        line_start, line_end = position, position + len(line)
        position = line_end + 1
        pieces = [format_html('<span class="line-no" aria-hidden="true">{}</span>', number)]
        cursor = line_start
        while current < len(spans) and spans[current][2] <= line_start:
            current += 1
        index = current
        while index < len(spans) and spans[index][1] < line_end:
            fragment, start, end = spans[index]
            start, stop = max(start, line_start), min(end, line_end)
            if start > cursor:
                pieces.append(escape(text[cursor:start]))
            if fragment not in tagged:  # the fragment's first piece: its tag, then its mark
                tagged.add(fragment)
                pieces.append(_tag(fragment, partners, side=side, other=other))
            if stop > start:
                pieces.append(
                    format_html('<mark class="fragment" data-fragment="{}">{}</mark>', fragment + 1, text[start:stop])
                )
            cursor = max(cursor, stop)
            if end > line_end:
                break  # it goes on to the next line
            index += 1
        if cursor < line_end:
            pieces.append(escape(text[cursor:line_end]))
        out.append(f'<span class="code-line" id="{side}-L{number}">{"".join(pieces)}</span>')
    return mark_safe("".join(out))  # noqa: S308  (every piece of the text went through escape/format_html)


def _clean(fragments: Sequence[Sequence[int]], length: int) -> list[tuple[int, int, int]]:
    """(index, start, end) of each usable fragment, inside the text and in order, never overlapping."""
    spans = []
    previous_end = 0
    for index, fragment in enumerate(fragments):
        if len(fragment) < 2:
            continue
        start = min(max(int(fragment[0]), previous_end), length)
        end = min(max(int(fragment[1]), start), length)
        if end > start:
            spans.append((index, start, end))
            previous_end = end
    return spans


def _tag(fragment: int, partners: Sequence[int], *, side: str, other: str) -> SafeString:
    partner = partners[fragment] if fragment < len(partners) else -1
    if isinstance(partner, int) and partner >= 0:
        return format_html(
            '<a class="fragment-tag" id="{}-f{}" href="#{}-f{}" title="matches fragment {} of {}">{}</a>',
            side, fragment + 1, other, partner + 1, partner + 1, other.upper(), fragment + 1,
        )
    return format_html('<span class="fragment-tag" id="{}-f{}">{}</span>', side, fragment + 1, fragment + 1)

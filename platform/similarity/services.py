"""Similarity reports: requesting one (the web, in the request's transaction, with its audit row) and building
it (a worker, in the Celery task ``similarity.build``). What is compared and how: similarity.texts and
similarity.compare; for staff, docs/similarity.md. A report only informs: nothing here changes a score."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit import services as audit
from catalog.selectors import version_learner_files
from core.errors import UserError
from core.users import User
from courses.models import Assignment, Enrolment, Role, ScorePolicy
from courses.selectors import is_cohort_staff
from grading.gradebook import counted_scores
from grading.models import Submission, SubmissionFile
from similarity import compare, texts
from similarity.models import ReportStatus, SimilarityPair, SimilarityReport, SimilarityText, Which

logger = logging.getLogger(__name__)

BUILD_TASK = "similarity.build"  # similarity.tasks.build, sent by name (the web never imports worker code)
BUILD_QUEUE = "cpu-long"  # the grading workers' queue for long work: the workers already deployed take it
MAX_DELIVERIES = 3  # a report whose build crashed the worker this often is marked failed, not retried again
ERROR_CHARS = 2000
STALE_AFTER = timedelta(minutes=30)  # a report queued or running this long is taken as lost


class ReportRefused(UserError):
    pass


# --------------------------------------------------------------------------- requesting (web)


def report_request(*, actor: User, assignment: Assignment, which: str) -> SimilarityReport:
    """Queue a report of ``assignment`` comparing each student's ``which`` ("latest" or "best") submission,
    with an audit row, in one transaction; the build task is sent once it commits. Any of the cohort's staff
    may; one report of the same kind at a time per assignment."""
    if which not in Which.values:
        raise ReportRefused(f"Choose which submissions to compare: {' or '.join(Which.values)}.", field="which")
    if not is_cohort_staff(actor, assignment.cohort_id):
        raise ReportRefused("Only the cohort's staff request similarity reports.", status=403)
    with transaction.atomic():
        # Locked, so two clicks at once cannot both find no report in progress.
        Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
        in_progress = SimilarityReport.objects.filter(
            assignment=assignment, which=which, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]
        )
        # A report whose task was lost (the broker down at commit, a worker gone for good) must not block the
        # next one for ever: past STALE_AFTER it is marked failed and a new one may start.
        in_progress.filter(created_at__lt=timezone.now() - STALE_AFTER).update(
            status=ReportStatus.FAILED, finished_at=timezone.now(),
            error="Nothing built this report in time (its task was lost); request a new one.",
        )
        busy = in_progress.first()
        if busy is not None:
            raise ReportRefused(
                f"Report {busy.pk} of the same submissions is still {busy.status}: wait for it to finish.",
                status=409,
            )
        report = SimilarityReport.objects.create(
            assignment=assignment,
            requested_by=actor,
            which=which,
            params=_params(),
        )
        audit.record(
            actor=actor,
            cohort_id=assignment.cohort_id,
            action="similarity.requested",
            target=f"similarity report {report.pk} of {assignment}",
            after={"report": report.pk, "which": which},
        )
        transaction.on_commit(lambda: send(report.pk))
    return report


def send(report_id: int) -> None:
    """Send the build task to the grading workers' long queue (with the deployment's queue prefix, as
    grading.dispatch sends runs). Looked up at commit time, so tests can replace it."""
    current_app.send_task(BUILD_TASK, args=[report_id], queue=settings.GRADING_QUEUE_PREFIX + BUILD_QUEUE)


def _thresholds() -> compare.Thresholds:
    return compare.Thresholds(
        noise=settings.SIMILARITY_NOISE_THRESHOLD, guarantee=settings.SIMILARITY_GUARANTEE_THRESHOLD
    )


def _params() -> dict[str, Any]:
    thresholds = _thresholds()
    return {
        "noise_threshold": thresholds.noise,
        "guarantee_threshold": thresholds.guarantee,
        "window": thresholds.window,
        "min_percent": settings.SIMILARITY_MIN_PERCENT,
        "max_pairs": settings.SIMILARITY_MAX_PAIRS,
    }


# --------------------------------------------------------------------------- building (worker)


@dataclass
class Compared:
    submission_id: int
    student_id: int
    text: str
    fingerprint: Any = None


def report_build(report_id: int) -> str:
    """Build the report: safe to run twice (a report done or failed is left alone; a redelivered one is built
    again from the start and written only if still running). Any error marks it failed, with the message."""
    claimed = SimilarityReport.objects.filter(
        pk=report_id,
        status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
        deliveries__lt=MAX_DELIVERIES,
    ).update(status=ReportStatus.RUNNING, started_at=timezone.now(), deliveries=F("deliveries") + 1)
    if not claimed:
        stuck = SimilarityReport.objects.filter(
            pk=report_id, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]
        ).update(
            status=ReportStatus.FAILED,
            finished_at=timezone.now(),
            error=f"The build stopped the worker {MAX_DELIVERIES} times (out of memory?); it was not tried again.",
        )
        return "gave up" if stuck else "left alone"
    try:
        _build(report_id)
    except Exception as exc:
        logger.exception("similarity report %s failed", report_id)
        SimilarityReport.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
            status=ReportStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:ERROR_CHARS],
        )
        return "failed"
    return "done"


def _build(report_id: int) -> None:
    report = SimilarityReport.objects.select_related("assignment__exercise", "assignment__exercise_version").get(
        pk=report_id
    )
    assignment = report.assignment
    thresholds = _thresholds()
    thresholds.check()
    students = dict(
        Enrolment.objects.filter(cohort_id=assignment.cohort_id, role=Role.STUDENT).values_list(
            "user_id", "user__username"
        )
    )
    chosen = _chosen_submissions(assignment, report.which, set(students))
    notes: list[str] = []
    missing = sorted(students[s] for s in set(students) - set(chosen))
    if missing:
        notes.append(f"No submission to compare from {len(missing)} student(s): {', '.join(missing)}.")
    starter_files = {
        name: content
        for name, content in version_learner_files(assignment.exercise_version, assignment.exercise).items()
        if not name.startswith("public_tests/")
    }
    try:
        starter = texts.compared_text(starter_files)
    except texts.Unreadable as exc:
        starter = ""
        notes.append(f"The starter could not be read, so it was not left out: {exc}.")
    boilerplate = compare.boilerplate_hashes(starter, thresholds)
    compared = _compared(chosen, students, notes)
    for item in compared:
        item.fingerprint = compare.fingerprint(item.text, thresholds, boilerplate, name=f"{item.submission_id}.py")
    # Every pair once, cheaply; then the full match (fragments, counterparts) of the pairs kept only.
    minimum = settings.SIMILARITY_MIN_PERCENT / 100
    scored: list[tuple[float, int, int]] = []
    pairs_compared = 0
    for i, first in enumerate(compared):
        for second in compared[i + 1 :]:
            pairs_compared += 1
            sim_a, sim_b = compare.similarities(first.fingerprint, second.fingerprint)
            if max(sim_a, sim_b) >= minimum and max(sim_a, sim_b) > 0:
                scored.append((max(sim_a, sim_b), first.submission_id, second.submission_id))
    scored.sort(key=lambda row: (-row[0], row[1], row[2]))
    kept = scored[: settings.SIMILARITY_MAX_PAIRS]
    by_submission = {item.submission_id: item for item in compared}
    pairs = []
    for rank, (_score, a_id, b_id) in enumerate(kept, start=1):
        a, b = by_submission[a_id], by_submission[b_id]
        found = compare.match(a.fingerprint, b.fingerprint)
        pairs.append(
            SimilarityPair(
                report_id=report_id,
                submission_a_id=a_id,
                submission_b_id=b_id,
                similarity_a=found.similarity_a,
                similarity_b=found.similarity_b,
                score=found.score,
                rank=rank,
                fragments_a=found.fragments_a,
                fragments_b=found.fragments_b,
                partners_a=found.partners_a,
                partners_b=found.partners_b,
                matched_lines_a=_lines_touched(a.text, found.fragments_a),
                matched_lines_b=_lines_touched(b.text, found.fragments_b),
            )
        )
    shown = {submission_id for _score, a_id, b_id in kept for submission_id in (a_id, b_id)}
    with transaction.atomic():
        current = SimilarityReport.objects.select_for_update().get(pk=report_id)
        if current.status != ReportStatus.RUNNING:
            return  # another delivery finished it meanwhile
        SimilarityPair.objects.filter(report_id=report_id).delete()
        SimilarityText.objects.filter(report_id=report_id).delete()
        SimilarityText.objects.bulk_create(
            SimilarityText(report_id=report_id, submission_id=item.submission_id, text=item.text)
            for item in compared
            if item.submission_id in shown
        )
        SimilarityPair.objects.bulk_create(pairs)
        current.status = ReportStatus.DONE
        current.finished_at = timezone.now()
        current.error = ""
        current.students = len(students)
        current.submissions_compared = len(compared)
        current.pairs_compared = pairs_compared
        current.pairs_kept = len(pairs)
        current.notes = notes
        current.params = {**_params(), "starter_files": sorted(starter_files), "starter_left_out": bool(starter)}
        current.save()


def _chosen_submissions(assignment: Assignment, which: str, students: set[int]) -> dict[int, int]:
    """student id -> the submission of theirs to compare: their latest, or their best after late penalties
    (as the gradebook counts a "best" score, whatever the assignment's own score policy)."""
    if which == Which.BEST:
        as_best = copy.copy(assignment)
        as_best.score_policy = ScorePolicy.BEST
        cells = counted_scores([as_best])
        return {
            student: cell.submission_id
            for (student, _assignment), cell in cells.items()
            if student in students and cell.submission_id is not None
        }
    chosen: dict[int, int] = {}
    rows = (
        Submission.objects.filter(assignment=assignment, student_id__in=students)
        .order_by("student_id", "-created_at", "-pk")
        .values_list("student_id", "pk")
    )
    for student, submission_id in rows:
        chosen.setdefault(student, submission_id)
    return chosen


def _compared(chosen: dict[int, int], students: dict[int, str], notes: list[str]) -> list[Compared]:
    files: dict[int, dict[str, bytes]] = {submission_id: {} for submission_id in chosen.values()}
    for submission_id, name, content in SubmissionFile.objects.filter(submission_id__in=list(files)).values_list(
        "submission_id", "name", "content"
    ):
        files[submission_id][name] = bytes(content)
    compared = []
    empty = []
    for student, submission_id in sorted(chosen.items(), key=lambda item: item[1]):
        try:
            text = texts.compared_text(files[submission_id])
        except texts.Unreadable as exc:
            notes.append(f"{students[student]}'s submission {submission_id} was left out: {exc}.")
            continue
        if not text.strip():
            empty.append(students[student])
            continue
        compared.append(Compared(submission_id=submission_id, student_id=student, text=text))
    if empty:
        notes.append(f"No code in the submission of {len(empty)} student(s): {', '.join(sorted(empty))}.")
    return compared


def _lines_touched(text: str, fragments: Iterable[list[int]]) -> int:
    """How many lines of ``text`` hold some matched code."""
    lines: set[int] = set()
    for start, end in fragments:
        if end > start:
            first = text.count("\n", 0, start)
            lines.update(range(first, first + text.count("\n", start, end) + 1))
    return len(lines)

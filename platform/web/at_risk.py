"""The at-risk list of a cohort for its staff (the rules: grading/at_risk.py), as a page and a CSV, and one
student's submissions to the cohort's assignments, where each row of the list links."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import render

from core.users import SignedInRequest
from courses.models import Enrolment, Role
from courses.selectors import access_cohort_as_staff
from grading.at_risk import RULES, at_risk
from grading.models import GradingRun, Submission
from web.spreadsheet import csv_text

SUBMISSIONS_SHOWN = 500  # one student's, newest first


@login_required
def at_risk_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    return render(
        request,
        "courses/at_risk.html",
        {
            "cohort": cohort, "rows": at_risk(cohort), "rules": RULES,
            "due_hours": settings.GRADIENT_AT_RISK_DUE_HOURS, "failed_attempts": settings.GRADIENT_AT_RISK_FAILED_ATTEMPTS,
        },
    )


@login_required
def at_risk_csv_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{cohort.course.slug}-{cohort.slug}-at-risk.csv"'
    writer = csv.writer(response)
    writer.writerow(["username", "display name", "reasons", "rules", "facts"])
    for row in at_risk(cohort):
        writer.writerow(
            [
                csv_text(row.enrolment.user.get_username()),
                csv_text(row.enrolment.display_name),
                len(row.reasons),
                csv_text("; ".join(row.rules)),
                csv_text("; ".join(reason.text for reason in row.reasons)),
            ]
        )
    return response


@login_required
def student_submissions_view(request: SignedInRequest, cohort_id: int, user_id: int) -> HttpResponse:
    """A student's submissions to the cohort's assignments, newest first, for the cohort's staff."""
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    enrolment = Enrolment.objects.select_related("user").filter(cohort=cohort, user_id=user_id, role=Role.STUDENT).first()
    if enrolment is None:
        raise Http404("No such student in this cohort.")
    latest_status = GradingRun.objects.filter(submission=OuterRef("pk")).order_by("-created_at", "-id").values("status")
    submissions = (
        Submission.objects.filter(assignment__cohort=cohort, student_id=user_id)
        .select_related("assignment__exercise")
        .annotate(status=Subquery(latest_status[:1]))
        .order_by("-created_at", "-pk")[:SUBMISSIONS_SHOWN]
    )
    return render(
        request,
        "courses/student_submissions.html",
        {"cohort": cohort, "enrolment": enrolment, "submissions": submissions, "limit": SUBMISSIONS_SHOWN},
    )

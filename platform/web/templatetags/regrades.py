"""Regrade requests in pages that other views render: the student's panel on their submission page
(``{% regrade_requests_panel %}``, from the page's own context) and the staff's count of open requests
(``{% open_regrade_requests cohort.pk %}``, the gradebook's link)."""

from __future__ import annotations

from typing import Any

from django import template

from grading.models import REGRADE_REASON_MAX
from grading.regrade_requests import open_request_count, requests_of_submission

register = template.Library()


@register.inclusion_tag("grading/_regrade_requests_panel.html", takes_context=True)
def regrade_requests_panel(context: template.Context) -> dict[str, Any]:
    """The student's own requests on this assignment submission with the staff's answers, and (once the run
    shown is final) a form to ask about one of the tests the page shows, named as the page names them."""
    submission = context.get("submission")
    user = context.get("user")
    if submission is None or user is None or submission.assignment_id is None or submission.student_id != user.pk:
        return {"shown": False}
    run = context.get("run")
    results = context.get("results")
    tests = results.tests if results is not None and run is not None and run.is_final else []
    return {
        "shown": True,
        "submission": submission,
        "requests": list(requests_of_submission(submission)),
        "tests": tests,
        "csrf_token": context.get("csrf_token"),
        "error": context.get("regrade_error", ""),
        "chosen": context.get("regrade_test", ""),
        "reason": context.get("regrade_reason", ""),
        "reason_max": REGRADE_REASON_MAX,
    }


@register.simple_tag
def open_regrade_requests(cohort_id: int) -> int:
    return open_request_count(cohort_id)

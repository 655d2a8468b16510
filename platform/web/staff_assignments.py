"""Assignments in the staff pages: a cohort's list for its staff, creating and editing an assignment's rules
for its instructors (courses.roles: teaching assistants see the list, only instructors change rules), and
per-student extensions for any of its staff. Every change goes to the audit log with what it was before."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from audit.models import AuditEvent
from core.errors import UserError
from core.users import SignedInRequest
from courses.forms import AssignmentForm, ExtensionForm
from courses.grace_banks import cohort_grace_days_set
from courses.models import Assignment, Cohort, Extension
from courses.roles import is_instructor
from courses.selectors import access_assignment_as_staff, access_cohort_as_staff
from courses.services import assignment_rules, assignment_save, extension_grant, extension_revoke
from grading.selectors import assignment_has_submissions
from web.grace_days import CohortGraceDaysForm

AUDIT_PAGE = 500  # the newest rows; site administrators search the rest in the admin


@login_required
def cohort_assignments_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    """The list; a POST is the instructors' form that sets the cohort's grace days (web/grace_days.py)."""
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    instructor = is_instructor(request.user, cohort.pk)
    grace_form, grace_error, status = CohortGraceDaysForm(initial={"grace_days": cohort.grace_days}), "", 200
    if request.method == "POST" and not instructor:
        grace_error, status = "Only the cohort's instructors set its grace days.", 403
    elif request.method == "POST":
        grace_form = CohortGraceDaysForm(request.POST)
        if grace_form.is_valid():
            cohort_grace_days_set(actor=request.user, cohort=cohort, days=grace_form.cleaned_data["grace_days"])
            return redirect(f"{reverse('cohort_assignments', args=[cohort.pk])}#grace-days")
        status = 400
    assignments = Assignment.objects.filter(cohort=cohort).select_related("exercise", "exercise_version")
    return render(
        request,
        "courses/assignments.html",
        {
            "cohort": cohort, "assignments": assignments, "instructor": instructor, "grace_form": grace_form,
            "grace_error": grace_error,
        },
        status=status,
    )


def _refuse(request: SignedInRequest, cohort: Cohort) -> HttpResponse:
    """A teaching assistant reaches the page, and learns who may use it."""
    return render(
        request,
        "courses/assignment_form.html",
        {"cohort": cohort, "form": None, "error": "Only the cohort's instructors create assignments or change their rules."},
        status=403,
    )


def _form_page(
    request: SignedInRequest, cohort: Cohort, assignment: Assignment | None, *, has_submissions: bool
) -> HttpResponse:
    instance = assignment or Assignment(cohort=cohort)
    before = assignment_rules(assignment) if assignment else None
    if request.method == "POST":
        form = AssignmentForm(request.POST, instance=instance, user=request.user, has_submissions=has_submissions)
        if form.is_valid():
            saved = assignment_save(actor=request.user, assignment=form.instance, before=before)
            return redirect(f"{reverse('cohort_assignments', args=[cohort.pk])}#assignment-{saved.pk}")
        status = 400
    else:
        form, status = AssignmentForm(instance=instance, user=request.user, has_submissions=has_submissions), 200
    return render(
        request,
        "courses/assignment_form.html",
        {"cohort": cohort, "form": form, "assignment": assignment, "has_submissions": has_submissions},
        status=status,
    )


@login_required
def assignment_create_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    if not is_instructor(request.user, cohort.pk):
        return _refuse(request, cohort)
    return _form_page(request, cohort, None, has_submissions=False)


@login_required
def assignment_edit_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    assignment = access_assignment_as_staff(user=request.user, assignment_id=assignment_id)
    cohort = assignment.cohort
    if not is_instructor(request.user, cohort.pk):
        return _refuse(request, cohort)
    return _form_page(request, cohort, assignment, has_submissions=assignment_has_submissions(assignment.pk))


@login_required
def extensions_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    """An assignment's extensions: grant or change one (any of the cohort's staff), withdraw one."""
    assignment = access_assignment_as_staff(user=request.user, assignment_id=assignment_id)
    cohort = assignment.cohort
    form = ExtensionForm(assignment=assignment, initial={"student": request.GET.get("student")})
    error, status = "", 200
    if request.method == "POST" and "withdraw" in request.POST:
        withdraw = request.POST.get("withdraw", "")
        extension = Extension.objects.filter(assignment=assignment, pk=int(withdraw)).first() if withdraw.isdigit() else None
        if extension is not None:
            extension_revoke(actor=request.user, extension=extension, reason=request.POST.get("reason", ""))
        return redirect("assignment_extensions", assignment.pk)
    if request.method == "POST":
        form = ExtensionForm(request.POST, assignment=assignment)
        if form.is_valid():
            try:
                extension_grant(actor=request.user, assignment=assignment, **form.cleaned_data)
            except UserError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("assignment_extensions", assignment.pk)
        status = 400
    extensions = Extension.objects.filter(assignment=assignment).select_related("student", "granted_by").order_by(
        "student__username"
    )
    return render(
        request,
        "courses/extensions.html",
        {"cohort": cohort, "assignment": assignment, "form": form, "extensions": extensions, "error": error},
        status=status,
    )


@login_required
def audit_log_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    """The cohort's audit log, newest first, for its instructors (a TA's own changes are in it, and so are the
    instructors' decisions about TAs: the log is theirs to read)."""
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    if not is_instructor(request.user, cohort.pk):
        return render(request, "courses/audit_log.html", {"cohort": cohort, "refused": True}, status=403)
    events = AuditEvent.objects.filter(cohort_id=cohort.pk)[:AUDIT_PAGE]
    return render(request, "courses/audit_log.html", {"cohort": cohort, "events": events, "limit": AUDIT_PAGE})

"""Grace days in the staff pages: each student's bank (total, days used per assignment, days left) for any of
the cohort's staff, who may also give one student more or fewer days with a reason; the cohort's own number
of days is an instructors' form on the assignments page (web/staff_assignments.py). The rule:
grading/grace_days.py and docs/roles.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core.errors import UserError
from core.users import SignedInRequest, User
from courses.grace_banks import MAX_GRACE_DAYS, grace_days_adjust
from courses.models import Assignment, Cohort, Enrolment, Role
from courses.selectors import access_cohort_as_staff
from grading.grace_days import grace_banks


class CohortGraceDaysForm(forms.Form):
    grace_days = forms.IntegerField(
        label="Grace days per student", min_value=0, max_value=MAX_GRACE_DAYS,
        help_text="Late work is covered by these days, whole days at a time, before any penalty. 0: none.",
    )


class GraceAdjustForm(forms.Form):
    student: forms.ModelChoiceField[User] = forms.ModelChoiceField(queryset=User.objects.none(), label="Student")
    adjust = forms.IntegerField(
        label="Adjustment (days)", min_value=-MAX_GRACE_DAYS, max_value=MAX_GRACE_DAYS, initial=0,
        help_text="Added to the cohort's grace days for this student; negative for fewer. Replaces any earlier "
        "adjustment.",
    )
    reason = forms.CharField(label="Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["student"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(enrolments__cohort=cohort, enrolments__role=Role.STUDENT).order_by(
            "username"
        )


@dataclass
class BankRow:
    enrolment: Enrolment
    total: int
    used: list[tuple[Assignment, int]]  # in the order the bank pays them
    left: int


def bank_rows(cohort: Cohort) -> list[BankRow]:
    """Every student of the cohort with their bank (a fixed number of queries for the whole cohort)."""
    enrolments = Enrolment.objects.filter(cohort=cohort, role=Role.STUDENT).select_related("user").order_by(
        "user__username"
    )
    assignments = {a.pk: a for a in Assignment.objects.filter(cohort=cohort).select_related("exercise")}
    banks = grace_banks([cohort.pk])
    rows = []
    for enrolment in enrolments:
        enrolment.cohort = cohort  # grace_days_total reads it
        bank = banks.get((cohort.pk, enrolment.user_id))
        used = [(assignments[a], days) for a in assignments if bank and (days := bank.used.get(a, 0))]
        total = enrolment.grace_days_total
        rows.append(BankRow(enrolment, total, used, total - sum(days for _, days in used)))
    return rows


@login_required
def grace_days_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    form = GraceAdjustForm(cohort=cohort, initial={"student": request.GET.get("student")})
    status = 200
    if request.method == "POST":
        form = GraceAdjustForm(request.POST, cohort=cohort)
        if form.is_valid():
            try:
                grace_days_adjust(actor=request.user, cohort=cohort, **form.cleaned_data)
            except UserError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                return redirect("cohort_grace_days", cohort.pk)
        else:
            status = 400
    return render(
        request, "courses/grace_days.html", {"cohort": cohort, "form": form, "rows": bank_rows(cohort)}, status=status
    )

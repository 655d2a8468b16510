"""The admin of LTI: django-lti's registrations (with their deployments, and Gradient's options inline), the
LMS courses linked to cohorts, the links to assignments, and the scores owed to LMSs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from lti_tool.admin import LtiRegistrationAdmin
from lti_tool.models import LtiRegistration

from lti.identities import ISSUER_MAX
from lti.models import ContextCohort, LineItem, LmsRole, Passback, PlatformOptions, ResourceLinkAssignment


class PlatformOptionsInline(admin.StackedInline):
    model = PlatformOptions
    can_delete = False


class RegistrationForm(forms.ModelForm):
    class Meta:
        model = LtiRegistration
        fields = ["issuer", "client_id"]  # the admin shows its fieldsets' fields

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Its people's identities are keyed "<issuer>#<client id>" (lti.identities.issuer_key), in one column.
        if len(data.get("issuer") or "") + 1 + len(data.get("client_id") or "") > ISSUER_MAX:
            raise forms.ValidationError(f"The issuer and the client ID may be {ISSUER_MAX - 1} characters together.")
        return data


class RegistrationAdmin(LtiRegistrationAdmin):
    form = RegistrationForm
    inlines = [*LtiRegistrationAdmin.inlines, PlatformOptionsInline]


admin.site.unregister(LtiRegistration)
admin.site.register(LtiRegistration, RegistrationAdmin)


@admin.register(ContextCohort)
class ContextCohortAdmin(admin.ModelAdmin):
    list_display = ["context", "cohort", "roster_synced_at"]
    list_select_related = ["context", "cohort__course"]


@admin.register(ResourceLinkAssignment)
class ResourceLinkAssignmentAdmin(admin.ModelAdmin):
    list_display = ["resource_link", "assignment"]
    list_select_related = ["resource_link", "assignment__exercise", "assignment__cohort__course"]


@admin.register(LineItem)
class LineItemAdmin(admin.ModelAdmin):
    list_display = ["url", "context", "assignment"]
    list_select_related = ["context", "assignment__exercise", "assignment__cohort__course"]


@admin.register(LmsRole)
class LmsRoleAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "says", "applied", "updated_at"]
    readonly_fields = ["enrolment", "says", "applied", "lms_roles", "updated_at"]
    list_select_related = ["enrolment__user", "enrolment__cohort__course"]


@admin.register(Passback)
class PassbackAdmin(admin.ModelAdmin):
    list_display = ["assignment", "student", "context", "score_given", "score_maximum", "sent_at", "owed",
                    "last_error"]
    list_filter = ["context"]
    readonly_fields = [f.name for f in Passback._meta.fields]
    list_select_related = ["assignment__exercise", "student", "context"]

    @admin.display(boolean=True)
    def owed(self, passback: Passback) -> bool:
        return passback.owed

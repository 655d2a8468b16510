from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit log of what course staff change (roles, enrolments, assignment rules, extensions, grades):
    who, when, before and after. Just above core, so every app records its own changes into it."""

    name = "audit"

"""API tokens in the admin: a site administrator sees whose tokens exist and revokes them (delete); nobody
makes one here (the secret exists only in the sign-in answer) and nothing derived from it is shown."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from web.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "created", "last_used", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    fields = ("user", "name", "created", "last_used", "expiry")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

from django.contrib import admin

from notices.models import Notice, NoticePreference


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """For looking into what people were told and whether the mail went (a failed mail shows as "failed")."""

    list_display = ("created_at", "user", "kind", "title", "read_at", "mail")
    list_filter = ("kind", "mail")
    search_fields = ("user__username", "title", "key")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(NoticePreference)
class NoticePreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "by_email", "on_site")
    list_filter = ("kind",)
    raw_id_fields = ("user",)

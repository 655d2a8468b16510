"""Site administrators link an outside identity to an account by hand (a provider that sends no verified
email, such as Microsoft Entra, never links on its own), and see which addresses were proved."""

from django.contrib import admin

from accounts.models import ExternalIdentity, VerifiedEmail


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ("kind", "issuer", "subject", "user", "created_at", "last_login_at")
    list_filter = ("kind",)
    search_fields = ("issuer", "subject", "user__username")
    raw_id_fields = ("user",)


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(admin.ModelAdmin):
    list_display = ("email", "user", "source", "verified_at")
    search_fields = ("email", "user__username")
    raw_id_fields = ("user",)

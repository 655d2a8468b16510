from django.contrib import admin

from similarity.models import SimilarityReport


@admin.register(SimilarityReport)
class SimilarityReportAdmin(admin.ModelAdmin):
    list_display = ("pk", "assignment", "which", "status", "created_at", "pairs_kept")
    list_filter = ("status", "which")
    readonly_fields = [field.name for field in SimilarityReport._meta.fields]

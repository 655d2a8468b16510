from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from catalog.models import Exercise, ExerciseVersion, GraderSnapshot


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "phase", "points", "active", "listed"]
    list_filter = ["phase", "active", "listed"]
    search_fields = ["slug", "title"]


@admin.register(ExerciseVersion)
class ExerciseVersionAdmin(admin.ModelAdmin):
    list_display = ["exercise", "grader_hash", "max_score", "created_at", "grader_stored"]
    search_fields = ["exercise__slug", "grader_hash"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExerciseVersion]:
        # Whether a snapshot exists, without reading the stored files of every row.
        stored = GraderSnapshot.objects.filter(version=OuterRef("pk"))
        return super().get_queryset(request).select_related("exercise").annotate(stored=Exists(stored))

    @admin.display(boolean=True, description="grader files stored")
    def grader_stored(self, version: ExerciseVersion) -> bool:
        return bool(getattr(version, "stored", False))

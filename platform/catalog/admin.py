from django.contrib import admin

from catalog.models import Exercise, ExerciseVersion


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "phase", "points", "active"]
    list_filter = ["phase", "active"]
    search_fields = ["slug", "title"]


@admin.register(ExerciseVersion)
class ExerciseVersionAdmin(admin.ModelAdmin):
    list_display = ["exercise", "grader_hash", "max_score", "created_at"]

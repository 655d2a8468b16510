"""python manage.py seed_demo: the demo roadmap plus a demo student and instructor (idempotent)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_USERS = {
    "student": ("student", "learn-ai-2026", False),
    "instructor": ("instructor", "teach-ai-2026", True),
}


class Command(BaseCommand):
    help = "Load the exercises and create the demo student and instructor."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("sync_exercises", stdout=self.stdout)
        user_model = get_user_model()
        for username, password, staff in DEMO_USERS.values():
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = staff
            user.is_superuser = staff
            user.save()
            self.stdout.write(f"demo {'instructor' if staff else 'student'}: {username} / {password}")

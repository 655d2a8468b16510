"""manage.py lti_sync_roster [--cohort ID]: read the rosters of LMS courses into their cohorts now (NRPS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lti import lms, roster
from lti.models import ContextCohort


class Command(BaseCommand):
    help = "Read the roster of each LMS course linked to a cohort (or of one cohort's) and enrol its members."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cohort", type=int, help="only the LMS courses linked to this cohort id")

    def handle(self, *args: Any, **options: Any) -> None:
        links = ContextCohort.objects.select_related("context", "cohort").order_by("pk")
        if options["cohort"] is not None:
            links = links.filter(cohort_id=options["cohort"])
        if not links.exists():
            raise CommandError("No LMS course is linked to a cohort" + (" with that id." if options["cohort"] else "."))
        failed = 0
        for link in links:
            try:
                self.stdout.write(f"{link.context} -> {link.cohort}: {roster.sync(link.pk)}")
            except lms.ServiceFailed as exc:
                failed += 1
                self.stderr.write(f"{link.context} -> {link.cohort}: {exc}")
        if failed:
            raise CommandError(f"{failed} roster(s) could not be read.")

"""python manage.py seed_demo: the demo roadmap, a demo student and instructor, and a demo course with a
cohort, assignments and a few other students' graded submissions (idempotent: running it again changes
nothing that exists, except that assignments whose cut-off has passed are moved to open again)."""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.emails import mark_verified
from catalog.models import Exercise
from core.users import User
from courses.invitations import active_invitations, display_code, new_join_code
from courses.models import Assignment, Cohort, Course, Enrolment, Role
from grading.models import (
    GradingRun,
    RunStatus,
    Submission,
    SubmissionFile,
    TestResult,
    questions_record,
    test_result_rows,
)
from grading.standings import exercise_best_record, leaderboard_record
from sandbox import TestResultOutcome, score_tests, total_score

# The instructor is an instructor of the demo cohort only: the staff pages need no site-wide rights. The
# site administrator (Django's admin, every cohort) is a separate account, as it would be in a real deployment.
DEMO_USERS = {
    "student": ("student", "learn-ai-2026", False),
    "instructor": ("instructor", "teach-ai-2026", False),
    "admin": ("admin", "operate-ai-2026", True),
}
# A teaching assistant of the demo cohort (no site-wide rights): sees the gradebook and invites students.
DEMO_TA = ("ta", "assist-ai-2026")
# The demo instructor's address, marked verified so that inviting by email can be tried (the demo prints mail).
INSTRUCTOR_EMAIL = "instructor@gradient.demo"
# Where scripts/run serves the site, for the join link printed below.
SITE_URL = os.environ.get("GRADIENT_DEMO_URL", "http://127.0.0.1:8000")

COURSE = ("ai-engineering-101", "AI Engineering 101")
COHORT = ("autumn-2026", "Autumn 2026")
STUDENT_PSEUDONYM = "Curious Otter"
ASSIGNED = [
    "python-foundations/word-frequencies",
    "numpy/broadcasting-basics",
    "classical-ml/classification-metrics",
]
# Other students of the demo cohort: username, pseudonym, (first, last) name when they show it, skill.
CLASSMATES = [
    ("demo-amara", "Brave Badger", None, 0.95),
    ("demo-bo", "Quiet Heron", None, 0.75),
    ("demo-chen", "Swift Falcon", ("Chen", "Li"), 0.85),
    ("demo-dara", "Patient Owl", None, 0.55),
    ("demo-eli", "Bold Lynx", None, 0.65),
]


class Command(BaseCommand):
    help = "Load the exercises, create the demo student and instructor, and the demo course."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("sync_exercises", stdout=self.stdout)
        user_model = get_user_model()
        users = {}
        for key, (username, password, staff) in DEMO_USERS.items():
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = staff
            user.is_superuser = staff
            user.save()
            users[key] = user
            label = {"admin": "site administrator"}.get(key, key)
            self.stdout.write(f"demo {label}: {username} / {password}")
        with transaction.atomic():
            cohort = self.seed_course(users["student"], users["instructor"])
            ta = self.seed_ta(cohort)
            code = self.seed_join_code(cohort, users["instructor"])
        self.stdout.write(f"demo course: {cohort.course.title}, cohort {cohort.name} (/courses/)")
        self.stdout.write(f"demo TA:         {ta.get_username()} / {DEMO_TA[1]}   (gradebook, Invite students)")
        self.stdout.write(f"demo join link:  {SITE_URL}/join/{code}/   (code {display_code(code)}: sign up as a new student)")

    def seed_ta(self, cohort: Cohort) -> User:
        user_model = get_user_model()
        ta, _ = user_model.objects.get_or_create(username=DEMO_TA[0])
        ta.set_password(DEMO_TA[1])
        ta.save()
        Enrolment.objects.update_or_create(cohort=cohort, user=ta, defaults={"role": Role.TA})
        return ta

    def seed_join_code(self, cohort: Cohort, instructor: User) -> str:
        """The demo cohort's join code: the one still open from an earlier run, or a new one (no end, no cap)."""
        if not instructor.email:
            instructor.email = INSTRUCTOR_EMAIL
            instructor.save(update_fields=["email"])
        mark_verified(instructor, instructor.email, source="demo")
        for invitation in active_invitations(cohort):
            if not invitation.is_personal and invitation.expires_at is None and invitation.max_uses is None:
                return invitation.code
        return new_join_code(cohort=cohort, by=instructor).code

    def seed_course(self, student: User, instructor: User) -> Cohort:
        now = timezone.now()
        course, _ = Course.objects.get_or_create(slug=COURSE[0], defaults={"title": COURSE[1]})
        cohort, _ = Cohort.objects.get_or_create(course=course, slug=COHORT[0], defaults={"name": COHORT[1]})
        Enrolment.objects.get_or_create(
            cohort=cohort, user=student, defaults={"role": Role.STUDENT, "pseudonym": STUDENT_PSEUDONYM}
        )
        Enrolment.objects.update_or_create(cohort=cohort, user=instructor, defaults={"role": Role.INSTRUCTOR})
        assignments = []
        for slug in ASSIGNED:
            exercise = Exercise.objects.filter(slug=slug, active=True, current_version__isnull=False).first()
            if exercise is None:
                self.stderr.write(f"demo course: no exercise {slug}; its assignment is left out")
                continue
            opens, due = now - timedelta(days=1), now + timedelta(days=7)
            window = {"opens_at": opens, "due_at": due, "hard_cutoff_at": due + timedelta(days=3)}
            # A new assignment is pinned to the exercise's current grader version (Assignment.save).
            assignment, created = Assignment.objects.get_or_create(
                cohort=cohort,
                exercise=exercise,
                defaults={
                    **window,
                    "attempts_per_day": 5,
                    "attempts_cap": 20,
                    "late_penalty_per_day": 0.1,
                },
            )
            if not created and assignment.hard_cutoff_at is not None and assignment.hard_cutoff_at < now:
                # A demo database from long ago: open the assignment again rather than show it closed.
                Assignment.objects.filter(pk=assignment.pk).update(**window)
                assignment.refresh_from_db()
            assignments.append(assignment)
        user_model = get_user_model()
        for username, pseudonym, real_name, skill in CLASSMATES:
            user, created = user_model.objects.get_or_create(username=username)
            if created:
                user.set_unusable_password()  # demo data: nobody signs in as these
                if real_name:
                    user.first_name, user.last_name = real_name
                user.save()
            Enrolment.objects.get_or_create(
                cohort=cohort,
                user=user,
                defaults={"role": Role.STUDENT, "pseudonym": pseudonym, "show_name": real_name is not None},
            )
            for assignment in assignments:
                if not Submission.objects.filter(assignment=assignment, student=user).exists():
                    seed_attempts(assignment, user, skill=skill, now=now)
        return cohort


def seed_attempts(assignment: Assignment, student: User, *, skill: float, now: datetime) -> None:
    """DEMO DATA ONLY: one to three graded attempts of a made-up student, improving over time, written
    straight into the tables (no upload, no sandbox) so that the leaderboard and the gradebook show
    something. Real submissions only ever come through grading.intake."""
    rng = random.Random(f"{student.get_username()}/{assignment.exercise.slug}")  # same data on every machine
    if rng.random() > skill + 0.2:
        return  # has not tried this one yet
    names = assignment.exercise_version.manifest.names
    attempts = rng.randint(1, 3)
    start = max(assignment.opens_at, now - timedelta(hours=20))
    for index in range(attempts):
        # Each attempt passes a few more tests; the last one passes about `skill` of them.
        share = skill * (index + 1) / attempts
        passed = {name for name in names if rng.random() < share + 0.1}
        when = start + timedelta(minutes=rng.randint(10, 60) + index * 240)
        demo_graded_submission(assignment, student, passed=passed, created_at=min(when, now))


@transaction.atomic
def demo_graded_submission(
    assignment: Assignment, student: User, *, passed: set[str], created_at: datetime
) -> Submission:
    """DEMO DATA ONLY: a Submission with a finished, graded GradingRun and its TestResults."""
    version = assignment.exercise_version  # as a real submission to the assignment would be graded
    declared = version.manifest
    results = {name: (TestResultOutcome.PASSED, "") for name in passed}
    tests, questions = score_tests(declared, results, "demo data: this test failed")
    score = total_score(tests, questions)
    submission = Submission.objects.create(
        student=student,
        exercise=assignment.exercise,
        exercise_version=version,
        assignment=assignment,
        max_score=version.max_score,
        score=score,
    )
    SubmissionFile.objects.create(submission=submission, name="solution.py", content=b"# demo data: never graded\n")
    run = GradingRun.objects.create(
        submission=submission,
        exercise_version=version,
        status=RunStatus.GRADED,
        tests_total=len(declared),
        tests_done=len(declared),
        score=score,
        max_score=version.max_score,
        questions=questions_record(questions),
        messages=[],
        duration_s=1.0,
        started_at=created_at + timedelta(seconds=2),
        finished_at=created_at + timedelta(seconds=3),
    )
    TestResult.objects.bulk_create(test_result_rows(run, tests))
    # created_at is set on insert (auto_now_add); demo attempts are spread over the last hours.
    Submission.objects.filter(pk=submission.pk).update(created_at=created_at)
    GradingRun.objects.filter(pk=run.pk).update(created_at=created_at)
    submission.created_at = created_at
    leaderboard_record(submission=submission, score=score, metrics={})
    exercise_best_record(submission=submission, score=score, max_score=version.max_score)
    return submission

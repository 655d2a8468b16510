"""A person's data: everything we hold about them, as a zip they download, and closing their account.

Export: ``data.json`` (profile, verified addresses, outside identities, two-factor devices and API tokens by
name only, enrolments, extensions, roadmap progress, and every submission with its results and feedback as
the person may see them now: the API's own representation) and the files they submitted under
``submissions/<id>/``.

Closing an account (the GDPR's right to erasure, with its exception for records a course must keep):
- an account with no course records (roadmap practice only) is deleted outright, with everything in it;
- an account with course records (a student's enrolment, or work handed in for an assignment) is
  anonymised: the user row stays as "deleted-user-<id>", unable to sign in, so the gradebook keeps its scores
  (a course must be able to show how a grade came about, and the other students' statistics and rankings do
  not shift); everything that says who the person was, or what they wrote, is removed: name, email,
  verified addresses, outside identities, two-factor devices, API tokens, pseudonyms, staff roles, the
  submitted files, their program's output and the tests' messages about it, and practice work. Moodle and
  Canvas keep graded records the same way; GitHub's "ghost" user is the same idea.

Either way, what outlives the user row is scrubbed too: the audit log's rows about them ("<name> in <cohort>",
"<name> on <assignment>") and by them name "deleted-user-<id>" instead, with the staff's free-text reasons
cleared; their extensions keep the dates but not the reasons; django-axes' failed sign-in records under their
user name are deleted.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import PurePosixPath
from typing import IO, Any

from axes.models import AccessAttempt, AccessFailureLog
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.utils.encoders import JSONEncoder

from accounts.emails import folded, is_verified
from accounts.models import ExternalIdentity, VerifiedEmail
from audit.models import AuditEvent
from core.users import User
from courses.models import Enrolment, Extension, Invitation, Role
from grading.models import ExerciseBest, GradingRun, Submission, SubmissionFile, TestResult
from lti import identities as lti_identities
from web.models import ApiToken
from web.serializers import SubmissionSerializer

SPOOL_BYTES = 16 * 1024 * 1024  # an export larger than this is assembled on disk, not in memory


def _file_path(submission_id: int, name: str) -> str:
    """Where a submitted file goes in the zip: under its submission's folder, never outside it."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    return str(PurePosixPath("submissions", str(submission_id), *(parts or ["file"])))


def export_data(user: User, request: HttpRequest) -> dict[str, Any]:
    """Everything about ``user`` as one JSON-ready dict (``request``: theirs, for what they may see)."""
    submissions = []
    for submission in (
        Submission.objects.filter(student=user).select_related("exercise", "assignment__cohort__course").order_by("pk")
    ):
        data = dict(SubmissionSerializer(submission, context={"request": request}).data)
        data["assignment"] = submission.assignment_id
        data["course"] = submission.assignment.cohort.course.title if submission.assignment else None
        data["files"] = [
            _file_path(submission.pk, name) for name in submission.files.order_by("pk").values_list("name", flat=True)
        ]
        submissions.append(data)
    backup = StaticDevice.objects.filter(user=user).first()
    return {
        "exported_at": timezone.now(),
        "profile": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "email_verified": is_verified(user),
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "verified_emails": list(VerifiedEmail.objects.filter(user=user).values("email", "verified_at", "source")),
        "identities": list(
            ExternalIdentity.objects.filter(user=user).values("kind", "issuer", "subject", "created_at", "last_login_at")
        ),
        "two_factor": {
            "authenticator_apps": list(TOTPDevice.objects.filter(user=user).values("name", "confirmed", "created_at")),
            "backup_codes_left": backup.token_set.count() if backup else 0,
        },
        # Names and dates only: a token's secret is never stored, and its digest is not the owner's business.
        "api_tokens": list(ApiToken.objects.filter(user=user).values("name", "created", "expiry", "last_used")),
        "enrolments": [
            {
                "course": e.cohort.course.title,
                "cohort": e.cohort.name,
                "role": e.role,
                "pseudonym": e.pseudonym,
                "show_name": e.show_name,
            }
            for e in Enrolment.objects.filter(user=user).select_related("cohort__course").order_by("pk")
        ],
        "extensions": [
            {"assignment": x.assignment_id, "exercise": x.assignment.exercise.slug, "due_at": x.due_at}
            for x in Extension.objects.filter(student=user).select_related("assignment__exercise")
        ],
        "roadmap_progress": [
            {"exercise": b.exercise.slug, "best_score": b.best_score, "max_score": b.max_score, "achieved_at": b.achieved_at}
            for b in ExerciseBest.objects.filter(student=user).select_related("exercise").order_by("exercise__slug")
        ],
        "submissions": submissions,
    }


def export_zip(user: User, request: HttpRequest) -> IO[bytes]:
    """The export as a zip file, rewound, ready to stream."""
    archive: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (handed to the response)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        # The API's encoder: scores are JSON numbers there and here.
        zipped.writestr("data.json", json.dumps(export_data(user, request), cls=JSONEncoder, indent=2))
        files = SubmissionFile.objects.filter(submission__student=user).order_by("submission_id", "pk")
        for item in files.iterator():
            zipped.writestr(_file_path(item.submission_id, item.name), bytes(item.content))
    archive.seek(0)
    return archive


def has_course_records(user: User) -> bool:
    """Whether a course must keep something of ``user``'s: a student's enrolment, or assignment work."""
    return (
        Enrolment.objects.filter(user=user, role=Role.STUDENT).exists()
        or Submission.objects.filter(student=user, assignment__isnull=False).exists()
    )


def anonymous_name(user: User) -> str:
    return f"deleted-user-{user.pk}"


def _scrub_records(user: User) -> None:
    """Rows that outlive the user row (or do not cascade with it) lose what names or describes them."""
    name, anonymous = user.get_username(), anonymous_name(user)
    # Targets are written "<name> in <cohort>" (enrolments, joins) and "<name> on <assignment>" (extensions);
    # an assignment's own rows read "<exercise> for <cohort>", so an exercise named like the user is left alone.
    about = AuditEvent.objects.filter(Q(target__startswith=f"{name} in ") | Q(target__startswith=f"{name} on "))
    about.update(target=Concat(Value(anonymous), Substr("target", len(name) + 1)), reason="")
    AuditEvent.objects.filter(actor=user).update(actor_name=anonymous)
    Extension.objects.filter(student=user).update(reason="")  # often about health or family: the dates stay
    # Failed sign-ins keep the name as typed, a client address and a browser's user agent.
    AccessAttempt.objects.filter(username__iexact=name).delete()
    AccessFailureLog.objects.filter(username__iexact=name).delete()
    # The LTI tool's own rows about them (django-lti's LtiUser, LMS roles, stored launch claims), found through
    # their LTI identities: before those identities go.
    lti_identities.erase_user(user)


@transaction.atomic
def close_account(user: User) -> str:
    """Delete ``user`` or, where a course keeps records of them, anonymise them (see the module's doc).
    Returns "deleted" or "anonymised"."""
    address = folded(user.email) if user.email else ""
    if address:  # personal invitations mailed to them carry their address
        for invitation in Invitation.objects.filter(email__iexact=user.email):
            if folded(invitation.email) == address:
                invitation.delete()
    _scrub_records(user)
    if not has_course_records(user):
        user.delete()  # everything else goes with it (foreign keys cascade)
        return "deleted"
    mine = Submission.objects.filter(student=user)
    mine.filter(assignment__isnull=True).delete()  # practice work: no course needs it
    SubmissionFile.objects.filter(submission__student=user).delete()
    GradingRun.objects.filter(submission__student=user).update(student_output="", messages=[])
    TestResult.objects.filter(run__submission__student=user).update(message="")
    mine.update(notes=[])
    ExerciseBest.objects.filter(student=user).delete()
    Enrolment.objects.filter(user=user).exclude(role=Role.STUDENT).delete()
    Enrolment.objects.filter(user=user).update(pseudonym="", show_name=False)
    VerifiedEmail.objects.filter(user=user).delete()
    ExternalIdentity.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.username = anonymous_name(user)
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.save()
    return "anonymised"

"""Bulk enrolment from a CSV roster: every line checked first, every problem reported with its line, and then
every line enrolled, or none.

CSV with a header ``username,email,role[,pseudonym]``. New users get the line's email and an unusable
password: each sets a password with the reset mail ("Forgot your password?") sent to that email. An existing
user is matched by their exact user name only, never by email, and keeps their own email (an address nobody
verified must not take over an account). Who may give which role is courses.roles' rule.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from accounts import usernames
from audit import services as audit
from core.errors import UserError
from core.users import User
from courses import pseudonyms
from courses.models import Cohort, Enrolment, Role
from courses.roles import cohort_role, enrolment_refusal

SHOWN_PROBLEMS = 50  # a page of errors a person can work through; the count says how many more


class RosterRejected(UserError):
    """Nobody was enrolled; ``problems`` lists each line's problem ("line 7: ...")."""

    status = 400
    field = "roster"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class RosterLine:
    line: int
    username: str
    email: str
    role: Role
    pseudonym: str


@dataclass
class RosterResult:
    """What a roster upload did. ``without_email``: the user names of its lines whose account has neither a
    password nor an email, so nobody can sign in to them until someone gives the account an email."""

    enrolled: int = 0
    users_created: int = 0
    without_email: list[str] = field(default_factory=list)


def _parse(text: str) -> tuple[list[RosterLine], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {(name or "").strip().lower() for name in reader.fieldnames or []}
    missing = {"username", "role"} - fields
    if missing:
        raise RosterRejected(
            f"Nobody was enrolled: the CSV needs the columns username and role (missing: {', '.join(sorted(missing))})."
        )
    limit = settings.GRADIENT_ROSTER_MAX_ROWS
    lines: list[RosterLine] = []
    problems: list[str] = []
    for number, raw in enumerate(reader, start=2):
        if len(lines) + len(problems) >= limit:
            raise RosterRejected(
                f"Nobody was enrolled: a roster holds at most {limit} lines; split this one into several uploads."
            )
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if not any(row.values()):
            continue  # a blank line, as spreadsheets leave at the end
        role = row.get("role", "").lower()
        if not row.get("username") or role not in Role.values:
            problems.append(f"line {number}: needs a username and a role ({', '.join(Role.values)})")
            continue
        lines.append(
            RosterLine(number, row["username"], row.get("email", ""), Role(role), pseudonyms.tidy(row.get("pseudonym", "")))
        )
    return lines, problems


def _check(cohort: Cohort, actor: User, lines: list[RosterLine]) -> tuple[dict[str, User], list[str]]:
    """Every line's problems, and the existing users the lines name (by exact user name)."""
    users = get_user_model().objects
    names = [entry.username for entry in lines]
    existing = {u.username: u for u in users.filter(username__in=names)}
    # Look-alikes: the same name in another case, or (older accounts, SSO) another width or script form.
    lowered = {
        usernames.folded(name): name
        for name in users.annotate(low=Lower("username"))
        .filter(Q(low__in=[n.lower() for n in names]) | Q(username__regex=r"[^\x00-\x7F]"))
        .values_list("username", flat=True)
    }
    emails = [entry.email for entry in lines if entry.email and entry.username not in existing]
    taken_emails = {
        address.lower()
        for address in users.annotate(low=Lower("email")).filter(low__in=[e.lower() for e in emails])
        .values_list("email", flat=True)
    }
    enrolled = dict(Enrolment.objects.filter(cohort=cohort, user__username__in=names).values_list("user__username", "role"))
    actor_role = cohort_role(actor, cohort.pk)
    taken = pseudonyms.TakenNames(cohort_id=cohort.pk, candidates=[e.pseudonym for e in lines])

    problems: list[str] = []
    seen_names: dict[str, int] = {}
    seen_pseudonyms: dict[str, int] = {}
    for entry in lines:
        where = f"line {entry.line}"
        user = existing.get(entry.username)
        if user is None:
            # The rules sign-up keeps (accounts.usernames), with the look-alike check done for all lines at once.
            shape_ok = usernames.MIN_LENGTH <= len(entry.username) <= usernames.MAX_LENGTH and bool(
                usernames.PATTERN.fullmatch(entry.username)
            )
            if not shape_ok:
                problems.append(f"{where}: the user name {entry.username!r} breaks the rule: {usernames.RULES}")
            elif usernames.folded(entry.username).startswith(usernames.RESERVED_PREFIXES):
                problems.append(f"{where}: the user name {entry.username!r} is kept for the platform's own use")
            else:
                if (other := lowered.get(usernames.folded(entry.username))) is not None:
                    problems.append(
                        f"{where}: {entry.username!r} looks like the existing account {other!r}: use that exact "
                        "user name to enrol it, or choose a different one"
                    )
            if entry.email:
                try:
                    validate_email(entry.email)
                except ValidationError:
                    problems.append(f"{where}: {entry.email!r} is not an email address")
                else:
                    if entry.email.lower() in taken_emails:
                        problems.append(
                            f"{where}: another account already uses {entry.email}; enrol that account by its user "
                            "name, or give this line another address"
                        )
        first = seen_names.setdefault(entry.username.lower(), entry.line)
        if first != entry.line:
            problems.append(f"{where}: {entry.username!r} is on line {first} already")
        current = enrolled.get(entry.username)
        refusal = enrolment_refusal(
            actor_role=actor_role,
            actor_is_target=user is not None and user.pk == actor.pk,
            current=Role(current) if current else None,
            wanted=entry.role,
        )
        if refusal:
            problems.append(f"{where}: {refusal}")
        if entry.pseudonym:
            issue = pseudonyms.text_problem(entry.pseudonym) or taken.problem(
                entry.pseudonym, user_id=user.pk if user else None
            )
            if issue:
                problems.append(f"{where}: {issue}")
            first = seen_pseudonyms.setdefault(pseudonyms.fold(entry.pseudonym), entry.line)
            if first != entry.line:
                problems.append(f"{where}: the pseudonym {entry.pseudonym!r} is on line {first} already")
    return existing, problems


def _line_number(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match.group(1)) if match else 0


@transaction.atomic
def enrol_roster(*, cohort: Cohort, actor: User, text: str) -> RosterResult:
    """Enrol every line of ``text`` in ``cohort`` as ``actor`` may, or raise RosterRejected naming every
    problem line (nothing written). Re-uploading a roster keeps the pseudonyms students chose: only a line's
    own pseudonym replaces one."""
    lines, problems = _parse(text)
    existing, more = _check(cohort, actor, lines)
    problems = sorted(problems + more, key=_line_number)
    if problems:
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more")
        count = len({_line_number(p) for p in problems})
        raise RosterRejected(f"Nobody was enrolled: {count} {'lines need' if count != 1 else 'line needs'} fixing.", shown)

    users = get_user_model().objects
    new = [
        get_user_model()(username=entry.username, email=entry.email, password=make_password(None))
        for entry in lines
        if entry.username not in existing
    ]
    for user in users.bulk_create(new):
        existing[user.username] = user
    enrolments = {e.user_id: e for e in Enrolment.objects.select_for_update().filter(cohort=cohort, user__in=existing.values())}
    to_create, to_update = [], []
    changes: list[tuple[str, str, dict[str, str] | None, dict[str, str] | None]] = []
    for entry in lines:
        user = existing[entry.username]
        enrolment = enrolments.get(user.pk)
        target = f"{user.get_username()} in {cohort}"
        if enrolment is None:
            to_create.append(Enrolment(cohort=cohort, user=user, role=entry.role, pseudonym=entry.pseudonym))
            changes.append(("enrolment.add", target, None, {"role": entry.role}))
        else:
            if enrolment.role != entry.role:
                changes.append(("enrolment.role", target, {"role": enrolment.role}, {"role": entry.role}))
            enrolment.role = entry.role
            enrolment.pseudonym = entry.pseudonym or enrolment.pseudonym
            to_update.append(enrolment)
    Enrolment.objects.bulk_create(to_create)
    Enrolment.objects.bulk_update(to_update, ["role", "pseudonym"])
    # Every enrolment and role change is in the audit log, written with them.
    audit.record_many(actor=actor, cohort_id=cohort.pk, changes=changes)
    return RosterResult(
        enrolled=len(lines),
        users_created=len(new),
        without_email=[e.username for e in lines if not existing[e.username].email and not existing[e.username].has_usable_password()],
    )

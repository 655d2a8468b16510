"""Telling people: ``notify`` writes the site's notices in bulk and mails them once the change that caused
them has committed; ``send_digests`` (daily) mails each digest reader the day's notices as one message.

A notice is written in the transaction of the change it announces (a rolled-back change tells nobody); its
mail goes only after that transaction commits, and a mail that cannot be sent is logged, never raised: the
change stands. Each notice is mailed at most once (its row is claimed before the mail goes). Mail is plain
text with the site's absolute link (settings.GRADIENT_SITE_URL).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.users import User
from notices.models import DAILY_DIGEST, KIND_DEFAULTS, MailState, Notice, NoticeKind, NoticePreference

logger = logging.getLogger(__name__)

TITLE_MAX = 200
BODY_MAX = 4000
UNREAD_CAP = 99  # the header shows "99+" beyond this
STALE_MAIL_S = 600  # a notice still waiting for its mail this long after it was written (the process died
# between the commit and the mail) is mailed by the next daily run


def is_site_path(link: str) -> bool:
    """A path on this site: one leading "/" (never "//host" or "/\\host", which browsers take for another
    site), no scheme, no whitespace or control characters."""
    return (
        link.startswith("/")
        and not link.startswith(("//", "/\\"))
        and not any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in link)
        and url_has_allowed_host_and_scheme(link, allowed_hosts=set())
    )


def absolute(link: str) -> str:
    return settings.GRADIENT_SITE_URL.rstrip("/") + link


def notify(
    users: Iterable[User | int],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    key: str | None = None,
) -> int:
    """Tell ``users`` (people or their ids) about something of ``kind``: a notice on the site and a mail, as
    each chose for that kind (no choice: the kind's default). Inactive users are skipped; users without an
    address get the site's notice only; digest readers' mail waits for the daily digest. With ``key``, a
    person who already had a notice of that key gets nothing new. Call it inside the transaction of the
    change it announces. Returns how many people were (or had already been, under ``key``) told."""
    kind = NoticeKind(kind)  # an unknown kind is a bug: ValueError
    if link and not is_site_path(link):
        raise ValueError(f"a notice links to a path on this site, not {link!r}")
    title = " ".join(title.split())[:TITLE_MAX]  # one line: it is also the mail's subject
    body = body.strip()[:BODY_MAX]
    ids = sorted({user if isinstance(user, int) else user.pk for user in users})
    if not ids:
        return 0
    people = list(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", "email"))
    if not people:
        return 0
    chosen = {
        (user_id, row_kind): (by_email, on_site)
        for user_id, row_kind, by_email, on_site in NoticePreference.objects.filter(
            user_id__in=[pk for pk, _ in people], kind__in=[kind, DAILY_DIGEST]
        ).values_list("user_id", "kind", "by_email", "on_site")
    }
    rows = []
    for user_id, email in people:
        by_email, on_site = chosen.get((user_id, kind), KIND_DEFAULTS[kind])
        digest = chosen.get((user_id, DAILY_DIGEST), (False, False))[0]
        mail = MailState.NONE if not (by_email and email) else MailState.DIGEST if digest else MailState.NOW
        if on_site or mail != MailState.NONE:
            rows.append(
                Notice(user_id=user_id, kind=kind, title=title, body=body, link=link, key=key or "",
                       on_site=on_site, mail=mail)
            )
    with transaction.atomic():
        # With a key, a row the person already has is left as it is (and not mailed again).
        created = Notice.objects.bulk_create(rows, ignore_conflicts=bool(key))
        now_ids = [row.user_id for row in rows if row.mail == MailState.NOW]
        if now_ids:
            if key:
                pending = Q(user_id__in=now_ids, key=key)
            else:
                pending = Q(pk__in=[row.pk for row in created if row.mail == MailState.NOW])
            transaction.on_commit(lambda: _mail_pending(pending), robust=True)
    return len(rows)


def _claim(pending: Q, state: MailState) -> list[Notice]:
    """Take the notices waiting for mail in ``state`` out of the waiting list, so no other process mails
    them too; the caller then mails them."""
    with transaction.atomic():
        rows = list(
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pending, mail=state)
            .select_related("user")
            .order_by("user_id", "created_at", "pk")
        )
        Notice.objects.filter(pk__in=[row.pk for row in rows]).update(mail=MailState.SENT, mailed_at=timezone.now())
    return rows


def _footer() -> str:
    return (
        "\n\n-- \nGradient. Choose which notices you get, and how, at "
        f"{absolute(reverse('notice_preferences'))}\n"
    )


def _text(notice: Notice) -> str:
    parts = [notice.title]
    if notice.body:
        parts.append(notice.body)
    if notice.link:
        parts.append(f"Open it: {absolute(notice.link)}")
    return "\n\n".join(parts)


def _deliver(messages: list[tuple[list[int], str, str, str]]) -> None:
    """Send (notice ids, address, subject, text) over one connection; a mail that fails is logged and its
    notices marked FAILED."""
    if not messages:
        return
    failed: list[int] = []
    try:
        connection = get_connection()
    except Exception:  # noqa: BLE001 - a broken mail setup must not undo what was done
        logger.exception("notices: no mail connection")
        failed = [pk for ids, *_ in messages for pk in ids]
    else:
        with connection:
            for ids, address, subject, text in messages:
                try:
                    send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
                except Exception as exc:  # noqa: BLE001 - logged, never raised into the change that caused it
                    logger.warning("notices: a mail to user of notice %s could not be sent: %r", ids[0], exc)
                    failed.extend(ids)
    if failed:
        Notice.objects.filter(pk__in=failed).update(mail=MailState.FAILED, mailed_at=None)


def _mail_pending(pending: Q) -> None:
    """Mail, one by one, the notices matching ``pending`` still waiting for their mail."""
    try:
        rows = _claim(pending, MailState.NOW)
        _deliver(
            [([row.pk], row.user.email, f"Gradient: {row.title}", _text(row) + _footer()) for row in rows if row.user.email]
        )
    except Exception:  # noqa: BLE001 - the change that caused the notices stands
        logger.exception("notices: mailing failed")


def send_digests(*, now: datetime | None = None) -> int:
    """Mail each digest reader one message with every notice waiting for the digest, and mail any notice whose
    own mail was lost (written over STALE_MAIL_S ago, still waiting). Returns how many digests went out."""
    now = now or timezone.now()
    _mail_pending(Q(created_at__lt=now - timedelta(seconds=STALE_MAIL_S)))
    rows = _claim(Q(created_at__lte=now), MailState.DIGEST)
    by_user: dict[int, list[Notice]] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    messages = []
    skipped: list[int] = []
    for notices in by_user.values():
        user = notices[0].user
        if not (user.is_active and user.email):
            skipped.extend(n.pk for n in notices)
            continue
        count = len(notices)
        subject = f"Gradient: {count} notice{'s' if count != 1 else ''} from {now:%Y-%m-%d}"
        text = "\n\n".join(
            f"{number}. {_text(notice)}\n({notice.created_at:%Y-%m-%d %H:%M} UTC)"
            for number, notice in enumerate(notices, 1)
        )
        text = f"Your notices since the last digest ({count}):\n\n{text}\n\nAll your notices: {absolute(reverse('notices'))}"
        messages.append(([n.pk for n in notices], user.email, subject, text + _footer()))
    if skipped:
        Notice.objects.filter(pk__in=skipped).update(mail=MailState.NONE, mailed_at=None)
    try:
        _deliver(messages)
    except Exception:  # noqa: BLE001
        logger.exception("notices: the digest failed")
    return len(messages)


# ----------------------------------------------------------------------------- reading and choosing


def unread_count(user: User) -> int:
    """The user's unread notices on the site, counted up to UNREAD_CAP + 1 (one indexed query)."""
    return Notice.objects.filter(user=user, on_site=True, read_at__isnull=True).values("pk")[: UNREAD_CAP + 1].count()


def mark_all_read(user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def notice_open(*, user: User, notice_id: int) -> Notice | None:
    """The user's own notice, marked read; None when it is not theirs (or not shown on the site)."""
    notice = Notice.objects.filter(pk=notice_id, user=user, on_site=True).first()
    if notice is not None and notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def preferences_of(user: User) -> tuple[dict[str, tuple[bool, bool]], bool]:
    """Per kind, (by email, on the site) as the user chose or by default; and whether the digest is on."""
    chosen = {
        kind: (by_email, on_site)
        for kind, by_email, on_site in NoticePreference.objects.filter(user=user).values_list(
            "kind", "by_email", "on_site"
        )
    }
    kinds = {kind: chosen.get(kind, default) for kind, default in KIND_DEFAULTS.items()}
    return kinds, chosen.get(DAILY_DIGEST, (False, False))[0]


def preferences_save(*, user: User, kinds: Mapping[str, tuple[bool, bool]], digest: bool) -> None:
    """Store the user's choice for every kind (a kind left out is set to its default) and the digest."""
    unknown = set(kinds) - set(KIND_DEFAULTS)
    if unknown:
        raise ValueError(f"no such kind of notice: {sorted(unknown)}")
    rows = [
        NoticePreference(user=user, kind=kind, by_email=kinds.get(kind, default)[0], on_site=kinds.get(kind, default)[1])
        for kind, default in KIND_DEFAULTS.items()
    ]
    rows.append(NoticePreference(user=user, kind=DAILY_DIGEST, by_email=digest, on_site=False))
    with transaction.atomic():
        NoticePreference.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["by_email", "on_site"]
        )

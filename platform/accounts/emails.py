"""Verified addresses: fold an address the way look-alikes compare, record and test proof of it."""

from __future__ import annotations

import unicodedata

from accounts.models import VerifiedEmail
from core.errors import UserError
from core.users import User


class AddressTaken(UserError):
    """Another account already proved it reads this address: it stays theirs (HTTP 409 Conflict)."""

    status = 409

    def __init__(self) -> None:
        super().__init__(
            "This email address is already confirmed as the address of another account here, so it cannot be "
            "confirmed for this one. If it is yours, sign in to that account, or ask the site's administrators."
        )


def folded(address: str) -> str:
    """One spelling per address: NFKC and casefold (so a look-alike in another case or width is the same)."""
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def is_verified(user: User, address: str | None = None) -> bool:
    """Whether ``user`` proved they read ``address`` (their current email when None)."""
    address = user.email if address is None else address
    return bool(address) and VerifiedEmail.objects.filter(user=user, email=folded(address)).exists()


def user_with_verified(address: str) -> User | None:
    """The one user who proved they read ``address``, or None: the only way an email may find an account."""
    row = VerifiedEmail.objects.filter(email=folded(address)).select_related("user").first()
    return row.user if row else None


def taken_by_another(user: User, address: str) -> bool:
    """Whether an account other than ``user`` proved ``address`` (mark_verified would refuse it)."""
    return bool(address) and VerifiedEmail.objects.filter(email=folded(address)).exclude(user=user).exists()


def mark_verified(user: User, address: str, *, source: str = "link") -> None:
    """Record proof that ``user`` reads ``address``. An address another account proved is never moved to
    ``user`` (AddressTaken): anyone may type someone else's address into their own account, and a link mailed
    there may be followed by a mail scanner or a careless click; moving the row would hand the owner's SSO and
    LTI sign-ins to that account. It is freed when its owner closes their account, or by an administrator
    (the admin's Verified emails)."""
    row, _ = VerifiedEmail.objects.get_or_create(email=folded(address), defaults={"user": user, "source": source})
    if row.user_id != user.pk:
        raise AddressTaken()

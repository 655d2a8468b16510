"""The rules a new user name keeps: ASCII letters, digits and ``. _ -`` (so no script mixes letters that look
alike), and no look-alike of a name already taken (compared NFKC-casefolded: ``Ada``, ``ADA`` and the
full-width ``ａｄａ`` are one name)."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

from core.users import User

PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MIN_LENGTH, MAX_LENGTH = 2, 40
# Names the platform gives itself (deleted accounts become "deleted-user-<id>").
RESERVED_PREFIXES = ("deleted-user",)
RULES = f"{MIN_LENGTH} to {MAX_LENGTH} characters: letters A-Z, digits and . _ - (starting with a letter or digit)."


def folded(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def lookalike_taken(name: str) -> bool:
    """Whether an existing user's name folds to the same as ``name``. The ASCII names compare in the
    database (case-insensitively); the few non-ASCII names (older rosters, SSO) are folded here."""
    if User._default_manager.filter(username__iexact=name).exists():
        return True
    wanted = folded(name)
    others = User._default_manager.filter(username__regex=r"[^\x00-\x7F]").values_list("username", flat=True)
    return any(folded(other) == wanted for other in others.iterator())


def validate_new_username(name: str) -> None:
    """Raise ValidationError with a sentence a person understands unless ``name`` may be a new user name."""
    if not (MIN_LENGTH <= len(name) <= MAX_LENGTH) or not PATTERN.fullmatch(name):
        raise ValidationError(f"A user name has {RULES}", code="invalid")
    if folded(name).startswith(RESERVED_PREFIXES):
        raise ValidationError("This user name is kept for the platform's own use.", code="reserved")
    if lookalike_taken(name):
        raise ValidationError("This user name, or one that looks like it, is taken.", code="taken")

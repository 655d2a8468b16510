"""Leaderboard names: a pseudonym is short, printable, and nobody else's name.

A pseudonym must not match (ignoring case, width and spacing) another member's pseudonym in the cohort, nor
anyone's real name or user name on the site: otherwise a student could appear on a leaderboard as a classmate.
The anonymous label leaderboards fall back to ("Learner 12") is refused too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Value
from django.db.models.functions import Concat, Lower, Trim

from courses.models import Enrolment

MAX_LENGTH = 40
ANONYMOUS_LABEL = re.compile(r"learner\s*\d+")


def tidy(pseudonym: str) -> str:
    """Runs of whitespace become one space; ends trimmed."""
    return " ".join(pseudonym.split())


def fold(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def text_problem(pseudonym: str) -> str | None:
    """What is wrong with the text itself, whoever else exists (None: nothing)."""
    if len(pseudonym) > MAX_LENGTH:
        return f"a pseudonym is at most {MAX_LENGTH} characters (this one has {len(pseudonym)})"
    if any(unicodedata.category(ch).startswith("C") for ch in pseudonym):
        return "a pseudonym cannot hold control or invisible formatting characters"
    if ANONYMOUS_LABEL.fullmatch(fold(pseudonym)):
        return "a pseudonym cannot look like the anonymous label leaderboards use"
    return None


class TakenNames:
    """The names a set of candidate pseudonyms could collide with, read in three queries for them all."""

    def __init__(self, *, cohort_id: int, candidates: Iterable[str]) -> None:
        wanted = {fold(c) for c in candidates if c}
        lowered = sorted({w.lower() for w in wanted})
        users = get_user_model().objects
        # Lower() in SQL narrows the rows; fold() in Python decides (NFKC and casefold go further than lower).
        self._pseudonyms = self._owners(
            Enrolment.objects.filter(cohort_id=cohort_id)
            .annotate(key=Lower("pseudonym"))
            .filter(key__in=lowered)
            .values_list("pseudonym", "user_id")
        )
        self._real_names = self._owners(
            users.annotate(key=Lower(Trim(Concat("first_name", Value(" "), "last_name"))))
            .filter(key__in=lowered)
            .values_list("first_name", "last_name", "pk"),
            real=True,
        )
        self._usernames = self._owners(
            users.annotate(key=Lower("username")).filter(key__in=lowered).values_list("username", "pk")
        )

    @staticmethod
    def _owners(rows: Iterable[tuple[Any, ...]], *, real: bool = False) -> dict[str, set[int]]:
        owners: dict[str, set[int]] = {}
        for row in rows:
            name = f"{row[0]} {row[1]}" if real else str(row[0])
            owners.setdefault(fold(name), set()).add(int(row[-1]))
        return owners

    def problem(self, pseudonym: str, *, user_id: int | None) -> str | None:
        """Why ``pseudonym`` may not be ``user_id``'s (None: it may; a new user is None)."""
        key = fold(pseudonym)

        def others(owners: dict[str, set[int]]) -> set[int]:
            return {owner for owner in owners.get(key, ()) if owner != user_id}

        if others(self._pseudonyms):
            return "someone in this cohort already uses this pseudonym"
        if others(self._real_names) or others(self._usernames):
            return "this pseudonym is the name of someone else on the site"
        return None

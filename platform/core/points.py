"""Points in the database: exact decimals, as the sandbox computes them (sandbox.manifest.as_points).

Scores are compared with their maxima (a check constraint, "full marks", a leaderboard's order), so they are
never binary floats: 2/3 of a point is stored as 0.6667 and sums add up exactly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

POINTS_DIGITS = 12
POINTS_PLACES = 4
POINTS_QUANTUM = Decimal("0.0001")  # as sandbox.manifest.POINTS_PLACES


def points_field(**options: Any) -> models.DecimalField:
    """A column of points or a score: up to 99,999,999.9999, exact to four decimal places."""
    return models.DecimalField(max_digits=POINTS_DIGITS, decimal_places=POINTS_PLACES, **options)


def format_points(value: Decimal | float | int) -> str:
    """Points as people write them: "3", "0.5", "0.6667" (no trailing zeros, never an exponent)."""
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = f"{amount.quantize(POINTS_QUANTUM).normalize():f}"
    return "0" if text in ("-0", "") else text

"""``{{ value|points }}``: a score or an amount of points as people write it ("3", "0.5", "0.6667")."""

from __future__ import annotations

from decimal import Decimal

from django import template

from core.points import format_points

register = template.Library()


@register.filter(name="points")
def points_filter(value: Decimal | float | int | None) -> str:
    return "" if value is None else format_points(value)

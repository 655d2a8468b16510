"""Recording staff changes. Call inside the transaction of the change itself, so that a change and its
record are written together or not at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from audit.models import AuditEvent
from core.users import User


def record(
    *,
    actor: User | None,
    action: str,
    target: str,
    cohort_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    event = _event(actor, cohort_id, action, target, before, after)
    event.reason = reason
    event.save()
    return event


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value changed, from each side (what an audit row shows)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record_many(
    *,
    actor: User | None,
    cohort_id: int | None,
    changes: Sequence[tuple[str, str, Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> None:
    """One row per (action, target, before, after), written in one statement (a roster of 2,000 lines)."""
    AuditEvent.objects.bulk_create(
        _event(actor, cohort_id, action, target, before, after) for action, target, before, after in changes
    )


def _event(
    actor: User | None,
    cohort_id: int | None,
    action: str,
    target: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> AuditEvent:
    return AuditEvent(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        cohort_id=cohort_id,
        action=action,
        target=target[:300],
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )

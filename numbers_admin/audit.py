"""Recording what happened: one function every action calls, and the field-by-field diff."""

from typing import Any

from numbers_admin.models import Account, AuditEvent, Job, PhoneNumber

UPSTREAM_ACTOR = "upstream"
SYSTEM_ACTOR = "system"


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every key of ``after`` whose value changed. Unset ("" or None)
    on both sides is no change."""
    changes = {}
    for field, new in after.items():
        old = before.get(field)
        if (old in ("", None)) and (new in ("", None)):
            continue
        if old != new:
            changes[field] = [old, new]
    return changes


def record(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    account: Account | None = None,
    phone_number: PhoneNumber | None = None,
    number: str = "",
    changes: dict | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    message: str = "",
    request_id: str = "",
    job: Job | None = None,
) -> AuditEvent:
    """Write one audit event. ``actor`` is a user; without one, ``actor_label`` says who
    ("upstream" for changes a sync discovered, "system" otherwise)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor.get_username()
    else:
        actor = None
        label = actor_label or SYSTEM_ACTOR
    if phone_number is not None:
        account = account or phone_number.account
        number = number or phone_number.number
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=label,
        account=account,
        phone_number=phone_number,
        number=number,
        changes=changes or {},
        outcome=outcome,
        message=message,
        request_id=request_id or "",
        job=job,
    )

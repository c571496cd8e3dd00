"""Configure numbers: read the number upstream, write only what changes, keep the mirror true,
record an audit event. Used by the one-number form, bulk changes, find and replace, and roll-back.
"""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.tasks import task
from django.utils import timezone

from numbers_admin import audit, mirror, upstream
from numbers_admin.forms.configure import (
    CALL_HANDLER_FIELDS,
    FABRIC_ONLY_CALL_HANDLERS,
    MESSAGE_HANDLER_FIELDS,
    display_field,
    label_for,
    normalize,
    updatable_fields,
    url_error,
    values_equal,
    write_only_fields,
)
from numbers_admin.models import AuditEvent, CallHandler, Job, JobItem, PhoneNumber, Provider
from numbers_admin.pacing import Pacer
from numbers_admin.routing import summarize
from numbers_admin.upstream.errors import OutcomeUnknown, UpstreamError

logger = logging.getLogger(__name__)


class ChangedSincePreview(Exception):
    """The number changed upstream after the preview was made; nothing was sent."""

    def __init__(self, fields: list[str]):
        self.fields = fields
        names = ", ".join(label_for(f) for f in fields)
        super().__init__(
            f"Changed at the carrier since the preview ({names}), so it was left alone. "
            "Make a new preview to include it."
        )


def _call(pacer: Pacer | None, fn):
    return pacer.call(fn) if pacer else fn()


def fetch(number: PhoneNumber, *, pacer: Pacer | None = None) -> dict[str, Any]:
    """The number as it is upstream now; the mirror is brought up to date with it (a difference
    is a change made elsewhere, recorded as such)."""
    client = upstream.client_for(number.account)
    canonical = _call(pacer, lambda: client.get(number.upstream_id))
    _, changes = mirror.save_from_upstream(number.account, canonical)
    if changes:
        audit.record(
            action=AuditEvent.Action.SYNC_CHANGED,
            actor_label=audit.UPSTREAM_ACTOR,
            phone_number=number,
            changes=changes,
            message="Seen while configuring the number.",
            request_id=getattr(client, "last_request_id", ""),
        )
    number.refresh_from_db()
    return canonical


def apply_changes(
    number: PhoneNumber,
    changes: dict[str, Any],
    *,
    before: dict[str, Any],
    user=None,
    action: str = AuditEvent.Action.CONFIGURE,
    job: Job | None = None,
    pacer: Pacer | None = None,
    message: str = "",
) -> AuditEvent:
    """Send ``changes`` (canonical, only the keys to change), save the number as the upstream
    returns it and record the audit event. On failure the event records what was asked and why
    it failed, the mirror is re-read from the upstream, and the error is raised again."""
    client = upstream.client_for(number.account)
    try:
        canonical = _call(pacer, lambda: client.update(number.upstream_id, changes))
    except UpstreamError as error:
        audit.record(
            action=action,
            actor=user,
            phone_number=number,
            changes={f: [before.get(f), v] for f, v in changes.items()},
            outcome=(
                AuditEvent.Outcome.UNKNOWN
                if isinstance(error, OutcomeUnknown)
                else AuditEvent.Outcome.FAILED
            ),
            message=error.message,
            request_id=error.request_id or getattr(client, "last_request_id", ""),
            job=job,
        )
        _resettle(number, pacer)
        raise
    mirror.save_from_upstream(number.account, canonical)
    number.refresh_from_db()
    tracked = mirror.TRACKED_FIELDS
    recorded = audit.diff(
        {f: before.get(f) for f in tracked},
        {f: canonical[f] for f in tracked if f in canonical},
    )
    # Values the carrier accepts but never echoes (API.md §1.3) are recorded as sent.
    for f in write_only_fields(number.account.provider):
        if f in changes and f not in recorded:
            recorded[f] = [before.get(f) or "", changes[f]]
    return audit.record(
        action=action,
        actor=user,
        phone_number=number,
        changes=recorded,
        message=message,
        request_id=getattr(client, "last_request_id", ""),
        job=job,
    )


def _resettle(number: PhoneNumber, pacer: Pacer | None) -> None:
    """After a failed or unclear update, make the mirror say what the upstream has. Best effort:
    if the upstream cannot be read either, the mirror keeps its last known values."""
    try:
        fetch(number, pacer=pacer)
    except UpstreamError:
        logger.warning("Could not re-read number %s after a failed update", number.pk)


def apply_planned(
    number: PhoneNumber,
    changes: dict[str, Any],
    *,
    expected: dict[str, Any],
    user=None,
    action: str = AuditEvent.Action.CONFIGURE,
    job: Job | None = None,
    pacer: Pacer | None = None,
    message: str = "",
) -> AuditEvent | None:
    """Apply a previewed change: read the number, refuse if any field to change is no longer what
    the preview showed, send only what still differs. Returns None when nothing differs."""
    fresh = fetch(number, pacer=pacer)
    moved = [f for f in changes if not values_equal(f, fresh.get(f), expected.get(f))]
    if moved:
        raise ChangedSincePreview(moved)
    write_only = write_only_fields(number.account.provider)
    to_send = {
        f: v for f, v in changes.items() if f in write_only or not values_equal(f, fresh.get(f), v)
    }
    if not to_send:
        return None
    return apply_changes(
        number,
        to_send,
        before=fresh,
        user=user,
        action=action,
        job=job,
        pacer=pacer,
        message=message,
    )


# --- Planning many numbers -----------------------------------------------------------------------


@dataclass
class Plan:
    """One number's part of a bulk change, as shown in the preview and stored on the JobItem."""

    pk: int
    account_id: int
    number: str
    label: str
    status: str  # "change", "unchanged" or "skip"
    changes: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    before_summary: list[str] = field(default_factory=list)
    after_summary: list[str] = field(default_factory=list)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def missing_for_handlers(values: dict[str, Any]) -> list[str]:
    """Required fields of the number's handlers that are empty (SignalWire REST numbers)."""
    missing = []
    handler = values.get("call_handler") or ""
    for f in CALL_HANDLER_FIELDS.get(handler, ((), ()))[0]:
        if not values.get(f) and not f.endswith("_method"):
            missing.append(f)
    handler = values.get("message_handler") or ""
    for f in MESSAGE_HANDLER_FIELDS.get(handler, ((), ()))[0]:
        if not values.get(f) and not f.endswith("_method"):
            missing.append(f)
    return missing


def plan_number(number: PhoneNumber, wanted: dict[str, Any]) -> Plan:
    current = mirror.tracked_values(number)
    updatable = updatable_fields(number.account.provider)
    applicable = {f: v for f, v in wanted.items() if f in updatable}
    plan = Plan(
        pk=number.pk,
        account_id=number.account_id,
        number=number.number,
        label=str(number),
        status="unchanged",
        before_summary=summarize(current),
    )
    plan.after_summary = plan.before_summary
    if not number.account.is_enabled:
        plan.status = "skip"
        plan.reason = f"The account “{number.account.name}” is switched off in the dashboard."
        return plan
    if not applicable:
        plan.status = "skip"
        plan.reason = (
            f"None of these settings exist on {number.account.get_provider_display()} numbers."
        )
        return plan
    if "call_handler" in applicable and current.get("call_handler") in FABRIC_ONLY_CALL_HANDLERS:
        plan.status = "skip"
        plan.reason = (
            "Calls to this number are handled by SignalWire Fabric "
            f"({CallHandler(current['call_handler']).label}); change it in SignalWire."
        )
        return plan
    after = {**current, **applicable}
    if number.account.provider == Provider.SIGNALWIRE_REST:
        missing = [f for f in missing_for_handlers(after) if f not in missing_for_handlers(current)]
        if missing:
            plan.status = "skip"
            plan.reason = "It would need " + ", ".join(label_for(f) for f in missing) + " first."
            return plan
    write_only = write_only_fields(number.account.provider)
    plan.changes = {
        f: v
        for f, v in applicable.items()
        if f in write_only or not values_equal(f, current.get(f), v)
    }
    plan.before = {f: current.get(f) for f in plan.changes}
    if plan.changes:
        plan.status = "change"
        plan.after_summary = summarize(after)
    return plan


def plan_replace(number: PhoneNumber, fields: list[str], find: str, replace: str) -> Plan | None:
    """The find-and-replace plan for one number; None when no chosen address holds ``find``."""
    current = mirror.tracked_values(number)
    updatable = updatable_fields(number.account.provider)
    changes = {}
    problems = []
    for f in fields:
        value = current.get(f) or ""
        if f in updatable and find in value:
            new = value.replace(find, replace)
            problem = url_error(new) if new else ""
            if problem:
                problems.append(f"{label_for(f)} would become “{new}”: {problem}")
            else:
                changes[f] = new
    if not changes and not problems:
        return None
    plan = Plan(
        pk=number.pk,
        account_id=number.account_id,
        number=number.number,
        label=str(number),
        status="change",
        changes=changes,
        before={f: current.get(f) for f in changes},
        before_summary=summarize(current),
        after_summary=summarize({**current, **changes}),
    )
    if problems:
        plan.status = "skip"
        plan.changes = {}
        plan.before = {}
        plan.after_summary = plan.before_summary
        plan.reason = " ".join(problems)
    return plan


# --- Running a bulk change ----------------------------------------------------------------------


def create_bulk_job(plans: list[dict[str, Any]], *, user, description: str) -> Job:
    """Store exactly the previewed plans on JobItems: the task applies these, nothing else."""
    accounts = {p["account_id"] for p in plans}
    job = Job.objects.create(
        kind=Job.Kind.BULK_CONFIGURE,
        account_id=accounts.pop() if len(accounts) == 1 else None,
        created_by=user if user and user.is_authenticated else None,
        params={"description": description},
        total=len(plans),
    )
    status_of = {
        "change": JobItem.Status.PENDING,
        "unchanged": JobItem.Status.UNCHANGED,
        "skip": JobItem.Status.SKIPPED,
    }
    items = []
    for position, plan in enumerate(plans):
        status = status_of[plan["status"]]
        items.append(
            JobItem(
                job=job,
                position=position,
                number=plan["number"],
                phone_number_id=plan["pk"],
                params={"changes": plan["changes"], "before": plan["before"]},
                status=status,
                message=plan.get("reason")
                or ("Already set this way." if plan["status"] == "unchanged" else ""),
                finished_at=None if status == JobItem.Status.PENDING else timezone.now(),
            )
        )
    JobItem.objects.bulk_create(items)
    job.done = sum(1 for item in items if item.status != JobItem.Status.PENDING)
    job.save(update_fields=["done"])
    return job


@task()
def run_bulk_configure(job_id: int) -> None:
    """Apply each pending item's stored changes, at each account's pace. Restart-safe: items
    already finished are not sent again."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return
    job.status = Job.Status.RUNNING
    job.started_at = job.started_at or timezone.now()
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "started_at", "heartbeat_at"])
    pacers: dict[int, Pacer] = {}
    user = job.created_by
    for item in job.items.filter(status=JobItem.Status.PENDING).select_related(
        "phone_number__account"
    ):
        number = item.phone_number
        failed = False
        if number is None or number.is_released:
            item.status = JobItem.Status.FAILED
            item.message = "This number is no longer held, so nothing was sent."
            failed = True
        else:
            account = number.account
            if account.pk not in pacers:
                pacers[account.pk] = Pacer(account.requests_per_second)
            pacer = pacers[account.pk]
            try:
                event = apply_planned(
                    number,
                    item.params.get("changes", {}),
                    expected=item.params.get("before", {}),
                    user=user,
                    job=job,
                    pacer=pacer,
                    message=job.params.get("description", ""),
                )
            except ChangedSincePreview as error:
                item.status, item.message, failed = JobItem.Status.FAILED, str(error), True
            except UpstreamError as error:
                item.status, item.message, failed = JobItem.Status.FAILED, error.message, True
            except Exception:
                # One number's unexpected failure must not stop the others; the log has details.
                logger.exception("Bulk configure job %s: number %s failed", job.pk, number.pk)
                item.status, failed = JobItem.Status.FAILED, True
                item.message = "An unexpected error stopped this number; nothing more was sent."
            else:
                if event is None:
                    item.status = JobItem.Status.UNCHANGED
                    item.message = "Already set this way at the carrier."
                else:
                    item.status = JobItem.Status.SUCCEEDED
                    item.message = "; ".join(
                        f"{label_for(f)}: {display_field(f, b)} → {display_field(f, a)}"
                        for f, (b, a) in event.changes.items()
                    )
        item.finished_at = timezone.now()
        item.save(update_fields=["status", "message", "finished_at"])
        Job.objects.filter(pk=job.pk).update(
            done=F("done") + 1,
            failed=F("failed") + (1 if failed else 0),
            heartbeat_at=timezone.now(),
        )
    job.refresh_from_db()
    job.status = Job.Status.SUCCEEDED
    job.finished_at = timezone.now()
    counts = {s: job.items.filter(status=s).count() for s in JobItem.Status.values}
    job.summary = counts
    job.message = (
        f"{counts['succeeded']} changed, {counts['unchanged']} unchanged, "
        f"{counts['skipped']} skipped, {counts['failed']} failed."
    )
    job.save(update_fields=["status", "finished_at", "summary", "message"])


# --- Roll back ---------------------------------------------------------------------------------


def rollback_changes(event: AuditEvent, current: dict[str, Any]) -> dict[str, Any]:
    """The settings from before ``event``'s change, limited to what the provider lets us set,
    and only where they differ from ``current``."""
    updatable = updatable_fields(event.phone_number.account.provider)
    restore = {}
    for f, pair in (event.changes or {}).items():
        if f not in updatable or not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        value = pair[0]
        if f == "call_handler" and value in FABRIC_ONLY_CALL_HANDLERS:
            continue  # only Fabric phone routes can set these (API.md §2.1)
        if f == "voice_caller_id_lookup":
            value = bool(value)
        elif value is None:
            value = ""
        if not values_equal(f, current.get(f), value):
            restore[f] = normalize(f, value) if f.endswith("_method") else value
    return restore

"""Releasing numbers: one, or many as a background job. The local record stays, marked released.

A release is an ``Operation`` like a purchase (see ``actions.purchase``), so a repeated
confirmation never sends a second DELETE and a lost answer is settled by looking the number up.
"""

import threading
import uuid
from datetime import timedelta

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from numbers_admin.actions.imports import (
    SharedPacer,
    outcome_to_item,
    run_job_items,
    workers_for,
)
from numbers_admin.actions.purchase import (
    Outcome,
    begin,
    bulk_client_for,
    client_for,
    resume_or_follow,
    send,
)
from numbers_admin.models import AuditEvent, Job, JobItem, Operation, PhoneNumber
from numbers_admin.pacing import Pacer
from numbers_admin.upstream import errors

RECENT_CHANGE_DAYS = 7


def warnings_for(number: PhoneNumber) -> list[str]:
    """What an admin should know before releasing: plain sentences, most serious first."""
    found = []
    if (
        number.e911_address_id
        or number.emergency_status == "Active"
        or number.e911_status in ("active", "pending")
    ):
        found.append(
            "An emergency (E911) address is attached: after release, emergency calls can no "
            "longer be placed from this number."
        )
    if _has_handlers(number):
        found.append(
            "Calls or messages to this number are routed somewhere: they will stop arriving."
        )
    since = timezone.now() - timedelta(days=RECENT_CHANGE_DAYS)
    changed = (number.upstream_updated_at and number.upstream_updated_at >= since) or (
        number.events.filter(at__gte=since).exclude(action=AuditEvent.Action.RELEASE).exists()
    )
    if changed:
        found.append(
            f"It was changed in the last {RECENT_CHANGE_DAYS} days: someone may still be using it."
        )
    return found


def _has_handlers(number: PhoneNumber) -> bool:
    return any(
        getattr(number, name)
        for name in (
            "call_handler",
            "call_request_url",
            "call_laml_application_id",
            "message_handler",
            "message_request_url",
            "message_laml_application_id",
            "trunk_sid",
        )
    )


def release(
    *,
    phone_number: PhoneNumber,
    key: uuid.UUID | str,
    user=None,
    client=None,
    job: Job | None = None,
    pacer: Pacer | None = None,
) -> Outcome:
    """Release the number upstream once per key; mark the local row released (it stays)."""
    account = phone_number.account
    op, created = begin(
        kind=Operation.Kind.RELEASE,
        account=account,
        number=phone_number.number,
        key=key,
        params={"upstream_id": phone_number.upstream_id},
        user=user,
        phone_number=phone_number,
    )
    client = client or client_for(account)
    if not created:
        return resume_or_follow(
            op,
            key,
            job=job,
            client=client,
            user=user,
            resume=lambda: _send(op, client, user=user, job=job, pacer=pacer),
        )
    if phone_number.is_released:
        from numbers_admin.actions.purchase import mark

        when = timezone.localtime(phone_number.released_at).strftime("%-d %B %Y")
        mark(op, Operation.State.SUCCEEDED, f"This number was already released on {when}.")
        return Outcome(op, sent_by_us=False)
    return Outcome(_send(op, client, user=user, job=job, pacer=pacer), sent_by_us=True)


def _send(op: Operation, client, *, user=None, job=None, pacer=None) -> Operation:
    upstream_id = (op.params or {}).get("upstream_id") or op.phone_number.upstream_id

    def call():
        try:
            client.release(upstream_id)
        except errors.NotFound:
            # Already gone at the carrier (released elsewhere): the goal is reached.
            return "gone"
        return "released"

    return send(
        op,
        call,
        on_success=_released,
        settle=lambda op: settle_release(op, client),
        client=client,
        user=user,
        job=job,
        call_wrapper=pacer.call if pacer else None,
    )


def _released(op: Operation, how: str) -> str:
    row = op.phone_number
    now = timezone.now()
    PhoneNumber.objects.filter(pk=row.pk).update(
        released_at=now, released_by_upstream=(how == "gone")
    )
    row.refresh_from_db()
    label = row.international_format or row.number
    if how == "gone":
        return f"{label} was already gone from {op.account.name}; it is now marked released here."
    return f"Released {label} from {op.account.name}. Its record and history stay here."


def settle_release(op: Operation, client) -> str | None:
    """After a lost answer: is the number still on the account?"""
    upstream_id = (op.params or {}).get("upstream_id")
    try:
        still_there = client.get(upstream_id) if upstream_id else client.find_by_number(op.number)
    except errors.NotFound:
        still_there = None
    if still_there:
        return None
    return _released(op, "released")


# --- Bulk release ----------------------------------------------------------------------------


def create_bulk_release(*, numbers, user=None) -> Job:
    numbers = list(numbers)
    accounts = {n.account_id for n in numbers}
    job = Job.objects.create(
        kind=Job.Kind.BULK_RELEASE,
        account=numbers[0].account if len(accounts) == 1 else None,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        total=len(numbers),
        message=f"Releasing {len(numbers)} numbers.",
    )
    JobItem.objects.bulk_create(
        JobItem(
            job=job,
            position=position,
            number=number.number,
            phone_number=number,
            params={"key": str(uuid.uuid4())},
        )
        for position, number in enumerate(numbers, start=1)
    )
    return job


@task
def run_bulk_release(job_id: int) -> None:
    job = Job.objects.select_related("created_by", "account").get(pk=job_id)
    clients, pacers = {}, {}
    lock = threading.Lock()

    def handle(item: JobItem):
        number = item.phone_number
        if number is None:
            return JobItem.Status.FAILED, "This number is no longer in the inventory."
        account = number.account
        with lock:  # one client and one pacer per account, shared by the workers
            if account.pk not in clients:
                clients[account.pk] = bulk_client_for(account)
                pacers[account.pk] = SharedPacer(account.requests_per_second)
        outcome = release(
            phone_number=number,
            key=item.params["key"],
            user=job.created_by,
            client=clients[account.pk],
            job=job,
            pacer=pacers[account.pk],
        )
        return outcome_to_item(item, outcome)

    # Several accounts in one job: one worker, so no account is paced by another's rate.
    workers = workers_for(job.account.requests_per_second) if job.account else 1
    run_job_items(job, handle, workers=workers)


def start_bulk_release(job: Job) -> None:
    result = run_bulk_release.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(getattr(result, "id", "") or ""))


def open_release_numbers(queryset):
    """Only numbers still in service can be released."""
    return queryset.filter(Q(released_at__isnull=True))

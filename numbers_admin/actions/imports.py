"""Importing numbers hosted elsewhere (SignalWire REST and Compatibility only), one or in bulk.

Each number is an ``Operation`` (see ``actions.purchase``): a bulk item carries its own key in
``JobItem.params["key"]``, so an item resumed after a restart finds its operation instead of
sending the import again; one interrupted mid-call is looked up before anything else happens.
"""

import uuid
from collections.abc import Callable

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from numbers_admin import audit
from numbers_admin.actions.purchase import (
    Outcome,
    _follow,
    _mirror_success,
    begin,
    client_for,
    mark,
    send,
)
from numbers_admin.models import Account, AuditEvent, Job, JobItem, Operation, PhoneNumber
from numbers_admin.pacing import Pacer

TWILIO_IMPORT_SENTENCE = (
    "Twilio accounts bring numbers from other carriers through Twilio's Hosted Numbers service, "
    "which this dashboard does not support. Import into a SignalWire account instead, or use the "
    "Twilio Console."
)


def import_number(
    *,
    account: Account,
    number: str,
    kind: str,
    capabilities: list[str],
    key: uuid.UUID | str,
    user=None,
    client=None,
    job: Job | None = None,
    pacer: Pacer | None = None,
) -> Outcome:
    """Import ``number`` (E.164) once per key; never while another import of it is open."""
    op, created = begin(
        kind=Operation.Kind.IMPORT,
        account=account,
        number=number,
        key=key,
        params={"kind": kind, "capabilities": list(capabilities)},
        user=user,
    )
    client = client or client_for(account)
    if not created:
        if job is not None and op.key == uuid.UUID(str(key)):
            # Our own item resumed after a restart: finish what it started (send if it was
            # only recorded, look it up if it was interrupted mid-call).
            return Outcome(_send(op, client, user=user, job=job, pacer=pacer), sent_by_us=True)
        return _follow(op, client=client, user=user)
    owned = PhoneNumber.objects.in_service().filter(number=number).select_related("account").first()
    if owned is not None:
        message = (
            f"{owned.international_format or owned.number} is already in the inventory "
            f"(on {owned.account.name}), so it was not imported again."
        )
        mark(op, Operation.State.FAILED, message, phone_number=owned)
        audit.record(
            action=AuditEvent.Action.IMPORT,
            actor=user,
            account=account,
            number=number,
            outcome=AuditEvent.Outcome.FAILED,
            message=message,
            job=job,
        )
        return Outcome(op, sent_by_us=False)
    return Outcome(_send(op, client, user=user, job=job, pacer=pacer), sent_by_us=True)


def _send(op: Operation, client, *, user=None, job=None, pacer=None) -> Operation:
    params = op.params or {}

    def call():
        return client.import_number(
            op.number, kind=params.get("kind", "local"), capabilities=params.get("capabilities")
        )

    return send(
        op,
        call,
        on_success=lambda op, canonical: _mirror_success(op, canonical),
        settle=lambda op: settle_import(op, client),
        client=client,
        user=user,
        job=job,
        call_wrapper=pacer.call if pacer else None,
    )


def settle_import(op: Operation, client) -> str | None:
    found = client.find_by_number(op.number)
    if not found:
        return None
    return _mirror_success(op, found)


# --- Running a job's items (shared with bulk release) -------------------------------------------


def run_job_items(job: Job, handle: Callable[[JobItem], tuple[str, str]]) -> Job:
    """Work through the job's pending items in order; ``handle(item)`` returns (status, message).
    Safe to call again after a restart: finished items are skipped."""
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=job.started_at or timezone.now()
    )
    for item in job.items.filter(status=JobItem.Status.PENDING).order_by("position"):
        job.refresh_from_db(fields=["status"])
        if job.status == Job.Status.CANCELLED:
            return job
        try:
            status, message = handle(item)
        except Exception as error:  # one bad row must not stop the other 999
            status, message = JobItem.Status.FAILED, f"Unexpected error: {error}"
        item.status = status
        item.message = message
        item.finished_at = timezone.now()
        item.save(update_fields=["status", "message", "finished_at", "phone_number"])
        _count(job)
    _count(job)
    job.refresh_from_db()
    if job.status != Job.Status.CANCELLED:
        job.status = (
            Job.Status.FAILED if job.failed and job.failed == job.total else (Job.Status.SUCCEEDED)
        )
        job.finished_at = timezone.now()
        ok = job.total - job.failed
        job.message = f"{ok} of {job.total} done, {job.failed} failed."
        job.save(update_fields=["status", "finished_at", "message"])
    return job


def _count(job: Job) -> None:
    items = job.items.all()
    Job.objects.filter(pk=job.pk).update(
        done=items.filter(~Q(status=JobItem.Status.PENDING)).count(),
        failed=items.filter(status=JobItem.Status.FAILED).count(),
        heartbeat_at=timezone.now(),
    )
    job.refresh_from_db(fields=["done", "failed", "total", "status"])


def outcome_to_item(item: JobItem, outcome: Outcome) -> tuple[str, str]:
    op = outcome.operation
    item.phone_number = op.phone_number
    if op.state == Operation.State.SUCCEEDED:
        return JobItem.Status.SUCCEEDED, op.message
    if op.state == Operation.State.FAILED:
        return JobItem.Status.FAILED, op.message
    # Still unknown after looking (the lookup failed too): the operation stays open, so any later
    # attempt at this number looks it up again before sending anything.
    return JobItem.Status.FAILED, op.message


# --- Bulk import ------------------------------------------------------------------------------


def create_bulk_import(
    *, account: Account, rows: list[dict], capabilities: list[str], user=None
) -> Job:
    """A job with one item per row ({number, kind}); each item gets its own operation key."""
    job = Job.objects.create(
        kind=Job.Kind.BULK_IMPORT,
        account=account,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        params={"capabilities": list(capabilities)},
        total=len(rows),
        message=f"Importing {len(rows)} numbers into {account.name}.",
    )
    JobItem.objects.bulk_create(
        JobItem(
            job=job,
            position=position,
            number=row["number"],
            params={"kind": row["kind"], "key": str(uuid.uuid4())},
        )
        for position, row in enumerate(rows, start=1)
    )
    return job


@task
def run_bulk_import(job_id: int) -> None:
    job = Job.objects.select_related("account", "created_by").get(pk=job_id)
    account = job.account
    client = client_for(account)
    pacer = Pacer(account.requests_per_second)
    capabilities = (job.params or {}).get("capabilities") or ["sms", "voice", "fax", "mms"]

    def handle(item: JobItem):
        outcome = import_number(
            account=account,
            number=item.number,
            kind=(item.params or {}).get("kind", "local"),
            capabilities=capabilities,
            key=item.params["key"],
            user=job.created_by,
            client=client,
            job=job,
            pacer=pacer,
        )
        return outcome_to_item(item, outcome)

    run_job_items(job, handle)


def start_bulk_import(job: Job) -> None:
    result = run_bulk_import.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(getattr(result, "id", "") or ""))


def resume_unfinished_jobs() -> list[int]:
    """Enqueue again every bulk import/release job with pending items (after a restart)."""
    from numbers_admin.actions.release import run_bulk_release

    resumed = []
    runners = {Job.Kind.BULK_IMPORT: run_bulk_import, Job.Kind.BULK_RELEASE: run_bulk_release}
    jobs = Job.objects.filter(
        kind__in=list(runners),
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        items__status=JobItem.Status.PENDING,
    ).distinct()
    for job in jobs:
        runners[job.kind].enqueue(job.pk)
        resumed.append(job.pk)
    return resumed

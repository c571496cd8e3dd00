"""Importing numbers hosted elsewhere (SignalWire REST and Compatibility only), one or in bulk.

Each number is an ``Operation`` (see ``actions.purchase``): a bulk item carries its own key in
``JobItem.params["key"]``, so an item resumed after a restart finds its operation instead of
sending the import again; one interrupted mid-call is looked up before anything else happens.
"""

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from numbers_admin import audit
from numbers_admin.actions.purchase import (
    Outcome,
    _mirror_success,
    begin,
    bulk_client_for,
    client_for,
    mark,
    resume_or_follow,
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
        return resume_or_follow(
            op,
            key,
            job=job,
            client=client,
            user=user,
            resume=lambda: _send(op, client, user=user, job=job, pacer=pacer),
        )
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

# A carrier round trip takes a while (50 ms and more); one worker would spend that waiting and
# fall behind the account's pace. A few workers share one pacer, so the *rate* stays the account's.
MAX_WORKERS = 16


class SharedPacer(Pacer):
    """A ``Pacer`` several worker threads of one job share: each call takes the next free slot,
    and a 429 seen by any worker pushes every worker's next slot back."""

    def __init__(self, requests_per_second: float, **kwargs):
        super().__init__(requests_per_second, **kwargs)
        self._lock = threading.Lock()

    def wait_turn(self) -> None:
        with self._lock:
            now = self._clock()
            at = max(now, self._next_at)
            self._next_at = at + self.interval
        if at > now:
            self._sleep(at - now)

    def _back_off(self, delay: float) -> None:
        # Pushes the shared next slot back instead of sleeping, so every worker waits.
        with self._lock:
            self._next_at = max(self._next_at, self._clock() + delay)


def workers_for(requests_per_second: float) -> int:
    """Enough workers to keep the pace with round trips (plus our own bookkeeping) of up to
    ~0.8 s each, never more than 16."""
    return max(1, min(MAX_WORKERS, round(requests_per_second * 0.8)))


def run_job_items(
    job: Job, handle: Callable[[JobItem], tuple[str, str]], *, workers: int = 1
) -> Job:
    """Work through the job's pending items; ``handle(item)`` returns (status, message).
    Safe to call again after a restart: finished items are skipped. With ``workers`` > 1 the
    items run on that many threads (the caller's pacer keeps the rate)."""
    from django.db import connection

    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        started_at=job.started_at or timezone.now(),
        heartbeat_at=timezone.now(),
    )
    pending = list(job.items.filter(status=JobItem.Status.PENDING).order_by("position"))
    cancelled = threading.Event()
    progress = {"since": 0}
    progress_lock = threading.Lock()

    def one(item: JobItem, own_connection: bool):
        try:
            if cancelled.is_set():
                return
            if Job.objects.filter(pk=job.pk, status=Job.Status.CANCELLED).exists():
                cancelled.set()
                return
            try:
                status, message = handle(item)
            except Exception as error:  # one bad row must not stop the other 999
                status, message = JobItem.Status.FAILED, f"Unexpected error: {error}"
            item.status = status
            item.message = message
            item.finished_at = timezone.now()
            item.save(update_fields=["status", "message", "finished_at", "phone_number"])
            # Progress every few items: counting is a query, the page polls every second or so.
            with progress_lock:
                progress["since"] += 1
                due = progress["since"] >= max(1, workers)
                if due:
                    progress["since"] = 0
            if due:
                _count(job)
        finally:
            if own_connection:
                connection.close()

    # Inside a transaction (a test, or a caller's atomic block) other threads could not see the
    # job's rows, so the work stays on this thread.
    if workers <= 1 or connection.in_atomic_block:
        for item in pending:
            one(item, False)
            if cancelled.is_set():
                break
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda item: one(item, True), pending))
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
    client = bulk_client_for(account)
    pacer = SharedPacer(account.requests_per_second)
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

    run_job_items(job, handle, workers=workers_for(account.requests_per_second))


def start_bulk_import(job: Job) -> None:
    result = run_bulk_import.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(getattr(result, "id", "") or ""))


def resume_unfinished_jobs(stale_seconds: int = 120) -> list[int]:
    """Enqueue again every bulk import/release/configure job that still has pending items and
    whose runner has not reported for ``stale_seconds`` (it died in a restart). Safe even if the
    runner is in fact alive: every import/release item's operation key stops a second send, and a
    configure item re-reads the number and sends only what still differs from the plan."""
    from numbers_admin.actions.configure import run_bulk_configure
    from numbers_admin.actions.release import run_bulk_release

    resumed = []
    runners = {
        Job.Kind.BULK_IMPORT: run_bulk_import,
        Job.Kind.BULK_RELEASE: run_bulk_release,
        Job.Kind.BULK_CONFIGURE: run_bulk_configure,
    }
    quiet_since = timezone.now() - timezone.timedelta(seconds=stale_seconds)
    jobs = (
        Job.objects.filter(
            kind__in=list(runners),
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
            items__status=JobItem.Status.PENDING,
        )
        .filter(
            Q(heartbeat_at__isnull=True, created_at__lt=quiet_since)
            | Q(heartbeat_at__lt=quiet_since)
        )
        .distinct()
    )
    for job in jobs:
        runners[job.kind].enqueue(job.pk)
        resumed.append(job.pk)
    return resumed

"""Sync: make the local mirror of one account true to the carrier, and say what drifted.

The carrier is streamed page by page (``client.iter_numbers``) and handled in batches of
``BATCH_SIZE``: one SELECT of the batch's existing rows by upstream id (pk, fingerprint, stamps
only), new numbers inserted in bulk (``bulk_insert``), a field-by-field comparison only for rows
whose fingerprint of the carrier's body changed or that something saved since the last sync, an
UPDATE of just the changed columns, and ``bulk_create`` of the audit events. Memory stays flat
however large the account is: nothing is kept across batches but counters, a few samples for the
drift report and, in a first sync, the rows of the moves being written (at most three).

Numbers we hold that the carrier no longer lists are found *after* the stream: each batch adds the
ids of the rows it saw to a temporary table of this run (in the database, so memory stays flat for
a million numbers, and no write to an unchanged row: on PostgreSQL a stamp UPDATE per row cost more
than all the rest), and the in-service rows not in it are marked released there.

One sync per account at a time: the ``one_active_sync_per_account`` constraint on ``Job`` makes a
second start find the running job instead. A job whose heartbeat went quiet (a worker that crashed)
counts as abandoned and may be replaced; the replacement converges because each run only compares
what the carrier says now with what the mirror holds. A superseded run notices at its next
heartbeat and stops before marking anything gone.
"""

import datetime
import hashlib
import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from itertools import islice
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.tasks import task
from django.utils import timezone

from numbers_admin import numbering
from numbers_admin.actions import bulk_insert
from numbers_admin.audit import UPSTREAM_ACTOR, diff
from numbers_admin.mirror import (
    TOLL_FREE_TYPES,
    TRACKED_FIELDS,
    canonical_values,
    mirror_fields,
)
from numbers_admin.models import Account, AuditEvent, Job, PhoneNumber
from numbers_admin.upstream.base import CANONICAL_FIELDS
from numbers_admin.upstream.errors import UpstreamError

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
PAGE_SIZE = 1000
SAMPLE_SIZE = 20
HEARTBEAT_EVERY = 0.5  # seconds
# A first sync: new rows moved into the mirror at a time (see bulk_insert). Each commit writes
# every index page it touched, and a thousand new numbers touch most of them.
LOAD_ROWS_PER_MOVE = 10 * BATCH_SIZE
# Batches the helper thread may prepare ahead of the one being written (a first sync's: ~3 MiB
# each): a whole move's worth, so it keeps working while the database runs a move.
PREPARED_AHEAD = 12
# A running sync writes its heartbeat after every batch; one silent this long is taken as dead.
STALE_AFTER = datetime.timedelta(seconds=getattr(settings, "SYNC_STALE_AFTER_SECONDS", 300))

# Every column a sync may write; the derived ones come from numbering.describe (via mirror_fields).
_DERIVED_FIELDS = (
    "country",
    "location",
    "national_format",
    "international_format",
    "kind",
    "digits",
    "national_digits",
)
_CANONICAL_COLUMNS = tuple(f for f in CANONICAL_FIELDS if f != "upstream_id")
_WRITTEN_FIELDS = (*_CANONICAL_COLUMNS, *_DERIVED_FIELDS, "released_at", "released_by_upstream")


def _mirror_version() -> str:
    """Changes whenever the code that turns a provider body into mirror fields changes (the
    clients' mapping, mirror_fields, numbering, phonenumbers' data), so that a new release
    re-compares every row once instead of trusting fingerprints made by older code."""
    import inspect

    import phonenumbers

    from numbers_admin import mirror
    from numbers_admin.upstream import mapping

    material = "".join(inspect.getsource(m) for m in (mapping, mirror, numbering))
    material += phonenumbers.__version__
    return hashlib.blake2b(material.encode(), digest_size=8).hexdigest()


MIRROR_VERSION = _mirror_version()
_VERSION_BYTES = f"{MIRROR_VERSION}:orjson {orjson.__version__}:".encode()


def fingerprint(canonical: dict[str, Any]) -> str:
    """A digest of everything the carrier said about a number: its body as received, which the
    canonical fields are computed from. Equal digests mean nothing to write; unequal ones only
    send the row to the field-by-field comparison, so a digest that differs for a harmless reason
    costs time, never a wrong event."""
    raw = canonical.get("raw_payload")
    try:
        # orjson: the quickest stable serialisation of a JSON body (twice marshal's speed).
        material = orjson.dumps(raw) if raw else repr(canonical).encode()
    except orjson.JSONEncodeError:  # something JSON would not hold: still deterministic
        material = repr(canonical).encode()
    return hashlib.blake2b(_VERSION_BYTES + material, digest_size=16).hexdigest()


class _ListingFailed(Exception):
    """The carrier's listing raised (its exception is the cause) after the batches before it."""


class Superseded(Exception):
    """This run's job was taken over (marked abandoned) by a newer sync of the same account."""


# --- Starting -------------------------------------------------------------------------------------


def active_sync(account: Account) -> Job | None:
    return (
        Job.objects.filter(
            account=account, kind=Job.Kind.SYNC, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
        )
        .order_by("-created_at")
        .first()
    )


def is_stale(job: Job, now: datetime.datetime | None = None) -> bool:
    """True for a queued or running job that has shown no sign of life for ``STALE_AFTER``."""
    if job.is_finished:
        return False
    last_sign = job.heartbeat_at or job.started_at or job.created_at
    return last_sign < (now or timezone.now()) - STALE_AFTER


def abandon(job: Job, reason: str) -> None:
    Job.objects.filter(pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).update(
        status=Job.Status.FAILED, finished_at=timezone.now(), message=reason
    )


def create_sync_job(account: Account, user=None) -> tuple[Job, bool]:
    """The sync job to show for ``account``: a new queued one (created=True), or the one already
    queued or running (created=False). A stale one is marked abandoned and replaced."""
    for _attempt in range(3):
        current = active_sync(account)
        if current is not None:
            if not is_stale(current):
                return current, False
            abandon(
                current,
                "This sync stopped answering (the worker may have crashed), so a new sync "
                "replaced it. Nothing is lost: the new sync checks every number again.",
            )
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=Job.Kind.SYNC,
                    account=account,
                    created_by=user if getattr(user, "is_authenticated", False) else None,
                    params={"account": account.name},
                )
            return job, True
        except IntegrityError:
            # Someone else started one between our look and our insert: show theirs.
            continue
    current = active_sync(account)
    if current is None:  # pragma: no cover - only under a pathological race
        raise RuntimeError("Could not start or find a sync for this account.")
    return current, False


def start_sync(account: Account, user=None) -> tuple[Job, bool]:
    """Create the job and enqueue the background task (or find the sync already running)."""
    job, created = create_sync_job(account, user)
    if created:
        result = sync_account_task.enqueue(job.pk)
        # The immediate backend has already run it; a queued job records its task for support.
        Job.objects.filter(pk=job.pk).update(task_id=str(getattr(result, "id", ""))[:64])
        job.refresh_from_db()
    return job, created


@task
def sync_account_task(job_id: int) -> None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return  # superseded or already done: nothing to do
    run_sync(job)


def sync_now(account: Account, *, client=None, user=None) -> Job:
    """Run a sync of ``account`` in this process (management command, seeding, tests)."""
    job, created = create_sync_job(account, user)
    if not created:
        raise SyncAlreadyRunning(job)
    return run_sync(job, client=client)


class SyncAlreadyRunning(Exception):
    def __init__(self, job: Job):
        self.job = job
        super().__init__(
            f"A sync of “{job.account}” is already running (job #{job.pk}); wait for it to finish."
        )


# --- Running ------------------------------------------------------------------------------------


def run_sync(job: Job, *, client=None) -> Job:
    """Do the sync that ``job`` describes; records the outcome on the job and returns it."""
    account = job.account
    now = timezone.now()
    claimed = Job.objects.filter(
        pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).update(status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, done=0, total=0)
    if not claimed:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    try:
        if client is None:
            from numbers_admin.upstream import client_for

            client = client_for(account)
        summary = _Syncer(job, account, stamp=now).run(client.iter_numbers(page_size=PAGE_SIZE))
    except Superseded:
        job.refresh_from_db()
        return job
    except UpstreamError as exc:
        log.warning("sync of account %s failed: %s", account.pk, exc.message)
        _finish(job, Job.Status.FAILED, f"The sync stopped: {exc.message}")
        return job
    except Exception:
        log.exception("sync of account %s crashed", account.pk)
        _finish(
            job,
            Job.Status.FAILED,
            "The sync stopped because of an error in the dashboard. Numbers already checked are "
            "saved; run the sync again, and tell your administrator if it keeps failing.",
        )
        raise
    job.summary = summary
    job.total = job.done = summary["seen"]
    _finish(job, Job.Status.SUCCEEDED, drift_sentence(summary))
    Account.objects.filter(pk=account.pk).update(last_synced_at=timezone.now())
    return job


def _finish(job: Job, status: str, message: str) -> None:
    job.status = status
    job.message = message
    job.finished_at = job.heartbeat_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "message",
            "finished_at",
            "heartbeat_at",
            "summary",
            "total",
            "done",
        ]
    )


def _indexed_columns() -> list[str]:
    """The PhoneNumber columns that the mirror's indexes and unique constraints are on, their
    conditions included."""
    meta = PhoneNumber._meta
    names = {field.name for field in meta.fields if field.db_index or field.unique}
    for index in (*meta.indexes, *meta.constraints):
        names.update(name.lstrip("-") for name in getattr(index, "fields", ()))
        condition = getattr(index, "condition", None)
        if condition is not None:
            names.update(child[0].split("__")[0] for child in condition.children)
    return sorted(meta.get_field(name).column for name in names)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class _Prepared:
    """One batch from the carrier, with what can be worked out without the database.

    On a re-sync: each number's body by id (most are unchanged and need nothing more) and its
    fingerprint. On a first sync, where every number is new: the rows to insert, already
    derived and converted, and the numbers (for the job's samples); the bodies are let go, so a
    batch waiting its turn holds ~3 MiB instead of ~10.
    """

    def __init__(self, batch: list[dict[str, Any]], *, inserter=None, account=None):
        self.size = len(batch)
        # The same id twice in one batch (a page boundary that moved) is handled once.
        by_id = {c["upstream_id"]: c for c in batch}
        self.hashes = {upstream_id: fingerprint(c) for upstream_id, c in by_id.items()}
        self.by_id = by_id
        self.insert_rows: list[list] | None = None
        self.numbers: list[str] = []
        if inserter is not None:
            new = [self.new_values(upstream_id) for upstream_id in by_id]
            self.insert_rows = inserter.rows(bulk_insert.template(account), new)
            self.numbers = [values["number"] for values in new]
            self.by_id = dict.fromkeys(by_id)

    def new_values(self, upstream_id: str) -> dict[str, Any]:
        """The column values of a number that is new to the mirror."""
        values = mirror_fields(self.by_id[upstream_id])
        values["upstream_id"] = upstream_id
        values["mirror_hash"] = self.hashes[upstream_id]
        return values


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


class _Syncer:
    def __init__(self, job: Job, account: Account, *, stamp: datetime.datetime):
        self.job = job
        self.account = account
        self.stamp = stamp
        # Filling an empty mirror (a new account, or one that was empty) is an inventory, not
        # drift: the job's summary says how many were found, without an audit event per number.
        self.initial = not account.numbers.exists()
        self.seen = 0
        self.inserted = 0
        self._analyze_at = 2 * BATCH_SIZE
        self._last_beat = float("-inf")
        self.counts = {"new": 0, "changed": 0, "gone": 0, "unchanged": 0, "returned": 0}
        self.samples: dict[str, list] = {"new": [], "changed": [], "gone": []}

    def run(self, canonical_numbers: Iterable[dict[str, Any]]) -> dict[str, Any]:
        self._create_temp_tables()
        try:
            with (
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prepare") as helper,
                bulk_insert.sqlite_page_cache(enlarged=self.initial),
                bulk_insert.MoveWriters(self.inserter, parallel=self.initial) as self.writers,
            ):
                self._write_all(self._prepared_batches(helper, canonical_numbers))
            if self.initial and self.inserted >= 2 * BATCH_SIZE:
                self._analyze()
            self._mark_gone()
        finally:
            self._drop_temp_tables()
        return {
            "seen": self.seen,
            "initial": self.initial,
            **self.counts,
            "samples": self.samples,
        }

    # The rows this run saw, by pk: a TEMP table lives in this connection only, so concurrent
    # runs never see each other's, and a crashed run's disappears with its connection.
    # On PostgreSQL also, when needed, a staging table for new numbers a COPY could not take
    # (see bulk_insert).
    def _create_temp_tables(self) -> None:
        self.seen_table = connection.ops.quote_name(f"sync_seen_{self.job.pk}")
        self.inserter = bulk_insert.NumberInserter(f"sync_new_{self.job.pk}")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.seen_table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.seen_table} (id bigint PRIMARY KEY)")

    def _drop_temp_tables(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.seen_table}")
            self.inserter.drop_staging(cursor)

    def _remember_seen(self, pks: list[int]) -> None:
        if not pks:
            return
        marks = ", ".join(["(%s)"] * len(pks))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.seen_table} (id) VALUES {marks} "  # noqa: S608 - placeholders
                "ON CONFLICT (id) DO NOTHING",
                pks,
            )

    def _heartbeat(self, *, force: bool = False) -> None:
        """Progress for the page (which polls every second) and a sign of life; at most twice a
        second. Raises Superseded if another start has declared this run dead."""
        now = time.monotonic()
        if not force and now - self._last_beat < HEARTBEAT_EVERY:
            return
        self._last_beat = now
        updated = Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
            done=self.seen, heartbeat_at=timezone.now()
        )
        if not updated:
            raise Superseded()

    def _sample(self, key: str, entry) -> None:
        if len(self.samples[key]) < SAMPLE_SIZE:
            self.samples[key].append(entry)

    def _prepared_batches(self, helper, canonical_numbers) -> Iterator["_Prepared"]:
        """The carrier's numbers in batches, each prepared by the helper thread (fingerprints,
        and for a first sync the phonenumbers derivation and the rows to insert: pure Python,
        no database) while this thread writes the one before. If the listing fails part-way,
        the batches before the failure are still yielded, then the error is raised."""
        ahead = {"inserter": self.inserter, "account": self.account} if self.initial else {}
        batches = _batches(canonical_numbers, BATCH_SIZE)
        pending: deque[Future] = deque()
        while True:
            try:
                batch = next(batches, None)
            except Exception as exc:
                while pending:
                    yield pending.popleft().result()
                raise _ListingFailed() from exc
            if batch is None:
                break
            pending.append(helper.submit(_Prepared, batch, **ahead))
            if len(pending) > PREPARED_AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def _write_all(self, prepared_batches: Iterable["_Prepared"]) -> None:
        """Write every batch, each in a transaction of its own (taken after the batch arrived:
        no transaction waits on the carrier). A listing that fails part-way fails the sync, but
        what came before it is saved."""
        # A first sync's batch is only staged (in memory):
        # no transaction of the mirror's database needed until rows move.
        in_transaction = nullcontext if self.initial else transaction.atomic
        try:
            for prepared in prepared_batches:
                with in_transaction():
                    self._write_batch(prepared)
        except _ListingFailed as failed:
            self._move_staged()
            raise failed.__cause__ from None
        self._move_staged()

    def _write_batch(self, prepared: "_Prepared") -> None:
        self._upsert(prepared)
        self.seen += prepared.size
        self._heartbeat()

    def _upsert(self, prepared: "_Prepared") -> None:
        if prepared.insert_rows is not None:
            self._load(prepared)
            return
        by_id, hashes = prepared.by_id, prepared.hashes
        state = self._existing_state(list(by_id))
        new_rows: list[dict[str, Any]] = []
        to_compare: list[int] = []
        seen_pks: list[int] = []
        for upstream_id in by_id:
            row_state = state.get(upstream_id)
            if row_state is None:
                new_rows.append(prepared.new_values(upstream_id))
                continue
            pk, stored_hash, updated_at, synced_at, released_at = row_state
            seen_pks.append(pk)
            # Fast path: same fingerprint as the last sync wrote, and nothing saved the row since.
            if (
                stored_hash == hashes[upstream_id]
                and released_at is None
                and synced_at is not None
                and updated_at <= synced_at
            ):
                self.counts["unchanged"] += 1
                continue
            to_compare.append(pk)

        changed_rows, events = self._compare(to_compare, by_id, hashes)

        # The writes, in the transaction _write_all holds.
        if new_rows:
            self._insert(new_rows)
            self.counts["new"] += len(new_rows)
            for values in new_rows[: SAMPLE_SIZE - len(self.samples["new"])]:
                self._sample("new", values["number"])
            state = self._existing_state([v["upstream_id"] for v in new_rows])
            pks = {upstream_id: rest[0] for upstream_id, rest in state.items()}
            events += [
                self._event(
                    AuditEvent.Action.SYNC_NEW,
                    pks.get(values["upstream_id"]),
                    values["number"],
                    {},
                    "Found at the carrier; it was not in this dashboard.",
                )
                for values in new_rows
            ]
        if changed_rows:
            _update_rows(changed_rows)
        if events:
            AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
        self._remember_seen(seen_pks)

    def _load(self, prepared: "_Prepared") -> None:
        """A first sync's batch: every number is new. Nothing can be in the mirror yet but rows
        saved during this run (a purchase, or the same number twice in the listing), which the
        move leaves alone. Moved into the mirror every ``LOAD_ROWS_PER_MOVE`` rows."""
        self.inserter.stage(prepared.insert_rows)
        self.counts["new"] += len(prepared.insert_rows)
        for number in prepared.numbers[: SAMPLE_SIZE - len(self.samples["new"])]:
            self._sample("new", number)
        if self.inserter.staged >= LOAD_ROWS_PER_MOVE:
            self._move_staged()

    def _insert(self, new_rows: list[dict[str, Any]]) -> None:
        """A re-sync's new numbers go into the mirror at once: their audit events need ids."""
        self.inserter.stage(self.inserter.rows(bulk_insert.template(self.account), new_rows))
        self._move_staged()

    def _move_staged(self) -> None:
        if not self.inserter.staged:
            return
        self.inserted += self.writers.move()
        # A first sync looks nothing up while it loads: one ANALYZE at the end (run()) will do.
        if not self.initial and self.inserted >= self._analyze_at:
            self._analyze_at *= 4
            self._analyze()

    def _analyze(self) -> None:
        """Refresh PostgreSQL's statistics after a large load. With statistics from before it
        (autovacuum has not caught up yet), the planner answers the per-batch lookup by reading
        every row of the account through the account index: a first sync of a million numbers
        turns quadratic, and the next re-sync is several times slower.

        Only the indexed columns (what lookups, filters and sorts read): a third of the time of
        all 76, which was a sixth of a first sync. Autovacuum's own ANALYZE, due after a load
        this size, covers the rest."""
        if connection.vendor != "postgresql":
            return  # SQLite's lookup is a forced join order that never needs statistics
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in _indexed_columns())
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {quote(PhoneNumber._meta.db_table)} ({columns})")

    def _existing_state(self, upstream_ids: list[str]) -> dict[str, tuple]:
        """upstream_id → (pk, mirror_hash, updated_at, last_synced_at, released_at) of the rows
        this account already has among ``upstream_ids``, in one query.

        Written as a join from the list of ids so that every id is one probe of the unique
        (account, upstream_id) index: given ``upstream_id IN (…)`` SQLite prefers the
        (account, number) index and reads the whole account per batch. The two dates are
        compared only with each other, so SQLite's text form is fine as it is.
        """
        if not upstream_ids:
            return {}
        quote = connection.ops.quote_name
        columns = ", ".join(
            f"p.{quote(name)}"
            for name in (
                "upstream_id", "id", "mirror_hash", "updated_at", "last_synced_at", "released_at"
            )
        )  # fmt: skip
        table = quote(PhoneNumber._meta.db_table)
        if connection.vendor == "postgresql":
            # = ANY(array): an index condition on both columns, whatever the statistics say.
            sql = (
                f"SELECT {columns} FROM {table} p "  # noqa: S608 - only names from the model
                f"WHERE p.{quote('account_id')} = %s AND p.{quote('upstream_id')} = ANY(%s)"
            )
            params = [self.account.pk, upstream_ids]
        else:
            join = "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"
            values = ", ".join(["(%s)"] * len(upstream_ids))
            sql = (
                f"WITH ids(u) AS (VALUES {values}) "  # noqa: S608 - only placeholders and names
                f"SELECT {columns} FROM ids {join} {table} p "
                f"ON p.{quote('account_id')} = %s AND p.{quote('upstream_id')} = ids.u"
            )
            params = [*upstream_ids, self.account.pk]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def _compare(self, pks: list[int], by_id: dict, hashes: dict):
        """Field-by-field comparison of the rows the fast path could not settle."""
        changed_rows: list[tuple[PhoneNumber, tuple[str, ...]]] = []
        events: list[AuditEvent] = []
        if not pks:
            return changed_rows, events
        now = timezone.now()
        rows = PhoneNumber.objects.filter(pk__in=pks).only(
            "pk", "upstream_id", "mirror_hash", "last_synced_at", *_WRITTEN_FIELDS
        )
        for row in rows:
            canonical = by_id[row.upstream_id]
            values = self._values_for_existing(row, canonical)
            touched = [name for name, value in values.items() if getattr(row, name) != value]
            released_before = row.released_at
            returned = released_before is not None
            before = {name: getattr(row, name) for name in TRACKED_FIELDS}
            for name in touched:
                setattr(row, name, values[name])
            if returned:
                # Back at the carrier (re-bought, or a release that did not happen): in service.
                row.released_at = None
                row.released_by_upstream = False
                touched += ["released_at", "released_by_upstream"]
                self.counts["returned"] += 1
            row.mirror_hash = hashes[row.upstream_id]
            # Equal stamps: the next sync's fast path trusts rows nothing saved after the sync.
            row.updated_at = row.last_synced_at = now
            changed_rows.append(
                (row, (*sorted(touched), "mirror_hash", "updated_at", "last_synced_at"))
            )
            changes = {
                name: [_jsonable(old), _jsonable(new)]
                for name, (old, new) in diff(
                    before, {name: getattr(row, name) for name in TRACKED_FIELDS}
                ).items()
            }
            if returned:
                changes["released_at"] = [_jsonable(released_before), None]
            if not changes:
                # Only bookkeeping differed (raw payload, billing date, a fingerprint to refresh).
                self.counts["unchanged"] += 1
                continue
            self.counts["changed"] += 1
            self._sample("changed", {"number": row.number, "fields": sorted(changes)})
            events.append(
                self._event(
                    AuditEvent.Action.SYNC_CHANGED,
                    row.pk,
                    row.number,
                    changes,
                    "Back at the carrier after being released."
                    if returned
                    else "Changed outside this dashboard.",
                )
            )
        return changed_rows, events

    def _values_for_existing(self, row: PhoneNumber, canonical: dict[str, Any]) -> dict:
        """mirror_fields, without re-deriving country/format/kind when the number is the same
        (numbering.describe is the costly part of a sync)."""
        if canonical.get("number") != row.number:
            values = mirror_fields(canonical)
            values.pop("upstream_id", None)
            return values
        values = canonical_values(canonical)
        values.pop("upstream_id", None)
        # The two provider-driven overrides mirror_fields applies on top of describe(), redone
        # only where the provider's own type or country changed.
        if values.get("number_type", row.number_type) in TOLL_FREE_TYPES:
            values["kind"] = "toll_free"
        elif row.number_type in TOLL_FREE_TYPES:
            values["kind"] = numbering.describe(row.number)["kind"]
        if canonical.get("country_code"):
            values["country"] = canonical["country_code"]
        elif row.country_code:
            values["country"] = numbering.describe(row.number)["country"]
        return values

    def _event(
        self, action: str, pk: int | None, number: str, changes: dict, message: str
    ) -> AuditEvent:
        return AuditEvent(
            action=action,
            actor_label=UPSTREAM_ACTOR,
            account=self.account,
            phone_number_id=pk,
            number=number,
            changes=changes,
            message=message,
            job=self.job,
        )

    def _mark_gone(self) -> None:
        """Rows still in service that this run did not see are gone from the carrier. A row
        created here during the run (a purchase) may have missed the listing, so it is left."""
        self._heartbeat(force=True)  # a superseded run must not mark anything gone
        if self.initial:
            return  # the mirror held none of this account's numbers when the run started
        seen = RawSQL(f"SELECT id FROM {self.seen_table}", [])  # noqa: S608, S611 - a name
        gone = (
            PhoneNumber.objects.in_service()
            .filter(account=self.account, created_at__lt=self.stamp)
            .exclude(pk__in=seen)
            .only("pk", "number", "account_id")
            .order_by("pk")
        )
        now = timezone.now()
        last_pk = 0
        # Keyset pages rather than one open cursor: the loop writes to the table it reads.
        while batch := list(gone.filter(pk__gt=last_pk)[:BATCH_SIZE]):
            last_pk = batch[-1].pk
            pks = [row.pk for row in batch]
            with transaction.atomic():
                PhoneNumber.objects.filter(pk__in=pks, released_at__isnull=True).update(
                    released_at=now, released_by_upstream=True
                )
                AuditEvent.objects.bulk_create(
                    [
                        self._event(
                            AuditEvent.Action.SYNC_GONE,
                            row.pk,
                            row.number,
                            {"released_at": [None, now.isoformat()]},
                            "No longer on the carrier account; marked released there.",
                        )
                        for row in batch
                    ]
                )
            self.counts["gone"] += len(batch)
            for row in batch:
                self._sample("gone", row.number)


def _update_rows(rows: list[tuple[PhoneNumber, tuple[str, ...]]]) -> None:
    """UPDATE each row's changed columns: one executemany per distinct set of columns. (The
    ORM's bulk_update builds a CASE per column and row; for a re-compare of every row, as after
    an upgrade or the monthly billing-date change, that costs more than the rest of the sync.)"""
    groups: dict[tuple[str, ...], list[PhoneNumber]] = {}
    for row, names in rows:
        groups.setdefault(names, []).append(row)
    quote = connection.ops.quote_name
    table = quote(PhoneNumber._meta.db_table)
    with connection.cursor() as cursor:
        for names, members in groups.items():
            fields = [PhoneNumber._meta.get_field(name) for name in names]
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            sql = f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608
            cursor.executemany(
                sql,
                [
                    (*(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields),
                     row.pk)
                    for row in members
                ],
            )  # fmt: skip


# --- Words ----------------------------------------------------------------------------------------


def drift_sentence(summary: dict[str, Any]) -> str:
    """The drift report in one plain sentence, for the job page, the command and the logs."""
    seen = summary.get("seen", 0)
    if summary.get("initial"):
        plural = "" if seen == 1 else "s"
        return (
            f"Added {seen:,} number{plural} found at the carrier "
            "(the dashboard had none for this account yet)."
        )
    parts = [
        f"{summary.get('new', 0):,} new at the carrier",
        f"{summary.get('gone', 0):,} gone from the carrier",
        f"{summary.get('changed', 0):,} changed there",
    ]
    if not any(summary.get(k) for k in ("new", "gone", "changed")):
        return f"Checked {seen:,} numbers: everything matches the carrier."
    return f"Checked {seen:,} numbers: " + ", ".join(parts) + "."

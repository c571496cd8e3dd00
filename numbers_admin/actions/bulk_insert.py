"""Inserting many new PhoneNumber rows quickly: the write half of a first sync.

The ORM's ``bulk_create`` spends most of a first sync preparing parameters in Python (76
columns a row, each through its field's conversion). Here a row is built with one
``itemgetter`` over the merged values, and only dates and JSON are converted.

New rows are *staged* in memory, then *moved* into the mirror several batches at a time, in
number order (most indexes start with the number, so each is filled front to back):

- PostgreSQL moves with one binary ``COPY`` straight into the mirror: the cheapest way in for
  the server (no statement per row, nothing parsed from text) and for Python (psycopg writes
  the rows in C). COPY has no ON CONFLICT, so if a row is already there (see below) the COPY
  fails as a whole, leaves nothing, and the rows go the slower way: COPY into a table of this
  sync's connection (a TEMP table: no index, no constraint, gone with the connection), then
  ``INSERT … SELECT … ON CONFLICT DO NOTHING``.
- SQLite moves with multi-row ``INSERT … VALUES (…), (…), …`` statements, as many rows each as
  SQLite takes parameters.
- Maintaining the mirror's indexes is most of the database's cost. Done a few large statements
  at a time, it runs with Python's lock released, so the sync's helper thread prepares the next
  batches meanwhile (row-at-a-time INSERTs would hand the lock back and forth for every row).
- Several batches per move: each commit writes every index page it touched, and a thousand new
  numbers touch most of them.

ON CONFLICT DO NOTHING on (account, upstream_id): a number saved meanwhile (a purchase, or the
same number twice in one listing) is not duplicated, and keeps what was saved.
"""

import datetime
import json
import sqlite3
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import orjson
import psycopg
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.utils import timezone

from numbers_admin.models import PhoneNumber

_FIELDS = [f for f in PhoneNumber._meta.concrete_fields if not f.primary_key]
COLUMNS = tuple(f.attname for f in _FIELDS)
_NUMBER_POSITION = COLUMNS.index("number")
_PAYLOAD_POSITION = COLUMNS.index("raw_payload")
DEFAULTS = {f.attname: f.get_default() for f in _FIELDS if f.attname != "account_id"}
# SQLite's page cache (KiB) during a first sync.
SQLITE_LOAD_CACHE_KIB = 64 * 1024


class NumberInserter:
    """Built once per sync, in the thread that owns the database connection. ``rows`` may run in
    another thread (it only converts values), and ``write`` in any thread with the cursor of that
    thread's connection; staging belongs to the thread that built it."""

    def __init__(self, staging_name: str):
        # The wrapper itself, not the thread-local proxy: rows() may run in a helper thread.
        self._db = db = connections[DEFAULT_DB_ALIAS]
        self._row_of = itemgetter(*COLUMNS)
        self._conversions = [
            (position, field.attname, convert)
            for position, field in enumerate(_FIELDS)
            if (convert := _conversion(field, db)) is not None
        ]
        quote = db.ops.quote_name
        self._table = quote(PhoneNumber._meta.db_table)
        self._staging = quote(staging_name)
        self._columns = ", ".join(quote(f.column) for f in _FIELDS)
        self._values_sql: dict[int, str] = {}  # SQLite: statement by number of rows
        self._copy_types: list[int] | None = None  # PostgreSQL: each column's type, for COPY
        self._staged_rows: list[list] = []  # the rows waiting for the next move
        self.staged = 0  # rows staged and not yet moved
        self._order = quote("number")
        self._conflict = f"ON CONFLICT ({quote('account_id')}, {quote('upstream_id')}) DO NOTHING"

    def rows(self, template: dict[str, Any], new_rows: list[dict[str, Any]]) -> list[list]:
        """Each of ``new_rows`` over ``template``, as a list of column values for the database.
        The template (the same for every row) is converted once; a row's own values as needed."""
        base = dict(template)
        for _position, name, convert in self._conversions:
            base[name] = convert(base[name])
        row_of, conversions = self._row_of, self._conversions
        rows = []
        for values in new_rows:
            row = list(row_of({**base, **values}))
            for position, name, convert in conversions:
                if name in values:
                    row[position] = convert(row[position])
            rows.append(row)
        return rows

    def _create_staging(self, cursor) -> None:
        """PostgreSQL: an empty table of the insertable columns, living only as long as the
        cursor's connection, for a move whose COPY met a row already in the mirror."""
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {self._staging} AS "  # noqa: S608 - names
            f"SELECT {self._columns} FROM {self._table} WITH NO DATA"
        )

    def drop_staging(self, cursor) -> None:
        self._staged_rows, self.staged = [], 0
        if self._db.vendor == "postgresql":
            cursor.execute(f"DROP TABLE IF EXISTS {self._staging}")

    def stage(self, rows: list[list]) -> None:
        """Add ``rows`` to what the next ``move`` inserts (nothing is in the mirror until then)."""
        self.staged += len(rows)
        self._staged_rows += rows

    def take_staged(self) -> list[list]:
        """What is staged, handed over for ``write`` (perhaps in another thread); staging
        starts afresh."""
        rows, self._staged_rows, self.staged = self._staged_rows, [], 0
        return rows

    def write(self, cursor, rows: list[list]) -> None:
        """Insert ``rows`` through ``cursor``, which may belong to another thread's connection
        (PostgreSQL: a first sync writes on two). Call it in a transaction."""
        rows.sort(key=itemgetter(_NUMBER_POSITION))
        if self._db.vendor == "postgresql":
            self._move_by_copy(cursor, rows)
        else:
            self._move_by_values(rows)

    def _move_by_copy(self, cursor, rows: list[list]) -> None:
        try:
            with transaction.atomic(using=self._db.alias):
                self._copy(cursor, self._table, rows)
        except IntegrityError:
            # One of the rows is in the mirror already: the COPY left nothing behind.
            self._create_staging(cursor)  # this connection's own, if the move runs elsewhere
            self._copy(cursor, self._staging, rows)
            cursor.execute(
                f"INSERT INTO {self._table} ({self._columns}) "  # noqa: S608 - model names
                f"SELECT {self._columns} FROM {self._staging} "
                f"ORDER BY {self._order} {self._conflict}"
            )
            # Not DELETE: nothing vacuums a TEMP table, and its dead rows would be read again.
            cursor.execute(f"TRUNCATE {self._staging}")

    def _copy(self, cursor, table: str, rows: list[list]) -> None:
        types = self._column_types(cursor)
        # psycopg's own cursor (Django's has no COPY), with its errors turned into Django's.
        with (
            cursor.db.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {table} ({self._columns}) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def _column_types(self, cursor) -> list[int]:
        """The type of each column as PostgreSQL reports it (binary COPY sends no types)."""
        if self._copy_types is None:
            cursor.execute(f"SELECT {self._columns} FROM {self._table} LIMIT 0")  # noqa: S608
            types = [column.type_code for column in cursor.description]
            # The body arrives already serialised (see rows()): sent as text, which a json
            # column takes as it is.
            types[_PAYLOAD_POSITION] = psycopg.adapters.types["text"].oid
            self._copy_types = types
        return self._copy_types

    def _move_by_values(self, rows: list[list]) -> None:
        # The DB-API connection itself: Django's cursor would rewrite every %s of a statement
        # with 32,000 parameters, and (DEBUG) log them all.
        raw = self._db.connection
        per_statement = max(1, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(COLUMNS))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            raw.execute(self._values_insert(len(chunk)), [v for row in chunk for v in row])

    def _values_insert(self, row_count: int) -> str:
        sql = self._values_sql.get(row_count)
        if sql is None:
            one_row = "(" + ", ".join(["?"] * len(COLUMNS)) + ")"
            sql = self._values_sql[row_count] = (
                f"INSERT INTO {self._table} ({self._columns}) "  # noqa: S608 - placeholders
                f"VALUES {', '.join([one_row] * row_count)} {self._conflict}"
            )
        return sql


class MoveWriters:
    """Where a first sync's moves are written, as a context manager that waits for them all.

    On PostgreSQL, ``WRITERS`` threads with a connection each: the server's share of a move (the
    COPY into the mirror and its indexes) is the longest part of a first sync, and a second
    connection puts to work the CPU the Python side leaves idle. Each move commits on its own,
    as in one thread. Otherwise in the calling thread: SQLite takes one writer at a time, and a
    caller's open transaction (a test's) would be invisible to other connections.
    """

    WRITERS = 2

    def __init__(self, inserter: NumberInserter, *, parallel: bool):
        self._inserter = inserter
        self._pool = None
        if parallel and connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._pool = ThreadPoolExecutor(self.WRITERS, thread_name_prefix="sync-write")
        self._in_flight: deque[Future] = deque()

    def move(self) -> int:
        """Move what the inserter has staged; returns how many rows. With writer threads, the
        move may still be running: an error comes out of a later call or of leaving."""
        count, rows = self._inserter.staged, self._inserter.take_staged()
        if self._pool is None:
            self._write(rows)
            return count
        while len(self._in_flight) >= self.WRITERS:
            self._in_flight.popleft().result()
        self._in_flight.append(self._pool.submit(self._write_and_close, rows))
        return count

    def _write(self, rows: list[list]) -> None:
        """One move, committed on its own, on this thread's connection."""
        with transaction.atomic(), connection.cursor() as cursor:
            self._inserter.write(cursor, rows)

    def _write_and_close(self, rows: list[list]) -> None:
        try:
            self._write(rows)
        finally:
            connection.close()  # a writer thread's own

    def __enter__(self) -> "MoveWriters":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is None:
            return
        try:
            while self._in_flight:  # a running COPY cannot be called back: wait for each
                self._in_flight.popleft().result()
        finally:
            self._pool.shutdown()


def template(account) -> dict[str, Any]:
    """The column values every new number of a batch shares."""
    now = timezone.now()
    return {
        **DEFAULTS,
        "account_id": account.pk,
        "created_at": now,
        "updated_at": now,
        # Not earlier than updated_at, so the next sync's fast path applies to these rows.
        "last_synced_at": now,
    }


@contextmanager
def sqlite_page_cache(*, enlarged: bool):
    """SQLite keeps 2 MiB of pages per connection by default: far fewer than the index pages a
    first sync keeps touching. Enlarged for the run, then put back."""
    if not enlarged or connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


def _conversion(field: models.Field, db) -> Callable[[Any], Any] | None:
    """None where the driver takes the Python value as it is; else the value's conversion for
    this database (dates on SQLite, JSON everywhere)."""
    if isinstance(field, models.DateTimeField):
        return datetime_conversion(field, db)
    if isinstance(field, models.JSONField) and field.encoder is None:

        def to_json(value, field=field):
            # Django's own conversion of a JSON value without an encoder is json.dumps; orjson
            # writes the same JSON (without spaces) ten times as fast. Integers beyond 64 bits,
            # which orjson refuses, take Django's way.
            if value is None:
                return field.get_db_prep_save(None, db)
            try:
                return orjson.dumps(value).decode()
            except orjson.JSONEncodeError:
                return json.dumps(value)

        return to_json
    if isinstance(field, models.JSONField):
        return lambda value, field=field: field.get_db_prep_save(value, db)
    return None


def datetime_conversion(field: models.DateTimeField, db=None) -> Callable[[Any], Any] | None:
    """What Django's own conversion gives, without its per-value checks (seven date columns a
    row made them a third of a first sync's local work). PostgreSQL: psycopg adapts aware
    datetimes itself, as Django's adapter does. SQLite: UTC, naive, as text."""
    db = db or connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        return None
    utc_connection = db.timezone_name == "UTC"

    def convert(value):
        if value is None:
            return None
        if utc_connection and isinstance(value, datetime.datetime) and value.tzinfo is not None:
            if value.tzinfo is datetime.UTC:
                return str(value)[:-6]  # "… 03:04:05+00:00" without its offset
            return str(value.astimezone(datetime.UTC).replace(tzinfo=None))
        return field.get_db_prep_save(value, db)

    return convert

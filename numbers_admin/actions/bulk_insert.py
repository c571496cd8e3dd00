"""Inserting many new PhoneNumber rows quickly: the write half of a first sync.

The ORM's ``bulk_create`` spends most of a first sync preparing parameters in Python (76
columns a row, each through its field's conversion). Here a row is built with one
``itemgetter`` over the merged values, and only dates and JSON are converted.

- SQLite: one ``executemany`` of ``INSERT … ON CONFLICT DO NOTHING``.
- PostgreSQL: ``COPY`` into a staging table of this sync's connection, then one
  ``INSERT … SELECT … ON CONFLICT DO NOTHING``. Sent a row at a time, the server's parse, bind and
  execute of each row cost more than writing it.

ON CONFLICT DO NOTHING on (account, upstream_id) everywhere: a number a concurrent run inserted
meanwhile is not duplicated.
"""

import datetime
import json
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from django.db import connection, models

from numbers_admin.models import PhoneNumber

_FIELDS = [f for f in PhoneNumber._meta.concrete_fields if not f.primary_key]
COLUMNS = tuple(f.attname for f in _FIELDS)
DEFAULTS = {f.attname: f.get_default() for f in _FIELDS if f.attname != "account_id"}


class NumberInserter:
    """Built once per sync (the conversions depend on the database)."""

    def __init__(self):
        self._row_of = itemgetter(*COLUMNS)
        self._conversions = [
            (position, convert)
            for position, field in enumerate(_FIELDS)
            if (convert := _conversion(field)) is not None
        ]
        quote = connection.ops.quote_name
        self._table = quote(PhoneNumber._meta.db_table)
        self._columns = ", ".join(quote(f.column) for f in _FIELDS)
        self._conflict = f"ON CONFLICT ({quote('account_id')}, {quote('upstream_id')}) DO NOTHING"

    def rows(self, template: dict[str, Any], new_rows: list[dict[str, Any]]) -> list[list]:
        """Each of ``new_rows`` over ``template``, as a list of column values for the database."""
        row_of, conversions = self._row_of, self._conversions
        rows = []
        for values in new_rows:
            row = list(row_of({**template, **values}))
            for position, convert in conversions:
                row[position] = convert(row[position])
            rows.append(row)
        return rows

    @property
    def insert_sql(self) -> str:
        marks = ", ".join(["%s"] * len(COLUMNS))
        # Only quoted names from the model's own metadata are interpolated; values are parameters.
        return f"INSERT INTO {self._table} ({self._columns}) VALUES ({marks}) {self._conflict}"  # noqa: S608

    def create_staging(self, cursor, name: str) -> None:
        """PostgreSQL: an empty table of the insertable columns, with no index or constraint to
        maintain, living (like a TEMP table does) only as long as this connection."""
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {name} AS "  # noqa: S608 - names from the model
            f"SELECT {self._columns} FROM {self._table} WITH NO DATA"
        )

    def copy_in(self, cursor, staging: str, rows: list[list]) -> None:
        """PostgreSQL: COPY ``rows`` into ``staging``, move them into the table, empty it."""
        with cursor.cursor.copy(f"COPY {staging} ({self._columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {self._table} ({self._columns}) "  # noqa: S608 - names from the model
            f"SELECT {self._columns} FROM {staging} {self._conflict}"
        )
        cursor.execute(f"TRUNCATE {staging}")


def _conversion(field: models.Field) -> Callable[[Any], Any] | None:
    """None where the driver takes the Python value as it is; else the value's conversion for
    this database (dates on SQLite, JSON everywhere)."""
    if isinstance(field, models.DateTimeField):
        return datetime_conversion(field)
    if isinstance(field, models.JSONField) and field.encoder is None:

        def to_json(value, field=field):
            # Django's own conversion of a JSON value without an encoder is json.dumps.
            if value is None:
                return field.get_db_prep_save(None, connection)
            return json.dumps(value)

        return to_json
    if isinstance(field, models.JSONField):
        return lambda value, field=field: field.get_db_prep_save(value, connection)
    return None


def datetime_conversion(field: models.DateTimeField) -> Callable[[Any], Any] | None:
    """What Django's own conversion gives, without its per-value checks (seven date columns a
    row made them a third of a first sync's local work). PostgreSQL: psycopg adapts aware
    datetimes itself, as Django's adapter does. SQLite: UTC, naive, as text."""
    if connection.vendor == "postgresql":
        return None
    utc_connection = connection.timezone_name == "UTC"

    def convert(value):
        if value is None:
            return None
        if utc_connection and isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return str(value.astimezone(datetime.UTC).replace(tzinfo=None))
        return field.get_db_prep_save(value, connection)

    return convert

"""Model fields of our own."""

from django.db import models


class PayloadField(models.JSONField):
    """A carrier's body as it was received: a JSON record kept to be read back whole (the
    number's detail page shows it), never searched inside.

    Stored as text JSON rather than in the database's form for querying JSON: PostgreSQL's
    ``jsonb`` is parsed into a binary tree on every write, and SQLite's JSONField column checks
    ``JSON_VALID`` on every write. Both are paid per number by a first sync (on PostgreSQL, jsonb
    was the largest single cost of inserting a number), for lookups inside the body that nothing
    makes. What is written is always serialised by Python's or orjson's JSON encoder, so it is
    valid JSON without the check.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"  # validated on input, kept as text; no binary decomposition
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        adapted = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Json, Jsonb

            if isinstance(adapted, Jsonb):
                # Sent as json: as jsonb, PostgreSQL would reorder the keys on the way in.
                return Json(adapted.obj, adapted.dumps)
        return adapted

    def db_check(self, connection):
        return None

    def from_db_value(self, value, expression, connection):
        # psycopg decodes ``json`` columns itself (jsonb it leaves to Django as text).
        if value is None or not isinstance(value, str | bytes):
            return value
        return super().from_db_value(value, expression, connection)

"""PayloadField: a carrier's body kept as the JSON text it came as, read back whole."""

import json

import pytest
from django.db import connection

from numbers_admin.models import PhoneNumber

pytestmark = pytest.mark.django_db


def test_a_body_saved_through_the_orm_reads_back_the_same(signalwire_account):
    body = {"id": "x", "name": "Réception", "capabilities": ["voice"], "nested": {"n": None}}
    saved = PhoneNumber.objects.create(
        account=signalwire_account, upstream_id="x", number="+14155550100", raw_payload=body
    )

    assert PhoneNumber.objects.get(pk=saved.pk).raw_payload == body
    assert PhoneNumber.objects.values_list("raw_payload", flat=True).get(pk=saved.pk) == body


def test_a_body_keeps_its_key_order_on_postgresql(signalwire_account):
    # jsonb would sort the keys and drop the spacing; the body as received is what support reads.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores JSON text as it is given")
    saved = PhoneNumber.objects.create(
        account=signalwire_account,
        upstream_id="x",
        number="+14155550100",
        raw_payload={"z": 1, "a": 2},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT raw_payload::text FROM numbers_admin_phonenumber WHERE id = %s", [saved.pk]
        )
        assert list(json.loads(cursor.fetchone()[0])) == ["z", "a"]

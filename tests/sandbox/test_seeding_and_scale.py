"""Seeded inventories look real, and paging stays cheap however deep it goes."""

import datetime as dt
from collections import Counter

import phonenumbers
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from numbers_admin.sandbox.models import SandboxNumber
from numbers_admin.sandbox.seeding import seed_owned_numbers

pytestmark = pytest.mark.django_db


def test_seeded_inventory_has_a_realistic_spread():
    assert seed_owned_numbers("signalwire", 3000, seed=1) == 3000
    numbers = list(SandboxNumber.objects.filter(space="signalwire"))
    countries = Counter(n.country_code for n in numbers)
    assert countries["US"] + countries["CA"] > 0.8 * len(numbers)
    assert countries["CA"] > 0 and countries["GB"] > 0 and countries["AU"] > 0
    kinds = Counter(n.kind for n in numbers)
    assert kinds["local"] > kinds["toll-free"] > 0 and kinds["mobile"] > 0
    handlers = Counter(n.config.get("call_handler") for n in numbers)
    for handler in ("laml_webhooks", "laml_application", "relay_application", None):
        assert handlers[handler] > 0
    assert any(n.config.get("call_request_url", "").startswith("http://") for n in numbers)
    cutoff = timezone.now() - dt.timedelta(days=14)
    old = sum(n.created_at < cutoff for n in numbers)
    assert 0.8 * len(numbers) < old < len(numbers)  # mostly releasable, some too new
    # Every seeded North American number is a valid one.
    for n in numbers[:300]:
        if n.country_code in ("US", "CA"):
            assert phonenumbers.is_valid_number(phonenumbers.parse(n.number, None)), n.number
    assert all(n.origin == "hosted" for n in numbers if n.country_code in ("GB", "AU"))


def test_seeding_is_deterministic_and_idempotent():
    seed_owned_numbers("twilio", 200, seed=5)
    first = set(SandboxNumber.objects.values_list("number", flat=True))
    assert seed_owned_numbers("twilio", 200, seed=5) == 0
    SandboxNumber.objects.all().delete()
    seed_owned_numbers("twilio", 200, seed=5)
    assert set(SandboxNumber.objects.values_list("number", flat=True)) == first
    assert SandboxNumber.objects.filter(space="signalwire").count() == 0


def test_seeded_numbers_show_in_all_views(api):
    seed_owned_numbers("signalwire", 30)
    rest = api.rest("GET", "/phone_numbers", page_size=30).json()["data"]
    compat = api.compat("GET", "/IncomingPhoneNumbers", PageSize=30).json()
    assert {n["id"] for n in rest} == {n["sid"] for n in compat["incoming_phone_numbers"]}
    webhook = next(n for n in rest if n["call_handler"] == "laml_webhooks")
    same = next(n for n in compat["incoming_phone_numbers"] if n["sid"] == webhook["id"])
    assert same["voice_url"] == webhook["call_request_url"]


def test_deep_pages_use_the_index_not_offset_or_count(api):
    seed_owned_numbers("signalwire", 2500)
    body = api.rest("GET", "/phone_numbers", page_size=1000).json()
    body = api.get_url(body["links"]["next"]).json()
    with CaptureQueriesContext(connection) as queries:
        third = api.get_url(body["links"]["next"])
    assert third.status_code == 200
    assert len(third.json()["data"]) == 500 and "next" not in third.json()["links"]
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "OFFSET" not in sql
    assert "COUNT(" not in sql


def test_seed_command_style_call_is_fast_enough():
    import time

    started = time.monotonic()
    seed_owned_numbers("signalwire", 20000)
    # 1,000,000 rows take about a minute; 20,000 must not take more than a few seconds.
    assert time.monotonic() - started < 15
    assert SandboxNumber.objects.count() == 20000


def test_migrations_are_in_sync():
    call_command("makemigrations", "sandbox", "--check", "--dry-run", verbosity=0)

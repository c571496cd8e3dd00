"""Sync logic against a stand-in client: upsert, drift, idempotence, concurrency, restart."""

import datetime

import pytest
from django.utils import timezone

from numbers_admin.actions import sync
from numbers_admin.models import AuditEvent, Job, PhoneNumber
from tests.sync.fakes import FakeClient, canonical

pytestmark = pytest.mark.django_db


def test_first_sync_adds_every_number_with_derived_fields(account):
    job = sync.sync_now(account, client=FakeClient([canonical(i) for i in range(5)]))

    assert job.status == Job.Status.SUCCEEDED
    assert job.done == job.total == 5
    assert PhoneNumber.objects.filter(account=account).count() == 5
    row = PhoneNumber.objects.get(number="+14155550003")
    assert row.country == "US"
    assert row.digits == "14155550003"
    assert row.national_format == "(415) 555-0003"
    assert row.call_request_url == "https://example.com/voice/3"
    assert row.last_synced_at is not None
    assert job.summary["initial"] is True
    assert "Added 5 numbers found at the carrier" in job.message
    # The initial inventory is not drift: no event per number.
    assert not AuditEvent.objects.exists()
    account.refresh_from_db()
    assert account.last_synced_at is not None


def test_sync_twice_keeps_same_rows_and_records_no_events(account):
    numbers = [canonical(i) for i in range(30)]
    sync.sync_now(account, client=FakeClient(numbers))
    before = list(PhoneNumber.objects.order_by("pk").values_list("pk", "upstream_id", "name"))

    job = sync.sync_now(account, client=FakeClient(numbers))

    after = list(PhoneNumber.objects.order_by("pk").values_list("pk", "upstream_id", "name"))
    assert after == before
    assert AuditEvent.objects.count() == 0
    assert job.summary["unchanged"] == 30
    assert job.message == "Checked 30 numbers: everything matches the carrier."


def test_drift_new_gone_and_changed_are_recorded_and_reported(account):
    sync.sync_now(account, client=FakeClient([canonical(i) for i in range(3)]))
    upstream = [
        canonical(0),
        canonical(1, name="Renamed at the carrier", call_request_url="https://new.example/v"),
        # number 2 was released at the carrier; number 7 was bought there.
        canonical(7),
    ]

    job = sync.sync_now(account, client=FakeClient(upstream))

    summary = job.summary
    assert (summary["new"], summary["gone"], summary["changed"]) == (1, 1, 1)
    assert summary["samples"]["new"] == ["+14155550007"]
    assert summary["samples"]["gone"] == ["+14155550002"]
    assert summary["samples"]["changed"] == [
        {"number": "+14155550001", "fields": ["call_request_url", "name"]}
    ]
    assert "1 new at the carrier, 1 gone from the carrier, 1 changed there" in job.message

    gone = PhoneNumber.objects.get(number="+14155550002")
    assert gone.released_at is not None and gone.released_by_upstream

    events = {e.action: e for e in AuditEvent.objects.all()}
    assert set(events) == {"sync_new", "sync_gone", "sync_changed"}
    assert all(e.actor_label == "upstream" and e.job_id == job.pk for e in events.values())
    changed = events["sync_changed"]
    assert changed.number == "+14155550001"
    assert changed.changes == {
        "name": ["Line 1", "Renamed at the carrier"],
        "call_request_url": ["https://example.com/voice/1", "https://new.example/v"],
    }
    assert events["sync_new"].phone_number.number == "+14155550007"
    assert events["sync_gone"].phone_number_id == gone.pk

    # Running it again finds nothing more: no duplicate events.
    again = sync.sync_now(account, client=FakeClient(upstream))
    assert AuditEvent.objects.count() == 3
    assert again.message.endswith("everything matches the carrier.")


def test_number_back_at_carrier_returns_to_service(account):
    sync.sync_now(account, client=FakeClient([canonical(0), canonical(1)]))
    sync.sync_now(account, client=FakeClient([canonical(0)]))
    assert PhoneNumber.objects.get(number="+14155550001").released_at is not None

    job = sync.sync_now(account, client=FakeClient([canonical(0), canonical(1)]))

    row = PhoneNumber.objects.get(number="+14155550001")
    assert row.released_at is None and not row.released_by_upstream
    assert job.summary["returned"] == 1
    assert AuditEvent.objects.filter(action="sync_changed", phone_number=row).exists()


def test_changed_dates_are_stored_as_text_in_the_event(account):
    sync.sync_now(account, client=FakeClient([canonical(0)]))
    later = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)

    sync.sync_now(account, client=FakeClient([canonical(0, upstream_created_at=later)]))

    event = AuditEvent.objects.get(action="sync_changed")
    assert event.changes["upstream_created_at"][1] == "2026-03-01T00:00:00+00:00"


def test_batches_span_pages_without_duplicates(account, monkeypatch):
    monkeypatch.setattr(sync, "BATCH_SIZE", 7)
    numbers = [canonical(i) for i in range(50)]
    job = sync.sync_now(account, client=FakeClient(numbers + [numbers[3]]))
    assert PhoneNumber.objects.count() == 50
    assert job.status == Job.Status.SUCCEEDED


def test_upstream_failure_fails_the_job_in_plain_words_and_marks_nothing_gone(account):
    sync.sync_now(account, client=FakeClient([canonical(i) for i in range(10)]))

    job = sync.sync_now(account, client=FakeClient([canonical(i) for i in range(10)], 4))

    assert job.status == Job.Status.FAILED
    assert job.message.startswith("The sync stopped: The carrier's API could not be reached")
    assert not PhoneNumber.objects.filter(released_at__isnull=False).exists()


def test_second_start_while_running_shows_the_running_job(account):
    first, created = sync.create_sync_job(account)
    assert created
    second, created_again = sync.create_sync_job(account)
    assert not created_again and second.pk == first.pk
    with pytest.raises(sync.SyncAlreadyRunning):
        sync.sync_now(account, client=FakeClient([canonical(0)]))
    assert Job.objects.filter(kind="sync").count() == 1


def test_stale_job_is_replaced_and_rerun_converges(account, monkeypatch):
    monkeypatch.setattr(sync, "BATCH_SIZE", 3)
    # A crash half-way: the first batch was saved, then the worker died.
    stale, _ = sync.create_sync_job(account)
    with pytest.raises(RuntimeError):
        sync.run_sync(stale, client=_Crashing([canonical(i) for i in range(10)], after=5))
    assert PhoneNumber.objects.count() == 3
    Job.objects.filter(pk=stale.pk).update(
        status=Job.Status.RUNNING, heartbeat_at=timezone.now() - datetime.timedelta(hours=1)
    )

    job, created = sync.create_sync_job(account)
    assert created and job.pk != stale.pk
    stale.refresh_from_db()
    assert stale.status == Job.Status.FAILED and "stopped answering" in stale.message

    sync.run_sync(job, client=FakeClient([canonical(i) for i in range(10)]))
    assert PhoneNumber.objects.count() == 10
    # The superseded job, if its worker ever wakes, does nothing.
    assert sync.run_sync(stale, client=FakeClient([])).status == Job.Status.FAILED
    assert PhoneNumber.objects.in_service().count() == 10


def test_superseded_run_stops_before_marking_anything_gone(account):
    sync.sync_now(account, client=FakeClient([canonical(i) for i in range(5)]))
    job, _ = sync.create_sync_job(account)

    class Hijacked(FakeClient):
        def iter_numbers(self, page_size=1000):
            yield canonical(0)
            # Another start declared this run dead while it was paging.
            sync.abandon(job, "replaced")

    result = sync.run_sync(job, client=Hijacked())
    assert result.status == Job.Status.FAILED
    assert PhoneNumber.objects.in_service().count() == 5


class _Crashing(FakeClient):
    def __init__(self, numbers, after):
        super().__init__(numbers)
        self.after = after

    def iter_numbers(self, page_size=1000):
        for i, n in enumerate(self.numbers):
            if i == self.after:
                raise RuntimeError("worker killed")
            yield n


def test_row_saved_elsewhere_is_compared_again_even_if_carrier_did_not_change(account):
    sync.sync_now(account, client=FakeClient([canonical(0), canonical(1)]))
    row = PhoneNumber.objects.get(number="+14155550000")
    row.call_request_url = "https://local-only.example/"
    row.save()

    job = sync.sync_now(account, client=FakeClient([canonical(0), canonical(1)]))

    row.refresh_from_db()
    assert row.call_request_url == "https://example.com/voice/0"
    assert job.summary["changed"] == 1


def test_bookkeeping_only_difference_is_written_without_an_event(account):
    sync.sync_now(account, client=FakeClient([canonical(0)]))
    payload = {"id": "x", "number": "+14155550000", "next_billed_at": "2027-01-01"}

    job = sync.sync_now(account, client=FakeClient([canonical(0, raw_payload=payload)]))

    assert PhoneNumber.objects.get().raw_payload == payload
    assert job.summary["changed"] == 0 and job.summary["unchanged"] == 1
    assert not AuditEvent.objects.exists()


def test_empty_sync_then_numbers_is_still_an_inventory_not_a_flood_of_events(account):
    sync.sync_now(account, client=FakeClient([]))
    job = sync.sync_now(account, client=FakeClient([canonical(i) for i in range(4)]))
    assert job.summary["initial"] is True and job.summary["new"] == 4
    assert not AuditEvent.objects.exists()


def test_insert_dates_are_converted_exactly_as_django_converts_them():
    import datetime as dt
    import zoneinfo

    from django.db import connection
    from django.utils import timezone

    from numbers_admin.actions.bulk_insert import datetime_conversion

    field = PhoneNumber._meta.get_field("upstream_created_at")
    convert = datetime_conversion(field) or (lambda value: value)
    values = [
        None,
        timezone.now(),
        dt.datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 18, 5, 49, 47, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
        dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),  # no microseconds
        dt.datetime(2025, 1, 2, 3, 4, 5, 7, tzinfo=zoneinfo.ZoneInfo("UTC")),  # another UTC
        dt.datetime(2025, 3, 30, 1, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
    ]
    for value in values:
        assert convert(value) == field.get_db_prep_save(value, connection), value

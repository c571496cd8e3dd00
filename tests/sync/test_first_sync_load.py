"""A first sync stages new numbers and moves them into the mirror several batches at a time
(bulk_insert): COPY on PostgreSQL, falling back to a staging table when a row is there already."""

import threading

import pytest
from django.db import connection

from numbers_admin.actions import sync
from numbers_admin.models import Job, PhoneNumber
from numbers_admin.upstream.errors import Unavailable
from tests.sync.fakes import FakeClient, canonical

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_moves(monkeypatch):
    """Batches of 3 numbers, moved into the mirror every 6 numbers; no batch prepared ahead, so
    what the mirror holds at each number of the listing is exact."""
    monkeypatch.setattr(sync, "BATCH_SIZE", 3)
    monkeypatch.setattr(sync, "LOAD_ROWS_PER_MOVE", 6)
    monkeypatch.setattr(sync, "PREPARED_AHEAD", 0)


class Watching(FakeClient):
    """Records, as each number is handed over, how many the mirror holds."""

    def __init__(self, numbers, account, **kwargs):
        super().__init__(numbers, **kwargs)
        self.account = account
        self.mirror_sizes = []

    def iter_numbers(self, page_size=1000):
        for number in super().iter_numbers(page_size):
            self.mirror_sizes.append(PhoneNumber.objects.filter(account=self.account).count())
            yield number


def test_a_first_sync_fills_the_mirror_a_move_at_a_time(account, small_moves):
    client = Watching([canonical(i) for i in range(14)], account)

    job = sync.sync_now(account, client=client)

    assert job.status == Job.Status.SUCCEEDED and job.summary["new"] == 14
    # Numbers appear in the mirror in moves of 6 while the listing goes on; the last 2 at the end.
    assert set(client.mirror_sizes) == {0, 6, 12}
    assert client.mirror_sizes[-1] == 12
    rows = PhoneNumber.objects.filter(account=account)
    assert rows.count() == 14
    assert sorted(rows.values_list("number", flat=True)) == [f"+1415555{i:04d}" for i in range(14)]
    row = rows.get(number="+14155550013")
    assert row.name == "Line 13" and row.national_format == "(415) 555-0013"
    assert row.raw_payload["call_request_url"] == "https://example.com/voice/13"
    assert row.upstream_created_at.isoformat() == "2025-01-02T03:04:05+00:00"


def test_a_listing_that_fails_part_way_keeps_every_number_before_the_failure(account, small_moves):
    # The carrier fails after three whole pages (batches follow the carrier's pages).
    job = sync.sync_now(account, client=FakeClient([canonical(i) for i in range(14)], fail_after=9))

    assert job.status == Job.Status.FAILED
    assert "The sync stopped" in job.message
    # 6 numbers were already moved into the mirror; the 3 still staged are moved on the way out.
    assert PhoneNumber.objects.filter(account=account).count() == 9


def test_a_number_saved_during_the_first_sync_keeps_what_was_saved(account, small_moves):
    numbers = [canonical(i) for i in range(10)]

    job = sync.sync_now(account, client=BoughtMeanwhile(numbers, account, bought=8))

    assert job.status == Job.Status.SUCCEEDED
    assert PhoneNumber.objects.filter(account=account).count() == 10
    assert PhoneNumber.objects.get(upstream_id=numbers[8]["upstream_id"]).name == "Bought just now"


def test_the_same_number_listed_twice_is_one_row(account, small_moves):
    numbers = [canonical(i) for i in range(5)]
    job = sync.sync_now(account, client=FakeClient([*numbers, numbers[1]]))

    assert job.status == Job.Status.SUCCEEDED
    assert PhoneNumber.objects.filter(account=account).count() == 5


def test_the_staging_table_is_gone_after_the_sync(account):
    job = sync.sync_now(account, client=FakeClient([canonical(i) for i in range(3)]))

    tables = connection.introspection.table_names(include_views=False)
    temp_tables = _temporary_tables()
    assert f"sync_new_{job.pk}" not in tables and f"sync_new_{job.pk}" not in temp_tables
    assert f"sync_seen_{job.pk}" not in temp_tables


def _temporary_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'")
        else:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname LIKE 'pg_temp%%'")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", [True, False], ids=["first sync", "re-sync"])
def test_the_carrier_is_never_waited_on_inside_a_transaction(account, small_moves, first):
    """On SQLite an open write transaction holds the database's only write lock: a slow page
    from the carrier must not keep every other writer waiting."""
    if not first:
        sync.sync_now(account, client=FakeClient([canonical(i) for i in range(4)]))
    in_transaction = []

    class Observing(FakeClient):
        def iter_numbers(self, page_size=1000):
            for number in super().iter_numbers(page_size):
                in_transaction.append(connection.in_atomic_block)
                yield number

    job = sync.sync_now(account, client=Observing([canonical(i) for i in range(14)]))

    assert job.status == Job.Status.SUCCEEDED
    assert in_transaction and not any(in_transaction)
    assert PhoneNumber.objects.filter(account=account).count() == 14


class BoughtMeanwhile(FakeClient):
    """Someone buys number ``bought`` in the dashboard while the listing is at number 2."""

    def __init__(self, numbers, account, *, bought):
        super().__init__(numbers)
        self.account, self.bought = account, numbers[bought]

    def iter_numbers(self, page_size=1000):
        for i, number in enumerate(super().iter_numbers(page_size)):
            if i == 2:
                PhoneNumber.objects.create(
                    account=self.account,
                    upstream_id=self.bought["upstream_id"],
                    number=self.bought["number"],
                    name="Bought just now",
                )
            yield number


def test_unavailable_is_the_error_of_the_fake():
    # Guards the failure test above: the fake's failure is the carrier being unreachable.
    with pytest.raises(Unavailable):
        list(FakeClient([canonical(0), canonical(1)], fail_after=1).iter_numbers())


def test_the_carrier_body_is_stored_as_it_came(account):
    body = {
        "id": "x",
        "name": "Réception – 📞",
        "nested": {"list": [1, 2.5, None, True], "empty": {}},
        "huge": 2**70,  # beyond 64 bits: JSON allows it
    }
    sync.sync_now(account, client=FakeClient([canonical(0, raw_payload=body)]))

    assert PhoneNumber.objects.get(account=account).raw_payload == body


def test_text_with_tabs_newlines_and_backslashes_is_stored_as_it_came(account):
    # COPY has its own escaping; a carrier's free text must not be bent by it.
    name = "Sales\tdesk\nline 2 \\ C:\\path \\N"
    body = {"id": "x", "name": name}
    sync.sync_now(account, client=FakeClient([canonical(0, name=name, raw_payload=body)]))

    stored = PhoneNumber.objects.get(account=account)
    assert stored.name == name
    assert stored.raw_payload == body


def test_a_first_sync_leaves_statistics_for_what_the_next_sync_and_the_pages_look_up(
    account, small_moves
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's lookups need no statistics")
    sync.sync_now(account, client=FakeClient([canonical(i) for i in range(12)]))

    with connection.cursor() as cursor:
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = 'numbers_admin_phonenumber'")
        analysed = {row[0] for row in cursor.fetchall()}
    # The re-sync's lookup, the default order and the list's filters; not the 60 other columns.
    assert {"account_id", "upstream_id", "number", "country", "call_handler"} <= analysed
    assert "call_request_url" not in analysed


def test_a_first_sync_marks_nothing_released(account, small_moves):
    job = sync.sync_now(account, client=FakeClient([canonical(i) for i in range(7)]))

    assert job.summary["gone"] == 0
    assert not PhoneNumber.objects.filter(account=account, released_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_moves_run_on_connections_of_their_own(account, small_moves, monkeypatch):
    # Outside a caller's transaction (as in the task worker), PostgreSQL writes a first sync's
    # moves from two threads, each on its own connection; a number bought meanwhile still
    # makes its move take the ON CONFLICT way, on that connection's own staging table.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes from one connection")
    from numbers_admin.actions import bulk_insert

    threads = set()
    write = bulk_insert.NumberInserter.write

    def recording_write(self, cursor, rows):
        threads.add(threading.current_thread().name)
        write(self, cursor, rows)

    monkeypatch.setattr(bulk_insert.NumberInserter, "write", recording_write)
    numbers = [canonical(i) for i in range(20)]

    job = sync.sync_now(account, client=BoughtMeanwhile(numbers, account, bought=15))

    assert job.status == Job.Status.SUCCEEDED
    assert PhoneNumber.objects.filter(account=account).count() == 20
    assert PhoneNumber.objects.get(upstream_id=numbers[15]["upstream_id"]).name == "Bought just now"
    assert threads and all(name.startswith("sync-write") for name in threads)

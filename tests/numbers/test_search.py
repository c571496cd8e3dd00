"""numbers_admin.search: a number found however it is typed, every filter, sorts and keyset pages."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from numbers_admin.models import PhoneNumber
from numbers_admin.search import (
    NumberTerm,
    capped_count,
    filter_numbers,
    get_page,
    next_prefix,
    parse_query,
    search,
)
from tests.numbers.helpers import make_account, make_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory():
    sw = make_account()
    tw = make_account("Twilio main", "twilio")
    return {
        "sf": make_number(sw, "+14155550100", name="Front desk", tags=["vip"]),
        "sf2": make_number(sw, "+14155550199", name="Support line"),
        "sf3": make_number(sw, "+14155550200", notes="Printed on the spring flyers"),
        "oak": make_number(tw, "+15105550100", name="Oakland store"),
        "ldn": make_number(sw, "+442079460018", name="London office", sms=False),
        "tf": make_number(tw, "+18005550123", name="Hotline", tags=["campaign-2025"]),
        # A US number whose digits start with "44": must not match "+44 …" searches.
        "us44": make_number(sw, "+14420794600"),
        "sw": sw,
        "tw": tw,
    }


def found(params):
    return set(filter_numbers(params).values_list("number", flat=True))


@pytest.mark.parametrize(
    ("typed", "digits", "international"),
    [
        ("415 555", "415555", False),
        ("(415) 555-01", "41555501", False),
        ("415.555.0100", "4155550100", False),
        ("+44 20 7946", "44207946", True),
        ("0044 20 7946", "44207946", True),
        ("+1-415-555", "1415555", True),
        ("5550100", "5550100", False),
    ],
)
def test_typed_numbers_are_read_as_one_run_of_digits(typed, digits, international):
    assert parse_query(typed).numbers == (NumberTerm(digits, international),)
    assert parse_query(typed).words == ()


def test_words_and_numbers_are_told_apart():
    parsed = parse_query("support 415")
    assert parsed.words == ("support",)
    assert parsed.numbers == (NumberTerm("415"),)


def test_next_prefix_is_the_end_of_the_prefix_range():
    assert next_prefix("415555") == "415556"
    assert next_prefix("4159") == "416"
    assert next_prefix("999") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("415 555", {"+14155550100", "+14155550199", "+14155550200"}),
        ("(415) 555-01", {"+14155550100", "+14155550199"}),
        ("4155550100", {"+14155550100"}),
        ("1 415 555 02", {"+14155550200"}),
        ("+1 415 555 0100", {"+14155550100"}),
        ("+44 20 7946", {"+442079460018"}),
        ("0044 20 7946", {"+442079460018"}),
        ("020 7946", {"+442079460018"}),
        ("800-555", {"+18005550123"}),
    ],
)
def test_search_box_finds_a_number_however_it_is_typed(inventory, typed, expected):
    assert found({"q": typed}) == expected


def test_prefix_search_is_an_index_range_not_a_like_scan(inventory):
    with CaptureQueriesContext(connection) as queries:
        list(filter_numbers({"q": "415 555"}))
    sql = queries.captured_queries[-1]["sql"]
    assert '"national_digits" >=' in sql and '"national_digits" <' in sql
    assert "LIKE" not in sql.upper()


def test_digits_from_the_middle_fall_back_to_anywhere_and_say_so(inventory):
    result = search({"q": "0100"})
    assert result.match == "anywhere"
    assert {pn.number for pn in result.queryset} == {"+14155550100", "+15105550100"}


def test_digits_that_start_numbers_can_still_be_searched_anywhere(inventory):
    assert search({"q": "415"}).match == "start"
    anywhere = search({"q": "5550", "match": "anywhere"})
    assert anywhere.match == "anywhere"
    assert len(anywhere.queryset) == 5


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("front", {"+14155550100"}),  # name, any case
        ("flyers", {"+14155550200"}),  # notes
        ("vip", {"+14155550100"}),  # tag
        ("campaign", {"+18005550123"}),  # part of a tag
        ("support 415", {"+14155550199"}),  # a word and digits together
        ("store 415", set()),
    ],
)
def test_search_box_matches_name_notes_and_tags(inventory, typed, expected):
    assert found({"q": typed}) == expected


def test_filters_each_narrow_the_list(inventory):
    sw, tw = inventory["sw"], inventory["tw"]
    inventory["sf"].call_handler = "laml_webhooks"
    inventory["sf"].message_handler = "laml_webhooks"
    inventory["sf"].e911_status = "active"
    inventory["sf"].mms = True
    inventory["sf"].save()
    inventory["oak"].call_handler = "relay_script"
    inventory["oak"].e911_status = "pending"
    inventory["oak"].save()
    inventory["sf2"].trunk_sid = "TK123"  # calls go to a trunk: it has a handler
    inventory["sf2"].save()
    everything = found({})
    assert len(everything) == 7
    assert found({"account": tw.pk}) == {"+15105550100", "+18005550123"}
    assert found({"account": sw.pk}) == everything - {"+15105550100", "+18005550123"}
    assert found({"country": "GB"}) == {"+442079460018"}
    assert found({"country": "gb"}) == {"+442079460018"}
    assert found({"kind": "toll_free"}) == {"+18005550123"}
    assert found({"capability": "mms"}) == {"+14155550100"}
    assert "+442079460018" not in found({"capability": "sms"})
    assert found({"capability": ["sms", "mms"]}) == {"+14155550100"}
    assert found({"call_handler": "relay_script"}) == {"+15105550100"}
    assert found({"call_handler": "none"}) == everything - {
        "+14155550100",
        "+15105550100",
        "+14155550199",
    }
    assert found({"message_handler": "laml_webhooks"}) == {"+14155550100"}
    assert found({"message_handler": "none"}) == everything - {"+14155550100"}
    assert found({"e911": "active"}) == {"+14155550100"}
    assert found({"e911": "pending"}) == {"+15105550100"}
    assert found({"e911": "none"}) == everything - {"+14155550100", "+15105550100"}
    assert found({"tag": "vip"}) == {"+14155550100"}
    assert found({"country": "US", "kind": "local", "q": "415"}) == {
        "+14155550100",
        "+14155550199",
        "+14155550200",
    }


def test_released_numbers_are_hidden_unless_asked_for(inventory):
    inventory["tf"].released_at = datetime(2026, 1, 1, tzinfo=UTC)
    inventory["tf"].save()
    assert "+18005550123" not in found({})
    assert "+18005550123" in found({"released": "on"})


def test_invalid_filter_values_are_ignored_not_fatal(inventory):
    result = search({"kind": "spaceship", "country": "US"})
    assert "kind" in result.form.errors
    assert {pn.country for pn in result.queryset} == {"US"}


def test_filter_numbers_takes_a_query_string_as_bulk_actions_send_it(inventory):
    from django.http import QueryDict

    assert found("q=415+555&country=US") == found(QueryDict("q=415+555&country=US"))
    assert len(found("q=415+555&country=US")) == 3


# --- sorting and keyset pages --------------------------------------------------------------------


@pytest.fixture
def many():
    account = make_account()
    base = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(127):
        rows.append(
            make_number(
                account,
                f"+1415555{i:04d}",
                # Repeated names and dates, and a few unknown purchase dates, to test ties and nulls.
                name=f"Line {i % 10}",
                upstream_created_at=None if i % 17 == 0 else base + timedelta(days=i % 30),
            )
        )
    return rows


def _expected(rows, sort, descending):
    def key(pn):
        value = {
            "number": pn.number,
            "name": pn.name,
            "created": pn.upstream_created_at,
            "updated": pn.updated_at,
        }[sort]
        return value, pn.pk

    if sort == "created":
        with_date = sorted((pn for pn in rows if pn.upstream_created_at), key=key)
        without = sorted((pn for pn in rows if not pn.upstream_created_at), key=lambda p: p.pk)
        ordered = with_date + without  # ascending puts unknown dates last
    else:
        ordered = sorted(rows, key=key)
    if descending:
        ordered.reverse()
    return [pn.pk for pn in ordered]


@pytest.mark.parametrize("sort", ["number", "name", "created", "updated"])
@pytest.mark.parametrize("descending", [False, True])
def test_walking_next_and_previous_visits_every_row_once_in_order(many, sort, descending):
    for pn in many:
        pn.refresh_from_db()
    qs = PhoneNumber.objects.all()
    pages, cursor = [], ""
    while True:
        page = get_page(qs, sort, descending, after=cursor, size=20, number=len(pages) + 1)
        pages.append([pn.pk for pn in page.rows])
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert [pk for p in pages for pk in p] == _expected(many, sort, descending)
    assert len(pages) == 7 and [len(p) for p in pages] == [20] * 6 + [7]
    # And back again with "Previous" from the last page.
    back, cursor, number = [pages[-1]], page.previous_cursor, len(pages)
    while cursor:
        number -= 1
        page = get_page(qs, sort, descending, before=cursor, size=20, number=number)
        back.insert(0, [pn.pk for pn in page.rows])
        cursor = page.previous_cursor if page.has_previous else ""
    assert back == pages
    assert page.number == 1


@pytest.mark.parametrize("sort", ["number", "created"])
def test_a_numbered_jump_lands_on_the_same_rows_as_walking(many, sort):
    qs = PhoneNumber.objects.all()
    walked = get_page(qs, sort, False, size=20)
    for _ in range(4):
        walked = get_page(qs, sort, False, after=walked.next_cursor, size=20)
    jumped = get_page(qs, sort, False, number=5, size=20)
    assert [pn.pk for pn in jumped.rows] == [pn.pk for pn in walked.rows]
    assert jumped.number == 5 and jumped.has_previous and jumped.has_next


def test_a_jump_past_the_end_shows_the_first_page(many):
    page = get_page(PhoneNumber.objects.all(), "number", False, number=99, size=20)
    assert page.number == 1
    assert page.rows[0].number == "+14155550000"


def test_counts_are_exact_up_to_the_cap(inventory):
    live = PhoneNumber.objects.filter(released_at__isnull=True).order_by("number", "id")
    assert capped_count(live) == (7, True)
    assert capped_count(live, cap=7) == (7, True)
    assert capped_count(live, cap=6) == (6, False)  # "more than 6"
    assert capped_count(live.filter(country="GB")) == (1, True)
    assert capped_count(PhoneNumber.objects.none()) == (0, True)


def test_a_tampered_cursor_is_ignored(many):
    page = get_page(PhoneNumber.objects.all(), "number", False, after="not-a-cursor", size=20)
    assert page.rows[0].number == "+14155550000"


def test_on_sqlite_only_the_rarest_filter_uses_an_index(inventory):
    from django.core.cache import cache

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's planner chooses by itself")
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        result = found({"kind": "toll_free", "country": "US"})
    assert result == {"+18005550123"}
    page_sql = queries.captured_queries[-1]["sql"]
    # One toll-free number against six in the US: kind drives, country is read without an index.
    assert '"kind" = ' in page_sql and '+"numbers_admin_phonenumber"."country"' in page_sql

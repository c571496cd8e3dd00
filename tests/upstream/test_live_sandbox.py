"""The clients over a real socket against the sandbox (pytest-django's live server).

Every method on each provider, every error kind, pagination across three pages, retries that
honour Retry-After, no second purchase after a timeout, and no token in the logs. The sandbox's
request log (``sandbox_requests``) says what actually reached the "carrier".
"""

import logging
import time

import pytest

from numbers_admin.upstream import client_for, errors
from numbers_admin.upstream.base import SearchQuery
from tests.upstream.helpers import Sleeps

PROVIDERS = ["signalwire_account", "compat_account", "twilio_account"]
SPACE = {"signalwire_account": "signalwire", "compat_account": "signalwire",
         "twilio_account": "twilio"}  # fmt: skip
PURCHASE_PATH = {"signalwire_account": "/phone_numbers", "compat_account": "IncomingPhoneNumbers",
                 "twilio_account": "IncomingPhoneNumbers"}  # fmt: skip


@pytest.fixture(autouse=True)
def _sandbox_settles(sandbox_requests):
    """After each test, let any request the client gave up on (dropped, slow) finish in the live
    server before the database is torn down under it."""
    yield
    # Pooled keep-alive connections would hold live-server threads open past the test.
    while _OPEN_CLIENTS:
        _OPEN_CLIENTS.pop().close()
    for space in ("signalwire", "twilio"):
        _wait_until_answered(sandbox_requests, space)
    time.sleep(0.1)  # the server thread closes its connection just after logging


@pytest.fixture(params=PROVIDERS)
def provider(request):
    """(fixture name, account) for each of the three providers."""
    return request.param, request.getfixturevalue(request.param)


_OPEN_CLIENTS = []


def _client(account, sleeps=None, **options):
    client = client_for(account, sleep=Sleeps() if sleeps is None else sleeps, **options)
    _OPEN_CLIENTS.append(client)
    return client


def _buy_one(client, area_code="503"):
    found = client.search_available(SearchQuery(area_code=area_code, limit=5))
    assert found, "the sandbox offers numbers in this area code"
    return client.purchase(found[0].number), found[0]


def _wait_until_answered(sandbox_requests, space, timeout=5.0):
    """Let a deliberately slow sandbox answer finish before the live server stops (a request
    still in flight is logged with no status and no fault yet)."""
    deadline = time.monotonic() + timeout
    while sandbox_requests.to(space).filter(status__isnull=True, fault="").exists():
        if time.monotonic() > deadline:
            raise AssertionError("the sandbox never finished answering")
        time.sleep(0.05)


def _purchases(sandbox_requests, name):
    return sandbox_requests.count(SPACE[name], "POST", PURCHASE_PATH[name])


# --- Every method -------------------------------------------------------------------------------


def test_every_method_round_trip(provider, settings):
    name, account = provider
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 0
    client = _client(account)
    client.ping()

    found = client.search_available(SearchQuery(area_code="503", limit=3))
    assert 1 <= len(found) <= 3
    assert all(n.number.startswith("+1503") for n in found)
    assert all(n.capabilities for n in found)

    bought = client.purchase(found[0].number)
    assert bought["number"] == found[0].number
    assert bought["upstream_id"]
    assert bought["upstream_created_at"] is not None and bought["upstream_created_at"].tzinfo

    fetched = client.get(bought["upstream_id"])
    assert fetched["number"] == bought["number"]
    assert client.find_by_number(bought["number"])["upstream_id"] == bought["upstream_id"]
    assert client.find_by_number("+15039999999") is None

    updated = client.update(
        bought["upstream_id"],
        {"name": "Front desk", "call_request_url": "https://example.com/voice"},
    )
    assert updated["name"] == "Front desk"
    assert updated["call_request_url"] == "https://example.com/voice"
    assert client.get(bought["upstream_id"])["name"] == "Front desk"

    listed = [n["number"] for n in client.iter_numbers()]
    assert bought["number"] in listed

    client.release(bought["upstream_id"])
    with pytest.raises(errors.NotFound):
        client.get(bought["upstream_id"])
    assert client.find_by_number(bought["number"]) is None


def test_toll_free_search(provider):
    _name, account = provider
    found = _client(account).search_available(SearchQuery(kind="toll_free", limit=2))
    assert found
    assert all(n.kind == "toll_free" for n in found)


def test_twilio_mobile_search_and_area_code_purchase(twilio_account):
    client = _client(twilio_account)
    mobile = client.search_available(SearchQuery(country="GB", kind="mobile", limit=2))
    assert mobile and all(n.number.startswith("+44") for n in mobile)
    bought = client.purchase(area_code="415")
    assert bought["number"].startswith("+1415")
    assert bought["upstream_id"].startswith("PN") and len(bought["upstream_id"]) == 34


def test_import_where_offered(signalwire_account, compat_account, twilio_account):
    rest = _client(signalwire_account).import_number(
        "+4915223433332", kind="local", capabilities=["sms", "voice"]
    )
    assert rest["number"] == "+4915223433332"
    assert (rest["sms"], rest["voice"], rest["fax"]) == (True, True, False)
    compat = _client(compat_account).import_number(
        "+4915223433399", kind="local", capabilities=["voice"]
    )
    assert compat["origin"] == "hosted"
    with pytest.raises(errors.FeatureNotEnabled):
        _client(twilio_account).import_number("+4915223433377", kind="local", capabilities=[])


def test_import_switched_off_is_feature_not_enabled(
    signalwire_account, compat_account, sandbox_faults
):
    sandbox_faults.import_enabled("signalwire", False)
    for account in (signalwire_account, compat_account):
        with pytest.raises(errors.FeatureNotEnabled) as caught:
            _client(account).import_number("+4915223433332", kind="local", capabilities=["sms"])
        assert caught.value.status and caught.value.provider_code
        assert "support" in caught.value.message


def test_one_number_two_views(signalwire_account, compat_account):
    compat = _client(compat_account)
    found = compat.search_available(SearchQuery(area_code="206", limit=1))
    bought = compat.purchase(found[0].number, config={"call_request_url": "https://example.com/v"})
    as_rest = _client(signalwire_account).get(bought["upstream_id"])
    assert as_rest["call_request_url"] == "https://example.com/v"
    assert as_rest["call_handler"] == "laml_webhooks"
    assert bought["call_handler"] == "laml_webhooks"


@pytest.mark.parametrize("shape", ["observed", "spec"])
def test_rest_search_in_both_shapes(signalwire_account, sandbox_faults, shape):
    sandbox_faults.search_shape("signalwire", shape)
    found = _client(signalwire_account).search_available(SearchQuery(area_code="503", limit=2))
    assert found and all(n.number.startswith("+1503") for n in found)
    assert all(n.capabilities for n in found)


# --- Every error kind ---------------------------------------------------------------------------


def test_wrong_token_is_auth_failed_and_never_shown(provider, caplog):
    _name, account = provider
    caplog.set_level(logging.DEBUG)
    account.set_token("wrong-token-value-123")
    with pytest.raises(errors.AuthFailed) as caught:
        _client(account).ping()
    assert caught.value.status == 401
    assert "wrong-token-value-123" not in f"{caught.value} {caught.value.detail!r}"
    assert "wrong-token-value-123" not in caplog.text


def test_tokens_absent_from_logs_over_a_whole_session(provider, caplog, sandbox_faults):
    name, account = provider
    caplog.set_level(logging.DEBUG)
    token = account.get_token()
    client = _client(account)
    sandbox_faults.inject(SPACE[name], "rate_limit", count=1, retry_after=1)
    client.ping()
    _buy_one(client)
    with pytest.raises(errors.NotFound):
        client.get("PN" + "0" * 32 if name == "twilio_account" else
                   "00000000-0000-4000-8000-000000000000")  # fmt: skip
    assert caplog.records
    assert token not in caplog.text


def test_unknown_number_is_not_found(provider):
    name, account = provider
    missing = (
        "PN" + "0" * 32 if name == "twilio_account" else "00000000-0000-4000-8000-0000000000ff"
    )
    client = _client(account)
    for call in (lambda: client.get(missing), lambda: client.release(missing),
                 lambda: client.update(missing, {"name": "x"})):  # fmt: skip
        with pytest.raises(errors.NotFound) as caught:
            call()
        assert caught.value.status == 404


def test_number_not_in_stock_is_not_available(provider):
    name, account = provider
    from numbers_admin.sandbox import stock

    unavailable = stock.example_unavailable(SPACE[name])
    with pytest.raises(errors.NotAvailable) as caught:
        _client(account).purchase(unavailable)
    assert caught.value.status in (400, 404, 422)
    assert caught.value.message


def test_invalid_url_is_on_the_canonical_field(provider):
    _name, account = provider
    client = _client(account)
    bought, _ = _buy_one(client)
    with pytest.raises(errors.Invalid) as caught:
        client.update(bought["upstream_id"], {"call_request_url": "not a url"})
    assert "call_request_url" in caught.value.field_errors
    assert caught.value.status in (400, 422)


def test_release_within_cooldown_is_too_soon_with_a_date(provider, settings):
    _name, account = provider
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 14
    client = _client(account)
    bought, _ = _buy_one(client)
    with pytest.raises(errors.TooSoonToRelease) as caught:
        client.release(bought["upstream_id"])
    assert caught.value.possible_at is not None
    assert client.get(bought["upstream_id"])["number"] == bought["number"]


def test_rate_limited_when_429_persists(provider, sandbox_faults, sandbox_requests):
    name, account = provider
    sandbox_faults.inject(SPACE[name], "rate_limit", retry_after=1)
    sleeps = Sleeps()
    with pytest.raises(errors.RateLimited) as caught:
        _client(account, sleeps, max_retries=2).ping()
    assert caught.value.status == 429
    assert caught.value.retry_after == 1
    assert sleeps == [1.0, 1.0]
    assert sandbox_requests.count(SPACE[name], "GET") == 3


def test_server_error_on_read_is_unavailable_after_retries(provider, sandbox_faults):
    name, account = provider
    sandbox_faults.inject(SPACE[name], "server_error", status=503)
    with pytest.raises(errors.Unavailable) as caught:
        _client(account, max_retries=1).ping()
    assert caught.value.status == 503


def test_unreachable_carrier_is_unavailable(provider):
    _name, account = provider
    account.api_root = "http://127.0.0.1:9/sandbox/x"  # the discard port: nothing listens
    with pytest.raises(errors.Unavailable):
        _client(account, max_retries=0).ping()


# --- Pagination ---------------------------------------------------------------------------------


def test_pagination_across_three_pages(provider, sandbox_requests):
    name, account = provider
    client = _client(account)
    found = client.search_available(SearchQuery(area_code="503", limit=5))
    for available in found[:5]:
        client.purchase(available.number)
    sandbox_requests.clear()
    numbers = [n["number"] for n in client.iter_numbers(page_size=2)]
    assert sorted(numbers) == sorted(a.number for a in found[:5])
    assert len(numbers) == 5 == len(set(numbers))
    list_path = "/phone_numbers" if name == "signalwire_account" else "IncomingPhoneNumbers"
    assert sandbox_requests.count(SPACE[name], "GET", list_path) == 3


# --- Retries and the requests never repeated ----------------------------------------------------


def test_read_retry_honours_retry_after(provider, sandbox_faults, sandbox_requests):
    name, account = provider
    sandbox_faults.inject(SPACE[name], "rate_limit", count=1, retry_after=3)
    sleeps = Sleeps()
    _client(account, sleeps).ping()
    assert sleeps == [3.0]
    assert sandbox_requests.count(SPACE[name], "GET") == 2


def test_read_retry_without_retry_after_backs_off(provider, sandbox_faults, sandbox_requests):
    name, account = provider
    sandbox_faults.inject(SPACE[name], "server_error", count=1, status=502)
    sandbox_faults.inject(SPACE[name], "malformed_json", count=1)
    sleeps = Sleeps()
    _client(account, sleeps).ping()
    assert sleeps == [0.5, 1.0]
    assert sandbox_requests.count(SPACE[name], "GET") == 3


def test_purchase_429_is_sent_again_after_retry_after(provider, sandbox_faults, sandbox_requests):
    name, account = provider
    client = _client(account)
    found = client.search_available(SearchQuery(area_code="503", limit=1))
    sandbox_faults.inject(SPACE[name], "rate_limit", count=1, method="POST", retry_after=2)
    sleeps = Sleeps()
    client.http.sleep = sleeps
    bought = client.purchase(found[0].number)
    assert bought["number"] == found[0].number
    assert sleeps == [2.0]
    assert _purchases(sandbox_requests, name) == 2


@pytest.mark.parametrize("then", ["slow", "drop", "error"])
def test_no_second_purchase_after_a_lost_answer(provider, sandbox_faults, sandbox_requests, then):
    name, account = provider
    client = _client(account, read_timeout=0.3)
    found = client.search_available(SearchQuery(area_code="503", limit=1))
    params = {"seconds": 1} if then == "slow" else {}
    sandbox_faults.inject(SPACE[name], "commit_then_fail", count=1, method="POST", then=then,
                          **params)  # fmt: skip
    with pytest.raises(errors.OutcomeUnknown) as caught:
        client.purchase(found[0].number)
    assert "don't know yet" in caught.value.message
    _wait_until_answered(sandbox_requests, SPACE[name])
    assert _purchases(sandbox_requests, name) == 1
    # The purchase did happen upstream: the caller settles it with a lookup.
    assert client.find_by_number(found[0].number) is not None


def test_purchase_on_a_dropped_connection_is_outcome_unknown(
    provider, sandbox_faults, sandbox_requests
):
    name, account = provider
    client = _client(account)
    found = client.search_available(SearchQuery(area_code="503", limit=1))
    sandbox_faults.inject(SPACE[name], "drop", count=1, method="POST")
    with pytest.raises(errors.OutcomeUnknown):
        client.purchase(found[0].number)
    assert _purchases(sandbox_requests, name) == 1


def test_update_timeout_is_outcome_unknown_and_not_resent(
    provider, sandbox_faults, sandbox_requests
):
    name, account = provider
    client = _client(account, read_timeout=0.3)
    bought, _ = _buy_one(client)
    sandbox_faults.inject(SPACE[name], "slow", count=1, seconds=1)
    sandbox_requests.clear()
    with pytest.raises(errors.OutcomeUnknown):
        client.update(bought["upstream_id"], {"name": "Late"})
    _wait_until_answered(sandbox_requests, SPACE[name])
    assert sandbox_requests.count(SPACE[name]) == 1
    # The change was made upstream although we never heard back.
    assert client.get(bought["upstream_id"])["name"] == "Late"

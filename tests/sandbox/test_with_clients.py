"""The fixtures other areas use, driven through the project's own upstream clients.

These check that the sandbox's wire format is what the clients expect: a change on either side
that breaks the other fails here.
"""

import re

import pytest

from numbers_admin.sandbox.models import SandboxNumber
from numbers_admin.sandbox.seeding import seed_owned_numbers
from numbers_admin.upstream import client_for
from numbers_admin.upstream.base import SearchQuery


@pytest.fixture(params=["signalwire_account", "compat_account", "twilio_account"])
def account(request):
    return request.getfixturevalue(request.param)


def test_fixture_accounts_point_at_the_sandbox(
    signalwire_account, compat_account, twilio_account, sandbox_root
):
    assert signalwire_account.name == "SW REST"
    assert signalwire_account.api_root == sandbox_root + "/signalwire"
    assert compat_account.api_root == signalwire_account.api_root
    assert twilio_account.api_root == sandbox_root + "/twilio"
    assert signalwire_account.get_token() == compat_account.get_token()


def test_buy_configure_list_through_each_client(account, sandbox_requests):
    client = client_for(account)
    client.ping()
    found = client.search_available(SearchQuery(country="US", area_code="503", limit=3))
    assert len(found) == 3 and all(a.number.startswith("+1503") for a in found)
    space = "twilio" if account.provider == "twilio" else "signalwire"
    before = sandbox_requests.count(space, "POST")
    bought = client.purchase(found[0].number)
    assert sandbox_requests.count(space, "POST") == before + 1  # exactly one purchase
    assert SandboxNumber.objects.filter(space=space, number=found[0].number).exists()
    assert bought


def test_iter_numbers_follows_every_page(account):
    space = "twilio" if account.provider == "twilio" else "signalwire"
    seed_owned_numbers(space, 25)
    client = client_for(account)
    numbers = [n for n in client.iter_numbers(page_size=10)]
    assert len(numbers) == 25


def _bought(client):
    found = client.search_available(SearchQuery(country="US", area_code="212", limit=1))
    return client.purchase(found[0].number)


def test_errors_arrive_as_the_clients_error_types(account, sandbox_faults):
    from numbers_admin.sandbox import stock
    from numbers_admin.upstream import errors

    client = client_for(account, max_retries=0, sleep=lambda s: None)
    space = "twilio" if account.provider == "twilio" else "signalwire"
    with pytest.raises(errors.NotAvailable):
        client.purchase(stock.example_unavailable(space))
    bought = _bought(client)
    upstream_id = bought.get("upstream_id") or bought.get("id") or bought.get("sid")
    with pytest.raises(errors.TooSoonToRelease):
        client.release(upstream_id)
    sandbox_faults.inject(space, "rate_limit", count=5, retry_after=1)
    with pytest.raises(errors.RateLimited):
        client.get(upstream_id)
    sandbox_faults.clear()
    sandbox_faults.inject(space, "commit_then_fail", count=1, method="POST")
    with pytest.raises(errors.OutcomeUnknown):
        _bought(client)


@pytest.mark.parametrize("fixture", ["signalwire_account", "compat_account"])
def test_import_switched_off_is_feature_not_enabled(request, fixture, sandbox_faults):
    from numbers_admin.upstream import errors

    client = client_for(request.getfixturevalue(fixture))
    sandbox_faults.import_enabled("signalwire", False)
    with pytest.raises(errors.FeatureNotEnabled):
        client.import_number("+15035550123", kind="local", capabilities=["voice", "sms"])
    sandbox_faults.import_enabled("signalwire", True)
    imported = client.import_number("+15035550123", kind="local", capabilities=["voice", "sms"])
    assert imported
    assert SandboxNumber.objects.get(number="+15035550123").origin == "hosted"


def test_every_answer_carries_a_request_id_the_client_records(account):
    client = client_for(account)
    client.ping()
    if account.provider == "twilio":
        assert re.fullmatch(r"RQ[0-9a-f]{32}", client.last_request_id)
    else:
        assert re.fullmatch(r"[0-9a-f-]{36}", client.last_request_id)

"""Buying against the real sandbox over a socket: faults at each step, and 20 racing submits."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from numbers_admin import upstream
from numbers_admin.actions import purchase as actions
from numbers_admin.models import AuditEvent, Operation, PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber
from numbers_admin.upstream.base import SearchQuery


def available(account, area_code="503"):
    found = upstream.client_for(account).search_available(SearchQuery(area_code=area_code))
    assert found, "the sandbox offers numbers in 503"
    return found[0].number


def matches_sandbox(space, number):
    """The local record agrees with the carrier: owned there ⇔ in service here."""
    there = SandboxNumber.objects.filter(space=space, number=number).exists()
    here = PhoneNumber.objects.in_service().filter(number=number).exists()
    return there == here, there


@pytest.mark.parametrize("which", ["signalwire_account", "compat_account", "twilio_account"])
def test_buy_through_each_provider_with_initial_configuration(which, request, sandbox_requests):
    account = request.getfixturevalue(which)
    number = available(account)
    outcome = actions.purchase(
        account=account,
        number=number,
        config={"name": "Front desk", "call_request_url": "https://example.com/voice"},
        key=uuid.uuid4(),
    )
    assert outcome.state == "succeeded", outcome.message
    row = PhoneNumber.objects.get(number=number)
    assert row.name == "Front desk" and row.call_request_url == "https://example.com/voice"
    space = "twilio" if which == "twilio_account" else "signalwire"
    assert sandbox_requests.count(space, "POST") >= 1
    assert matches_sandbox(space, number) == (True, True)


FAULTS = {
    # name: (inject kwargs, expected outcome, words the user reads, purchase POSTs processed)
    "timeout": ({"kind": "slow", "seconds": 7}, "succeeded", "Bought", 1),
    "5xx": ({"kind": "server_error", "status": 503}, "failed", "nothing was bought", 1),
    # A 429 was never processed, so the client may send again after waiting: bought once.
    "429": ({"kind": "rate_limit"}, "succeeded", "Bought", 1),
    "429_persistent": ({"kind": "rate_limit", "count": None}, "failed", "slow down", 0),
    "dropped": ({"kind": "drop"}, "failed", "nothing was bought", 1),
    "commit_then_fail": ({"kind": "commit_then_fail"}, "succeeded", "Bought", 1),
    "commit_then_drop": ({"kind": "commit_then_fail", "then": "drop"}, "succeeded", "Bought", 1),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_purchase_fault_leaves_record_true_to_sandbox(
    fault, signalwire_account, sandbox_faults, sandbox_requests, live_admin
):
    number = available(signalwire_account)
    params, expected, words, processed = FAULTS[fault]
    params = {"count": 1, **params}
    kind = params.pop("kind")
    sandbox_faults.inject("signalwire", kind, method="POST", **params)
    client = Client()
    client.force_login(live_admin)
    response = client.post(
        reverse("buy:confirm"),
        {"key": str(uuid.uuid4()), "account": signalwire_account.pk, "numbers": number},
        follow=True,
    )
    page = response.content.decode()
    assert words in page
    assert Operation.objects.get().state == expected
    agree, owned = matches_sandbox("signalwire", number)
    assert agree and owned == (expected == "succeeded")
    # At most one purchase was processed by the carrier, whatever happened to its answer.
    posts = sandbox_requests.to("signalwire", "POST", "/phone_numbers").exclude(status=429)
    assert posts.count() == processed
    assert AuditEvent.objects.filter(action="purchase").exists()


def test_lost_answer_and_failing_lookup_waits_then_settles(
    signalwire_account, sandbox_faults, sandbox_requests, live_admin
):
    number = available(signalwire_account)
    sandbox_faults.inject("signalwire", "commit_then_fail", count=1, method="POST")
    sandbox_faults.inject("signalwire", "server_error", method="GET", path_contains="phone_numbers")
    client = Client()
    client.force_login(live_admin)
    key = str(uuid.uuid4())
    data = {"key": key, "account": signalwire_account.pk, "numbers": number}
    page = client.post(reverse("buy:confirm"), data, follow=True).content.decode()
    assert "Still in progress" in page and "checking the account failed too" in page
    assert Operation.objects.get().state == "unknown"
    # The admin tries again: nothing is sent while the outcome is unknown.
    client.post(reverse("buy:confirm"), {**data, "key": str(uuid.uuid4())}, follow=True)
    assert sandbox_requests.count("signalwire", "POST", "/phone_numbers") == 1
    sandbox_faults.clear()
    page = client.get(reverse("buy:done", args=[key])).content.decode()
    assert "Bought" in page
    assert matches_sandbox("signalwire", number) == (True, True)
    assert sandbox_requests.count("signalwire", "POST", "/phone_numbers") == 1


# SQLite's shared in-memory test database locks whole tables between connections, so twenty
# writers fail with "table is locked" instead of racing; the race is real on PostgreSQL.
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)


@needs_postgres
def test_twenty_threads_submitting_the_same_confirmation_buy_once(
    signalwire_account, sandbox_faults, sandbox_requests, live_admin
):
    number = available(signalwire_account)
    # Slow the carrier down so that every thread arrives while the first is still sending.
    sandbox_faults.inject("signalwire", "latency", method="POST", ms=400)
    data = {"key": str(uuid.uuid4()), "account": signalwire_account.pk, "numbers": number}
    results, barrier = [], threading.Barrier(20)

    def submit():
        try:
            client = Client()
            client.force_login(live_admin)
            barrier.wait(timeout=30)
            response = client.post(reverse("buy:confirm"), data, follow=True)
            results.append(response.content.decode())
        finally:
            connection.close()

    _run_together(submit, 20)
    assert len(results) == 20
    assert sandbox_requests.count("signalwire", "POST", "/phone_numbers") == 1
    assert all("Bought" in page for page in results)
    assert SandboxNumber.objects.filter(number=number).count() == 1
    assert PhoneNumber.objects.filter(number=number).count() == 1


@needs_postgres
def test_twenty_admins_with_different_keys_buy_once(
    signalwire_account, sandbox_faults, sandbox_requests, live_admin
):
    number = available(signalwire_account)
    sandbox_faults.inject("signalwire", "latency", method="POST", ms=400)
    outcomes, barrier = [], threading.Barrier(20)

    def submit():
        try:
            barrier.wait(timeout=30)
            outcomes.append(
                actions.purchase(account=signalwire_account, number=number, key=uuid.uuid4())
            )
        finally:
            connection.close()

    _run_together(submit, 20)
    assert sandbox_requests.count("signalwire", "POST", "/phone_numbers") == 1
    assert sum(o.sent_by_us for o in outcomes) == 1
    assert all(o.state == "succeeded" for o in outcomes)


@pytest.mark.parametrize("which", ["signalwire_account", "compat_account", "twilio_account"])
def test_number_not_in_stock_is_a_plain_failure(which, request, live_admin, sandbox_requests):
    from numbers_admin.sandbox import stock

    account = request.getfixturevalue(which)
    space = "twilio" if which == "twilio_account" else "signalwire"
    number = stock.example_unavailable(space)
    client = Client()
    client.force_login(live_admin)
    data = {"key": str(uuid.uuid4()), "account": account.pk, "numbers": number}
    page = client.post(reverse("buy:confirm"), data, follow=True).content.decode()
    assert "Nothing was bought" in page
    assert Operation.objects.get().state == "failed"
    assert matches_sandbox(space, number) == (True, False)
    assert AuditEvent.objects.get(action="purchase").outcome == "failed"


def test_twilio_any_number_in_area_code_against_sandbox(twilio_account, live_admin):
    client = Client()
    client.force_login(live_admin)
    data = {"key": str(uuid.uuid4()), "account": twilio_account.pk, "area_code": "503"}
    page = client.post(reverse("buy:confirm"), data, follow=True).content.decode()
    assert "Bought +1 503" in page
    row = PhoneNumber.objects.get()
    assert row.number.startswith("+1503")
    assert matches_sandbox("twilio", row.number) == (True, True)


def test_twilio_area_code_purchase_with_lost_answer_finds_the_new_number(
    twilio_account, sandbox_faults, sandbox_requests
):
    sandbox_faults.inject("twilio", "commit_then_fail", count=1, method="POST")
    outcome = actions.purchase(account=twilio_account, area_code="503", key=uuid.uuid4())
    assert outcome.state == "succeeded", outcome.message
    row = PhoneNumber.objects.get()
    assert row.number.startswith("+1503")
    assert matches_sandbox("twilio", row.number) == (True, True)
    assert sandbox_requests.count("twilio", "POST", "IncomingPhoneNumbers") == 1


@pytest.mark.parametrize(
    ("kind", "params", "words"),
    [
        ("server_error", {"status": 500}, "could not be reached"),
        ("rate_limit", {}, "slow down"),
        ("drop", {}, "could not be reached"),
    ],
)
def test_search_step_fault_is_a_sentence_and_buys_nothing(
    kind, params, words, signalwire_account, sandbox_faults, sandbox_requests, live_admin
):
    sandbox_faults.inject("signalwire", kind, method="GET", path_contains="search", **params)
    client = Client()
    client.force_login(live_admin)
    page = client.get(
        reverse("buy:start"),
        {"account": signalwire_account.pk, "country": "US", "search": "1", "kind": "local"},
    ).content.decode()
    assert words in page
    assert "Search for available numbers" in page  # the form stays, ready to try again
    assert sandbox_requests.count("signalwire", "POST") == 0


def _run_together(submit, count: int) -> None:
    """Run ``submit`` in ``count`` threads and wait for all (``submit`` lines them up on a barrier)."""
    threads = [threading.Thread(target=submit) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

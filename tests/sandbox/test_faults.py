"""Fault injection, over a real socket (pytest-django's live_server) with ``requests``."""

import time

import pytest
import requests
from django.conf import settings

from numbers_admin.sandbox import faults
from numbers_admin.sandbox.models import SandboxFault, SandboxNumber, SandboxSpace

SW = (settings.SANDBOX_SIGNALWIRE_PROJECT_ID, settings.SANDBOX_SIGNALWIRE_TOKEN)
TW = (settings.SANDBOX_TWILIO_ACCOUNT_SID, settings.SANDBOX_TWILIO_AUTH_TOKEN)


@pytest.fixture
def urls(sandbox_root):
    class Urls:
        rest = sandbox_root + "/signalwire/api/relay/rest"
        laml = f"{sandbox_root}/signalwire/api/laml/2010-04-01/Accounts/{SW[0]}"
        twilio = f"{sandbox_root}/twilio/2010-04-01/Accounts/{TW[0]}"

    return Urls


def rest_get(urls, path="/phone_numbers", **kwargs):
    return requests.get(urls.rest + path, auth=SW, timeout=kwargs.pop("timeout", 10), **kwargs)


def first_available(urls):
    response = rest_get(urls, "/phone_numbers/search", params={"areacode": "503"})
    return response.json()["data"][0]["e164"]


def test_latency_fixed(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "latency", count=1, ms=400)
    started = time.monotonic()
    assert rest_get(urls).status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert rest_get(urls).status_code == 200
    assert time.monotonic() - started < 0.4  # only the next request was slowed


def test_latency_random(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "latency", ms_min=150, ms_max=300)
    started = time.monotonic()
    rest_get(urls)
    assert time.monotonic() - started >= 0.15


def test_429_with_retry_after_for_the_next_n_requests(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "rate_limit", count=2, retry_after=3)
    for _ in range(2):
        response = rest_get(urls)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "3"
        assert response.json()["errors"][0]["status"] == "429"
    assert rest_get(urls).status_code == 200


def test_429_without_retry_after_in_each_apis_shape(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "rate_limit", count=1)
    sandbox_faults.inject("twilio", "rate_limit", count=1)
    compat = requests.get(urls.laml + "/IncomingPhoneNumbers.json", auth=SW, timeout=10)
    assert compat.status_code == 429 and "Retry-After" not in compat.headers
    assert compat.json()["code"] == "20429"
    twilio = requests.get(urls.twilio + "/IncomingPhoneNumbers.json", auth=TW, timeout=10)
    assert twilio.status_code == 429 and twilio.json()["code"] == 20429


def test_429_above_a_request_rate(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "rate_cap", rps=1, retry_after=1)
    statuses = [rest_get(urls).status_code for _ in range(3)]
    assert statuses[0] == 200
    assert 429 in statuses


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(urls, sandbox_faults, status):
    sandbox_faults.inject("signalwire", "server_error", count=1, status=status)
    response = rest_get(urls)
    assert response.status_code == status
    if status == 500:
        assert response.json() == {"error": "Internal Server Error"}
    else:
        # What a gateway in front of the API sends: HTML, not the API's JSON.
        assert response.headers["Content-Type"].startswith("text/html")
        assert str(status) in response.text
    assert rest_get(urls).status_code == 200


def test_500_in_compat_and_twilio_shapes(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "server_error", count=1)
    sandbox_faults.inject("twilio", "server_error", count=1)
    compat = requests.get(urls.laml + "/IncomingPhoneNumbers", auth=SW, timeout=10)
    assert compat.status_code == 500 and compat.json()["code"] == "20500"
    twilio = requests.get(urls.twilio + "/IncomingPhoneNumbers.json", auth=TW, timeout=10)
    assert twilio.status_code == 500 and twilio.json()["code"] == 20500


def test_dropped_connection(urls, sandbox_faults, sandbox_requests):
    sandbox_faults.inject("signalwire", "drop", count=1)
    with pytest.raises(requests.ConnectionError):
        rest_get(urls)
    # The server records the drop just after closing the socket: give it a moment.
    for _ in range(50):
        logged = sandbox_requests.last("signalwire")
        if logged.fault:
            break
        time.sleep(0.05)
    assert logged.fault == "drop" and logged.status is None
    assert rest_get(urls).status_code == 200  # the server keeps serving


def test_answer_slower_than_the_client_waits(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "slow", count=1, seconds=1.5)
    with pytest.raises(requests.ReadTimeout):
        rest_get(urls, timeout=(2, 0.5))


def test_malformed_json(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "malformed_json", count=1)
    response = rest_get(urls)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()


def test_commit_then_fail_buys_but_answers_500(urls, sandbox_faults, sandbox_requests):
    number = first_available(urls)
    sandbox_faults.inject("signalwire", "commit_then_fail", count=1, method="POST")
    response = requests.post(urls.rest + "/phone_numbers", json={"number": number}, auth=SW)
    assert response.status_code == 500
    assert SandboxNumber.objects.filter(space="signalwire", number=number).exists()
    assert sandbox_requests.count("signalwire", "POST", "/phone_numbers") == 1
    # The number is now owned: a retry would be refused, as at the real carrier.
    again = requests.post(urls.rest + "/phone_numbers", json={"number": number}, auth=SW)
    assert again.status_code == 422


def test_commit_then_drop_releases_without_an_answer(urls, sandbox_faults, settings):
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 0
    number = first_available(urls)
    body = requests.post(urls.rest + "/phone_numbers", json={"number": number}, auth=SW).json()
    sandbox_faults.inject("signalwire", "commit_then_fail", count=1, method="DELETE", then="drop")
    with pytest.raises(requests.ConnectionError):
        requests.delete(f"{urls.rest}/phone_numbers/{body['id']}", auth=SW, timeout=10)
    assert not SandboxNumber.objects.filter(number=number).exists()


def test_commit_then_slow_on_twilio_purchase(urls, sandbox_faults):
    listing = requests.get(urls.twilio + "/AvailablePhoneNumbers/US/Local.json", auth=TW).json()
    number = listing["available_phone_numbers"][0]["phone_number"]
    sandbox_faults.inject("twilio", "commit_then_fail", count=1, then="slow", seconds=1.5)
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            urls.twilio + "/IncomingPhoneNumbers.json",
            data={"PhoneNumber": number},
            auth=TW,
            timeout=(2, 0.5),
        )
    assert SandboxNumber.objects.filter(space="twilio", number=number).exists()


def test_commit_then_fail_ignores_reads_and_refusals(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "commit_then_fail", count=1)
    assert rest_get(urls).status_code == 200
    refused = requests.post(urls.rest + "/phone_numbers", json={}, auth=SW)
    assert refused.status_code == 422  # nothing was committed, so nothing fails
    assert SandboxFault.objects.get().remaining == 1


def test_faults_only_hit_matching_requests(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "server_error", path_contains="/search")
    assert rest_get(urls).status_code == 200
    assert rest_get(urls, "/phone_numbers/search").status_code == 500
    # The Twilio account is a different space: unaffected.
    assert requests.get(urls.twilio + "/IncomingPhoneNumbers.json", auth=TW).status_code == 200


def test_clear(urls, sandbox_faults):
    sandbox_faults.inject("signalwire", "server_error")
    sandbox_faults.import_enabled("signalwire", False)
    sandbox_faults.clear()
    assert rest_get(urls).status_code == 200
    assert SandboxSpace.get("signalwire").import_enabled


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("explode", {}),
        ("server_error", {"status": 404}),
        ("latency", {"seconds": 3}),
        ("rate_cap", {}),
        ("commit_then_fail", {"then": "later"}),
    ],
)
def test_inject_refuses_nonsense(kind, params):
    with pytest.raises(ValueError):
        faults.inject("signalwire", kind, **params)


@pytest.mark.django_db
def test_inject_refuses_unknown_space():
    with pytest.raises(ValueError):
        faults.inject("plivo", "drop")


# --- The demo page


def test_faults_page_needs_admin(viewer_client):
    response = viewer_client.get("/sandbox/faults/")
    assert response.status_code == 403
    assert "Admin" in response.content.decode()


def test_faults_page_arms_and_clears(admin_client_):
    page = admin_client_.get("/sandbox/faults/")
    assert page.status_code == 200
    assert "No faults are armed" in page.content.decode()
    response = admin_client_.post(
        "/sandbox/faults/",
        {"space": "twilio", "kind": "rate_limit", "count": "3", "retry_after": "5"},
    )
    assert response.status_code == 302
    fault = SandboxFault.objects.get()
    assert (fault.space, fault.kind, fault.remaining, fault.params) == (
        "twilio",
        "rate_limit",
        3,
        {"retry_after": 5},
    )
    page = admin_client_.get("/sandbox/faults/").content.decode()
    assert "Answer 429 Too Many Requests" in page
    admin_client_.post("/sandbox/faults/", {"action": "clear", "space": "twilio"})
    assert not SandboxFault.objects.exists()


def test_faults_page_shows_field_errors(admin_client_):
    response = admin_client_.post("/sandbox/faults/", {"space": "signalwire", "kind": "rate_cap"})
    assert response.status_code == 200
    assert "needs the number of requests per second" in response.content.decode()
    assert not SandboxFault.objects.exists()


def test_faults_page_switches_imports(admin_client_):
    admin_client_.post("/sandbox/faults/", {"action": "imports", "space": "signalwire"})
    assert SandboxSpace.get("signalwire").import_enabled is False
    admin_client_.post(
        "/sandbox/faults/", {"action": "imports", "space": "signalwire", "enabled": "on"}
    )
    assert SandboxSpace.get("signalwire").import_enabled is True

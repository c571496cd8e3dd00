"""Configure against the sandbox over a real socket: the wire requests, errors and the mirror."""

import datetime
import json
from urllib.parse import parse_qs

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from numbers_admin import mirror, roles, upstream
from numbers_admin.models import AuditEvent, Job, PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber
from tests.configure.helpers import edit_url, form_data, loaded_state_from, plain, text
from tests.conftest import make_user

TW_APP = "AP" + "0123456789abcdef" * 2


def _sandbox_number(space, i, **config):
    when = timezone.now() - datetime.timedelta(days=30)
    return SandboxNumber.objects.create(
        space=space,
        number=f"+1415555{i:04d}",
        name=f"Line {i}",
        country_code="US",
        created_at=when + datetime.timedelta(seconds=i),
        updated_at=when,
        config=config,
    )


def _mirror(account):
    client = upstream.client_for(account)
    return {
        row.number: row
        for row in (mirror.save_from_upstream(account, c)[0] for c in client.iter_numbers())
    }


@pytest.fixture
def logged_in(client, transactional_db):
    # A transactional database is flushed after each test, role groups included.
    roles.sync_roles(Group, Permission)
    client.force_login(make_user("sam", roles.SUPPORT))
    return client


WEBHOOK = {
    "call_handler": "laml_webhooks",
    "call_request_url": "https://old.example.com/voice",
    "call_request_method": "POST",
}


def test_rest_handler_change_sends_only_the_handler_and_its_field(
    logged_in, signalwire_account, sandbox_requests
):
    sandbox = _sandbox_number("signalwire", 1, **WEBHOOK)
    number = _mirror(signalwire_account)[sandbox.number]
    data = form_data(number, call_handler="relay_script")
    data["call_relay_script_url"] = "https://swml.example.com/main.yaml"

    response = logged_in.post(edit_url(number), data)

    assert response.status_code == 302
    put = sandbox_requests.last("signalwire", "PUT")
    assert json.loads(put.body) == {
        "call_handler": "relay_script",
        "call_relay_script_url": "https://swml.example.com/main.yaml",
    }
    sandbox.refresh_from_db()
    assert sandbox.config["call_handler"] == "relay_script"
    # SignalWire keeps the webhook pointer; only the handler says which one is live.
    assert sandbox.config["call_request_url"] == "https://old.example.com/voice"
    row = PhoneNumber.objects.get(pk=number.pk)
    assert row.call_handler == "relay_script"
    event = AuditEvent.objects.get(action="configure")
    assert event.changes["call_handler"] == ["laml_webhooks", "relay_script"]


def test_rest_validation_error_from_the_carrier_lands_on_the_field(
    logged_in, signalwire_account, sandbox_requests
):
    sandbox = _sandbox_number("signalwire", 1, **WEBHOOK)
    number = _mirror(signalwire_account)[sandbox.number]
    # Our rules accept it; SignalWire's do not (a host cannot start with a dot).
    data = form_data(number, call_request_url="https://.example.com/voice")

    body = text(logged_in.post(edit_url(number), data))

    assert "Not saved." in body
    assert 'id="id_call_request_url_error"' in body
    assert "call_request_url is not a valid URL" in body
    assert PhoneNumber.objects.get(pk=number.pk).call_request_url == "https://old.example.com/voice"
    assert AuditEvent.objects.get(action="configure").outcome == "failed"


def test_carrier_failure_shows_a_sentence_and_keeps_the_mirror_true(
    logged_in, signalwire_account, sandbox_faults
):
    sandbox = _sandbox_number("signalwire", 1, **WEBHOOK)
    number = _mirror(signalwire_account)[sandbox.number]
    sandbox_faults.inject("signalwire", "server_error", count=1, method="PUT")

    body = plain(logged_in.post(edit_url(number), form_data(number, name="New name")))

    assert "Not saved." in body
    row = PhoneNumber.objects.get(pk=number.pk)
    sandbox.refresh_from_db()
    assert row.name == sandbox.name == "Line 1"


def test_compat_update_posts_only_changed_form_fields(logged_in, compat_account, sandbox_requests):
    sandbox = _sandbox_number("signalwire", 1, **WEBHOOK)
    number = _mirror(compat_account)[sandbox.number]
    data = form_data(number, name="Front desk", message_request_url="https://sms.example.com/in")

    assert logged_in.post(edit_url(number), data).status_code == 302

    post = sandbox_requests.last("signalwire", "POST", "IncomingPhoneNumbers")
    assert parse_qs(post.body) == {
        "FriendlyName": ["Front desk"],
        "SmsUrl": ["https://sms.example.com/in"],
    }
    sandbox.refresh_from_db()
    assert sandbox.name == "Front desk"
    assert sandbox.config["call_request_url"] == "https://old.example.com/voice"


def test_twilio_voice_application_replaces_the_trunk(logged_in, twilio_account, sandbox_requests):
    sandbox = _sandbox_number("twilio", 1, trunk_sid="TK" + "1" * 32, **WEBHOOK)
    number = _mirror(twilio_account)[sandbox.number]
    assert number.trunk_sid
    data = form_data(number, call_laml_application_id=TW_APP, trunk_sid="")

    response = logged_in.post(edit_url(number), data)

    assert response.status_code == 302, text(response)[:3000]
    post = sandbox_requests.last("twilio", "POST", "IncomingPhoneNumbers")
    assert parse_qs(post.body, keep_blank_values=True) == {
        "VoiceApplicationSid": [TW_APP],
        "TrunkSid": [""],
    }
    row = PhoneNumber.objects.get(pk=number.pk)
    assert (row.call_laml_application_id, row.trunk_sid) == (TW_APP, "")


def test_stale_form_against_the_sandbox(logged_in, signalwire_account, sandbox_requests):
    sandbox = _sandbox_number("signalwire", 1, **WEBHOOK)
    number = _mirror(signalwire_account)[sandbox.number]
    page = logged_in.get(edit_url(number))
    sandbox.config = {**sandbox.config, "call_request_url": "https://theirs.example.com/v"}
    sandbox.save()
    data = form_data(number, loaded_state=loaded_state_from(page), name="Mine")

    body = plain(logged_in.post(edit_url(number), data))

    assert "changed by someone else" in body
    assert "https://theirs.example.com/v" in body
    assert sandbox_requests.count("signalwire", "PUT") == 0


def test_bulk_against_the_sandbox_applies_the_preview(
    logged_in, signalwire_account, sandbox_requests
):
    rows = [_sandbox_number("signalwire", i, **WEBHOOK) for i in range(3)]
    numbers = _mirror(signalwire_account)
    response = logged_in.post(
        reverse("configure:bulk"),
        {
            "selected": [n.pk for n in numbers.values()],
            "call_fallback_url": "https://backup.example.com/voice",
        },
    )
    preview_url = response["Location"]
    assert "3 numbers will change" in plain(logged_in.get(preview_url))
    logged_in.post(preview_url + "apply/")

    job = Job.objects.get(kind="bulk_configure")
    assert job.status == "succeeded" and job.failed == 0
    assert sandbox_requests.count("signalwire", "PUT") == 3
    for put in sandbox_requests.to("signalwire", "PUT"):
        assert json.loads(put.body) == {"call_fallback_url": "https://backup.example.com/voice"}
    for row in rows:
        row.refresh_from_db()
        assert row.config["call_fallback_url"] == "https://backup.example.com/voice"

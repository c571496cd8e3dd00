"""Upstream account pages: roles, validation, the write-only encrypted token, the audit trail."""

import logging

import pytest
from django.test import override_settings
from django.urls import reverse

from numbers_admin.models import Account, AuditEvent, Job, Provider

SW_ID = "5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d"
TOKEN = "PTtop0secret0token0value0123"
NEW_TOKEN = "PTanother0secret0token0456"


def _post_data(**overrides):
    data = {
        "provider": Provider.SIGNALWIRE_REST,
        "name": "Production space",
        "api_root": "https://example.signalwire.com/",
        "project_id": SW_ID.upper(),
        "token": TOKEN,
        "requests_per_second": "5",
        "is_enabled": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def account(db):
    account = Account(
        name="Production space",
        provider=Provider.SIGNALWIRE_REST,
        api_root="https://example.signalwire.com",
        project_id=SW_ID,
    )
    account.set_token(TOKEN)
    account.save()
    return account


@pytest.mark.parametrize("url_name", ["accounts:list", "accounts:add"])
def test_viewer_and_support_get_403_naming_admin(viewer_client, url_name):
    response = viewer_client.get(reverse(url_name))
    assert response.status_code == 403
    assert "Admin role" in response.content.decode()


def test_support_cannot_edit_test_or_sync(client, support, account):
    client.force_login(support)
    for name, method in [
        ("accounts:edit", client.get),
        ("accounts:test", client.post),
        ("accounts:sync", client.post),
        ("accounts:toggle", client.post),
    ]:
        response = method(reverse(name, args=[account.pk]))
        assert response.status_code == 403, name
        assert "Admin role" in response.content.decode()
    account.refresh_from_db()
    assert account.is_enabled and account.last_checked_at is None


def test_add_account_encrypts_token_normalises_and_audits(admin_client_, caplog):
    caplog.set_level(logging.DEBUG)
    response = admin_client_.post(reverse("accounts:add"), _post_data(), follow=True)

    assert response.status_code == 200
    account = Account.objects.get()
    assert account.api_root == "https://example.signalwire.com"
    assert account.project_id == SW_ID  # lower case, canonical uuid
    assert account.token_encrypted and TOKEN not in account.token_encrypted
    assert account.get_token() == TOKEN
    body = response.content.decode()
    assert "Production space" in body and TOKEN not in body
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT)
    assert event.actor_label == "ada" and event.account == account
    assert TOKEN not in str(event.changes) and TOKEN not in event.message
    assert event.changes["name"] == [None, "Production space"]
    assert TOKEN not in caplog.text


def test_token_never_rendered_on_add_edit_or_list_pages(admin_client_, account, caplog):
    caplog.set_level(logging.DEBUG)
    pages = [
        admin_client_.get(reverse("accounts:list")),
        admin_client_.get(reverse("accounts:edit", args=[account.pk])),
        # A failed submission must not echo the typed token back either.
        admin_client_.post(reverse("accounts:add"), _post_data(name="", token=NEW_TOKEN)),
        admin_client_.post(
            reverse("accounts:edit", args=[account.pk]),
            _post_data(api_root="ftp://x", token=NEW_TOKEN),
        ),
    ]
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert TOKEN not in body and NEW_TOKEN not in body
        assert account.token_encrypted not in body
    assert "A token is saved. Leave this empty to keep it" in pages[1].content.decode()
    assert TOKEN not in caplog.text and NEW_TOKEN not in caplog.text


def test_edit_with_empty_token_keeps_it_and_new_token_replaces_it(admin_client_, account):
    old_cipher = account.token_encrypted
    admin_client_.post(
        reverse("accounts:edit", args=[account.pk]), _post_data(name="Renamed", token="")
    )
    account.refresh_from_db()
    assert account.name == "Renamed"
    assert account.token_encrypted == old_cipher

    admin_client_.post(
        reverse("accounts:edit", args=[account.pk]), _post_data(name="Renamed", token=NEW_TOKEN)
    )
    account.refresh_from_db()
    assert account.get_token() == NEW_TOKEN
    events = list(AuditEvent.objects.filter(action="account").order_by("id"))
    assert events[0].changes == {"name": ["Production space", "Renamed"]}
    assert events[1].changes == {"token": ["(saved)", "(replaced)"]}
    assert "Token replaced." in events[1].message
    assert all(NEW_TOKEN not in str(e.changes) + e.message for e in events)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (
            {"project_id": "not-a-uuid"},
            "project_id",
            "Project or account id: a SignalWire Project ID is a uuid",
        ),
        (
            {
                "provider": Provider.TWILIO,
                "project_id": SW_ID,
                "api_root": "https://api.twilio.com",
            },
            "project_id",
            "Project or account id: a Twilio Account SID is AC followed by 32 hex",
        ),
        ({"api_root": "example.signalwire.com"}, "api_root", "API root: enter a full address"),
        (
            {"api_root": "http://example.signalwire.com"},
            "api_root",
            "API root: must start with https://",
        ),
        ({"token": ""}, "token", "API token: enter the token"),
        ({"name": ""}, "name", "This field is required"),
    ],
)
def test_validation_messages_name_the_field(admin_client_, overrides, field, words):
    response = admin_client_.post(reverse("accounts:add"), _post_data(**overrides))
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert words in response.content.decode().replace("&#x27;", "'")
    assert not Account.objects.exists()


def test_twilio_sid_accepted_and_http_allowed_for_local_sandbox(admin_client_, settings):
    settings.DEBUG = True
    response = admin_client_.post(
        reverse("accounts:add"),
        _post_data(
            provider=Provider.TWILIO,
            api_root="http://127.0.0.1:8000/sandbox/twilio",
            project_id="AC5A1D0C3E7B2F4E8A9C6D1F0E2B3A4C5D",
        ),
    )
    assert response.status_code == 302
    assert Account.objects.get().project_id == "AC5a1d0c3e7b2f4e8a9c6d1f0e2b3a4c5d"


@override_settings(DEBUG=False, SANDBOX_ENABLED=False)
def test_http_refused_for_local_host_in_production(admin_client_):
    response = admin_client_.post(
        reverse("accounts:add"), _post_data(api_root="http://127.0.0.1:8000/sandbox/signalwire")
    )
    assert "API root: must start with https://" in response.content.decode()
    assert not Account.objects.exists()


def test_disable_and_enable_are_audited(admin_client_, account):
    response = admin_client_.post(reverse("accounts:toggle", args=[account.pk]), follow=True)
    account.refresh_from_db()
    assert not account.is_enabled
    assert "is disabled" in response.content.decode()
    admin_client_.post(reverse("accounts:toggle", args=[account.pk]))
    account.refresh_from_db()
    assert account.is_enabled
    messages = list(
        AuditEvent.objects.filter(action="account").order_by("id").values_list("message", flat=True)
    )
    assert messages == ["Account disabled.", "Account enabled."]


def test_disabled_account_cannot_be_synced(admin_client_, account):
    account.is_enabled = False
    account.save()
    response = admin_client_.post(reverse("accounts:sync", args=[account.pk]), follow=True)
    assert "is disabled. Enable it before syncing." in response.content.decode()
    assert not Job.objects.exists()


def test_list_shows_account_columns(admin_client_, account):
    body = admin_client_.get(reverse("accounts:list")).content.decode()
    for text in [
        "Production space",
        "SignalWire (Space REST API)",
        "https://example.signalwire.com",
        SW_ID,
        "Enabled",
        "Not tested",
        "Never synced",
        "Test connection",
        "Sync now",
    ]:
        assert text in body


@override_settings(TOKEN_ENCRYPTION_KEYS=["bm90LWEta2V5LWJ1dC0zMi1ieXRlcy1sb25nLXh4eHg="])
def test_unreadable_token_shows_plain_message_on_test(admin_client_, account):
    response = admin_client_.post(reverse("accounts:test", args=[account.pk]), follow=True)
    account.refresh_from_db()
    assert account.last_check_ok is False
    assert "cannot be decrypted" in account.last_check_message
    assert "cannot be decrypted" in response.content.decode()

"""rotate_token_key and sync_numbers."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import override_settings

from numbers_admin.actions import sync
from numbers_admin.models import Account, Provider
from tests.sync.fakes import FakeClient, canonical

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def _account(name, token):
    account = Account(
        name=name,
        provider=Provider.TWILIO,
        api_root="https://api.twilio.com",
        project_id="AC" + "0" * 32,
    )
    account.set_token(token)
    account.save()
    return account


@pytest.mark.django_db
def test_rotation_with_two_keys_reencrypts_with_the_first():
    with override_settings(TOKEN_ENCRYPTION_KEYS=[OLD]):
        a = _account("A", "tok-a")
        b = _account("B", "tok-b")
        before = {a.pk: a.token_encrypted, b.pk: b.token_encrypted}

    out = io.StringIO()
    with override_settings(TOKEN_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("rotate_token_key", stdout=out)
    assert "Re-encrypted 2 token(s)" in out.getvalue()

    with override_settings(TOKEN_ENCRYPTION_KEYS=[NEW]):
        for account in Account.objects.all():
            assert account.token_encrypted != before[account.pk]
            assert account.get_token() == {"A": "tok-a", "B": "tok-b"}[account.name]
            assert "tok-" not in account.token_encrypted


@pytest.mark.django_db
def test_rotation_fails_clearly_and_changes_nothing_on_unreadable_token():
    with override_settings(TOKEN_ENCRYPTION_KEYS=[OLD]):
        readable = _account("Readable", "tok-a")
    with override_settings(TOKEN_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        _account("Lost", "tok-b")
    with (
        override_settings(TOKEN_ENCRYPTION_KEYS=[NEW, OLD]),
        pytest.raises(CommandError, match="No configured key can read the token of: “Lost”"),
    ):
        call_command("rotate_token_key", stdout=io.StringIO())
    readable_before = readable.token_encrypted
    readable.refresh_from_db()
    assert readable.token_encrypted == readable_before


@pytest.mark.django_db
def test_sync_numbers_prints_drift(monkeypatch):
    account = _account("Main", "tok")
    upstream = FakeClient([canonical(i) for i in range(3)])
    monkeypatch.setattr(sync, "sync_now", lambda acct, **kw: _real_sync_now(acct, client=upstream))
    out = io.StringIO()
    call_command("sync_numbers", "--account", "Main", stdout=out)
    assert "Main: Added 3 numbers found at the carrier" in out.getvalue()

    upstream.numbers = [canonical(0), canonical(1, name="New name"), canonical(5)]
    out = io.StringIO()
    call_command("sync_numbers", stdout=out)
    text = out.getvalue()
    assert "1 new at the carrier, 1 gone from the carrier, 1 changed there" in text
    assert "New at the carrier: +14155550005" in text
    assert "Gone from the carrier: +14155550002" in text
    assert "Changed there: +14155550001 (name)" in text
    assert account.numbers.count() == 4


_real_sync_now = sync.sync_now


@pytest.mark.django_db
def test_sync_numbers_unknown_account_and_failure_exit_non_zero(monkeypatch):
    _account("Main", "tok")
    with pytest.raises(CommandError, match="No account is called “Nope”. Accounts: Main."):
        call_command("sync_numbers", "--account", "Nope")
    monkeypatch.setattr(
        sync,
        "sync_now",
        lambda acct, **kw: _real_sync_now(acct, client=FakeClient([canonical(0)], 0)),
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 syncs did not finish"):
        call_command("sync_numbers", stderr=err, stdout=io.StringIO())
    assert "Main: The sync stopped: The carrier's API could not be reached" in err.getvalue()

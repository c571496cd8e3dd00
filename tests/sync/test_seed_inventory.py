"""seed_inventory: sandbox and mirror filled; what it writes is what an HTTP sync would see."""

import io

import pytest
from django.core.management import CommandError, call_command

from numbers_admin.actions import sync
from numbers_admin.models import Account, AuditEvent, PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber


@pytest.mark.parametrize("fixture", ["signalwire_account", "compat_account", "twilio_account"])
def test_seeded_mirror_matches_what_an_http_sync_sees(request, fixture):
    account = request.getfixturevalue(fixture)
    out = io.StringIO()

    call_command("seed_inventory", numbers=60, account=account.name, stdout=out)

    space = "twilio" if fixture == "twilio_account" else "signalwire"
    assert SandboxNumber.objects.filter(space=space).count() == 60
    assert PhoneNumber.objects.filter(account=account).count() == 60
    assert "Added 60 numbers found at the carrier" in out.getvalue()
    # A real sync over HTTP afterwards finds no drift: the in-process path maps identically.
    job = sync.sync_now(account)
    assert job.status == "succeeded", job.message
    assert (job.summary["new"], job.summary["gone"], job.summary["changed"]) == (0, 0, 0)
    assert not AuditEvent.objects.filter(actor_label="upstream").exists()


@pytest.mark.django_db
def test_without_account_uses_demo_accounts_and_is_repeatable():
    call_command("seed_inventory", numbers=25, stdout=io.StringIO())
    names = set(Account.objects.values_list("name", flat=True))
    assert names == {"Sandbox SignalWire Space", "Sandbox Twilio"}
    for account in Account.objects.all():
        assert account.numbers.count() == 25
        assert account.numbers.exclude(country="").count() == 25

    out = io.StringIO()
    call_command("seed_inventory", numbers=25, stdout=out)
    assert PhoneNumber.objects.count() == 50
    assert "everything matches the carrier" in out.getvalue()


@pytest.mark.django_db
def test_refuses_an_account_that_is_not_the_sandbox():
    account = Account(
        name="Real",
        provider="twilio",
        api_root="https://api.twilio.com",
        project_id="AC" + "0" * 32,
    )
    account.set_token("x")
    account.save()
    with pytest.raises(CommandError, match="never writes to a real carrier account"):
        call_command("seed_inventory", numbers=5, account="Real")
    assert not SandboxNumber.objects.exists()

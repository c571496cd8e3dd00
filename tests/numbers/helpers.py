"""Building mirror rows for the Numbers pages' tests (no upstream involved)."""

from datetime import UTC, datetime

from numbers_admin import numbering
from numbers_admin.models import Account, PhoneNumber, Provider, Tag

_counter = {"n": 0}


def make_account(name="Main SignalWire", provider=Provider.SIGNALWIRE_REST) -> Account:
    account = Account(
        name=name,
        provider=provider,
        api_root="https://example.signalwire.com",
        project_id="5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d",
    )
    account.set_token("not-a-real-token")
    account.save()
    return account


def make_number(account, e164, *, tags=(), **fields) -> PhoneNumber:
    """A mirror row for ``e164`` with the derived fields phonenumbers gives it."""
    _counter["n"] += 1
    values = {
        "upstream_id": f"00000000-0000-0000-0000-{_counter['n']:012d}",
        "number": e164,
        **numbering.describe(e164),
        "voice": True,
        "sms": True,
        "upstream_created_at": datetime(2025, 1, 1, tzinfo=UTC),
    }
    values.update(fields)
    pn = PhoneNumber.objects.create(account=account, **values)
    for name in tags:
        pn.tags.add(Tag.objects.get_or_create(name=name)[0])
    return pn

"""What the sync tests share: a SignalWire space account (its client is a stand-in)."""

import pytest

from numbers_admin.models import Account, Provider


@pytest.fixture
def account():
    account = Account(
        name="Main space",
        provider=Provider.SIGNALWIRE_REST,
        api_root="https://example.signalwire.com",
        project_id="5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d",
    )
    account.set_token("PTsecret")
    account.save()
    return account

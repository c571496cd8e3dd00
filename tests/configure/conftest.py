import pytest

from numbers_admin import mirror, upstream
from numbers_admin.models import Account, Provider
from tests.configure.fakes import FakeUpstream, canonical


@pytest.fixture
def fake_upstream(monkeypatch):
    fake = FakeUpstream()
    monkeypatch.setattr(upstream, "client_for", fake.client_for)
    return fake


def _account(provider, name, root, project):
    account = Account(name=name, provider=provider, api_root=root, project_id=project)
    account.set_token("secret-token")
    account.save()
    return account


@pytest.fixture
def rest_account(db):
    return _account(
        Provider.SIGNALWIRE_REST,
        "Space",
        "https://example.signalwire.com",
        "5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d",
    )


@pytest.fixture
def compat_acct(db):
    return _account(
        Provider.SIGNALWIRE_COMPAT,
        "Space compat",
        "https://example.signalwire.com",
        "5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d",
    )


@pytest.fixture
def twilio_acct(db):
    return _account(Provider.TWILIO, "Twilio", "https://api.twilio.com", "AC" + "a" * 32)


@pytest.fixture
def make_number(fake_upstream):
    """A number held upstream (in the fake) and mirrored locally."""

    def make(account, n=1, **values):
        data = fake_upstream.add(canonical(n, **values))
        row, _ = mirror.save_from_upstream(account, data)
        return row

    return make

"""An in-memory upstream client for the money-moving tests, with the faults the sandbox injects.

It counts every request that "reached the carrier" (``sent``) so tests can assert that a purchase
was or was not sent, and ``fail_next`` arms one fault for the next money-moving call:
``timeout`` / ``5xx`` / ``dropped`` (the change is made, the answer is lost → OutcomeUnknown),
``5xx_before`` (refused before anything happened → Unavailable), ``429`` (RateLimited, nothing
done), ``not_available``, ``too_soon``, ``not_enabled``; ``lookup_fails`` breaks find_by_number.
"""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from numbers_admin.models import Account, PhoneNumber, Provider
from numbers_admin.upstream import errors
from numbers_admin.upstream.base import AvailableNumber

AFTER_COMMIT = {"timeout", "5xx", "dropped", "commit_then_fail"}


class FakeClient:
    def __init__(self, provider=Provider.SIGNALWIRE_REST, delay=0.0):
        self.provider = provider
        self.search_kinds = (
            ("local", "toll_free", "mobile")
            if provider == Provider.TWILIO
            else ("local", "toll_free")
        )
        self.honours_capability_filter = provider == Provider.TWILIO
        self.supports_area_code_purchase = provider == Provider.TWILIO
        self.supports_import = provider != Provider.TWILIO
        from numbers_admin.upstream import base

        self.updatable_fields = {
            Provider.SIGNALWIRE_REST: base.REST_UPDATABLE_FIELDS,
            Provider.SIGNALWIRE_COMPAT: base.COMPAT_UPDATABLE_FIELDS,
            # As the seed allows at purchase (address, identity and bundle too).
            Provider.TWILIO: (*base.TWILIO_UPDATABLE_FIELDS, "address_sid", "identity_sid",
                              "bundle_sid"),
        }[provider]  # fmt: skip
        self.last_request_id = ""
        self.owned: dict[str, dict] = {}
        self.available = ["+14155550100", "+14155550101", "+14155550102"]
        self.sent: list[tuple] = []
        self.faults: list[str] = []
        self.lookup_fails = False
        self.delay = delay
        self.searches = []
        self._lock = threading.Lock()

    # -- helpers --------------------------------------------------------------------------
    def fail_next(self, *kinds):
        self.faults.extend(kinds)

    def _fault(self):
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def _canonical(self, number, **extra):
        upstream_id = str(uuid.uuid4())
        return {
            "upstream_id": upstream_id,
            "number": number,
            "name": extra.get("name") or number,
            "voice": True,
            "sms": True,
            "mms": False,
            "fax": False,
            "number_type": "longcode",
            "call_request_url": extra.get("call_request_url", ""),
            "raw_payload": {"id": upstream_id},
        }

    def _money_call(self, what, number, make):
        with self._lock:
            self.sent.append((what, number))
            self.last_request_id = f"req-{len(self.sent)}"
        if self.delay:
            time.sleep(self.delay)
        fault = self._fault()
        if fault == "429":
            raise errors.RateLimited(request_id=self.last_request_id)
        if fault == "5xx_before":
            raise errors.Unavailable(request_id=self.last_request_id)
        if fault == "not_available":
            raise errors.NotAvailable(request_id=self.last_request_id)
        if fault == "not_enabled":
            raise errors.FeatureNotEnabled(request_id=self.last_request_id)
        if fault == "too_soon":
            raise errors.TooSoonToRelease(possible_at=datetime(2026, 12, 7, 5, 49, tzinfo=UTC))
        result = make()
        if fault in AFTER_COMMIT:
            raise errors.OutcomeUnknown(request_id=self.last_request_id)
        return result

    # -- the interface ---------------------------------------------------------------------
    def search_available(self, query):
        self.searches.append(query)
        return [
            AvailableNumber(number=n, region="CA", locality="San Francisco",
                            capabilities=frozenset({"voice", "sms"}))
            for n in self.available if n not in self.owned
        ]  # fmt: skip

    def purchase(self, number="", *, area_code="", config=None):
        if area_code and not number:
            number = next(n for n in ["+1" + area_code + "5550199"] if n not in self.owned)

        def make():
            if number in self.owned:
                raise errors.NotAvailable()
            self.owned[number] = self._canonical(number, **(config or {}))
            return dict(self.owned[number])

        return self._money_call("purchase", number, make)

    def import_number(self, number, *, kind, capabilities):
        def make():
            self.owned[number] = self._canonical(number)
            return dict(self.owned[number])

        return self._money_call("import", number, make)

    def release(self, upstream_id):
        number = next((n for n, c in self.owned.items() if c["upstream_id"] == upstream_id), None)

        def make():
            if number is None:
                raise errors.NotFound()
            del self.owned[number]

        return self._money_call("release", number or upstream_id, make)

    def find_by_number(self, number):
        if self.lookup_fails:
            raise errors.Unavailable()
        found = self.owned.get(number)
        return dict(found) if found else None

    def get(self, upstream_id):
        if self.lookup_fails:
            raise errors.Unavailable()
        for c in self.owned.values():
            if c["upstream_id"] == upstream_id:
                return dict(c)
        raise errors.NotFound()

    def iter_numbers(self, page_size=1000):
        yield from [dict(c) for c in self.owned.values()]

    def count(self, what, number=None):
        return sum(1 for w, n in self.sent if w == what and (number is None or n == number))


@pytest.fixture
def fake_client(monkeypatch):
    client = FakeClient()
    _patch(monkeypatch, client)
    return client


def _patch(monkeypatch, client):
    from numbers_admin.actions import imports, purchase, release

    for module in (purchase, imports, release):
        monkeypatch.setattr(module, "client_for", lambda account, _c=client, **kw: _c, raising=True)


def make_account(name="Main", provider=Provider.SIGNALWIRE_REST, **extra):
    account = Account(
        name=name, provider=provider, api_root="https://example.signalwire.com",
        project_id="5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d", **extra,
    )  # fmt: skip
    account.set_token("PTtoken")
    account.save()
    return account


def owned_row(account, client, number, **fields):
    """A number both the fake carrier and the mirror know about."""
    from numbers_admin import mirror

    canonical = client._canonical(number)
    client.owned[number] = canonical
    row, _ = mirror.save_from_upstream(account, canonical)
    if fields:
        for k, v in fields.items():
            setattr(row, k, v)
        row.save()
    return row


def old(days=30):
    from django.utils import timezone

    return timezone.now() - timedelta(days=days)


__all__ = ["FakeClient", "fake_client", "make_account", "owned_row", "PhoneNumber", "old"]


@pytest.fixture
def live_admin(transactional_db):
    """An Admin-role user for tests that run with transactional_db (which flushes the groups the
    data migration made)."""
    from django.contrib.auth.models import Group, Permission

    from numbers_admin import roles
    from tests.conftest import make_user

    roles.sync_roles(Group, Permission)
    return make_user("ada-live", roles.ADMIN)

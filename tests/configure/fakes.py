"""A stand-in upstream for configure logic tests: numbers kept in memory, every call recorded.

The wire format is covered by the sandbox tests (test_configure_sandbox.py); these tests are about
what the dashboard decides to send.
"""

import copy
import uuid

from numbers_admin.upstream.errors import Invalid
from tests.canonical import blank_canonical


def canonical(n: int, **overrides) -> dict:
    values = blank_canonical()
    values.update(
        upstream_id=str(uuid.UUID(int=n + 1)),
        number=f"+1415555{n:04d}",
        name=f"Line {n}",
        voice=True,
        sms=True,
        mms=False,
        fax=False,
        number_type="longcode",
        country_code="US",
        call_handler="laml_webhooks",
        call_request_url=f"https://old.example.com/voice/{n}",
        call_request_method="POST",
        raw_payload={},
    )
    values.update(overrides)
    return values


class FakeUpstream:
    """Holds numbers per upstream id; ``client_for`` hands out a client bound to a provider."""

    def __init__(self):
        self.numbers: dict[str, dict] = {}
        self.calls: list[tuple] = []
        self.fail_next_update = None  # an UpstreamError to raise once
        self.fail_gets = None  # an UpstreamError every GET raises while set

    def add(self, values: dict) -> dict:
        self.numbers[values["upstream_id"]] = copy.deepcopy(values)
        return values

    def client_for(self, account, **_):
        return FakeClient(self, account.provider)

    def updates(self):
        return [c for c in self.calls if c[0] == "update"]


class FakeClient:
    def __init__(self, upstream: FakeUpstream, provider: str):
        self.upstream = upstream
        self.provider = provider
        self.last_request_id = "req-fake-1"

    def get(self, upstream_id):
        self.upstream.calls.append(("get", upstream_id))
        if self.upstream.fail_gets is not None:
            raise self.upstream.fail_gets
        return copy.deepcopy(self.upstream.numbers[upstream_id])

    def update(self, upstream_id, changes):
        self.upstream.calls.append(("update", upstream_id, dict(changes)))
        if self.upstream.fail_next_update is not None:
            error, self.upstream.fail_next_update = self.upstream.fail_next_update, None
            raise error
        number = self.upstream.numbers[upstream_id]
        number.update(changes)
        return copy.deepcopy(number)


def invalid(message="SignalWire did not accept the request.", **field_errors):
    return Invalid(message, status=422, field_errors=field_errors, request_id="req-bad")

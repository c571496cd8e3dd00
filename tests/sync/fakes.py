"""A stand-in upstream client for sync logic tests (the sandbox tests cover the wire)."""

import datetime
import uuid

from numbers_admin.upstream.errors import Unavailable
from tests.canonical import blank_canonical


def canonical(n: int, **overrides) -> dict:
    """A canonical SignalWire REST number; ``n`` picks the number and a stable id."""
    values = blank_canonical()
    values.update(
        upstream_id=str(uuid.UUID(int=n + 1)),
        number=f"+1415555{n:04d}",
        name=f"Line {n}",
        voice=True,
        sms=True,
        mms=False,
        fax=False,
        number_type="local",
        country_code="US",
        upstream_created_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        call_handler="laml_webhooks",
        call_request_url=f"https://example.com/voice/{n}",
        call_request_method="POST",
    )
    values.update(overrides)
    if "raw_payload" not in overrides:
        # Like a real client: the body as received, from which every other field was mapped.
        values["raw_payload"] = {
            k: (v.isoformat() if isinstance(v, datetime.datetime) else v)
            for k, v in values.items()
            if k != "raw_payload"
        }
    return values


class FakeClient:
    provider = "signalwire_rest"
    last_request_id = ""

    def __init__(self, numbers=(), fail_after=None):
        self.numbers = list(numbers)
        self.fail_after = fail_after
        self.page_sizes = []

    def ping(self):
        return None

    def iter_numbers(self, page_size=1000):
        self.page_sizes.append(page_size)
        for i, number in enumerate(self.numbers):
            if self.fail_after is not None and i >= self.fail_after:
                raise Unavailable()
            yield dict(number)

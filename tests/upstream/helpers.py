"""Shared constants and builders for the upstream tests (no network: `responses` or localhost)."""

import base64

from numbers_admin.upstream.compat import SignalWireCompatClient, TwilioClient
from numbers_admin.upstream.signalwire import SignalWireRestClient

SPACE = "https://example.signalwire.com"
PROJECT = "5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d"
SW_TOKEN = "PTsecretTokenThatMustNeverShow42"
TWILIO_ROOT = "https://api.twilio.com"
TWILIO_SID = "AC" + "ab" * 16
TWILIO_TOKEN = "twilioAuthTokenThatMustNeverShow"

REST = f"{SPACE}/api/relay/rest"
COMPAT = f"{SPACE}/api/laml/2010-04-01/Accounts/{PROJECT}"
TWILIO = f"{TWILIO_ROOT}/2010-04-01/Accounts/{TWILIO_SID}"


def basic(username, token):
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()


class Sleeps(list):
    """A fake ``sleep`` that records what it was asked to wait."""

    def __call__(self, seconds):
        self.append(seconds)


def rest_client(sleeps=None, **options):
    return SignalWireRestClient(
        api_root=SPACE,
        project_id=PROJECT,
        token=SW_TOKEN,
        sleep=Sleeps() if sleeps is None else sleeps,
        **options,
    )


def compat_client(sleeps=None, **options):
    return SignalWireCompatClient(
        api_root=SPACE,
        project_id=PROJECT,
        token=SW_TOKEN,
        sleep=Sleeps() if sleeps is None else sleeps,
        **options,
    )


def twilio_client(sleeps=None, **options):
    return TwilioClient(
        api_root=TWILIO_ROOT,
        project_id=TWILIO_SID,
        token=TWILIO_TOKEN,
        sleep=Sleeps() if sleeps is None else sleeps,
        **options,
    )


def rest_number(n=1, **overrides):
    body = {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "number": f"+1503555{n:04d}",
        "name": f"Line {n}",
        "capabilities": ["voice", "sms"],
        "number_type": "longcode",
        "created_at": "2025-06-03T15:51:29Z",
        "updated_at": "2025-06-03T15:51:29Z",
        "call_handler": "",
        "call_request_url": "",
        "country_code": "US",
    }
    body.update(overrides)
    return body


def compat_number(n=1, sid=None, **overrides):
    body = {
        "sid": sid or f"00000000-0000-4000-8000-{n:012d}",
        "phone_number": f"+1503555{n:04d}",
        "friendly_name": f"Line {n}",
        "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
        "date_created": "Tue, 03 Jun 2025 15:51:29 +0000",
        "date_updated": "Tue, 03 Jun 2025 15:51:29 +0000",
        "voice_url": "",
        "voice_application_sid": None,
        "sms_url": None,
    }
    body.update(overrides)
    return body

"""How each API shows a sandbox number, and each API's error bodies.

One stored number, three wire formats: the SignalWire REST API (lowercase JSON, ISO 8601 dates,
``""`` for unset strings), the Compatibility API (Twilio-shaped, RFC 2822 dates, uuids, ``code`` as
a string) and Twilio (``PN…`` sids, ``code`` as an integer). Handler settings are stored under the
REST names; ``COMPAT_TO_REST`` maps the Compatibility/Twilio form fields onto them.
"""

import datetime as dt
from email.utils import format_datetime

from django.conf import settings
from django.http import JsonResponse

from numbers_admin.sandbox.models import SandboxNumber

API_VERSION = "2010-04-01"
SW_ERRORS_URL = "https://developer.signalwire.com/compatibility-api/reference/error-codes"

# Compatibility / Twilio form field → REST field name.
COMPAT_TO_REST = {
    "VoiceUrl": "call_request_url",
    "VoiceMethod": "call_request_method",
    "VoiceFallbackUrl": "call_fallback_url",
    "VoiceFallbackMethod": "call_fallback_method",
    "StatusCallback": "call_status_callback_url",
    "StatusCallbackMethod": "call_status_callback_method",
    "VoiceApplicationSid": "call_laml_application_id",
    "VoiceReceiveMode": "call_receive_mode",
    "SmsUrl": "message_request_url",
    "SmsMethod": "message_request_method",
    "SmsFallbackUrl": "message_fallback_url",
    "SmsFallbackMethod": "message_fallback_method",
    "SmsApplicationSid": "message_laml_application_id",
}

# REST string fields that come back as "" when unset (observed reality, API.md §1.5).
REST_STRING_FIELDS = (
    "call_request_url",
    "call_fallback_url",
    "call_status_callback_url",
    "call_laml_application_id",
    "call_dialogflow_agent_id",
    "call_relay_topic",
    "call_relay_topic_status_callback_url",
    "call_relay_script_url",
    "call_relay_context",
    "call_relay_context_status_callback_url",
    "call_relay_application",
    "call_relay_connector_id",
    "call_sip_endpoint_id",
    "call_verto_resource",
    "call_video_room_id",
    "message_request_url",
    "message_fallback_url",
    "message_laml_application_id",
    "message_relay_topic",
    "message_relay_context",
)
REST_METHOD_FIELDS = (
    "call_request_method",
    "call_fallback_method",
    "call_status_callback_method",
    "message_request_method",
    "message_fallback_method",
)
# Accepted by PUT but not echoed in the response model.
REST_WRITE_ONLY = ("message_relay_application",)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc2822(value: dt.datetime) -> str:
    return format_datetime(value.astimezone(dt.UTC))


def next_billed_at(created: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The next monthly anniversary of ``created`` after ``now`` (day clamped to 28)."""
    day = min(created.day, 28)
    year, month = now.year, now.month
    candidate = now.replace(day=day, hour=created.hour, minute=created.minute, second=0)
    if candidate <= now:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        candidate = candidate.replace(year=year, month=month)
    return candidate


def default_name(e164: str, national: str) -> str:
    """REST default name: "+1 (503) 715-4424" for North America, else international format."""
    if e164.startswith("+1") and len(e164) == 12:
        return f"+1 ({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    return national


# --- SignalWire REST


def rest_number(n: SandboxNumber, now: dt.datetime) -> dict:
    c = n.config
    body = {
        "id": str(n.uid),
        "number": n.number,
        "name": n.name,
        "call_handler": c.get("call_handler") or None,
        "calling_handler_resource_id": c.get("calling_handler_resource_id") or None,
        "call_receive_mode": c.get("call_receive_mode") or "voice",
    }
    for key in REST_STRING_FIELDS:
        body[key] = c.get(key) or ""
    for key in REST_METHOD_FIELDS:
        body[key] = c.get(key) or "POST"
    body |= {
        "message_handler": c.get("message_handler") or None,
        "messaging_handler_resource_id": c.get("messaging_handler_resource_id") or None,
        "capabilities": n.capability_list,
        "number_type": n.number_type,
        "e911_address_id": str(n.e911_address_id) if n.e911_address_id else None,
        "e911_status": "active" if n.e911_address_id else None,
        "created_at": iso(n.created_at),
        "updated_at": iso(n.updated_at),
        "next_billed_at": iso(next_billed_at(n.created_at, now)),
        "country_code": n.country_code or None,
    }
    return body


def rest_error(status: int, detail: str, title: str = "Invalid Attribute") -> JsonResponse:
    """The Relay REST validation shape: a list of errors whose ``code`` is the status string."""
    return rest_errors(status, [detail], title)


def rest_errors(status: int, details: list[str], title: str = "Invalid Attribute") -> JsonResponse:
    """``rest_error`` with one entry per detail (every problem of a request at once)."""
    return JsonResponse(
        {
            "errors": [
                {"detail": d, "status": str(status), "title": title, "code": str(status)}
                for d in details
            ]
        },
        status=status,
    )


def rest_status(status: int) -> JsonResponse:
    """The Relay REST plain shape for 401/403/404/500: ``{"error": "<reason>"}``."""
    reasons = {
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        500: "Internal Server Error",
    }
    return JsonResponse({"error": reasons[status]}, status=status)


# --- Compatibility and Twilio


def _capabilities_object(n: SandboxNumber) -> dict:
    caps = set(n.capability_list)
    return {k: k in caps for k in ("voice", "sms", "mms", "fax")}


def _or_none(value):
    return value or None


def compat_uri(prefix: str, account_sid: str, rest: str) -> str:
    return f"{prefix}/{API_VERSION}/Accounts/{account_sid}/{rest}"


def compat_number(n: SandboxNumber, prefix: str) -> dict:
    """A number as the Compatibility API shows it (``prefix`` ends in ``/api/laml``)."""
    c = n.config
    pid = settings.SANDBOX_SIGNALWIRE_PROJECT_ID
    body = {
        "account_id": pid,
        "account_sid": pid,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": API_VERSION,
        "beta": False,
        "capabilities": _capabilities_object(n),
        "country_code": n.country_code,
        "date_created": rfc2822(n.created_at),
        "date_updated": rfc2822(n.updated_at),
        "emergency_address_sid": str(n.e911_address_id) if n.e911_address_id else None,
        "emergency_status": "Active" if n.e911_address_id else "Inactive",
        "friendly_name": n.name,
        "identity_sid": None,
        "origin": n.origin,
        "phone_number": n.number,
        "sid": str(n.uid),
        "sms_application_sid": _or_none(c.get("message_laml_application_id")),
        "sms_fallback_method": c.get("message_fallback_method") or "POST",
        "sms_fallback_url": _or_none(c.get("message_fallback_url")),
        "sms_method": c.get("message_request_method") or "POST",
        "sms_url": _or_none(c.get("message_request_url")),
        "status_callback": _or_none(c.get("call_status_callback_url")),
        "status_callback_method": c.get("call_status_callback_method") or "POST",
        "trunk_sid": None,
        "uri": compat_uri(prefix, pid, f"IncomingPhoneNumbers/{n.uid}.json"),
        "voice_application_sid": _or_none(c.get("call_laml_application_id")),
        "voice_caller_id_lookup": None,
        "voice_fallback_method": c.get("call_fallback_method") or "POST",
        "voice_fallback_url": _or_none(c.get("call_fallback_url")),
        "voice_method": c.get("call_request_method") or "POST",
        "voice_url": _or_none(c.get("call_request_url")),
    }
    if n.number_type == "toll-free":
        body["verification_status"] = c.get("verification_status") or "Unverified"
    return body


def twilio_sid(n: SandboxNumber) -> str:
    return "PN" + n.uid.hex


def twilio_number(n: SandboxNumber, prefix: str) -> dict:
    """A number as Twilio shows it (``prefix`` ends in ``/sandbox/twilio``)."""
    c = n.config
    sid = settings.SANDBOX_TWILIO_ACCOUNT_SID
    return {
        "account_sid": sid,
        "address_requirements": "none",
        "address_sid": _or_none(c.get("address_sid")),
        "api_version": API_VERSION,
        "beta": False,
        "capabilities": _capabilities_object(n),
        "date_created": rfc2822(n.created_at),
        "date_updated": rfc2822(n.updated_at),
        "emergency_status": c.get("emergency_status") or "Inactive",
        "emergency_address_sid": _or_none(c.get("emergency_address_sid")),
        "emergency_address_status": "registered"
        if c.get("emergency_address_sid")
        else "unregistered",
        "friendly_name": n.name,
        "identity_sid": _or_none(c.get("identity_sid")),
        "origin": n.origin,
        "phone_number": n.number,
        "sid": twilio_sid(n),
        # Twilio's own bodies mix "" and null for unset values; keep its mix.
        "sms_application_sid": c.get("message_laml_application_id") or "",
        "sms_fallback_method": c.get("message_fallback_method") or "POST",
        "sms_fallback_url": c.get("message_fallback_url") or "",
        "sms_method": c.get("message_request_method") or "POST",
        "sms_url": c.get("message_request_url") or "",
        "status_callback": c.get("call_status_callback_url") or "",
        "status_callback_method": c.get("call_status_callback_method") or "POST",
        "trunk_sid": _or_none(c.get("trunk_sid")),
        "uri": compat_uri(prefix, sid, f"IncomingPhoneNumbers/{twilio_sid(n)}.json"),
        "voice_receive_mode": c.get("call_receive_mode") or "voice",
        "voice_application_sid": c.get("call_laml_application_id") or "",
        "voice_caller_id_lookup": bool(c.get("voice_caller_id_lookup")),
        "voice_fallback_method": c.get("call_fallback_method") or "POST",
        "voice_fallback_url": _or_none(c.get("call_fallback_url")),
        "voice_method": c.get("call_request_method") or "POST",
        "voice_url": _or_none(c.get("call_request_url")),
        "bundle_sid": _or_none(c.get("bundle_sid")),
        "status": "in-use",
        "type": n.kind,
    }


def compat_error(status: int, code: str, message: str, *, body_status: int | None = None):
    """SignalWire Compatibility error: ``code`` is a string in real bodies."""
    return JsonResponse(
        {
            "code": str(code),
            "message": message,
            "more_info": SW_ERRORS_URL,
            "status": body_status or status,
        },
        status=status,
    )


def twilio_error(status: int, code: int, message: str, **extra):
    return JsonResponse(
        {
            "code": int(code),
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
            **extra,
        },
        status=status,
    )

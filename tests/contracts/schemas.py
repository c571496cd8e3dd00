"""JSON Schemas for the SignalWire REST and Compatibility bodies, written for this project.

Written from the facts in the project's API notes (field names, types, enums, status codes and
error shapes), not copied from SignalWire's documents. Strict (``additionalProperties: false``)
so that a renamed or missing field in the sandbox fails a test. The Twilio schemas come from
Twilio's own OpenAPI file (see data/NOTE.md) and are loaded by ``twilio_schema``.
"""

import json
from functools import cache
from pathlib import Path

UUID = {
    "type": "string",
    "pattern": r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
}
E164 = {"type": "string", "pattern": r"^\+\d{5,30}$"}
ISO_8601 = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"}
RFC_2822 = {
    "type": "string",
    "pattern": r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
    r"Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$",
}
METHOD = {"enum": ["GET", "POST"]}
STRING_OR_NULL = {"type": ["string", "null"]}

CALL_HANDLERS = [
    "relay_context",
    "relay_topic",
    "relay_script",
    "relay_application",
    "relay_connector",
    "relay_sip_endpoint",
    "relay_verto_endpoint",
    "laml_webhooks",
    "laml_application",
    "dialogflow",
    "video_room",
    "call_flow",
    "ai_agent",
    "fabric_subscriber",
    "sip_gateway",
    "call_queue",
]
MESSAGE_HANDLERS = [
    "relay_context",
    "relay_topic",
    "relay_application",
    "laml_webhooks",
    "laml_application",
]
# Strings that the real API returns as "" when unset (so: string, possibly empty).
REST_STRINGS = [
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
]
REST_METHODS = [
    "call_request_method",
    "call_fallback_method",
    "call_status_callback_method",
    "message_request_method",
    "message_fallback_method",
]


def _object(properties: dict, *, optional=()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


REST_PHONE_NUMBER = _object(
    {
        "id": UUID,
        "number": E164,
        "name": STRING_OR_NULL,
        "call_handler": {"enum": [*CALL_HANDLERS, None]},
        "calling_handler_resource_id": {"anyOf": [UUID, {"type": "null"}]},
        "call_receive_mode": {"enum": ["voice", "fax"]},
        **{k: {"type": ["string", "null"]} for k in REST_STRINGS},
        **{k: {"enum": ["GET", "POST", None]} for k in REST_METHODS},
        "message_handler": {"enum": [*MESSAGE_HANDLERS, None]},
        "messaging_handler_resource_id": {"anyOf": [UUID, {"type": "null"}]},
        "capabilities": {
            "type": "array",
            "items": {"enum": ["voice", "sms", "mms", "fax"]},
            "uniqueItems": True,
        },
        "number_type": {"enum": ["toll-free", "longcode"]},
        "e911_address_id": {"anyOf": [UUID, {"type": "null"}]},
        "e911_status": {
            "enum": ["pending", "active", "failed", "pending_removal", "unregistered", None]
        },
        "created_at": ISO_8601,
        "updated_at": ISO_8601,
        "next_billed_at": {"anyOf": [ISO_8601, {"type": "null"}]},
        "country_code": {"type": ["string", "null"], "pattern": "^[A-Z]{2}$"},
    }
)

_URL = {"type": "string", "pattern": "^https?://"}
REST_LIST = _object(
    {
        "links": _object(
            {"self": _URL, "first": _URL, "next": _URL, "prev": _URL}, optional=("next", "prev")
        ),
        "data": {"type": "array", "items": REST_PHONE_NUMBER},
    }
)

REST_SEARCH_OBSERVED_ITEM = _object(
    {
        "e164": E164,
        "national_number_formatted": {"type": "string"},
        "international_number_formatted": {"type": "string"},
        "rate_center": STRING_OR_NULL,
        "region": STRING_OR_NULL,
        "country_code": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "capabilities": {"type": "array", "items": {"enum": ["voice", "sms", "mms", "fax"]}},
    }
)
REST_SEARCH_SPEC_ITEM = _object(
    {
        "number": E164,
        "region": STRING_OR_NULL,
        "city": STRING_OR_NULL,
        "rate_center": STRING_OR_NULL,
        "lata": STRING_OR_NULL,
        "capabilities": _object({k: {"type": "boolean"} for k in ("voice", "sms", "mms", "fax")}),
    },
    optional=("region", "city", "rate_center", "lata", "capabilities"),
)
REST_SEARCH = _object(
    {
        "links": {"type": "object"},
        "data": {
            "type": "array",
            "items": {"oneOf": [REST_SEARCH_OBSERVED_ITEM, REST_SEARCH_SPEC_ITEM]},
        },
    }
)

REST_ERRORS = _object(
    {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": _object(
                {
                    "detail": {"type": "string", "minLength": 1},
                    "status": {"type": "string", "pattern": r"^\d{3}$"},
                    "title": {"type": "string"},
                    "code": {"type": "string"},
                }
            ),
        }
    }
)
REST_PLAIN_ERROR = _object({"error": {"type": "string"}})

# --- Compatibility API

COMPAT_INCOMING = _object(
    {
        "account_id": UUID,
        "account_sid": UUID,
        "address_requirements": {"const": "none"},
        "address_sid": {"type": "null"},
        "api_version": {"const": "2010-04-01"},
        "beta": {"const": False},
        "capabilities": _object({k: {"type": "boolean"} for k in ("voice", "sms", "mms", "fax")}),
        "country_code": {"type": "string"},
        "date_created": RFC_2822,
        "date_updated": RFC_2822,
        "emergency_address_sid": {"anyOf": [UUID, {"type": "null"}]},
        "emergency_status": {"enum": ["Active", "Inactive"]},
        "friendly_name": {"type": "string"},
        "identity_sid": {"type": "null"},
        "origin": {"enum": ["signalwire", "hosted"]},
        "phone_number": E164,
        "sid": UUID,
        "sms_application_sid": {"anyOf": [UUID, {"type": "null"}]},
        "sms_fallback_method": METHOD,
        "sms_fallback_url": STRING_OR_NULL,
        "sms_method": METHOD,
        "sms_url": STRING_OR_NULL,
        "status_callback": STRING_OR_NULL,
        "status_callback_method": METHOD,
        "trunk_sid": {"type": "null"},
        "uri": {"type": "string", "pattern": r"/api/laml/2010-04-01/Accounts/[^/]+/"},
        "voice_application_sid": {"anyOf": [UUID, {"type": "null"}]},
        "voice_caller_id_lookup": {"type": ["boolean", "null"]},
        "voice_fallback_method": METHOD,
        "voice_fallback_url": STRING_OR_NULL,
        "voice_method": METHOD,
        "voice_url": STRING_OR_NULL,
        "verification_status": STRING_OR_NULL,
    },
    optional=("verification_status",),
)
_URI_OR_NULL = {"type": ["string", "null"]}
COMPAT_LIST = _object(
    {
        "uri": {"type": "string"},
        "first_page_uri": {"type": "string"},
        "next_page_uri": _URI_OR_NULL,
        "previous_page_uri": _URI_OR_NULL,
        "page": {"type": "integer", "minimum": 0},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 1000},
        "incoming_phone_numbers": {"type": "array", "items": COMPAT_INCOMING},
    }
)
COMPAT_AVAILABLE = _object(
    {
        "friendly_name": {"type": "string"},
        "phone_number": E164,
        "lata": {"type": "null"},
        "locality": {"type": "null"},
        "rate_center": STRING_OR_NULL,
        "latitude": {"type": "null"},
        "longitude": {"type": "null"},
        "region": STRING_OR_NULL,
        "postal_code": {"type": "null"},
        "iso_country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        # Upper-case SMS/MMS and no fax on this resource (recorded SignalWire bodies).
        "capabilities": _object({k: {"type": "boolean"} for k in ("voice", "SMS", "MMS")}),
        "beta": {"const": False},
    }
)
COMPAT_AVAILABLE_LIST = _object(
    {
        "uri": {"type": "string"},
        "available_phone_numbers": {"type": "array", "items": COMPAT_AVAILABLE},
    }
)
COMPAT_COUNTRY = _object(
    {
        "country_code": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "country": {"type": "string"},
        "uri": {"type": "string"},
        "beta": {"type": "boolean"},
        "subresource_uris": _object(
            {"local": {"type": "string"}, "toll_free": {"type": "string"}}, optional=("toll_free",)
        ),
    }
)
COMPAT_COUNTRIES = _object(
    {"uri": {"type": "string"}, "countries": {"type": "array", "items": COMPAT_COUNTRY}}
)
COMPAT_ERROR = _object(
    {
        "code": {"type": "string", "pattern": r"^\d+$"},
        "message": {"type": "string", "minLength": 1},
        "more_info": {"type": "string", "pattern": "^https://"},
        "status": {"type": "integer"},
    }
)

# --- Twilio error (the legacy body, not declared in Twilio's OpenAPI file)

TWILIO_ERROR = _object(
    {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    optional=("detail",),
)


# --- Twilio's own schemas, converted from OpenAPI 3.0 to JSON Schema


@cache
def _twilio_file() -> dict:
    path = Path(__file__).parent / "data" / "twilio_api_v2010.phone-numbers.schemas.json"
    return json.loads(path.read_text())


def _convert(node, components):
    """Inline $refs and turn OpenAPI's ``nullable`` into JSON Schema's null type.

    One deliberate allowance: a string with a SID ``pattern`` may also be ``""``, because
    Twilio's own examples (same file) return ``""`` for unset SIDs such as sms_application_sid.
    """
    if isinstance(node, list):
        return [_convert(x, components) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _convert(components[node["$ref"].rsplit("/", 1)[1]], components)
    out = {k: _convert(v, components) for k, v in node.items() if k not in ("nullable", "format")}
    if "pattern" in out and out.get("type") == "string":
        pattern = out.pop("pattern")
        low, high = out.pop("minLength", None), out.pop("maxLength", None)
        sid = {"type": "string", "pattern": pattern}
        if low is not None:
            sid |= {"minLength": low, "maxLength": high}
        out = {k: v for k, v in out.items() if k != "type"} | {"anyOf": [sid, {"const": ""}]}
    if node.get("nullable"):
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "anyOf" in out:
            out["anyOf"].append({"type": "null"})
    return out


def twilio_schema(operation: str) -> dict:
    """The response schema of a Twilio operation, e.g. "FetchIncomingPhoneNumber 200"."""
    data = _twilio_file()
    return _convert(data["responses"][operation]["schema"], data["components"]["schemas"])

"""One mapping from each provider's payload onto our canonical fields, and back.

Canonical names are the SignalWire REST resource's (``base.CANONICAL_FIELDS``). Compatibility and
Twilio IncomingPhoneNumber payloads are mapped the way SignalWire itself maps them
(``base.COMPAT_FIELDS``: ``voice_url`` is ``call_request_url``…), and ``call_handler`` /
``message_handler`` are derived for them the same way (an application sid wins over a URL).

Habits of the wire formats this module absorbs (API.md §5):
- ``""`` and ``null`` both mean "unset" (strings become "", dates and booleans None);
- capability keys differ in case (``SMS``/``MMS`` vs ``sms``/``mms``) and shape (list vs object);
- dates are ISO 8601 on REST and RFC 2822 on Compatibility/Twilio (with the odd ``Sept``);
- the REST search result has two shapes (``number`` + object capabilities, or ``e164`` + list).
"""

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from numbers_admin.upstream.base import (
    CANONICAL_FIELDS,
    COMPAT_FIELDS,
    REST_UPDATABLE_FIELDS,
    AvailableNumber,
)

CAPABILITIES = ("voice", "sms", "mms", "fax")
_BOOLEAN_FIELDS = {"voice", "sms", "mms", "fax", "beta", "voice_caller_id_lookup"}
_DATE_FIELDS = {"upstream_created_at", "upstream_updated_at", "next_billed_at"}

# REST resource key → canonical field, where the names differ.
_REST_RENAMES = {
    "id": "upstream_id",
    "created_at": "upstream_created_at",
    "updated_at": "upstream_updated_at",
}


# --- Small value helpers -------------------------------------------------------------------------


def text(value: Any) -> str:
    """A string field: "" for both null and "" (the two ways providers say "unset")."""
    if value is None:
        return ""
    return str(value)


def boolean(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 (REST) or RFC 2822 (Compatibility/Twilio) → an aware datetime; None if unset or
    unreadable (a date we cannot read must not break a sync of a million numbers)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        raw = str(value).strip()
        parsed = None
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            # The SignalWire Compatibility spec's examples write "Sept", which RFC 2822 does not.
            rfc = re.sub(r"\bSept\b", "Sep", raw)
            try:
                parsed = parsedate_to_datetime(rfc)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def capabilities(value: Any) -> frozenset[str]:
    """Capabilities from a list (``["voice", "SMS"]``) or an object (``{"voice": true,
    "SMS": false}``), keys and items case-insensitive."""
    if isinstance(value, dict):
        return frozenset(
            str(key).lower() for key, enabled in value.items() if boolean(enabled) is True
        )
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(item).lower() for item in value if item)
    return frozenset()


def _blank_canonical() -> dict[str, Any]:
    number: dict[str, Any] = {}
    for name in CANONICAL_FIELDS:
        if name in _DATE_FIELDS:
            number[name] = None
        elif name in {"voice", "sms", "mms", "fax"}:
            number[name] = False
        elif name in _BOOLEAN_FIELDS:
            number[name] = None
        elif name == "raw_payload":
            number[name] = {}
        else:
            number[name] = ""
    return number


def _set_capabilities(number: dict[str, Any], caps: frozenset[str]) -> None:
    for name in CAPABILITIES:
        number[name] = name in caps


# --- Owned numbers -------------------------------------------------------------------------------


def rest_number(payload: dict[str, Any]) -> dict[str, Any]:
    """A SignalWire REST ``PhoneNumber`` → canonical dict."""
    number = _blank_canonical()
    for key, value in payload.items():
        name = _REST_RENAMES.get(key, key)
        if name not in number or name == "raw_payload":
            continue
        if name in _DATE_FIELDS:
            number[name] = parse_datetime(value)
        elif name in _BOOLEAN_FIELDS:
            number[name] = boolean(value)
        elif name == "capabilities":
            continue
        else:
            number[name] = text(value)
    _set_capabilities(number, capabilities(payload.get("capabilities")))
    number["raw_payload"] = payload
    return number


def compat_number(payload: dict[str, Any]) -> dict[str, Any]:
    """A Compatibility/Twilio ``IncomingPhoneNumber`` → canonical dict."""
    number = _blank_canonical()
    sid = text(payload.get("sid"))
    number["upstream_id"] = sid
    number["sid"] = sid
    number["number"] = text(payload.get("phone_number"))
    for canonical, (_form, key) in COMPAT_FIELDS.items():
        if canonical in _BOOLEAN_FIELDS:
            number[canonical] = boolean(payload.get(key))
        else:
            number[canonical] = text(payload.get(key))
    for key in (
        "emergency_address_status", "address_requirements", "origin", "verification_status",
        "status", "api_version", "country_code",
    ):  # fmt: skip
        number[key] = text(payload.get(key))
    number["beta"] = boolean(payload.get("beta"))
    # Twilio says "local", "mobile", "tollfree"… in ``type``; SignalWire says nothing.
    number["number_type"] = text(payload.get("type"))
    number["upstream_created_at"] = parse_datetime(payload.get("date_created"))
    number["upstream_updated_at"] = parse_datetime(payload.get("date_updated"))
    _set_capabilities(number, capabilities(payload.get("capabilities")))
    number["call_handler"] = _derived_handler(
        payload.get("voice_application_sid"), payload.get("voice_url")
    )
    number["message_handler"] = _derived_handler(
        payload.get("sms_application_sid"), payload.get("sms_url")
    )
    number["raw_payload"] = payload
    return number


def _derived_handler(application_sid: Any, url: Any) -> str:
    # SignalWire shows a number configured through the Compatibility API this way in REST:
    # an application takes precedence over the URL (as it does when a call arrives).
    if text(application_sid):
        return "laml_application"
    if text(url):
        return "laml_webhooks"
    return ""


# --- Numbers available to buy --------------------------------------------------------------------


def rest_available(item: dict[str, Any], kind: str = "local") -> AvailableNumber:
    """Either REST search shape: the spec's ``number`` + object capabilities, or the observed
    ``e164`` + list capabilities (API.md §1.5)."""
    return AvailableNumber(
        number=text(item.get("number") or item.get("e164")),
        country=text(item.get("country_code") or item.get("iso_country")),
        region=text(item.get("region")),
        locality=text(item.get("city") or item.get("locality")),
        rate_center=text(item.get("rate_center")),
        lata=text(item.get("lata")),
        capabilities=capabilities(item.get("capabilities")),
        kind=kind,
        friendly_name=text(
            item.get("national_number_formatted") or item.get("friendly_name") or ""
        ),
    )


def compat_available(item: dict[str, Any], kind: str = "local") -> AvailableNumber:
    return AvailableNumber(
        number=text(item.get("phone_number")),
        country=text(item.get("iso_country")),
        region=text(item.get("region")),
        locality=text(item.get("locality")),
        rate_center=text(item.get("rate_center")),
        lata=text(item.get("lata")),
        capabilities=capabilities(item.get("capabilities")),
        kind=kind,
        friendly_name=text(item.get("friendly_name")),
    )


# --- Canonical changes → request bodies ----------------------------------------------------------


class UnknownField(ValueError):
    """A change names a field this provider cannot update; ``fields`` lists them."""

    def __init__(self, fields: list[str]):
        self.fields = fields
        super().__init__(", ".join(fields))


def rest_update_body(changes: dict[str, Any]) -> dict[str, Any]:
    """Canonical changes → the partial JSON body of ``PUT /phone_numbers/{id}``."""
    unknown = [name for name in changes if name not in REST_UPDATABLE_FIELDS]
    if unknown:
        raise UnknownField(unknown)
    # Null clears a field as "" does; send "" so the body stays the same type the API echoes.
    return {name: text(value) for name, value in changes.items()}


def form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return text(value)


def compat_form(changes: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, str]:
    """Canonical changes → the PascalCase form of a Compatibility/Twilio create or update.

    ``call_handler`` / ``message_handler`` are derived there, so they can only be set to the two
    values the format can express: ``laml_webhooks`` (clears the application sid so the URL
    takes effect) or ``laml_application``.
    """
    unknown = [
        name
        for name, value in changes.items()
        if name not in allowed
        and not (
            name in ("call_handler", "message_handler")
            and value in ("laml_webhooks", "laml_application", "", None)
        )
    ]
    if unknown:
        raise UnknownField(unknown)
    form: dict[str, str] = {}
    for name, value in changes.items():
        if name in COMPAT_FIELDS:
            form[COMPAT_FIELDS[name][0]] = form_value(value)
    for handler, sid_field in (
        ("call_handler", "call_laml_application_id"),
        ("message_handler", "message_laml_application_id"),
    ):
        if changes.get(handler) == "laml_webhooks" and sid_field not in changes:
            form[COMPAT_FIELDS[sid_field][0]] = ""
    return form


# PascalCase form field (and lowercase import field) → canonical name, for error messages.
FORM_TO_CANONICAL = {form: canonical for canonical, (form, _key) in COMPAT_FIELDS.items()}
FORM_TO_CANONICAL.update(
    {
        "PhoneNumber": "number",
        "AreaCode": "area_code",
        "number": "number",
        "number_type": "kind",
        "capabilities": "capabilities",
        "PageToken": "page_token",
        "PageSize": "page_size",
        "Contains": "contains",
        "InRegion": "region",
        "InLocality": "city",
    }
)

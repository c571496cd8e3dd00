"""Clients for the 2010-04-01 format: SignalWire's Compatibility API and Twilio.

Both speak the same format (PascalCase form writes, JSON answers with ``.json`` paths, RFC 2822
dates, ``next_page_uri`` paging, ``{code, message, more_info, status}`` errors); they differ in
root, id formats, what they offer (API.md §2.6, §3, §4) and what some error codes mean:

- SignalWire: root ``{space}/api/laml/2010-04-01/Accounts/{ProjectID}``; sids are uuids; search
  offers Local and TollFree only and silently ignores capability filters; buying needs a number;
  import exists (a partner feature); code 21421 means "an area code or number must be provided".
- Twilio: root ``https://api.twilio.com/2010-04-01/Accounts/{AC…}``; sids ``PN…``; search offers
  Local, TollFree and Mobile and honours capability filters; buys "any number in an area code";
  no import here; 21421/21422/21452 mean the number (or area code) cannot be had.
"""

import re
from collections.abc import Iterator
from typing import Any

from numbers_admin.upstream import mapping
from numbers_admin.upstream.base import (
    COMPAT_UPDATABLE_FIELDS,
    TWILIO_UPDATABLE_FIELDS,
    AvailableNumber,
    SearchQuery,
)
from numbers_admin.upstream.errors import (
    AuthFailed,
    FeatureNotEnabled,
    Invalid,
    NotAvailable,
    NotFound,
    RateLimited,
    TooSoonToRelease,
    Unavailable,
    UpstreamError,
)
from numbers_admin.upstream.http import HttpClient, ProviderClient
from numbers_admin.upstream.signalwire import possible_at_from
from numbers_admin.upstream.signalwire import sentence as as_sentence

_SEARCH_SEGMENTS = {"local": "Local", "toll_free": "TollFree", "mobile": "Mobile"}
_URL_FIELDS = ("VoiceUrl", "VoiceFallbackUrl", "StatusCallback", "SmsUrl", "SmsFallbackUrl")
_METHOD_FIELDS = (
    "VoiceMethod", "VoiceFallbackMethod", "StatusCallbackMethod", "SmsMethod",
    "SmsFallbackMethod", "VoiceReceiveMode",
)  # fmt: skip
_APPLICATION_FIELDS = ("VoiceApplicationSid", "SmsApplicationSid")

# Codes whose subject is a known kind of field: when the message does not name the field, the
# fields of that kind we sent are the candidates.
_FIELDS_BY_CODE = {
    "21402": _URL_FIELDS,
    "21209": _METHOD_FIELDS,
    "21420": _APPLICATION_FIELDS,
    "20002": ("FriendlyName",),
    "21401": ("PhoneNumber", "number"),
    "21451": ("AreaCode",),
    "4000": ("capabilities",),
    "21628": ("EmergencyAddressSid",),
    "22109": ("EmergencyAddressSid",),
    "21481": ("PageToken",),
    "54453": ("PageToken",),
    "54454": ("PageSize",),
}
# Only PascalCase names are looked for inside a message: "number" is too common a word.
_FIELD_NAME = re.compile(
    r"\b("
    + "|".join(sorted((n for n in mapping.FORM_TO_CANONICAL if n[0].isupper()), key=len)[::-1])
    + r")\b"
)
_HUMAN_FIELDS = {
    "number type": "kind",
    "number": "number",
    "capabilities": "capabilities",
    "friendly name": "name",
}
_TOO_SOON = re.compile(r"too recently|cooldown|cool-down", re.IGNORECASE)
_NOT_AVAILABLE = re.compile(r"not available|no longer available|unavailable", re.IGNORECASE)

_SENTENCES = {
    "20002": "The friendly name must be between 1 and 64 characters.",
    "21401": "The number is not in a format the carrier accepts (use +1…, E.164).",
    "21402": "A URL is not valid: use a full web address such as https://example.com/voice.",
    "21209": "Methods must be GET or POST, and the receive mode voice or fax.",
    "21420": "The application was not found on this account.",
    "21451": "The area code is not valid: use three digits, e.g. 415.",
    "4000": "Choose at least one capability (voice, SMS, MMS, fax).",
    "21628": "That emergency address cannot be used for this number.",
    "22109": "That emergency address was not found.",
}


def _canonical(name: str) -> str:
    return mapping.FORM_TO_CANONICAL.get(name, name)


def _code_of(body: Any, status: int) -> str:
    if isinstance(body, dict):
        code = body.get("code")
        if code not in (None, ""):
            return str(code)
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("code") or status)
    return str(status)


def _message_of(body: Any, text: str) -> str:
    if isinstance(body, dict):
        for key in ("message", "detail", "details"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            return str(first.get("message", "") if isinstance(first, dict) else first)
    return text[:300]


def _field_errors(code: str, message: str, sent: dict[str, Any]) -> dict[str, list[str]]:
    named = [m.group(1) for m in _FIELD_NAME.finditer(message)]
    if not named:
        lowered = message.lower()
        for human, canonical in _HUMAN_FIELDS.items():
            if lowered.startswith(human + " "):
                return {canonical: [message]}
    if not named:
        candidates = _FIELDS_BY_CODE.get(code, ())
        named = [name for name in candidates if name in sent] or (
            list(candidates[:1]) if len(candidates) == 1 else []
        )
    if not named and len(sent) == 1:
        named = list(sent)
    result: dict[str, list[str]] = {}
    for name in named:
        result.setdefault(_canonical(name), []).append(message)
    return result


def make_error_mapper(vendor: str):
    """The error mapper for ``vendor`` ("SignalWire" or "Twilio")."""
    twilio = vendor == "Twilio"

    def compat_error(
        status: int, body: Any, text: str, request_id: str, sent: dict[str, Any]
    ) -> UpstreamError:
        code = _code_of(body, status)
        message = _message_of(body, text)
        common = {
            "provider_code": code,
            "detail": message,
            "status": status,
            "request_id": request_id,
        }

        if code == "20003" or (status in (401, 403) and code != "10001"):
            return AuthFailed(**common)
        if code == "20404" or status == 404:
            return NotFound(**common)
        if code == "20429" or status == 429:
            return RateLimited(**common)
        if code == "10001":
            return FeatureNotEnabled(**common)
        if code == "22121" or _TOO_SOON.search(message):
            possible_at = possible_at_from(message)
            sentence = "This number was bought too recently to release."
            if possible_at:
                sentence += f" {vendor} allows it from {possible_at:%Y-%m-%d %H:%M} UTC."
            return TooSoonToRelease(sentence, possible_at=possible_at, **common)
        if twilio and code in ("21421", "21422", "21452"):
            sentence = {
                "21421": "The carrier says this phone number is not valid to buy.",
                "21452": "There are no numbers left to buy in that area code. Try another.",
            }.get(code)
            # 21421 ("PhoneNumber is invalid") is still about the number asked for.
            number_errors = {"number": [message]} if code == "21421" else None
            return NotAvailable(sentence, field_errors=number_errors, **common)
        if not twilio and code == "21421":
            return Invalid(
                "Give a number (or an area code) to buy.",
                field_errors={"number": [message or "A number must be provided."]},
                **common,
            )
        if status >= 500:
            return Unavailable(**common)
        if code in ("21422", "21452") or ("PhoneNumber" in sent and _NOT_AVAILABLE.search(message)):
            return NotAvailable(**common)
        field_errors = _field_errors(code, message, sent)
        sentence = _SENTENCES.get(code) or as_sentence(
            f"{vendor} did not accept the request: {message}"
        )
        return Invalid(sentence, field_errors=field_errors, **common)

    return compat_error


class _CompatFormatClient(ProviderClient):
    """What SignalWire Compatibility and Twilio share; subclasses set the differences."""

    provider = ""
    vendor = ""
    api_prefix = ""
    search_kinds: tuple[str, ...] = ()
    honours_capability_filter = False
    supports_area_code_purchase = False
    supports_import = False
    updatable_fields: tuple[str, ...] = ()

    def __init__(self, *, api_root: str, project_id: str, token: str, **http_options):
        self.project_id = project_id
        self.http = HttpClient(
            provider=self.provider,
            root=f"{api_root.rstrip('/')}{self.api_prefix}/Accounts/{project_id}",
            username=project_id,
            token=token,
            error_mapper=make_error_mapper(self.vendor),
            **http_options,
        )

    def ping(self) -> None:
        self.http.request("GET", "IncomingPhoneNumbers.json", params={"PageSize": 1})

    # --- Search ---------------------------------------------------------------------------

    def search_available(self, query: SearchQuery) -> list[AvailableNumber]:
        if query.kind not in self.search_kinds:
            offered = ", ".join(k.replace("_", "-") for k in self.search_kinds)
            raise Invalid(
                f"{self.vendor} offers these kinds of numbers here: {offered}.",
                field_errors={"kind": [f"Choose one of: {offered}."]},
            )
        params: dict[str, Any] = {}
        if query.area_code:
            params["AreaCode"] = query.area_code
        if query.region:
            params["InRegion"] = query.region
        if query.city:
            params["InLocality"] = query.city
        # The format has one pattern filter, Contains; starts/ends-with are sent as Contains and
        # then checked here so that the answer means what the person asked.
        pattern = self._contains(query)
        if pattern:
            params["Contains"] = pattern
        params.update(self._extra_search_params(query))
        country = (query.country or "US").upper()
        segment = _SEARCH_SEGMENTS[query.kind]
        body = self.http.request(
            "GET", f"AvailablePhoneNumbers/{country}/{segment}.json", params=params
        )
        found = [
            mapping.compat_available(item, query.kind)
            for item in (body or {}).get("available_phone_numbers") or []
        ]
        found = [n for n in found if _matches_pattern(n.number, query)]
        return found[: max(1, query.limit)]

    def _extra_search_params(self, query: SearchQuery) -> dict[str, Any]:
        return {}

    def _contains(self, query: SearchQuery) -> str:
        return query.contains or query.starts_with or query.ends_with

    # --- Buying and importing ---------------------------------------------------------------

    def purchase(self, number: str = "", *, area_code: str = "", config=None) -> dict[str, Any]:
        form = self._form(config or {})
        if number:
            form["PhoneNumber"] = number
        elif area_code and self.supports_area_code_purchase:
            form["AreaCode"] = area_code
        else:
            raise Invalid(
                "Pick a number to buy.",
                field_errors={"number": ["Pick a number from the search results."]},
            )
        body = self.http.request("POST", "IncomingPhoneNumbers.json", data=form)
        return mapping.compat_number(body)

    def import_number(self, number: str, *, kind: str, capabilities: list[str]) -> dict[str, Any]:
        raise FeatureNotEnabled(f"{self.vendor} numbers cannot be imported through this API.")

    # --- Owned numbers ------------------------------------------------------------------------

    def get(self, upstream_id: str) -> dict[str, Any]:
        return mapping.compat_number(
            self.http.request("GET", f"IncomingPhoneNumbers/{upstream_id}.json")
        )

    def find_by_number(self, number: str) -> dict[str, Any] | None:
        # PhoneNumber is a pattern match, so the answer is checked for an exact match.
        params = {"PhoneNumber": number, "PageSize": 50}
        for payload in self._pages("IncomingPhoneNumbers.json", params):
            if payload.get("phone_number") == number:
                return mapping.compat_number(payload)
        return None

    def iter_numbers(self, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        params = {"PageSize": max(1, min(page_size, 1000))}
        for payload in self._pages("IncomingPhoneNumbers.json", params):
            yield mapping.compat_number(payload)

    def update(self, upstream_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        form = self._form(changes)
        body = self.http.request("POST", f"IncomingPhoneNumbers/{upstream_id}.json", data=form)
        return mapping.compat_number(body)

    def release(self, upstream_id: str) -> None:
        self.http.request("DELETE", f"IncomingPhoneNumbers/{upstream_id}.json")

    # --- Helpers ------------------------------------------------------------------------------

    def _form(self, changes: dict[str, Any]) -> dict[str, str]:
        try:
            return mapping.compat_form(changes, self.updatable_fields)
        except mapping.UnknownField as error:
            raise Invalid(
                f"{self.vendor} cannot set these fields through this API: "
                + ", ".join(error.fields)
                + ".",
                field_errors={f: ["This field cannot be set here."] for f in error.fields},
            ) from None

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        # next_page_uri is a path from the API's own root (e.g. "/2010-04-01/Accounts/…" or
        # "/api/laml/2010-04-01/…"); the account root ends with that same "/Accounts/{id}".
        return self._follow_pages(
            path,
            params,
            items=lambda body: body.get("incoming_phone_numbers"),
            next_link=lambda body: body.get("next_page_uri"),
            marker=f"/Accounts/{self.project_id}/",
        )


def _matches_pattern(e164: str, query: SearchQuery) -> bool:
    digits = e164.lstrip("+")
    national = digits[1:] if digits.startswith("1") and len(digits) == 11 else digits
    if query.starts_with and not (
        national.startswith(query.starts_with) or digits.startswith(query.starts_with)
    ):
        return False
    if query.ends_with and not digits.endswith(query.ends_with):
        return False
    return not (query.contains and query.contains.isdigit() and query.contains not in digits)


class SignalWireCompatClient(_CompatFormatClient):
    provider = "signalwire_compat"
    vendor = "SignalWire"
    api_prefix = "/api/laml/2010-04-01"
    search_kinds = ("local", "toll_free")
    honours_capability_filter = False  # accepted, and silently ignored (API.md §2.6)
    supports_area_code_purchase = False
    supports_import = True
    updatable_fields = COMPAT_UPDATABLE_FIELDS

    def import_number(self, number: str, *, kind: str, capabilities: list[str]) -> dict[str, Any]:
        # The partner API's form is lowercase; a list is sent as a repeated key.
        form: list[tuple[str, str]] = [
            ("number", number),
            ("number_type", "tollfree" if kind == "toll_free" else "longcode"),
        ]
        form += [("capabilities", c) for c in capabilities]
        body = self.http.request("POST", "ImportedPhoneNumbers.json", data=form)
        return mapping.compat_number(body)


class TwilioClient(_CompatFormatClient):
    provider = "twilio"
    vendor = "Twilio"
    api_prefix = "/2010-04-01"
    search_kinds = ("local", "toll_free", "mobile")
    honours_capability_filter = True
    supports_area_code_purchase = True
    supports_import = False
    updatable_fields = TWILIO_UPDATABLE_FIELDS

    def _contains(self, query: SearchQuery) -> str:
        # Twilio documents "*" as "any digit": a US/CA national number has ten digits, so a
        # prefix or suffix is anchored by padding it with "*" to that length.
        north_america = (query.country or "US").upper() in ("US", "CA")
        if north_america and query.starts_with and len(query.starts_with) <= 10:
            return query.starts_with.ljust(10, "*")
        if north_america and query.ends_with and len(query.ends_with) <= 10:
            return query.ends_with.rjust(10, "*")
        return super()._contains(query)

    def _extra_search_params(self, query: SearchQuery) -> dict[str, Any]:
        params: dict[str, Any] = {"PageSize": max(1, min(query.limit, 1000))}
        for capability in sorted(query.capabilities):
            params[f"{capability.capitalize()}Enabled"] = "true"  # VoiceEnabled, SmsEnabled…
        return params

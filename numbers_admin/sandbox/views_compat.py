"""The SignalWire Compatibility API (``/api/laml/2010-04-01``) and Twilio (``/2010-04-01``).

Both speak Twilio's dialect: PascalCase form fields, POST to update, RFC 2822 dates and
``next_page_uri`` paging. They differ in ids (uuid vs ``PN…``), error codes (string vs integer,
and some numbers mean different things), and what they offer (Twilio: Mobile numbers, Great
Britain, the Local/Mobile/TollFree sub-lists; SignalWire: the Partner import API).
"""

import re
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from numbers_admin.sandbox import inventory, stock
from numbers_admin.sandbox.models import SandboxNumber, SandboxSpace
from numbers_admin.sandbox.serving import (
    COMPAT,
    TWILIO_API,
    endpoint,
    method_not_allowed,
    not_found,
)
from numbers_admin.sandbox.wire import (
    COMPAT_TO_REST,
    compat_error,
    compat_number,
    compat_uri,
    twilio_error,
    twilio_number,
)

E164_RE = re.compile(r"^\+\d{5,17}$")
IMPORT_RE = re.compile(r"^\+\d{5,30}$")
URL_FIELDS = ("VoiceUrl", "VoiceFallbackUrl", "StatusCallback", "SmsUrl", "SmsFallbackUrl")
METHOD_FIELDS = (
    "VoiceMethod",
    "VoiceFallbackMethod",
    "StatusCallbackMethod",
    "SmsMethod",
    "SmsFallbackMethod",
)
TWILIO_SID_FIELDS = {
    "VoiceApplicationSid": "AP",
    "SmsApplicationSid": "AP",
    "TrunkSid": "TK",
    "IdentitySid": "RI",
    "AddressSid": "AD",
    "EmergencyAddressSid": "AD",
    "BundleSid": "BU",
}
KIND_BY_PATH = {"Local": stock.LOCAL, "TollFree": stock.TOLL_FREE, "Mobile": stock.MOBILE}


# Error codes per API for each rule: (HTTP status, Compatibility code, Twilio code).
RULES = {
    "friendly_name": (400, "20002", 20001),
    "method": (400, "21209", 20001),
    "receive_mode": (400, "21209", 20001),
    "url": (400, "21402", 21402),
    "application_sid": (400, "21420", 21420),
    "invalid_param": (400, "10000", 20001),
    "number_required": (400, "21421", 21421),
    "number_format": (400, "21401", 21421),
    "not_available": (400, "21422", 21422),
    "area_code_format": (400, "21451", 21451),
    "area_code_empty": (400, "21452", 21452),
    "page_size": (400, "54454", 20001),
    "page_token_missing": (400, "54453", 20001),
    "page_token_invalid": (400, "21481", 20001),
    "cooldown": (422, "22121", 22121),
}


def err(ctx, rule: str, message: str):
    status, compat_code, twilio_code = RULES[rule]
    if ctx.api == COMPAT:
        return compat_error(status, compat_code, message)
    return twilio_error(status, twilio_code, message)


def _view(ctx, number: SandboxNumber) -> dict:
    if ctx.api == COMPAT:
        return compat_number(number, ctx.prefix)
    return twilio_number(number, ctx.prefix)


def _account_sid(ctx) -> str:
    if ctx.api == COMPAT:
        return settings.SANDBOX_SIGNALWIRE_PROJECT_ID
    return settings.SANDBOX_TWILIO_ACCOUNT_SID


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def validate_form(ctx, data, *, creating: bool):
    """(name or None, config changes, e911 change) from a create/update form, or an error."""
    changes: dict = {}
    name = None
    e911 = ...
    if "FriendlyName" in data:
        name = data["FriendlyName"]
        if not 1 <= len(name) <= 64:
            return err(ctx, "friendly_name", "FriendlyName must be between 1 and 64 characters")
    for field in METHOD_FIELDS:
        if field in data:
            value = data[field].upper()
            if value not in ("GET", "POST"):
                return err(ctx, "method", f"{field} must be GET or POST")
            changes[COMPAT_TO_REST[field]] = value
    if "VoiceReceiveMode" in data:
        if data["VoiceReceiveMode"] not in ("voice", "fax"):
            return err(ctx, "receive_mode", "VoiceReceiveMode must be voice or fax")
        changes["call_receive_mode"] = data["VoiceReceiveMode"]
    for field in URL_FIELDS:
        if field in data:
            value = data[field]
            if value and not inventory.URL_RE.match(value):
                return err(ctx, "url", f"{field} is not a valid URL: {value}")
            changes[COMPAT_TO_REST[field]] = value
    for field in ("VoiceApplicationSid", "SmsApplicationSid"):
        if data.get(field):
            value = data[field]
            valid = (
                _is_uuid(value)
                if ctx.api == COMPAT
                else re.match(r"^AP[0-9a-fA-F]{32}$", value) is not None
            )
            if not valid:
                return err(ctx, "application_sid", f"{field} {value} was not found")
        if field in data:
            changes[COMPAT_TO_REST[field]] = data[field]
    if ctx.api == TWILIO_API:
        for field, prefix in TWILIO_SID_FIELDS.items():
            if field in ("VoiceApplicationSid", "SmsApplicationSid") or field not in data:
                continue
            value = data[field]
            if value and not re.match(rf"^{prefix}[0-9a-fA-F]{{32}}$", value):
                return err(ctx, "invalid_param", f"{field} must look like {prefix} + 32 hex")
            changes[_snake(field)] = value
        if "EmergencyStatus" in data:
            if data["EmergencyStatus"] not in ("Active", "Inactive"):
                return err(ctx, "invalid_param", "EmergencyStatus must be Active or Inactive")
            changes["emergency_status"] = data["EmergencyStatus"]
        if "VoiceCallerIdLookup" in data:
            if data["VoiceCallerIdLookup"].lower() not in ("true", "false"):
                return err(ctx, "invalid_param", "VoiceCallerIdLookup must be true or false")
            changes["voice_caller_id_lookup"] = data["VoiceCallerIdLookup"].lower() == "true"
        # A voice application and a trunk exclude each other (Twilio documents this).
        if changes.get("call_laml_application_id"):
            changes["trunk_sid"] = ""
        elif changes.get("trunk_sid"):
            changes["call_laml_application_id"] = ""
    elif "EmergencyAddressSid" in data and not creating:
        value = data["EmergencyAddressSid"]
        if value and not _is_uuid(value):
            return err(ctx, "invalid_param", "EmergencyAddressSid must be a uuid")
        e911 = value or None
    if not creating and data.get("AccountSid") and data["AccountSid"] != _account_sid(ctx):
        return err(ctx, "invalid_param", "AccountSid must be this account (no sub-accounts here)")
    # Setting a webhook or an application is what selects the handler in the REST view.
    if changes.get("call_request_url"):
        changes["call_handler"] = "laml_webhooks"
    if changes.get("call_laml_application_id"):
        changes["call_handler"] = "laml_application"
    if changes.get("message_request_url"):
        changes["message_handler"] = "laml_webhooks"
    if changes.get("message_laml_application_id"):
        changes["message_handler"] = "laml_application"
    return name, changes, e911


def _snake(field: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()


# --- IncomingPhoneNumbers: list and create


def _incoming_list(request, ctx, kind=None):
    q = request.GET
    try:
        page_number = int(q.get("Page") or 0)
        size = int(q.get("PageSize") or 50)
    except ValueError:
        return err(ctx, "page_size", "Page and PageSize must be whole numbers")
    if not 1 <= size <= 1000 or page_number < 0:
        return err(ctx, "page_size", "PageSize must be between 1 and 1000")
    token = q.get("PageToken") or None
    if page_number > 0 and not token:
        return err(ctx, "page_token_missing", "PageToken is required when Page is greater than 0")
    qs = SandboxNumber.objects.filter(space=ctx.space)
    if kind:
        qs = qs.filter(kind=kind)
    phone = q.get("PhoneNumber", "")
    friendly = q.get("FriendlyName", "")
    if phone:
        if "*" in phone:
            regex = re.escape(phone.strip()).replace(r"\*", "[0-9]")
            qs = qs.filter(number__regex=regex)
        else:
            qs = qs.filter(number__contains=phone.strip())
    if friendly:
        qs = (
            qs.filter(name=friendly)
            if ctx.api == TWILIO_API
            else qs.filter(name__icontains=friendly)
        )
    if ctx.api == TWILIO_API and q.get("Origin"):
        qs = qs.filter(origin=q["Origin"])
    try:
        rows, more_after, more_before = inventory.page(qs, ctx.space, size, token)
    except inventory.BadToken:
        return err(ctx, "page_token_invalid", "PageToken is invalid")
    keep = {k: v for k, v in (("PhoneNumber", phone), ("FriendlyName", friendly)) if v}

    def link(**params):
        return request.path + "?" + urlencode({**keep, "PageSize": size, **params})

    body = {
        "uri": request.get_full_path(),
        "first_page_uri": link(Page=0),
        "next_page_uri": link(Page=page_number + 1, PageToken=inventory.make_token(rows[-1]))
        if more_after and rows
        else None,
        "previous_page_uri": link(
            Page=page_number - 1, PageToken=inventory.make_token(rows[0], backward=True)
        )
        if page_number > 0 and rows and more_before
        else None,
        "page": page_number,
        "page_size": size,
        "incoming_phone_numbers": [_view(ctx, n) for n in rows],
    }
    if ctx.api == TWILIO_API:
        start = page_number * size
        body["start"] = start
        body["end"] = start + max(len(rows) - 1, 0)
    return JsonResponse(body)


def _incoming_create(request, ctx, kind=None):
    data = {k: v for k, v in request.POST.items()}
    e164 = data.get("PhoneNumber", "").strip()
    area_code = data.get("AreaCode", "").strip()
    if kind and area_code:
        return twilio_error(400, 21457, "AreaCode Parameter not Supported")
    if not e164 and not area_code:
        return err(ctx, "number_required", "An area code or number must be provided to purchase")
    validated = validate_form(ctx, data, creating=True)
    if isinstance(validated, HttpResponse):
        return validated
    name, changes, _ = validated
    if e164:
        if not E164_RE.match(e164):
            return err(
                ctx, "number_format", f"PhoneNumber {e164} is not valid E.164 (+ and digits)"
            )
        if stock.describe(ctx.space, e164) is None:
            return err(ctx, "number_format", f"Phone Number {e164} is invalid")
        info = stock.in_stock(ctx.space, e164)
        if info is None or (kind and info.kind != kind):
            return err(ctx, "not_available", f"PhoneNumber {e164} is not available")
    else:
        if not re.match(r"^[2-9]\d{2}$", area_code):
            return err(ctx, "area_code_format", f"AreaCode {area_code} is not a valid area code")
        # A well-formed area code with no exchanges we sell (e.g. 533) has no numbers.
        country = (stock.npa_info(area_code) or ("US",))[0]
        found = stock.search(ctx.space, country, stock.LOCAL, area_code=area_code, limit=1)
        if not found:
            return err(ctx, "area_code_empty", f"No phone numbers found in area code {area_code}")
        info = found[0]
    try:
        number = inventory.buy(ctx.space, info, ctx.now, name=name or "", config=changes)
    except inventory.Taken:
        return err(ctx, "not_available", f"PhoneNumber {info.e164} is not available")
    if not name:
        number.name = info.national_format if info.country in ("US", "CA") else number.name
        number.save(update_fields=["name"])
    return JsonResponse(_view(ctx, number), status=201)


def _incoming(request, ctx, kind=None):
    if request.method == "GET":
        return _incoming_list(request, ctx, kind)
    if request.method == "POST":
        return _incoming_create(request, ctx, kind)
    return method_not_allowed(ctx.api)


@endpoint(COMPAT)
def compat_incoming(request, ctx):
    return _incoming(request, ctx)


@endpoint(TWILIO_API)
def twilio_incoming(request, ctx):
    return _incoming(request, ctx)


@endpoint(TWILIO_API)
def twilio_incoming_kind(request, ctx, kind):
    return _incoming(request, ctx, KIND_BY_PATH[kind])


# --- IncomingPhoneNumbers/{Sid}: fetch, update, delete


def _instance(request, ctx, sid):
    if ctx.api == TWILIO_API and not re.match(r"^PN[0-9a-fA-F]{32}$", sid):
        return not_found(ctx.api, request.path)
    number = inventory.find(ctx.space, sid)
    if number is None:
        return not_found(ctx.api, request.path)
    if request.method == "GET":
        return JsonResponse(_view(ctx, number))
    if request.method == "POST":
        data = {k: v for k, v in request.POST.items()}
        validated = validate_form(ctx, data, creating=False)
        if isinstance(validated, HttpResponse):
            return validated
        name, changes, e911 = validated
        if name is not None:
            number.name = name
        number.config = {**number.config, **changes}
        if e911 is not ...:
            number.e911_address_id = e911
        number.updated_at = ctx.now
        number.save()
        return JsonResponse(_view(ctx, number))
    if request.method == "DELETE":
        until = inventory.release_blocked_until(number)
        if until:
            return err(ctx, "cooldown", inventory.cooldown_sentence(until))
        number.delete()
        return HttpResponse(status=204)
    return method_not_allowed(ctx.api)


@endpoint(COMPAT)
def compat_instance(request, ctx, sid):
    return _instance(request, ctx, sid)


@endpoint(TWILIO_API)
def twilio_instance(request, ctx, sid):
    return _instance(request, ctx, sid)


# --- AvailablePhoneNumbers


def _kinds(ctx, country):
    kinds = stock.COUNTRIES[ctx.space].get(country, ())
    return kinds if ctx.api == TWILIO_API else tuple(k for k in kinds if k != stock.MOBILE)


def _country(ctx, country):
    base = f"AvailablePhoneNumbers/{country}"
    names = {stock.LOCAL: ("local", "Local"), stock.TOLL_FREE: ("toll_free", "TollFree")}
    names[stock.MOBILE] = ("mobile", "Mobile")
    return {
        "country_code": country,
        "country": stock.COUNTRY_NAMES[country],
        "uri": compat_uri(ctx.prefix, _account_sid(ctx), base + ".json"),
        "beta": False,
        "subresource_uris": {
            names[k][0]: compat_uri(ctx.prefix, _account_sid(ctx), f"{base}/{names[k][1]}.json")
            for k in _kinds(ctx, country)
        },
    }


def _countries(request, ctx):
    if request.method != "GET":
        return method_not_allowed(ctx.api)
    return JsonResponse(
        {
            "uri": request.get_full_path(),
            "countries": [_country(ctx, c) for c in stock.COUNTRIES[ctx.space]],
        }
    )


def _one_country(request, ctx, country):
    if request.method != "GET":
        return method_not_allowed(ctx.api)
    if country not in stock.COUNTRIES[ctx.space]:
        return not_found(ctx.api, request.path)
    return JsonResponse(_country(ctx, country))


def _contains_pattern(ctx, raw: str, country: str):
    """Twilio's Contains ("+1503*", "FLOWERS", "4242$") as a stock.Pattern, or an error."""
    text = raw.strip()
    allowed = r"^[0-9a-zA-Z*+%$]{2,16}$" if ctx.api == TWILIO_API else r"^[0-9a-zA-Z*]{1,16}$"
    if not re.match(allowed, text):
        return None
    where = "contains"
    if text.startswith("+"):
        text = text[1:]
        code = "44" if country == "GB" else "1"
        if text.startswith(code):
            text = text[len(code) :]
        where = "starts_with"
    if text.endswith("$"):
        text, where = text[:-1], "ends_with"
    digits = stock.letters_to_digits(text).replace("%", "*")
    if not digits or not re.match(r"^[0-9*]+$", digits):
        return None
    return stock.Pattern(where, digits)


def _search(request, ctx, country, kind_name):
    if request.method != "GET":
        return method_not_allowed(ctx.api)
    kind = KIND_BY_PATH.get(kind_name)
    if (
        kind is None
        or country not in stock.COUNTRIES[ctx.space]
        or kind not in _kinds(ctx, country)
    ):
        return not_found(ctx.api, request.path)
    q = request.GET
    area_code = q.get("AreaCode") or None
    if area_code and not re.match(r"^\d{3}$", area_code):
        return err(ctx, "area_code_format", f"AreaCode {area_code} is not a valid area code")
    pattern = None
    if q.get("Contains"):
        pattern = _contains_pattern(ctx, q["Contains"], country)
        if pattern is None:
            return err(ctx, "invalid_param", "Contains may only hold digits, letters and *")
    region = q.get("InRegion") or None
    city = q.get("InLocality") or None
    if city and not region and ctx.api == COMPAT:
        return err(ctx, "invalid_param", "InLocality requires InRegion")
    try:
        limit = int(q.get("PageSize") or 50)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 1000:
        return err(ctx, "page_size", "PageSize must be between 1 and 1000")
    if city and not region:
        found = [
            a
            for a in stock.search(
                ctx.space, country, kind, area_code=area_code, pattern=pattern, limit=1000
            )
            if (a.locality or "").lower() == city.lower()
        ][:limit]
    else:
        found = stock.search(
            ctx.space,
            country,
            kind,
            area_code=area_code,
            region=region,
            city=city,
            pattern=pattern,
            limit=min(limit, 200),
        )
    if ctx.api == TWILIO_API:
        for flag, capability in (
            ("SmsEnabled", "sms"),
            ("MmsEnabled", "mms"),
            ("VoiceEnabled", "voice"),
            ("FaxEnabled", "fax"),
        ):
            wanted = (q.get(flag) or "").lower()
            if wanted in ("true", "false"):
                found = [a for a in found if (capability in a.capabilities) == (wanted == "true")]
    items = []
    for a in found:
        caps = set(a.capabilities)
        friendly = a.national_format
        if ctx.api == COMPAT:
            # SignalWire leaves geography other than rate center and region empty.
            items.append(
                {
                    "friendly_name": friendly,
                    "phone_number": a.e164,
                    "lata": None,
                    "locality": None,
                    "rate_center": a.rate_center,
                    "latitude": None,
                    "longitude": None,
                    "region": a.region,
                    "postal_code": None,
                    "iso_country": a.country,
                    "capabilities": {
                        "voice": "voice" in caps,
                        "SMS": "sms" in caps,
                        "MMS": "mms" in caps,
                    },
                    "beta": False,
                }
            )
        else:
            items.append(
                {
                    "friendly_name": friendly,
                    "phone_number": a.e164,
                    "lata": a.lata,
                    "locality": a.locality,
                    "rate_center": a.rate_center,
                    "latitude": None,
                    "longitude": None,
                    "region": a.region,
                    "postal_code": None,
                    "iso_country": a.country,
                    "address_requirements": "none",
                    "beta": False,
                    "capabilities": {
                        "voice": "voice" in caps,
                        "SMS": "sms" in caps,
                        "MMS": "mms" in caps,
                        "fax": "fax" in caps,
                    },
                }
            )
    return JsonResponse({"uri": request.get_full_path(), "available_phone_numbers": items})


@endpoint(COMPAT)
def compat_countries(request, ctx):
    return _countries(request, ctx)


@endpoint(TWILIO_API)
def twilio_countries(request, ctx):
    return _countries(request, ctx)


@endpoint(COMPAT)
def compat_country(request, ctx, country):
    return _one_country(request, ctx, country)


@endpoint(TWILIO_API)
def twilio_country(request, ctx, country):
    return _one_country(request, ctx, country)


@endpoint(COMPAT)
def compat_search(request, ctx, country, kind):
    return _search(request, ctx, country, kind)


@endpoint(TWILIO_API)
def twilio_search(request, ctx, country, kind):
    return _search(request, ctx, country, kind)


# --- ImportedPhoneNumbers (SignalWire Partner API)


@endpoint(COMPAT)
def compat_import(request, ctx):
    if request.method != "POST":
        return method_not_allowed(ctx.api)
    if not SandboxSpace.get(ctx.space).import_enabled:
        return compat_error(422, "10001", "This operation is not enabled for your Space")

    # The spec's own example: HTTP 422 whose body says status 400.
    def invalid(code, message):
        return compat_error(422, code, message, body_status=400)

    e164 = request.POST.get("number", "")
    number_type = request.POST.get("number_type", "")
    capabilities = request.POST.getlist("capabilities") or request.POST.getlist("capabilities[]")
    if not e164:
        return invalid("10000", "Number can't be blank")
    if not IMPORT_RE.match(e164):
        return invalid("10000", "Number must be + followed by 5 to 30 digits")
    if not number_type:
        return invalid("10000", "Number type can't be blank")
    if number_type not in ("longcode", "tollfree"):
        return invalid("10000", "Number type must be longcode or tollfree")
    if "capabilities" in request.POST or "capabilities[]" in request.POST:
        if not [c for c in capabilities if c] or any(
            c not in ("sms", "voice", "fax", "mms") for c in capabilities
        ):
            return invalid("4000", "Capabilities must hold at least one of sms, voice, fax, mms")
    else:
        capabilities = ["sms", "voice", "fax", "mms"]
    ordered = [c for c in ("voice", "sms", "mms", "fax") if c in capabilities]
    try:
        number = inventory.import_number(ctx.space, e164, number_type, ordered, ctx.now)
    except inventory.Taken:
        return invalid("10000", "Number has already been taken")
    return JsonResponse(compat_number(number, ctx.prefix), status=201)


@endpoint(COMPAT)
def compat_unknown(request, ctx, rest=""):
    return not_found(ctx.api, request.path)


@endpoint(TWILIO_API)
def twilio_unknown(request, ctx, rest=""):
    return not_found(ctx.api, request.path)

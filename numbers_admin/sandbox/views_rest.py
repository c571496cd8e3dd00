"""The SignalWire Space REST API (``/api/relay/rest``): JSON in, JSON out, PUT to update."""

import json
import re
import uuid
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse

from numbers_admin.sandbox import inventory, stock
from numbers_admin.sandbox.models import SandboxNumber, SandboxSpace
from numbers_admin.sandbox.serving import REST, endpoint, method_not_allowed
from numbers_admin.sandbox.wire import (
    REST_METHOD_FIELDS,
    REST_STRING_FIELDS,
    REST_WRITE_ONLY,
    rest_error,
    rest_errors,
    rest_number,
    rest_status,
)

CALL_HANDLERS_SETTABLE = {
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
}
MESSAGE_HANDLERS = {
    "relay_context",
    "relay_topic",
    "relay_application",
    "laml_webhooks",
    "laml_application",
}
URL_FIELDS = {f for f in REST_STRING_FIELDS if f.endswith("_url")}
UUID_FIELDS = {"call_video_room_id", "call_sip_endpoint_id"}
E164_RE = re.compile(r"^\+\d{5,17}$")
IMPORT_RE = re.compile(r"^\+\d{5,30}$")
DIGITS_RE = re.compile(r"^\d{3,7}$")
CAPABILITIES = ("sms", "voice", "fax", "mms")


def _json_body(request):
    """The request's JSON object, or form fields (Rails accepts both), or None if unreadable."""
    if not request.body:
        return {}
    if request.content_type == "application/x-www-form-urlencoded":
        return {k: v[-1] if len(v) == 1 else v for k, v in request.POST.lists()}
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _bad_json():
    return rest_error(400, "The request body must be a JSON object.", "Bad Request")


def _url(request, path: str, params: dict) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return request.build_absolute_uri(path + ("?" + query if query else ""))


# --- phone_numbers: list and purchase


@endpoint(REST)
def phone_numbers(request, ctx):
    if request.method == "GET":
        return _list(request, ctx)
    if request.method == "POST":
        return _purchase(request, ctx)
    return method_not_allowed(REST)


def _int_param(request, name, default, low, high):
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default, None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        return None, f"{name} must be a whole number from {low} to {high}."
    return value, None


def _list(request, ctx):
    size, error = _int_param(request, "page_size", 50, 1, 1000)
    if error:
        return rest_error(400, error, "Bad Request")
    number, error = _int_param(request, "page_number", 0, 0, 10**9)
    if error:
        return rest_error(400, error, "Bad Request")
    token = request.GET.get("page_token") or None
    if number > 0 and not token:
        return rest_error(
            400, "page_token is required when page_number is greater than 0.", "Bad Request"
        )
    qs = SandboxNumber.objects.filter(space=ctx.space)
    filter_name = request.GET.get("filter_name", "")
    filter_number = request.GET.get("filter_number", "")
    if filter_name:
        qs = qs.filter(name__icontains=filter_name)
    if filter_number:
        qs = qs.filter(number__icontains=filter_number)
    try:
        rows, more_after, more_before = inventory.page(qs, ctx.space, size, token)
    except inventory.BadToken:
        return rest_error(400, "page_token is invalid.", "Bad Request")
    base = {"filter_name": filter_name, "filter_number": filter_number, "page_size": size}
    path = request.path
    links = {
        "self": request.build_absolute_uri(),
        "first": _url(request, path, {**base, "page_number": 0}),
    }
    if more_after and rows:
        links["next"] = _url(
            request,
            path,
            {**base, "page_number": number + 1, "page_token": inventory.make_token(rows[-1])},
        )
    if number > 0 and rows and more_before:
        links["prev"] = _url(
            request,
            path,
            {
                **base,
                "page_number": number - 1,
                "page_token": inventory.make_token(rows[0], backward=True),
            },
        )
    return JsonResponse({"links": links, "data": [rest_number(n, ctx.now) for n in rows]})


def _purchase(request, ctx):
    body = _json_body(request)
    if body is None:
        return _bad_json()
    e164 = body.get("number")
    if not e164:
        return rest_error(422, "Number can't be blank")
    if not isinstance(e164, str) or not E164_RE.match(e164):
        return rest_error(422, "Number must be in E.164 format, e.g. +15558675309")
    if SandboxNumber.objects.filter(space=ctx.space, number=e164).exists():
        return rest_error(422, "Number has already been taken")
    info = stock.in_stock(ctx.space, e164)
    if info is None:
        return rest_error(422, f"Number {e164} is not available for purchase")
    try:
        number = inventory.buy(ctx.space, info, ctx.now)
    except inventory.Taken:
        return rest_error(422, "Number has already been taken")
    return JsonResponse(rest_number(number, ctx.now), status=200)


# --- phone_numbers/{id}: retrieve, update, release


@endpoint(REST)
def phone_number(request, ctx, number_id):
    try:
        uid = uuid.UUID(number_id)
    except ValueError:
        return rest_status(404)
    number = SandboxNumber.objects.filter(space=ctx.space, uid=uid).first()
    if number is None:
        return rest_status(404)
    if request.method == "GET":
        return JsonResponse(rest_number(number, ctx.now))
    if request.method == "PUT":
        return _update(request, ctx, number)
    if request.method == "DELETE":
        until = inventory.release_blocked_until(number)
        if until:
            return rest_error(422, inventory.cooldown_sentence(until))
        number.delete()
        return HttpResponse(status=204)
    return method_not_allowed(REST)


def validate_update(body: dict) -> tuple[dict, list[str]]:
    """(changes, error sentences) for a PUT body; unknown keys are ignored like the real API."""
    changes, errors = {}, []
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or len(name) > 255:
            errors.append("Name is too long (maximum is 255 characters)")
        else:
            changes["name"] = name
    for key in (*REST_STRING_FIELDS, *REST_WRITE_ONLY):
        if key not in body:
            continue
        value = body[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(f"{key} must be a string")
        elif value and key in URL_FIELDS and not inventory.URL_RE.match(value):
            errors.append(f"{key} is not a valid URL")
        elif value and key in UUID_FIELDS and not _is_uuid(value):
            errors.append(f"{key} must be a uuid")
        else:
            changes[key] = value
    for key in REST_METHOD_FIELDS:
        if key in body:
            if body[key] not in ("GET", "POST"):
                errors.append(f"{key} must be GET or POST")
            else:
                changes[key] = body[key]
    if "call_receive_mode" in body:
        if body["call_receive_mode"] not in ("voice", "fax"):
            errors.append("call_receive_mode must be voice or fax")
        else:
            changes["call_receive_mode"] = body["call_receive_mode"]
    for field, label, allowed in (
        ("call_handler", "Call handler", CALL_HANDLERS_SETTABLE),
        ("message_handler", "Message handler", MESSAGE_HANDLERS),
    ):
        if field in body:
            value = body[field]
            if value not in allowed:
                errors.append(f"{label} is not included in the list: " + ", ".join(sorted(allowed)))
            else:
                changes[field] = value
    return changes, errors


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _update(request, ctx, number):
    body = _json_body(request)
    if body is None:
        return _bad_json()
    changes, errors = validate_update(body)
    config = dict(number.config)
    config.update({k: v for k, v in changes.items() if k != "name"})
    if config.get("call_handler") == "relay_topic" and not config.get("call_relay_topic"):
        errors.append("call_relay_topic is required when call_handler is relay_topic")
    if errors:
        return rest_errors(422, errors, "Invalid Attribute")
    if "name" in changes:
        number.name = changes["name"]
    number.config = config
    number.updated_at = ctx.now
    number.save(update_fields=["name", "config", "updated_at"])
    return JsonResponse(rest_number(number, ctx.now))


# --- search


@endpoint(REST)
def search(request, ctx):
    if request.method != "GET":
        return method_not_allowed(REST)
    q = request.GET
    number_type = q.get("number_type") or "local"
    if number_type not in ("local", "toll-free"):
        return rest_error(400, "number_type must be local or toll-free", "Bad Request")
    errors = []
    area_code = q.get("areacode") or None
    if area_code and not re.match(r"^\d{3}$", area_code):
        errors.append("areacode must be 3 digits")
    patterns = [(k, q[k]) for k in ("starts_with", "contains", "ends_with") if q.get(k)]
    if len(patterns) > 1:
        errors.append("Only one of starts_with, contains or ends_with may be used")
    for key, value in patterns:
        if not DIGITS_RE.match(value):
            errors.append(f"{key} must be 3 to 7 digits")
    max_results = q.get("max_results")
    limit = 50
    if max_results not in (None, ""):
        if not max_results.isdigit() or not 1 <= int(max_results) <= 100:
            errors.append("max_results must be a number from 1 to 100")
        else:
            limit = int(max_results)
    region = q.get("region") or None
    city = q.get("city") or None
    if region and not re.match(r"^[A-Za-z]{2}$", region):
        errors.append("region must be a two-letter state or province code, e.g. TX")
    if region and number_type == "toll-free":
        errors.append("region cannot be used with toll-free numbers")
    if region and area_code:
        errors.append("region cannot be used in combination with areacode")
    if city and not region:
        errors.append("city requires region")
    if city and (area_code or patterns):
        errors.append("city cannot be used with areacode, starts_with, contains or ends_with")
    if city and number_type == "toll-free":
        errors.append("city cannot be used with toll-free numbers")
    if errors:
        return rest_errors(422, errors, "Invalid Parameter")
    pattern = stock.Pattern(*patterns[0]) if patterns else None
    kind = stock.TOLL_FREE if number_type == "toll-free" else stock.LOCAL
    country = "US"
    if (region and region.upper() in stock.CA_PROVINCES) or (
        area_code and (stock.npa_info(area_code) or ("US",))[0] == "CA"
    ):
        country = "CA"
    found = stock.search(
        ctx.space,
        country,
        kind,
        area_code=area_code,
        region=region,
        city=city,
        pattern=pattern,
        limit=limit,
    )
    shape = SandboxSpace.get(ctx.space).search_shape
    if shape == SandboxSpace.SearchShape.SPEC:
        data = [
            {
                "number": a.e164,
                "region": a.region,
                "city": a.locality,
                "rate_center": a.rate_center,
                "lata": a.lata,
                "capabilities": {c: c in a.capabilities for c in ("voice", "sms", "mms", "fax")},
            }
            for a in found
        ]
        return JsonResponse({"links": {"self": request.build_absolute_uri()}, "data": data})
    data = [
        {
            "e164": a.e164,
            "national_number_formatted": a.national_format,
            "international_number_formatted": a.international_format,
            "rate_center": a.rate_center,
            "region": a.region,
            "country_code": a.country,
            "capabilities": list(a.capabilities),
        }
        for a in found
    ]
    return JsonResponse({"links": {}, "data": data})


# --- imported_phone_numbers


@endpoint(REST)
def imported_phone_numbers(request, ctx):
    if request.method != "POST":
        return method_not_allowed(REST)
    if not SandboxSpace.get(ctx.space).import_enabled:
        return rest_error(
            422,
            "Importing phone numbers is not enabled for this Space. It is a Partner API; "
            "contact Sales to enable it.",
        )
    body = _json_body(request)
    if body is None:
        return _bad_json()
    errors = []
    e164 = body.get("number")
    if not e164:
        errors.append("Number can't be blank")
    elif not isinstance(e164, str) or not IMPORT_RE.match(e164):
        errors.append("Number must be + followed by 5 to 30 digits, with no other characters")
    number_type = body.get("number_type")
    if not number_type:
        errors.append("Number type can't be blank")
    elif number_type not in ("longcode", "tollfree"):
        errors.append("Number type must be longcode or tollfree")
    capabilities = body.get("capabilities", list(CAPABILITIES))
    if not isinstance(capabilities, list) or not capabilities:
        errors.append("Capabilities cannot be an empty array")
    elif any(c not in CAPABILITIES for c in capabilities):
        errors.append("Capabilities may only include sms, voice, fax and mms")
    if errors:
        return rest_errors(422, errors, "Invalid Attribute")
    ordered = [c for c in ("voice", "sms", "mms", "fax") if c in capabilities]
    try:
        number = inventory.import_number(ctx.space, e164, number_type, ordered, ctx.now)
    except inventory.Taken:
        return rest_error(422, "Number has already been taken")
    return JsonResponse(rest_number(number, ctx.now), status=201)


@endpoint(REST)
def unknown(request, ctx, rest=""):
    return rest_status(404)

"""Every sandbox endpoint's success and error bodies validate against the APIs' schemas.

SignalWire: the project's own schemas (tests/contracts/schemas.py). Twilio: Twilio's OpenAPI
schemas (tests/contracts/data, MIT). A body that drifts from the wire format fails here.
"""

import jsonschema
import pytest

from numbers_admin.sandbox import faults, stock
from tests.contracts import schemas
from tests.sandbox.helpers import Api


@pytest.fixture
def api(client, db):
    return Api(client)


def valid(response, schema, status):
    assert response.status_code == status, response.content
    body = response.json()
    jsonschema.validate(body, schema)
    return body


# --- SignalWire REST


def test_rest_success_bodies(api, settings):
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 0
    search = valid(
        api.rest("GET", "/phone_numbers/search", areacode="503"), schemas.REST_SEARCH, 200
    )
    toll_free = api.rest("GET", "/phone_numbers/search", number_type="toll-free")
    valid(toll_free, schemas.REST_SEARCH, 200)
    faults.set_search_shape("signalwire", "spec")
    valid(api.rest("GET", "/phone_numbers/search", areacode="415"), schemas.REST_SEARCH, 200)
    number = search["data"][0]["e164"]
    bought = valid(
        api.rest("POST", "/phone_numbers", {"number": number}), schemas.REST_PHONE_NUMBER, 200
    )
    path = f"/phone_numbers/{bought['id']}"
    valid(api.rest("GET", path), schemas.REST_PHONE_NUMBER, 200)
    updated = api.rest(
        "PUT",
        path,
        {"call_handler": "laml_webhooks", "call_request_url": "https://example.com/v"},
    )
    valid(updated, schemas.REST_PHONE_NUMBER, 200)
    for n in search["data"][1:4]:
        api.rest("POST", "/phone_numbers", {"number": n["e164"]})
    first = valid(api.rest("GET", "/phone_numbers", page_size=2), schemas.REST_LIST, 200)
    valid(api.get_url(first["links"]["next"]), schemas.REST_LIST, 200)
    imported = api.rest(
        "POST", "/imported_phone_numbers", {"number": "+4930123456", "number_type": "longcode"}
    )
    valid(imported, schemas.REST_PHONE_NUMBER, 201)
    assert api.rest("DELETE", path).status_code == 204


def test_rest_error_bodies(api):
    valid(api.rest("GET", "/phone_numbers", auth=None), schemas.REST_PLAIN_ERROR, 401)
    valid(api.rest("GET", "/phone_numbers/" + "0" * 8), schemas.REST_PLAIN_ERROR, 404)
    valid(api.rest("POST", "/phone_numbers", {}), schemas.REST_ERRORS, 422)
    missing = stock.example_unavailable("signalwire")
    valid(api.rest("POST", "/phone_numbers", {"number": missing}), schemas.REST_ERRORS, 422)
    search = api.rest("GET", "/phone_numbers/search", number_type="longcode")
    valid(search, schemas.REST_ERRORS, 400)
    valid(api.rest("GET", "/phone_numbers/search", city="Austin"), schemas.REST_ERRORS, 422)
    valid(api.rest("GET", "/phone_numbers", page_size=5000), schemas.REST_ERRORS, 400)
    valid(api.rest("POST", "/imported_phone_numbers", {}), schemas.REST_ERRORS, 422)
    bought = api.buy_rest()
    path = f"/phone_numbers/{bought['id']}"
    valid(api.rest("PUT", path, {"call_receive_mode": "x"}), schemas.REST_ERRORS, 422)
    valid(api.rest("DELETE", path), schemas.REST_ERRORS, 422)


# --- SignalWire Compatibility


def test_compat_success_bodies(api, settings):
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 0
    valid(api.compat("GET", "/AvailablePhoneNumbers"), schemas.COMPAT_COUNTRIES, 200)
    valid(api.compat("GET", "/AvailablePhoneNumbers/CA.json"), schemas.COMPAT_COUNTRY, 200)
    local = valid(
        api.compat("GET", "/AvailablePhoneNumbers/US/Local.json", AreaCode="206"),
        schemas.COMPAT_AVAILABLE_LIST,
        200,
    )
    valid(
        api.compat("GET", "/AvailablePhoneNumbers/US/TollFree"), schemas.COMPAT_AVAILABLE_LIST, 200
    )
    numbers = [a["phone_number"] for a in local["available_phone_numbers"][:3]]
    created = valid(
        api.compat("POST", "/IncomingPhoneNumbers.json", {"PhoneNumber": numbers[0]}),
        schemas.COMPAT_INCOMING,
        201,
    )
    for n in numbers[1:]:
        api.compat("POST", "/IncomingPhoneNumbers", {"PhoneNumber": n, "VoiceUrl": "https://x.io"})
    path = f"/IncomingPhoneNumbers/{created['sid']}.json"
    valid(api.compat("GET", path), schemas.COMPAT_INCOMING, 200)
    valid(api.compat("POST", path, {"SmsUrl": "https://x.io/s"}), schemas.COMPAT_INCOMING, 200)
    first = valid(api.compat("GET", "/IncomingPhoneNumbers", PageSize=2), schemas.COMPAT_LIST, 200)
    valid(api.get_url(first["next_page_uri"]), schemas.COMPAT_LIST, 200)
    imported = api.compat(
        "POST", "/ImportedPhoneNumbers", {"number": "+18005550199", "number_type": "tollfree"}
    )
    valid(imported, schemas.COMPAT_INCOMING, 201)
    assert api.compat("DELETE", path).status_code == 204


def test_compat_error_bodies(api):
    valid(api.compat("GET", "/IncomingPhoneNumbers", auth=None), schemas.COMPAT_ERROR, 401)
    valid(api.compat("GET", "/IncomingPhoneNumbers/" + "0" * 8), schemas.COMPAT_ERROR, 404)
    valid(api.compat("POST", "/IncomingPhoneNumbers", {}), schemas.COMPAT_ERROR, 400)
    valid(api.compat("GET", "/IncomingPhoneNumbers", Page=2), schemas.COMPAT_ERROR, 400)
    valid(api.compat("GET", "/AvailablePhoneNumbers/FR"), schemas.COMPAT_ERROR, 404)
    valid(api.compat("POST", "/ImportedPhoneNumbers", {}), schemas.COMPAT_ERROR, 422)
    faults.set_import_enabled("signalwire", False)
    valid(api.compat("POST", "/ImportedPhoneNumbers", {}), schemas.COMPAT_ERROR, 422)


# --- Twilio


def test_twilio_success_bodies(api, settings):
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 0
    s = schemas.twilio_schema
    valid(
        api.tw("GET", "/AvailablePhoneNumbers.json"), s("ListAvailablePhoneNumberCountry 200"), 200
    )
    valid(
        api.tw("GET", "/AvailablePhoneNumbers/GB.json"),
        s("FetchAvailablePhoneNumberCountry 200"),
        200,
    )
    local = valid(
        api.tw("GET", "/AvailablePhoneNumbers/US/Local.json", AreaCode="808"),
        s("ListAvailablePhoneNumberLocal 200"),
        200,
    )
    valid(
        api.tw("GET", "/AvailablePhoneNumbers/US/TollFree.json"),
        s("ListAvailablePhoneNumberTollFree 200"),
        200,
    )
    valid(
        api.tw("GET", "/AvailablePhoneNumbers/GB/Mobile.json"),
        s("ListAvailablePhoneNumberMobile 200"),
        200,
    )
    numbers = [a["phone_number"] for a in local["available_phone_numbers"][:3]]
    created = valid(
        api.tw("POST", "/IncomingPhoneNumbers.json", {"PhoneNumber": numbers[0]}),
        s("CreateIncomingPhoneNumber 201"),
        201,
    )
    valid(
        api.tw("POST", "/IncomingPhoneNumbers/Local.json", {"PhoneNumber": numbers[1]}),
        s("CreateIncomingPhoneNumberLocal 201"),
        201,
    )
    path = f"/IncomingPhoneNumbers/{created['sid']}.json"
    valid(api.tw("GET", path), s("FetchIncomingPhoneNumber 200"), 200)
    valid(
        api.tw("POST", path, {"VoiceApplicationSid": "AP" + "c" * 32}),
        s("UpdateIncomingPhoneNumber 200"),
        200,
    )
    valid(api.tw("GET", "/IncomingPhoneNumbers.json"), s("ListIncomingPhoneNumber 200"), 200)
    valid(
        api.tw("GET", "/IncomingPhoneNumbers/Local.json"),
        s("ListIncomingPhoneNumberLocal 200"),
        200,
    )
    assert api.tw("DELETE", path).status_code == 204


def test_twilio_error_bodies(api):
    valid(api.tw("GET", "/IncomingPhoneNumbers.json", auth=None), schemas.TWILIO_ERROR, 401)
    valid(api.tw("GET", "/IncomingPhoneNumbers/PN" + "0" * 32 + ".json"), schemas.TWILIO_ERROR, 404)
    valid(api.tw("POST", "/IncomingPhoneNumbers.json", {}), schemas.TWILIO_ERROR, 400)
    valid(
        api.tw("POST", "/IncomingPhoneNumbers.json", {"AreaCode": "533"}), schemas.TWILIO_ERROR, 400
    )
    missing = stock.example_unavailable("twilio")
    valid(
        api.tw("POST", "/IncomingPhoneNumbers.json", {"PhoneNumber": missing}),
        schemas.TWILIO_ERROR,
        400,
    )


# --- The schemas themselves can fail


def test_schemas_reject_drift():
    body = {"errors": [{"detail": "x", "status": 422, "title": "t", "code": "422"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schemas.REST_ERRORS)  # status must be a string
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"code": 20003, "message": "m", "more_info": "https://x", "status": 401},
            schemas.COMPAT_ERROR,  # compat codes are strings
        )
    twilio = schemas.twilio_schema("FetchIncomingPhoneNumber 200")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"sid": "PN123"}, twilio)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"capabilities": ["voice"]}, twilio)

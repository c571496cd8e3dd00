"""The sandbox's SignalWire Compatibility API, and the one-number-two-views mapping with REST."""

import re

import pytest
from django.conf import settings

from numbers_admin.sandbox import faults, stock
from numbers_admin.sandbox.models import SandboxNumber
from tests.sandbox.helpers import LAML, basic

RFC2822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d \+0000$"
)


def compat_error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == code and isinstance(body["code"], str)
    assert body["more_info"].startswith("https://")
    return body["message"]


def first_available(api, **query):
    response = api.compat("GET", "/AvailablePhoneNumbers/US/Local.json", **query)
    return response.json()["available_phone_numbers"][0]["phone_number"]


def buy(api, **fields):
    number = first_available(api, AreaCode="503")
    response = api.compat("POST", "/IncomingPhoneNumbers.json", {"PhoneNumber": number, **fields})
    assert response.status_code == 201, response.content
    return response.json()


# --- Auth


def test_401_is_the_compat_body(api):
    message = compat_error(api.compat("GET", "/IncomingPhoneNumbers", auth=None), 401, "20003")
    assert "Authentication Error" in message
    wrong = basic(settings.SANDBOX_SIGNALWIRE_PROJECT_ID, "wrong")
    compat_error(api.compat("GET", "/IncomingPhoneNumbers", auth=wrong), 401, "20003")


def test_another_account_sid_in_the_path_is_refused(api):
    path = "/sandbox/signalwire/api/laml/2010-04-01/Accounts/00000000-0000-4000-8000-000000000000"
    response = api._form("GET", path + "/IncomingPhoneNumbers.json", None, api_auth(), {})
    compat_error(response, 401, "20003")


def api_auth():
    from tests.sandbox.helpers import SW_AUTH

    return SW_AUTH


# --- Create


@pytest.mark.parametrize("suffix", ["", ".json"])
def test_create_with_and_without_json_suffix(api, suffix):
    number = first_available(api, AreaCode="503")
    response = api.compat("POST", "/IncomingPhoneNumbers" + suffix, {"PhoneNumber": number})
    assert response.status_code == 201
    body = response.json()
    assert body["phone_number"] == number
    assert body["sid"] == str(SandboxNumber.objects.get(number=number).uid)
    assert body["account_sid"] == body["account_id"] == settings.SANDBOX_SIGNALWIRE_PROJECT_ID
    assert RFC2822.match(body["date_created"]) and RFC2822.match(body["date_updated"])
    assert body["capabilities"] == {"voice": True, "sms": True, "mms": True, "fax": True}
    assert body["friendly_name"] == f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    assert body["voice_url"] is None and body["voice_method"] == "POST"
    assert body["uri"] == f"{LAML}/IncomingPhoneNumbers/{body['sid']}.json"
    assert body["address_requirements"] == "none" and body["beta"] is False
    assert body["origin"] == "signalwire"
    assert "verification_status" not in body


def test_create_by_area_code(api):
    response = api.compat("POST", "/IncomingPhoneNumbers", {"AreaCode": "212"})
    assert response.status_code == 201
    assert response.json()["phone_number"].startswith("+1212")


def test_toll_free_carries_verification_status(api):
    number = api.compat("GET", "/AvailablePhoneNumbers/US/TollFree").json()
    e164 = number["available_phone_numbers"][0]["phone_number"]
    body = api.compat("POST", "/IncomingPhoneNumbers", {"PhoneNumber": e164}).json()
    assert body["verification_status"] == "Unverified"


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({}, "21421", "area code or number must be provided"),
        ({"PhoneNumber": "+1234"}, "21401", "not valid E.164"),
        ({"PhoneNumber": "+" + "1" * 18}, "21401", "not valid E.164"),
        ({"PhoneNumber": "15035550100"}, "21401", "not valid E.164"),
        ({"AreaCode": "50"}, "21451", "not a valid area code"),
        ({"PhoneNumber": "{n}", "FriendlyName": "x" * 65}, "20002", "between 1 and 64"),
        ({"PhoneNumber": "{n}", "FriendlyName": ""}, "20002", "between 1 and 64"),
        ({"PhoneNumber": "{n}", "VoiceMethod": "PUT"}, "21209", "VoiceMethod must be GET or POST"),
        ({"PhoneNumber": "{n}", "SmsFallbackMethod": "DELETE"}, "21209", "GET or POST"),
        ({"PhoneNumber": "{n}", "VoiceReceiveMode": "video"}, "21209", "voice or fax"),
        ({"PhoneNumber": "{n}", "VoiceUrl": "ftp://x"}, "21402", "not a valid URL"),
        ({"PhoneNumber": "{n}", "VoiceApplicationSid": "APabc"}, "21420", "was not found"),
    ],
)
def test_create_validation(api, fields, code, words):
    number = first_available(api, AreaCode="503")
    fields = {k: (number if v == "{n}" else v) for k, v in fields.items()}
    message = compat_error(api.compat("POST", "/IncomingPhoneNumbers", fields), 400, code)
    assert words in message
    assert not SandboxNumber.objects.exists()


def test_friendly_name_of_64_is_allowed(api):
    body = buy(api, FriendlyName="x" * 64)
    assert body["friendly_name"] == "x" * 64


def test_create_number_not_in_stock(api):
    missing = stock.example_unavailable("signalwire", "503")
    response = api.compat("POST", "/IncomingPhoneNumbers", {"PhoneNumber": missing})
    assert "not available" in compat_error(response, 400, "21422")


# --- One number, two views


def test_compat_voice_url_shows_as_rest_laml_webhooks(api):
    body = buy(
        api,
        VoiceUrl="https://example.com/voice",
        VoiceMethod="GET",
        SmsUrl="http://example.com/sms",
        StatusCallback="https://example.com/status",
        VoiceReceiveMode="fax",
    )
    rest = api.rest("GET", f"/phone_numbers/{body['sid']}").json()
    assert rest["call_handler"] == "laml_webhooks"
    assert rest["call_request_url"] == "https://example.com/voice"
    assert rest["call_request_method"] == "GET"
    assert rest["message_handler"] == "laml_webhooks"
    assert rest["message_request_url"] == "http://example.com/sms"
    assert rest["call_status_callback_url"] == "https://example.com/status"
    assert rest["call_receive_mode"] == "fax"
    assert rest["name"] == body["friendly_name"]


def test_rest_settings_show_through_compat(api):
    bought = api.buy_rest(areacode="415")
    api.rest(
        "PUT",
        f"/phone_numbers/{bought['id']}",
        {
            "name": "Sales",
            "call_handler": "laml_webhooks",
            "call_request_url": "https://example.com/in",
            "message_laml_application_id": "4f0c2a5e-1d3b-4c6a-9e8f-7a6b5c4d3e2f",
        },
    )
    body = api.compat("GET", f"/IncomingPhoneNumbers/{bought['id']}.json").json()
    assert body["friendly_name"] == "Sales"
    assert body["voice_url"] == "https://example.com/in"
    assert body["sms_application_sid"] == "4f0c2a5e-1d3b-4c6a-9e8f-7a6b5c4d3e2f"
    assert body["sid"] == bought["id"]


def test_voice_application_sets_laml_application(api):
    body = buy(api, VoiceApplicationSid="4f0c2a5e-1d3b-4c6a-9e8f-7a6b5c4d3e2f")
    rest = api.rest("GET", f"/phone_numbers/{body['sid']}").json()
    assert rest["call_handler"] == "laml_application"
    assert rest["call_laml_application_id"] == "4f0c2a5e-1d3b-4c6a-9e8f-7a6b5c4d3e2f"


# --- Fetch, update, delete


def test_fetch_update_and_404(api):
    body = buy(api)
    path = f"/IncomingPhoneNumbers/{body['sid']}"
    assert api.compat("GET", path).json()["sid"] == body["sid"]
    updated = api.compat("POST", path + ".json", {"FriendlyName": "Front desk"})
    assert updated.status_code == 200
    assert updated.json()["friendly_name"] == "Front desk"
    assert updated.json()["voice_method"] == "POST"
    missing = api.compat("GET", "/IncomingPhoneNumbers/0b0b0b0b-0000-4000-8000-000000000000")
    compat_error(missing, 404, "20404")


def test_update_validation(api):
    body = buy(api)
    path = f"/IncomingPhoneNumbers/{body['sid']}"
    compat_error(api.compat("POST", path, {"VoiceMethod": "PATCH"}), 400, "21209")
    compat_error(api.compat("POST", path, {"FriendlyName": "y" * 65}), 400, "20002")
    compat_error(api.compat("POST", path, {"EmergencyAddressSid": "nope"}), 400, "10000")


def test_update_emergency_address(api):
    body = buy(api)
    path = f"/IncomingPhoneNumbers/{body['sid']}"
    address = "6c1b2a3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
    updated = api.compat("POST", path, {"EmergencyAddressSid": address}).json()
    assert updated["emergency_address_sid"] == address
    assert updated["emergency_status"] == "Active"


def test_delete_inside_cooldown_and_after(api, age):
    body = buy(api)
    path = f"/IncomingPhoneNumbers/{body['sid']}.json"
    message = compat_error(api.compat("DELETE", path), 422, "22121")
    assert "Please wait until" in message and "UTC" in message
    age(body["sid"], 20)
    response = api.compat("DELETE", path)
    assert response.status_code == 204
    assert not SandboxNumber.objects.exists()


# --- List and paging


def test_list_pages_with_next_page_uri(api):
    for number in api.compat("GET", "/AvailablePhoneNumbers/US/Local", AreaCode="503").json()[
        "available_phone_numbers"
    ][:7]:
        api.compat("POST", "/IncomingPhoneNumbers", {"PhoneNumber": number["phone_number"]})
    body = api.compat("GET", "/IncomingPhoneNumbers.json", PageSize=3).json()
    assert set(body) == {
        "uri",
        "first_page_uri",
        "next_page_uri",
        "previous_page_uri",
        "page",
        "page_size",
        "incoming_phone_numbers",
    }
    seen, pages = [], 0
    while True:
        pages += 1
        seen += [n["sid"] for n in body["incoming_phone_numbers"]]
        assert body["page"] == pages - 1
        if not body["next_page_uri"]:
            break
        assert "PageToken=PA" in body["next_page_uri"]
        assert body["next_page_uri"].startswith("/sandbox/signalwire/api/laml/2010-04-01/")
        body = api.get_url(body["next_page_uri"]).json()
    assert pages == 3 and len(set(seen)) == 7
    assert body["previous_page_uri"]
    back = api.get_url(body["previous_page_uri"]).json()
    assert back["incoming_phone_numbers"]


def test_list_paging_rules(api):
    compat_error(api.compat("GET", "/IncomingPhoneNumbers", Page=1), 400, "54453")
    compat_error(api.compat("GET", "/IncomingPhoneNumbers", PageSize=1001), 400, "54454")
    compat_error(
        api.compat("GET", "/IncomingPhoneNumbers", Page=1, PageToken="PAbogus"), 400, "21481"
    )
    assert api.compat("GET", "/IncomingPhoneNumbers", PageSize=1000).status_code == 200


def test_list_filters(api):
    body = buy(api, FriendlyName="Billing team")
    buy(api)
    found = api.compat("GET", "/IncomingPhoneNumbers", FriendlyName="billing").json()
    assert [n["sid"] for n in found["incoming_phone_numbers"]] == [body["sid"]]
    found = api.compat("GET", "/IncomingPhoneNumbers", PhoneNumber=body["phone_number"]).json()
    assert [n["sid"] for n in found["incoming_phone_numbers"]] == [body["sid"]]


# --- Available numbers


def test_countries_and_country(api):
    body = api.compat("GET", "/AvailablePhoneNumbers").json()
    assert [c["country_code"] for c in body["countries"]] == ["US", "CA"]
    us = api.compat("GET", "/AvailablePhoneNumbers/US.json").json()
    assert set(us["subresource_uris"]) == {"local", "toll_free"}
    assert us["subresource_uris"]["local"].endswith("/AvailablePhoneNumbers/US/Local.json")
    compat_error(api.compat("GET", "/AvailablePhoneNumbers/GB"), 404, "20404")


def test_local_search_shape_and_filters(api):
    body = api.compat("GET", "/AvailablePhoneNumbers/US/Local.json", InRegion="WA").json()
    items = body["available_phone_numbers"]
    assert len(items) == 50
    item = items[0]
    assert set(item["capabilities"]) == {"voice", "SMS", "MMS"}
    assert item["region"] == "WA" and item["iso_country"] == "US"
    assert item["locality"] is None and item["lata"] is None and item["postal_code"] is None
    assert item["rate_center"]
    assert re.match(r"^\(\d{3}\) \d{3}-\d{4}$", item["friendly_name"])
    contains = api.compat("GET", "/AvailablePhoneNumbers/US/Local", Contains="4242").json()
    assert all("4242" in a["phone_number"] for a in contains["available_phone_numbers"])


def test_search_rules(api):
    compat_error(api.compat("GET", "/AvailablePhoneNumbers/US/Local", AreaCode="50"), 400, "21451")
    compat_error(
        api.compat("GET", "/AvailablePhoneNumbers/US/Local", InLocality="Seattle"), 400, "10000"
    )
    compat_error(api.compat("GET", "/AvailablePhoneNumbers/US/Mobile"), 404, "20404")
    # Capability filters are accepted and ignored on SignalWire.
    ok = api.compat("GET", "/AvailablePhoneNumbers/US/Local", SmsEnabled="false", AreaCode="503")
    assert ok.status_code == 200 and ok.json()["available_phone_numbers"]


def test_toll_free_search(api):
    items = api.compat("GET", "/AvailablePhoneNumbers/US/TollFree").json()[
        "available_phone_numbers"
    ]
    assert items and all(a["phone_number"][2:5] in stock.TOLL_FREE_NPAS for a in items)


# --- Imported numbers


def test_import_with_repeated_capabilities(api):
    response = api.compat(
        "POST",
        "/ImportedPhoneNumbers",
        {"number": "+49152234333323", "number_type": "longcode", "capabilities": ["sms", "voice"]},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["origin"] == "hosted"
    assert body["capabilities"] == {"voice": True, "sms": True, "mms": False, "fax": False}


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({"number_type": "longcode"}, "10000", "Number can't be blank"),
        ({"number": "+1234", "number_type": "longcode"}, "10000", "5 to 30 digits"),
        ({"number": "+15035550100"}, "10000", "Number type can't be blank"),
        ({"number": "+15035550100", "number_type": "toll-free"}, "10000", "longcode or tollfree"),
        (
            {"number": "+15035550100", "number_type": "longcode", "capabilities": ["pager"]},
            "4000",
            "at least one",
        ),
        (
            {"number": "+15035550100", "number_type": "longcode", "capabilities": [""]},
            "4000",
            "at least one",
        ),
    ],
)
def test_import_validation(api, fields, code, words):
    response = api.compat("POST", "/ImportedPhoneNumbers.json", fields)
    # The documented quirk: HTTP 422 with "status": 400 in the body.
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code and body["status"] == 400
    assert words in body["message"]


def test_import_switched_off_returns_10001(api):
    faults.set_import_enabled("signalwire", False)
    response = api.compat(
        "POST", "/ImportedPhoneNumbers", {"number": "+15035550100", "number_type": "longcode"}
    )
    assert "not enabled" in compat_error(response, 422, "10001")
    assert not SandboxNumber.objects.exists()

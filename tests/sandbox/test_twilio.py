"""The sandbox's Twilio account: its own space, PN sids, integer error codes."""

import re

import pytest
from django.conf import settings

from numbers_admin.sandbox import stock
from numbers_admin.sandbox.models import SandboxNumber
from tests.sandbox.helpers import TW, basic


def tw_error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code and isinstance(body["code"], int)
    assert body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    return body["message"]


def available(api, kind="Local", country="US", **query):
    response = api.tw("GET", f"/AvailablePhoneNumbers/{country}/{kind}.json", **query)
    assert response.status_code == 200, response.content
    return response.json()["available_phone_numbers"]


def buy(api, **fields):
    number = available(api, AreaCode="808")[0]["phone_number"]
    response = api.tw("POST", "/IncomingPhoneNumbers.json", {"PhoneNumber": number, **fields})
    assert response.status_code == 201, response.content
    return response.json()


def test_401_is_twilios_body(api):
    response = api.tw("GET", "/IncomingPhoneNumbers.json", auth=None)
    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "detail": "Your AccountSid or AuthToken was incorrect.",
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    wrong = basic(settings.SANDBOX_TWILIO_ACCOUNT_SID, "nope")
    assert api.tw("GET", "/IncomingPhoneNumbers.json", auth=wrong).status_code == 401


def test_create_by_phone_number(api):
    body = buy(api, FriendlyName="Hilo office", VoiceUrl="https://example.com/v")
    assert re.match(r"^PN[0-9a-f]{32}$", body["sid"]) and len(body["sid"]) == 34
    assert body["account_sid"] == settings.SANDBOX_TWILIO_ACCOUNT_SID
    assert body["friendly_name"] == "Hilo office"
    assert body["voice_url"] == "https://example.com/v"
    assert body["capabilities"] == {"voice": True, "sms": True, "mms": True, "fax": True}
    assert body["status"] == "in-use" and body["type"] == "local" and body["origin"] == "twilio"
    assert body["uri"] == f"{TW}/IncomingPhoneNumbers/{body['sid']}.json"
    assert body["sms_url"] == "" and body["voice_fallback_url"] is None
    assert re.match(r"^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$", body["date_created"])


def test_twilio_is_a_separate_space(api):
    body = buy(api)
    assert SandboxNumber.objects.get(number=body["phone_number"]).space == "twilio"
    assert api.rest("GET", "/phone_numbers").json()["data"] == []


def test_create_by_area_code(api):
    response = api.tw("POST", "/IncomingPhoneNumbers.json", {"AreaCode": "415"})
    assert response.status_code == 201
    assert response.json()["phone_number"].startswith("+1415")


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({}, 21421, "area code or number must be provided"),
        ({"PhoneNumber": "+1555"}, 21421, "not valid E.164"),
        ({"PhoneNumber": "+15555550100"}, 21421, "is invalid"),
        ({"AreaCode": "12"}, 21451, "not a valid area code"),
        ({"AreaCode": "533"}, 21452, "No phone numbers found in area code 533"),
        ({"PhoneNumber": "{n}", "FriendlyName": "z" * 65}, 20001, "between 1 and 64"),
        ({"PhoneNumber": "{n}", "VoiceMethod": "PUT"}, 20001, "GET or POST"),
        ({"PhoneNumber": "{n}", "VoiceReceiveMode": "sms"}, 20001, "voice or fax"),
        ({"PhoneNumber": "{n}", "VoiceApplicationSid": "AP123"}, 21420, "was not found"),
        ({"PhoneNumber": "{n}", "TrunkSid": "TRxyz"}, 20001, "TrunkSid"),
        ({"PhoneNumber": "{n}", "EmergencyStatus": "On"}, 20001, "Active or Inactive"),
    ],
)
def test_create_validation(api, fields, code, words):
    number = available(api, AreaCode="808")[0]["phone_number"]
    fields = {k: (number if v == "{n}" else v) for k, v in fields.items()}
    assert words in tw_error(api.tw("POST", "/IncomingPhoneNumbers.json", fields), 400, code)
    assert not SandboxNumber.objects.exists()


def test_create_unavailable_is_21422(api):
    missing = stock.example_unavailable("twilio", "808")
    response = api.tw("POST", "/IncomingPhoneNumbers.json", {"PhoneNumber": missing})
    assert "not available" in tw_error(response, 400, 21422)


def test_application_and_trunk_exclude_each_other(api):
    app, trunk = "AP" + "a" * 32, "TK" + "b" * 32
    body = buy(api, TrunkSid=trunk)
    assert body["trunk_sid"] == trunk
    updated = api.tw(
        "POST", f"/IncomingPhoneNumbers/{body['sid']}.json", {"VoiceApplicationSid": app}
    ).json()
    assert updated["voice_application_sid"] == app and updated["trunk_sid"] is None


def test_local_mobile_toll_free_sub_resources(api):
    mobile = available(api, "Mobile", "GB")[0]
    response = api.tw(
        "POST", "/IncomingPhoneNumbers/Mobile.json", {"PhoneNumber": mobile["phone_number"]}
    )
    assert response.status_code == 201
    assert response.json()["type"] == "mobile"
    assert response.json()["capabilities"] == {
        "voice": True,
        "sms": True,
        "mms": False,
        "fax": False,
    }
    listed = api.tw("GET", "/IncomingPhoneNumbers/Mobile.json").json()["incoming_phone_numbers"]
    assert [n["phone_number"] for n in listed] == [mobile["phone_number"]]
    assert api.tw("GET", "/IncomingPhoneNumbers/Local.json").json()["incoming_phone_numbers"] == []
    # A local number cannot be bought through the TollFree list, and AreaCode is refused there.
    local = available(api)[0]["phone_number"]
    response = api.tw("POST", "/IncomingPhoneNumbers/TollFree.json", {"PhoneNumber": local})
    tw_error(response, 400, 21422)
    response = api.tw("POST", "/IncomingPhoneNumbers/Local.json", {"AreaCode": "415"})
    tw_error(response, 400, 21457)


def test_fetch_update_delete_and_404(api, age):
    body = buy(api)
    path = f"/IncomingPhoneNumbers/{body['sid']}.json"
    assert api.tw("GET", path).json()["sid"] == body["sid"]
    updated = api.tw("POST", path, {"SmsUrl": "https://example.com/sms", "SmsMethod": "GET"})
    assert updated.json()["sms_url"] == "https://example.com/sms"
    assert updated.json()["sms_method"] == "GET"
    message = tw_error(api.tw("DELETE", path), 422, 22121)
    assert "Please wait until" in message
    age(body["sid"], 30)
    assert api.tw("DELETE", path).status_code == 204
    message = tw_error(api.tw("GET", path), 404, 20404)
    assert "was not found" in message
    tw_error(api.tw("GET", "/IncomingPhoneNumbers/not-a-sid.json"), 404, 20404)


def test_list_envelope_and_paging(api):
    for item in available(api, AreaCode="808", PageSize=5):
        api.tw("POST", "/IncomingPhoneNumbers.json", {"PhoneNumber": item["phone_number"]})
    body = api.tw("GET", "/IncomingPhoneNumbers.json", PageSize=2).json()
    pages, seen = 0, []
    while True:
        pages += 1
        assert body["start"] == (pages - 1) * 2
        assert body["end"] == body["start"] + len(body["incoming_phone_numbers"]) - 1
        seen += [n["sid"] for n in body["incoming_phone_numbers"]]
        if not body["next_page_uri"]:
            break
        body = api.get_url(body["next_page_uri"], auth=twilio_auth()).json()
    assert pages == 3 and len(set(seen)) == 5


def twilio_auth():
    from tests.sandbox.helpers import TW_AUTH

    return TW_AUTH


def test_list_filters_phone_number_wildcard_and_exact_friendly_name(api):
    body = buy(api, FriendlyName="Hilo")
    buy(api)
    pattern = body["phone_number"][:-2] + "**"
    listed = api.tw("GET", "/IncomingPhoneNumbers.json", PhoneNumber=pattern).json()
    assert body["sid"] in [n["sid"] for n in listed["incoming_phone_numbers"]]
    exact = api.tw("GET", "/IncomingPhoneNumbers.json", FriendlyName="Hilo").json()
    assert [n["sid"] for n in exact["incoming_phone_numbers"]] == [body["sid"]]
    partial = api.tw("GET", "/IncomingPhoneNumbers.json", FriendlyName="Hil").json()
    assert partial["incoming_phone_numbers"] == []


def test_countries_include_gb_with_mobile(api):
    countries = api.tw("GET", "/AvailablePhoneNumbers.json").json()["countries"]
    assert {c["country_code"] for c in countries} == {"US", "CA", "GB"}
    gb = api.tw("GET", "/AvailablePhoneNumbers/GB.json").json()
    assert set(gb["subresource_uris"]) == {"local", "toll_free", "mobile"}
    us = api.tw("GET", "/AvailablePhoneNumbers/US.json").json()
    assert "mobile" not in us["subresource_uris"]
    tw_error(api.tw("GET", "/AvailablePhoneNumbers/US/Mobile.json"), 404, 20404)
    tw_error(api.tw("GET", "/AvailablePhoneNumbers/US/Voip.json"), 404, 20404)


def test_available_local_shape(api):
    item = available(api, AreaCode="808")[0]
    assert item["phone_number"].startswith("+1808")
    assert item["locality"] and item["region"] == "HI" and item["rate_center"]
    assert item["address_requirements"] == "none" and item["iso_country"] == "US"
    # Twilio's JSON keys for these capabilities are upper case SMS/MMS.
    assert set(item["capabilities"]) == {"voice", "SMS", "MMS", "fax"}
    assert re.match(r"^\(808\) \d{3}-\d{4}$", item["friendly_name"])


def test_available_filters(api):
    gb_local = available(api, "Local", "GB", SmsEnabled="true")
    assert gb_local == []  # British landlines here take no SMS
    vanity = available(api, Contains="FLOWER")
    assert vanity and all("356937" in a["phone_number"] for a in vanity)
    starts = available(api, Contains="+1808*")
    assert starts and all(a["phone_number"].startswith("+1808") for a in starts)
    ends = available(api, Contains="42$")
    assert ends and all(a["phone_number"].endswith("42") for a in ends)
    tw_error(api.tw("GET", "/AvailablePhoneNumbers/US/Local.json", Contains="!!"), 400, 20001)
    tw_error(api.tw("GET", "/AvailablePhoneNumbers/US/Local.json", AreaCode="8"), 400, 21451)
    tw_error(api.tw("GET", "/AvailablePhoneNumbers/US/Local.json", PageSize=1001), 400, 20001)

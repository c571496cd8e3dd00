"""The sandbox's SignalWire Space REST API: every endpoint and every request rule."""

import re

import phonenumbers
import pytest

from numbers_admin.sandbox import faults, stock
from numbers_admin.sandbox.models import SandboxNumber
from tests.sandbox.helpers import basic

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def errors_of(response):
    body = response.json()
    assert set(body) == {"errors"}
    for item in body["errors"]:
        assert set(item) == {"detail", "status", "title", "code"}
        assert item["status"] == str(response.status_code) == item["code"]
    return " | ".join(e["detail"] for e in body["errors"])


# --- Auth


def test_no_credentials_get_401_with_the_rest_body(api):
    response = api.rest("GET", "/phone_numbers", auth=None)
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


def test_wrong_token_gets_401(api):
    from django.conf import settings

    response = api.rest(
        "GET", "/phone_numbers", auth=basic(settings.SANDBOX_SIGNALWIRE_PROJECT_ID, "PTwrong")
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


def test_twilio_credentials_do_not_open_the_signalwire_space(api):
    from tests.sandbox.helpers import TW_AUTH

    assert api.rest("GET", "/phone_numbers", auth=TW_AUTH).status_code == 401


def test_unknown_rest_path_is_a_rest_404(api):
    response = api.rest("GET", "/no_such_thing")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


# --- Search


def test_search_observed_shape_is_valid_for_the_area_code(api):
    data = api.available(areacode="503", max_results=5)
    assert len(data) == 5
    for item in data:
        assert set(item) == {
            "e164",
            "national_number_formatted",
            "international_number_formatted",
            "rate_center",
            "region",
            "country_code",
            "capabilities",
        }
        parsed = phonenumbers.parse(item["e164"], None)
        assert phonenumbers.is_valid_number(parsed)
        assert item["e164"].startswith("+1503")
        assert item["region"] == "OR"
        assert item["rate_center"] and item["rate_center"] == item["rate_center"].upper()
        assert item["national_number_formatted"].startswith("(503) ")
        assert item["capabilities"] == ["voice", "sms", "mms", "fax"]


def test_search_is_deterministic(api):
    first = api.available(areacode="212", max_results=10)
    again = api.available(areacode="212", max_results=10)
    assert [a["e164"] for a in first] == [a["e164"] for a in again]


def test_search_spec_shape_when_switched(api):
    faults.set_search_shape("signalwire", "spec")
    response = api.rest("GET", "/phone_numbers/search", areacode="415", max_results=2)
    item = response.json()["data"][0]
    assert set(item) == {"number", "region", "city", "rate_center", "lata", "capabilities"}
    assert item["capabilities"] == {"voice": True, "sms": True, "mms": True, "fax": True}
    assert item["number"].startswith("+1415")


def test_search_default_is_local_and_max_results_defaults_to_50(api):
    data = api.available()
    assert len(data) == 50
    assert all(not a["e164"].startswith(("+1800", "+1888", "+1877")) for a in data)


def test_search_toll_free(api):
    data = api.available(number_type="toll-free", max_results=5)
    assert len(data) == 5
    for item in data:
        parsed = phonenumbers.parse(item["e164"], None)
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE


def test_search_rejects_longcode_with_400(api):
    response = api.rest("GET", "/phone_numbers/search", number_type="longcode")
    assert response.status_code == 400
    assert "local or toll-free" in errors_of(response)


@pytest.mark.parametrize("key", ["starts_with", "contains", "ends_with"])
@pytest.mark.parametrize("value", ["12", "12345678", "12a", "*23"])
def test_search_digit_filters_need_3_to_7_digits(api, key, value):
    response = api.rest("GET", "/phone_numbers/search", **{key: value})
    assert response.status_code == 422
    assert f"{key} must be 3 to 7 digits" in errors_of(response)


def test_search_digit_filters_are_mutually_exclusive(api):
    response = api.rest("GET", "/phone_numbers/search", starts_with="503", ends_with="1234")
    assert response.status_code == 422
    assert "Only one of starts_with, contains or ends_with" in errors_of(response)


@pytest.mark.parametrize(
    ("key", "value", "check"),
    [
        ("starts_with", "415", lambda national: national.startswith("415")),
        ("contains", "4242", lambda national: "4242" in national),
        ("ends_with", "777", lambda national: national.endswith("777")),
    ],
)
def test_search_digit_filters_match(api, key, value, check):
    data = api.available(max_results=5, **{key: value})
    assert data
    assert all(check(a["e164"][2:]) for a in data)


def test_search_region_and_city(api):
    data = api.available(region="TX", max_results=10)
    assert data and all(a["region"] == "TX" for a in data)
    data = api.available(region="TX", city="Austin", max_results=5)
    assert data and all(a["rate_center"] == "AUSTIN" for a in data)


def test_search_canadian_region(api):
    data = api.available(region="ON", max_results=3)
    assert data and all(a["country_code"] == "CA" and a["region"] == "ON" for a in data)


def test_search_city_needs_region(api):
    response = api.rest("GET", "/phone_numbers/search", city="Austin")
    assert response.status_code == 422
    assert "city requires region" in errors_of(response)


def test_search_region_not_for_toll_free(api):
    response = api.rest("GET", "/phone_numbers/search", number_type="toll-free", region="TX")
    assert response.status_code == 422
    assert "toll-free" in errors_of(response)


@pytest.mark.parametrize("value", ["0", "101", "abc"])
def test_search_max_results_is_1_to_100(api, value):
    response = api.rest("GET", "/phone_numbers/search", max_results=value)
    assert response.status_code == 422
    assert "max_results" in errors_of(response)


def test_search_max_results_100_is_allowed(api):
    assert len(api.available(max_results=100)) == 100


def test_search_empty_area_gives_empty_list_not_error(api):
    response = api.rest("GET", "/phone_numbers/search", areacode="555")
    assert response.status_code == 200
    assert response.json() == {"links": {}, "data": []}


# --- Purchase


def test_purchase_returns_200_with_the_phone_number(api):
    wanted = api.available(areacode="503", max_results=1)[0]["e164"]
    response = api.rest("POST", "/phone_numbers", {"number": wanted})
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == wanted
    assert body["name"] == f"+1 ({wanted[2:5]}) {wanted[5:8]}-{wanted[8:]}"
    assert body["number_type"] == "longcode"
    assert body["capabilities"] == ["voice", "sms", "mms", "fax"]
    assert ISO.match(body["created_at"]) and ISO.match(body["updated_at"])
    # Unset strings come back as "", methods default to POST (observed reality).
    assert body["call_request_url"] == "" and body["call_relay_context"] == ""
    assert body["call_video_room_id"] == ""
    assert body["call_request_method"] == "POST"
    assert body["country_code"] == "US"
    assert SandboxNumber.objects.filter(space="signalwire", number=wanted).count() == 1


def test_bought_number_leaves_the_stock(api):
    first = api.available(areacode="503", max_results=3)
    api.rest("POST", "/phone_numbers", {"number": first[0]["e164"]})
    after = [a["e164"] for a in api.available(areacode="503", max_results=3)]
    assert first[0]["e164"] not in after
    assert after[:2] == [a["e164"] for a in first[1:]]


def test_purchase_of_a_number_not_in_stock_fails_like_the_real_api(api):
    missing = stock.example_unavailable("signalwire", "503")
    response = api.rest("POST", "/phone_numbers", {"number": missing})
    assert response.status_code == 422
    assert f"Number {missing} is not available for purchase" in errors_of(response)
    assert not SandboxNumber.objects.exists()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "Number can't be blank"),
        ({"number": ""}, "Number can't be blank"),
        ({"number": "5037154424"}, "E.164"),
        ({"number": "+1 503 715 4424"}, "E.164"),
    ],
)
def test_purchase_validation(api, body, words):
    response = api.rest("POST", "/phone_numbers", body)
    assert response.status_code == 422
    assert words in errors_of(response)


def test_purchase_twice_fails_the_second_time(api):
    bought = api.buy_rest(areacode="503")
    response = api.rest("POST", "/phone_numbers", {"number": bought["number"]})
    assert response.status_code == 422
    assert "already been taken" in errors_of(response)


def test_purchase_with_broken_json_is_400(api):
    response = api.client.generic(
        "POST",
        "/sandbox/signalwire/api/relay/rest/phone_numbers",
        b"{not json",
        content_type="application/json",
        headers={"Authorization": api_auth()},
    )
    assert response.status_code == 400
    assert "JSON" in errors_of(response)


def api_auth():
    from tests.sandbox.helpers import SW_AUTH

    return SW_AUTH


# --- Retrieve, update, release


def test_retrieve_and_404(api):
    bought = api.buy_rest()
    response = api.rest("GET", f"/phone_numbers/{bought['id']}")
    assert response.status_code == 200
    assert response.json()["number"] == bought["number"]
    missing = api.rest("GET", "/phone_numbers/0b0b0b0b-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Not Found"}
    assert api.rest("GET", "/phone_numbers/not-a-uuid").status_code == 404


def test_update_is_partial_put(api):
    bought = api.buy_rest()
    path = f"/phone_numbers/{bought['id']}"
    api.rest(
        "PUT",
        path,
        {"call_handler": "laml_webhooks", "call_request_url": "https://example.com/voice"},
    )
    response = api.rest("PUT", path, {"name": "Support line"})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Support line"
    # Fields not in the second body are kept.
    assert body["call_handler"] == "laml_webhooks"
    assert body["call_request_url"] == "https://example.com/voice"


def test_update_with_post_is_not_allowed(api):
    bought = api.buy_rest()
    response = api.rest("POST", f"/phone_numbers/{bought['id']}", {"name": "x"})
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"call_request_method": "PUT"}, "call_request_method must be GET or POST"),
        ({"message_fallback_method": "get"}, "message_fallback_method must be GET or POST"),
        ({"call_receive_mode": "video"}, "call_receive_mode must be voice or fax"),
        ({"call_handler": "ai_agent"}, "Call handler is not included in the list"),
        ({"call_handler": "carrier_pigeon"}, "Call handler is not included in the list"),
        ({"message_handler": "dialogflow"}, "Message handler is not included in the list"),
        ({"call_handler": "relay_topic"}, "call_relay_topic is required"),
        ({"call_request_url": "not a url"}, "call_request_url is not a valid URL"),
        ({"call_video_room_id": "room-1"}, "call_video_room_id must be a uuid"),
        ({"name": "x" * 256}, "Name is too long"),
    ],
)
def test_update_validation(api, body, words):
    bought = api.buy_rest()
    response = api.rest("PUT", f"/phone_numbers/{bought['id']}", body)
    assert response.status_code == 422
    assert words in errors_of(response)
    # Nothing was changed by a refused update.
    assert api.rest("GET", f"/phone_numbers/{bought['id']}").json() == {
        **bought,
        "next_billed_at": bought["next_billed_at"],
    }


def test_update_accepts_plain_http_and_relay_handlers(api):
    bought = api.buy_rest()
    response = api.rest(
        "PUT",
        f"/phone_numbers/{bought['id']}",
        {"call_handler": "relay_topic", "call_relay_topic": "office", "call_fallback_url": ""},
    )
    assert response.status_code == 200
    assert response.json()["call_relay_topic"] == "office"


def test_release_inside_the_cooldown_is_refused_with_the_date(api, settings):
    bought = api.buy_rest()
    response = api.rest("DELETE", f"/phone_numbers/{bought['id']}")
    assert response.status_code == 422
    detail = errors_of(response)
    assert detail.startswith("Number was purchased too recently to release. Please wait until ")
    assert re.search(r"wait until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to release", detail)
    assert response.json()["errors"][0]["title"] == "Invalid Attribute"
    assert SandboxNumber.objects.filter(uid=bought["id"]).exists()


def test_release_after_the_cooldown_is_204(api, age):
    bought = api.buy_rest()
    age(bought["id"], 15)
    response = api.rest("DELETE", f"/phone_numbers/{bought['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert not SandboxNumber.objects.filter(uid=bought["id"]).exists()
    assert api.rest("GET", f"/phone_numbers/{bought['id']}").status_code == 404


def test_cooldown_is_configurable(api, settings):
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 0
    bought = api.buy_rest()
    assert api.rest("DELETE", f"/phone_numbers/{bought['id']}").status_code == 204


# --- Import


def test_import_returns_201_hosted(api):
    response = api.rest(
        "POST",
        "/imported_phone_numbers",
        {"number": "+49152234333323", "number_type": "longcode", "capabilities": ["sms", "fax"]},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == "+49152234333323"
    assert body["capabilities"] == ["sms", "fax"]
    assert body["number_type"] == "longcode"
    assert SandboxNumber.objects.get(number="+49152234333323").origin == "hosted"


def test_import_capabilities_default_to_all_four(api):
    response = api.rest(
        "POST", "/imported_phone_numbers", {"number": "+18005550100", "number_type": "tollfree"}
    )
    assert response.status_code == 201
    assert response.json()["capabilities"] == ["voice", "sms", "mms", "fax"]
    assert response.json()["number_type"] == "toll-free"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"number_type": "longcode"}, "Number can't be blank"),
        ({"number": "+1234", "number_type": "longcode"}, "5 to 30 digits"),
        ({"number": "+" + "1" * 31, "number_type": "longcode"}, "5 to 30 digits"),
        ({"number": "+1 503 555", "number_type": "longcode"}, "5 to 30 digits"),
        ({"number": "+15035550100"}, "Number type can't be blank"),
        ({"number": "+15035550100", "number_type": "toll-free"}, "longcode or tollfree"),
        ({"number": "+15035550100", "number_type": "local"}, "longcode or tollfree"),
        (
            {"number": "+15035550100", "number_type": "longcode", "capabilities": []},
            "cannot be an empty array",
        ),
        (
            {"number": "+15035550100", "number_type": "longcode", "capabilities": ["pager"]},
            "sms, voice, fax and mms",
        ),
    ],
)
def test_import_validation(api, body, words):
    response = api.rest("POST", "/imported_phone_numbers", body)
    assert response.status_code == 422
    assert words in errors_of(response)
    assert not SandboxNumber.objects.exists()


def test_import_accepts_5_and_30_digits(api):
    for number in ("+12345", "+" + "4" * 30):
        response = api.rest(
            "POST", "/imported_phone_numbers", {"number": number, "number_type": "longcode"}
        )
        assert response.status_code == 201, response.content


def test_import_switched_off(api):
    faults.set_import_enabled("signalwire", False)
    response = api.rest(
        "POST", "/imported_phone_numbers", {"number": "+15035550100", "number_type": "longcode"}
    )
    assert response.status_code == 422
    assert "not enabled for this Space" in errors_of(response)
    assert not SandboxNumber.objects.exists()


# --- List and paging


@pytest.fixture
def seven(api):
    """Seven bought numbers, oldest first."""
    bought = []
    for data in api.available(areacode="503", max_results=7):
        bought.append(api.rest("POST", "/phone_numbers", {"number": data["e164"]}).json())
    return bought


def test_list_pages_follow_links_next_newest_first(api, seven):
    response = api.rest("GET", "/phone_numbers", page_size=3)
    seen, pages = [], 0
    while True:
        body = response.json()
        pages += 1
        assert set(body) == {"links", "data"}
        assert {"self", "first"} <= set(body["links"])
        seen += [n["id"] for n in body["data"]]
        if pages > 1:
            assert "prev" in body["links"]
        else:
            assert "prev" not in body["links"]
        if "next" not in body["links"]:
            break
        assert "page_token=PA" in body["links"]["next"]
        response = api.get_url(body["links"]["next"])
    assert pages == 3
    # Newest first: the reverse of the order they were bought in.
    assert seen == [n["id"] for n in reversed(seven)]


def test_list_prev_link_goes_back(api, seven):
    first = api.rest("GET", "/phone_numbers", page_size=3).json()
    second = api.get_url(first["links"]["next"]).json()
    back = api.get_url(second["links"]["prev"]).json()
    assert [n["id"] for n in back["data"]] == [n["id"] for n in first["data"]]


def test_list_page_number_needs_a_token(api, seven):
    response = api.rest("GET", "/phone_numbers", page_number=1, page_size=3)
    assert response.status_code == 400
    assert "page_token is required" in errors_of(response)


def test_list_bad_token(api, seven):
    response = api.rest("GET", "/phone_numbers", page_number=1, page_token="PAnot-a-uuid")
    assert response.status_code == 400
    assert "page_token is invalid" in errors_of(response)


@pytest.mark.parametrize("size", ["0", "1001", "many"])
def test_list_page_size_is_1_to_1000(api, size):
    response = api.rest("GET", "/phone_numbers", page_size=size)
    assert response.status_code == 400
    assert "page_size must be a whole number from 1 to 1000" in errors_of(response)


def test_list_page_size_1000_is_allowed(api, seven):
    body = api.rest("GET", "/phone_numbers", page_size=1000).json()
    assert len(body["data"]) == 7
    assert "next" not in body["links"]


def test_list_filters(api, seven):
    target = seven[2]
    api.rest("PUT", f"/phone_numbers/{target['id']}", {"name": "Front Desk"})
    by_name = api.rest("GET", "/phone_numbers", filter_name="front desk").json()["data"]
    assert [n["id"] for n in by_name] == [target["id"]]
    by_number = api.rest("GET", "/phone_numbers", filter_number=target["number"][-6:]).json()
    assert target["id"] in [n["id"] for n in by_number["data"]]
    assert all(target["number"][-6:] in n["number"] for n in by_number["data"])


def test_every_request_is_logged(api, seven):
    from numbers_admin.sandbox.testing import requests_to

    purchases = requests_to("signalwire", "POST", "/phone_numbers")
    assert purchases.count() == 7
    assert all(r.status == 200 and r.api == "rest" for r in purchases)
    assert '"number"' in purchases.first().body


def test_request_log_is_pruned(api, monkeypatch):
    from numbers_admin.sandbox import serving
    from numbers_admin.sandbox.models import SandboxRequest

    monkeypatch.setattr(serving, "PRUNE_EVERY", 1)
    monkeypatch.setattr(serving, "LOG_KEEP", 3)
    for _ in range(6):
        api.rest("GET", "/phone_numbers")
    assert SandboxRequest.objects.count() == 3

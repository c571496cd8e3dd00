"""Payload ↔ canonical mapping: the traps of each wire format (API.md §5)."""

import datetime

import pytest

from numbers_admin.upstream import mapping
from numbers_admin.upstream.base import CANONICAL_FIELDS

UTC = datetime.UTC

# Written from the field facts in API.md §1.5 (the habits of a real body: "" for unset relay
# fields, null for others, methods default POST, name defaulting to the formatted number).
REST_NUMBER = {
    "id": "233dffc2-2ad3-455e-a597-0e332c39662a",
    "name": "+1 (503) 555-0142",
    "number": "+15035550142",
    "capabilities": ["voice", "SMS", "mms"],
    "number_type": "longcode",
    "e911_address_id": None,
    "e911_status": None,
    "created_at": "2025-06-03T15:51:29Z",
    "updated_at": "2025-06-03T18:10:36.123+00:00",
    "next_billed_at": "2025-07-03T15:51:29Z",
    "call_handler": "laml_webhooks",
    "calling_handler_resource_id": None,
    "call_receive_mode": "voice",
    "call_request_url": "https://example.com/voice",
    "call_request_method": "POST",
    "call_fallback_url": None,
    "call_status_callback_url": "",
    "call_relay_context": "",
    "call_video_room_id": "",
    "message_handler": "",
    "message_request_url": None,
    "country_code": "US",
    "some_future_field": "ignored",
}


def test_rest_number_maps_names_dates_and_unset_values():
    number = mapping.rest_number(REST_NUMBER)
    assert set(number) == set(CANONICAL_FIELDS)
    assert number["upstream_id"] == "233dffc2-2ad3-455e-a597-0e332c39662a"
    assert number["number"] == "+15035550142"
    assert number["number_type"] == "longcode"
    assert (number["voice"], number["sms"], number["mms"], number["fax"]) == (
        True,
        True,
        True,
        False,
    )
    assert number["upstream_created_at"] == datetime.datetime(2025, 6, 3, 15, 51, 29, tzinfo=UTC)
    assert number["upstream_updated_at"].tzinfo is not None
    assert number["call_request_url"] == "https://example.com/voice"
    # "" and null are both unset, and both come out as "".
    assert number["call_fallback_url"] == ""
    assert number["call_status_callback_url"] == ""
    assert number["e911_address_id"] == ""
    assert number["message_handler"] == ""
    # Fields REST does not have stay unset.
    assert number["sid"] == ""
    assert number["beta"] is None
    assert number["raw_payload"] is REST_NUMBER


def test_rest_number_with_capabilities_as_object():
    number = mapping.rest_number({**REST_NUMBER, "capabilities": {"Voice": True, "fax": "true"}})
    assert (number["voice"], number["sms"], number["fax"]) == (True, False, True)


COMPAT_NUMBER = {
    "account_sid": "5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d",
    "sid": "b3877c40-da60-4998-90ad-b792e98472af",
    "phone_number": "+12065550100",
    "friendly_name": "Front desk",
    "capabilities": {"voice": True, "SMS": True, "MMS": False, "fax": None},
    "date_created": "Tue, 25 Sept 2018 23:00:00 +0000",
    "date_updated": "Thu, 28 Sep 2023 17:58:29 +0000",
    "voice_url": "https://example.com/voice",
    "voice_method": "GET",
    "voice_application_sid": None,
    "sms_url": "https://example.com/sms",
    "sms_application_sid": "aa11aa11-2222-3333-4444-555566667777",
    "status_callback": "",
    "emergency_address_sid": None,
    "emergency_status": "Inactive",
    "voice_caller_id_lookup": None,
    "origin": "signalwire",
    "country_code": "US",
    "verification_status": "",
}


def test_compat_number_maps_like_signalwire_does():
    number = mapping.compat_number(COMPAT_NUMBER)
    assert number["upstream_id"] == number["sid"] == "b3877c40-da60-4998-90ad-b792e98472af"
    assert number["name"] == "Front desk"
    assert number["call_request_url"] == "https://example.com/voice"
    assert number["call_request_method"] == "GET"
    assert number["message_request_url"] == "https://example.com/sms"
    assert number["message_laml_application_id"] == "aa11aa11-2222-3333-4444-555566667777"
    # Derived handlers: a URL alone → webhooks; an application wins over a URL.
    assert number["call_handler"] == "laml_webhooks"
    assert number["message_handler"] == "laml_application"
    assert (number["voice"], number["sms"], number["mms"], number["fax"]) == (
        True,
        True,
        False,
        False,
    )
    # "Sept" is tolerated; RFC 2822 becomes an aware datetime.
    assert number["upstream_created_at"] == datetime.datetime(2018, 9, 25, 23, 0, tzinfo=UTC)
    assert number["upstream_updated_at"] == datetime.datetime(2023, 9, 28, 17, 58, 29, tzinfo=UTC)
    assert number["voice_caller_id_lookup"] is None
    assert number["origin"] == "signalwire"


def test_compat_number_without_url_or_application_has_no_handler():
    number = mapping.compat_number({**COMPAT_NUMBER, "voice_url": "", "sms_application_sid": ""})
    assert number["call_handler"] == ""
    assert number["message_handler"] == "laml_webhooks"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-07-23T13:01:00Z", datetime.datetime(2018, 7, 23, 13, 1, tzinfo=UTC)),
        ("2018-07-23T13:01:00", datetime.datetime(2018, 7, 23, 13, 1, tzinfo=UTC)),
        ("Mon, 23 Jul 2018 15:01:00 +0200", datetime.datetime(2018, 7, 23, 13, 1, tzinfo=UTC)),
        ("Tue, 25 Sept 2018 23:00:00 +0000", datetime.datetime(2018, 9, 25, 23, 0, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("not a date", None),
    ],
)
def test_parse_datetime(value, expected):
    assert mapping.parse_datetime(value) == expected


def test_rest_search_result_in_both_shapes():
    spec_shape = mapping.rest_available(
        {
            "number": "+15035550100",
            "region": "OR",
            "city": "Portland",
            "rate_center": "PORTLAND",
            "lata": "672",
            "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
        }
    )
    observed_shape = mapping.rest_available(
        {
            "e164": "+15035550101",
            "national_number_formatted": "(503) 555-0101",
            "rate_center": "PORTLAND",
            "region": "OR",
            "country_code": "US",
            "capabilities": ["voice", "fax", "sms", "mms"],
        },
        "toll_free",
    )
    assert spec_shape.number == "+15035550100"
    assert spec_shape.locality == "Portland"
    assert spec_shape.capabilities == {"voice", "sms"}
    assert observed_shape.number == "+15035550101"
    assert observed_shape.capabilities == {"voice", "fax", "sms", "mms"}
    assert observed_shape.friendly_name == "(503) 555-0101"
    assert observed_shape.kind == "toll_free"
    assert observed_shape.country == "US"


def test_rest_update_body_is_partial_json_and_refuses_unknown_fields():
    assert mapping.rest_update_body({"name": "Sales", "call_request_url": None}) == {
        "name": "Sales",
        "call_request_url": "",
    }
    with pytest.raises(mapping.UnknownField) as caught:
        mapping.rest_update_body({"number": "+15035550100"})
    assert caught.value.fields == ["number"]


def test_compat_form_uses_pascal_case_and_true_false():
    form = mapping.compat_form(
        {
            "name": "Sales",
            "call_request_url": "https://example.com/v",
            "voice_caller_id_lookup": True,
            "call_handler": "laml_webhooks",
        },
        ("name", "call_request_url", "voice_caller_id_lookup"),
    )
    # Choosing webhooks clears the application sid, or the application would keep winning.
    assert form == {
        "FriendlyName": "Sales",
        "VoiceUrl": "https://example.com/v",
        "VoiceCallerIdLookup": "true",
        "VoiceApplicationSid": "",
    }
    assert mapping.compat_form({"voice_caller_id_lookup": False}, ("voice_caller_id_lookup",)) == {
        "VoiceCallerIdLookup": "false"
    }


def test_compat_form_refuses_handlers_it_cannot_express():
    with pytest.raises(mapping.UnknownField) as caught:
        mapping.compat_form({"call_handler": "relay_script"}, ("name",))
    assert caught.value.fields == ["call_handler"]

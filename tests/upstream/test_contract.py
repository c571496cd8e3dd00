"""What the Twilio client sends uses only names Twilio's own spec defines (data/NOTE.md)."""

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from numbers_admin.upstream.base import TWILIO_UPDATABLE_FIELDS, SearchQuery
from tests.upstream.helpers import TWILIO, compat_number, twilio_client

FIELDS = json.loads(
    (Path(__file__).parent / "data" / "twilio_api_v2010.phone-numbers.request-fields.json")
    .read_text()
)  # fmt: skip

# One value of the right kind for every field the dashboard may change on Twilio.
SAMPLE = {
    name: (
        True
        if name == "voice_caller_id_lookup"
        else "Active"
        if name == "emergency_status"
        else "GET"
        if name.endswith("_method")
        else "voice"
        if name == "call_receive_mode"
        else "https://example.com/x"
        if name.endswith("_url")
        else "X" * 34
    )
    for name in TWILIO_UPDATABLE_FIELDS
}


def _sent_form(call):
    return set(parse_qs(call.request.body, keep_blank_values=True))


def _sent_query(call):
    return set(parse_qs(urlsplit(call.request.url).query))


@responses.activate
def test_update_and_create_forms_use_only_spec_field_names():
    responses.post(f"{TWILIO}/IncomingPhoneNumbers/PN1.json", json=compat_number(1, sid="PN1"))
    responses.post(f"{TWILIO}/IncomingPhoneNumbers.json", status=201,
                   json=compat_number(2, sid="PN2"))  # fmt: skip
    client = twilio_client()
    client.update("PN1", {**SAMPLE, "call_handler": "laml_webhooks"})
    client.purchase("+15035550002", config=SAMPLE)
    client.purchase(area_code="503")
    update, create, by_area = (_sent_form(c) for c in responses.calls)
    assert update == {
        "FriendlyName", "VoiceUrl", "VoiceMethod", "VoiceFallbackUrl", "VoiceFallbackMethod",
        "StatusCallback", "StatusCallbackMethod", "VoiceApplicationSid", "VoiceReceiveMode",
        "SmsUrl", "SmsMethod", "SmsFallbackUrl", "SmsFallbackMethod", "SmsApplicationSid",
        "EmergencyAddressSid", "EmergencyStatus", "TrunkSid", "VoiceCallerIdLookup",
    }  # fmt: skip
    assert update <= set(FIELDS["UpdateIncomingPhoneNumber form"])
    assert create <= set(FIELDS["CreateIncomingPhoneNumber form"])
    assert "PhoneNumber" in create
    assert by_area == {"AreaCode"} <= set(FIELDS["CreateIncomingPhoneNumber form"])


@pytest.mark.parametrize(("kind", "segment"), [("local", "Local"), ("toll_free", "TollFree"),
                                                ("mobile", "Mobile")])  # fmt: skip
@responses.activate
def test_search_uses_only_spec_query_names(kind, segment):
    responses.get(f"{TWILIO}/AvailablePhoneNumbers/US/{segment}.json",
                  json={"uri": "x", "available_phone_numbers": []})  # fmt: skip
    query = SearchQuery(
        kind=kind, area_code="503", region="OR", city="Portland", contains="55",
        capabilities=frozenset({"voice", "sms", "mms", "fax"}),
    )  # fmt: skip
    twilio_client().search_available(query)
    sent = _sent_query(responses.calls[0])
    assert sent == {"AreaCode", "InRegion", "InLocality", "Contains", "PageSize", "VoiceEnabled",
                    "SmsEnabled", "MmsEnabled", "FaxEnabled"}  # fmt: skip
    assert sent <= set(FIELDS[f"ListAvailablePhoneNumber{segment} query"])


@responses.activate
def test_listing_uses_only_spec_query_names():
    responses.get(f"{TWILIO}/IncomingPhoneNumbers.json",
                  json={"incoming_phone_numbers": [], "next_page_uri": None})  # fmt: skip
    client = twilio_client()
    list(client.iter_numbers())
    client.find_by_number("+15035550100")
    for call in responses.calls:
        assert _sent_query(call) <= set(FIELDS["ListIncomingPhoneNumber query"])

"""The providers' own example bodies parse through our mapping (vendored, see data/NOTE.md)."""

import datetime
import json
from pathlib import Path

import pytest

from numbers_admin.upstream import mapping
from numbers_admin.upstream.base import CANONICAL_FIELDS, COMPAT_FIELDS

DATA = Path(__file__).parent / "data"
TWILIO = json.loads((DATA / "twilio_api_v2010.phone-numbers.examples.json").read_text())
SW_COMPAT = json.loads(
    (DATA / "signalwire-compatibility.recorded-available-numbers.json").read_text()
)


def _examples(prefix_filter):
    found = []
    for operation, examples in TWILIO.items():
        if operation == "_source" or " request " in operation or not prefix_filter(operation):
            continue
        for name, body in examples.items():
            found.append(pytest.param(operation, body, id=f"{operation}:{name}"))
    return found


INCOMING = _examples(lambda op: "IncomingPhoneNumber" in op)
AVAILABLE = _examples(lambda op: op.startswith("ListAvailablePhoneNumber") and "Country" not in op)


def _incoming_items(body):
    return body.get("incoming_phone_numbers", [body])


def test_every_incoming_and_available_example_is_covered():
    # 4 single-number bodies + 4 lists x (readFull, readEmpty); 7 search types x 2.
    assert len(INCOMING) >= 12
    assert len(AVAILABLE) == 14


@pytest.mark.parametrize(("operation", "body"), INCOMING)
def test_twilio_incoming_phone_number_examples_map_onto_canonical_fields(operation, body):
    for item in _incoming_items(body):
        number = mapping.compat_number(item)
        assert set(number) == set(CANONICAL_FIELDS)
        assert number["upstream_id"] == item["sid"] == number["sid"]
        assert number["number"] == item["phone_number"] == "+18089255327"
        assert number["name"] == item["friendly_name"]
        # The examples' capabilities are voice + mms.
        assert (number["voice"], number["sms"], number["mms"], number["fax"]) == (
            True,
            False,
            True,
            False,
        )
        assert number["upstream_created_at"] == datetime.datetime(
            2015, 7, 30, 23, 19, 4, tzinfo=datetime.UTC
        )
        # "" and null both mean unset; the examples use both (sms_url "", voice_url null).
        for canonical, (_form, key) in COMPAT_FIELDS.items():
            value = item.get(key)
            if isinstance(value, bool):
                assert number[canonical] is value
            elif value in (None, ""):
                assert number[canonical] in ("", None)
            else:
                assert number[canonical] == str(value)
        assert number["e911_address_id"] == item["emergency_address_sid"]
        assert number["call_handler"] in ("", "laml_webhooks", "laml_application")
        assert number["raw_payload"] is item


def test_twilio_fetch_example_details():
    item = TWILIO["FetchIncomingPhoneNumber 200"]["fetch"]
    number = mapping.compat_number(item)
    assert number["call_request_url"] == ""  # voice_url null
    assert number["message_request_url"] == ""  # sms_url ""
    assert number["call_handler"] == ""
    assert number["message_handler"] == ""
    assert number["voice_caller_id_lookup"] is False
    assert number["beta"] is False
    assert number["status"] == "in-use"
    assert number["number_type"] == "local"
    assert number["emergency_address_status"] == "registered"
    assert number["trunk_sid"] == ""


@pytest.mark.parametrize(("operation", "body"), AVAILABLE)
def test_twilio_available_phone_number_examples_map(operation, body):
    items = body["available_phone_numbers"]
    for item in items:
        found = mapping.compat_available(item, "local")
        assert found.number == item["phone_number"]
        assert found.country == item["iso_country"]
        assert found.region == (item.get("region") or "")
        assert found.rate_center == (item.get("rate_center") or "")
        expected = {k.lower() for k, v in item["capabilities"].items() if v}
        assert found.capabilities == expected


def test_twilio_local_search_example_keeps_locality_and_lata():
    item = TWILIO["ListAvailablePhoneNumberLocal 200"]["readFull"]["available_phone_numbers"][0]
    found = mapping.compat_available(item)
    assert (found.locality, found.lata, found.region) == ("Hilo", "834", "HI")
    assert found.capabilities == {"voice", "mms"}


def test_signalwire_recorded_search_with_uppercase_capability_keys():
    body = SW_COMPAT["spec/vcr_cassettes/local_numbers.yml"]["body"]
    found = [mapping.compat_available(item) for item in body["available_phone_numbers"]]
    assert found[0].number == "+12062011680"
    assert found[0].capabilities == {"voice", "sms", "mms"}  # SMS / MMS upper-case on the wire
    assert found[0].locality == ""  # null
    assert found[1].rate_center == "SEATTLE"

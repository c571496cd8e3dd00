"""What each client sends and how it reads the answer (precise, with `responses`).

The same behaviour over a real socket against the sandbox is in test_live_*.py."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from numbers_admin.models import Account, Provider
from numbers_admin.upstream import client_for, errors
from numbers_admin.upstream.base import SearchQuery
from numbers_admin.upstream.compat import SignalWireCompatClient, TwilioClient
from numbers_admin.upstream.signalwire import SignalWireRestClient
from tests.upstream.helpers import (
    COMPAT,
    PROJECT,
    REST,
    SPACE,
    TWILIO,
    TWILIO_ROOT,
    TWILIO_SID,
    compat_client,
    compat_number,
    rest_client,
    rest_number,
    twilio_client,
)


def _query(call):
    return {
        k: v if len(v) > 1 else v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()
    }


def _form(call):
    return {
        k: v if len(v) > 1 else v[0]
        for k, v in parse_qs(call.request.body, keep_blank_values=True).items()
    }


# --- client_for ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("provider", "root", "project", "cls", "expected_root"),
    [
        (Provider.SIGNALWIRE_REST, SPACE, PROJECT, SignalWireRestClient, REST),
        (Provider.SIGNALWIRE_COMPAT, SPACE + "/", PROJECT, SignalWireCompatClient, COMPAT),
        (Provider.TWILIO, TWILIO_ROOT, TWILIO_SID, TwilioClient, TWILIO),
        (
            Provider.SIGNALWIRE_REST,
            "http://127.0.0.1:8000/sandbox/signalwire",
            PROJECT,
            SignalWireRestClient,
            "http://127.0.0.1:8000/sandbox/signalwire/api/relay/rest",
        ),
    ],
)
def test_client_for_picks_the_implementation_and_root(provider, root, project, cls, expected_root):
    account = Account(name="a", provider=provider, api_root=root, project_id=project)
    account.set_token("tok")
    account.save()
    client = client_for(account)
    assert type(client) is cls
    assert client.http.root == expected_root
    assert client.http.session.auth == (project, "tok")


def test_clients_are_context_managers_that_close_their_session():
    for make in (rest_client, compat_client, twilio_client):
        client = make()
        closed = []
        client.http.close = lambda closed=closed: closed.append(True)
        with client as entered:
            assert entered is client
        assert closed == [True]


def test_capability_flags_differ_by_provider():
    rest, compat, twilio = rest_client(), compat_client(), twilio_client()
    assert rest.search_kinds == compat.search_kinds == ("local", "toll_free")
    assert twilio.search_kinds == ("local", "toll_free", "mobile")
    assert not rest.honours_capability_filter and not compat.honours_capability_filter
    assert twilio.honours_capability_filter
    assert twilio.supports_area_code_purchase and not compat.supports_area_code_purchase
    assert rest.supports_import and compat.supports_import and not twilio.supports_import


# --- SignalWire REST ----------------------------------------------------------------------------


@responses.activate
def test_rest_search_translates_the_query_and_reads_both_shapes():
    responses.get(
        f"{REST}/phone_numbers/search",
        json={"links": {}, "data": [
            {"e164": "+15035550100", "region": "OR", "rate_center": "PORTLAND",
             "capabilities": ["voice", "sms"]},
            {"number": "+15035550101", "region": "OR", "city": "Portland",
             "capabilities": {"voice": True, "sms": False}},
        ]},
    )  # fmt: skip
    found = rest_client().search_available(
        SearchQuery(area_code="503", region="OR", city="Portland", starts_with="555", limit=500)
    )
    assert _query(responses.calls[0]) == {
        "number_type": "local",
        "areacode": "503",
        "region": "OR",
        "city": "Portland",
        "starts_with": "555",
        "max_results": "100",  # the API's own ceiling
    }
    assert [n.number for n in found] == ["+15035550100", "+15035550101"]
    assert found[0].capabilities == {"voice", "sms"}
    assert found[1].capabilities == {"voice"}
    assert found[1].locality == "Portland"


@responses.activate
def test_rest_toll_free_search_and_unsupported_kind():
    responses.get(f"{REST}/phone_numbers/search", json={"data": []})
    client = rest_client()
    assert client.search_available(SearchQuery(kind="toll_free")) == []
    assert _query(responses.calls[0])["number_type"] == "toll-free"
    with pytest.raises(errors.Invalid) as caught:
        client.search_available(SearchQuery(kind="mobile"))
    assert "kind" in caught.value.field_errors
    assert len(responses.calls) == 1


@responses.activate
def test_rest_purchase_posts_json_and_maps_the_number():
    responses.post(
        f"{REST}/phone_numbers",
        json=rest_number(100),
        match=[matchers.json_params_matcher({"number": "+15035550100"})],
        headers={"Content-Type": "application/json"},
    )
    bought = rest_client().purchase("+15035550100")
    assert bought["upstream_id"] == "00000000-0000-4000-8000-000000000100"
    assert bought["number"] == "+15035550100"
    assert responses.calls[0].request.headers["Content-Type"] == "application/json"


@responses.activate
def test_rest_purchase_with_config_applies_it_with_a_put_and_never_repurchases():
    responses.post(f"{REST}/phone_numbers", json=rest_number(100))
    responses.put(
        f"{REST}/phone_numbers/00000000-0000-4000-8000-000000000100",
        json=rest_number(100, name="Sales"),
        match=[matchers.json_params_matcher({"name": "Sales"})],
    )
    bought = rest_client().purchase("+15035550100", config={"name": "Sales"})
    assert bought["name"] == "Sales"


@responses.activate
def test_rest_purchase_config_failure_still_returns_the_bought_number():
    responses.post(f"{REST}/phone_numbers", json=rest_number(100))
    responses.put(f"{REST}/phone_numbers/00000000-0000-4000-8000-000000000100", status=422,
                  json={"errors": [{"detail": "Name is too long", "code": "422"}]})  # fmt: skip
    bought = rest_client().purchase("+15035550100", config={"name": "x" * 999})
    assert bought["number"] == "+15035550100"
    assert isinstance(bought["config_error"], errors.Invalid)
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1


@responses.activate
def test_rest_import_sends_the_import_vocabulary():
    responses.post(f"{REST}/imported_phone_numbers", status=201, json=rest_number(7))
    rest_client().import_number("+15035550007", kind="toll_free", capabilities=["sms", "voice"])
    assert json.loads(responses.calls[0].request.body) == {
        "number": "+15035550007",
        "number_type": "tollfree",
        "capabilities": ["sms", "voice"],
    }


@responses.activate
def test_rest_update_is_a_partial_put_and_release_a_delete():
    responses.put(f"{REST}/phone_numbers/n1", json=rest_number(1, call_request_url="https://x"))
    responses.delete(f"{REST}/phone_numbers/n1", status=204)
    client = rest_client()
    updated = client.update(
        "n1", {"call_request_url": "https://x", "call_handler": "laml_webhooks"}
    )
    assert json.loads(responses.calls[0].request.body) == {
        "call_request_url": "https://x",
        "call_handler": "laml_webhooks",
    }
    assert updated["call_request_url"] == "https://x"
    assert client.release("n1") is None
    with pytest.raises(errors.Invalid) as caught:
        client.update("n1", {"number": "+1"})
    assert "number" in caught.value.field_errors
    assert len(responses.calls) == 2  # the invalid change was never sent


@responses.activate
def test_rest_find_by_number_checks_for_an_exact_match():
    responses.get(
        f"{REST}/phone_numbers",
        json={"links": {}, "data": [rest_number(1000, number="+150355501001"), rest_number(100)]},
    )
    found = rest_client().find_by_number("+15035550100")
    assert found["upstream_id"] == "00000000-0000-4000-8000-000000000100"
    assert _query(responses.calls[0])["filter_number"] == "+15035550100"


@responses.activate
def test_rest_find_by_number_none_when_absent():
    responses.get(f"{REST}/phone_numbers", json={"links": {}, "data": [rest_number(1000)]})
    assert rest_client().find_by_number("+15035550100") is None


@responses.activate
def test_rest_pagination_follows_links_next_lazily_across_three_pages():
    base = "/api/relay/rest/phone_numbers"
    responses.get(
        f"{REST}/phone_numbers",
        match=[matchers.query_param_matcher({"page_size": "2"})],
        json={"links": {"self": "x", "next": f"{base}?page_number=1&page_size=2&page_token=PA1"},
              "data": [rest_number(1), rest_number(2)]},
    )  # fmt: skip
    responses.get(
        f"{REST}/phone_numbers",
        match=[matchers.query_param_matcher({"page_number": "1", "page_size": "2",
                                             "page_token": "PA1"})],
        json={"links": {"next": f"{SPACE}{base}?page_number=2&page_size=2&page_token=PA2"},
              "data": [rest_number(3), rest_number(4)]},
    )  # fmt: skip
    responses.get(
        f"{REST}/phone_numbers",
        match=[matchers.query_param_matcher({"page_number": "2", "page_size": "2",
                                             "page_token": "PA2"})],
        json={"links": {}, "data": [rest_number(5)]},
    )  # fmt: skip
    stream = rest_client().iter_numbers(page_size=2)
    first = next(stream)
    assert first["number"] == "+15035550001"
    assert len(responses.calls) == 1  # streamed: page 2 not fetched yet
    rest = list(stream)
    assert [n["number"][-1] for n in rest] == ["2", "3", "4", "5"]
    assert len(responses.calls) == 3


@responses.activate
def test_rest_pagination_stops_on_a_repeated_link():
    loop = "/api/relay/rest/phone_numbers?page_number=1&page_token=PA1"
    responses.get(f"{REST}/phone_numbers", json={"links": {"next": loop}, "data": [rest_number(1)]})
    numbers = list(rest_client().iter_numbers())
    assert len(numbers) == 2  # page 1, then the looping page once
    assert len(responses.calls) == 2


@responses.activate
def test_rest_next_link_from_the_space_root_keeps_a_prefixed_root():
    root = "http://127.0.0.1:9/sandbox/signalwire"
    client = SignalWireRestClient(api_root=root, project_id=PROJECT, token="t")
    responses.get(
        f"{root}/api/relay/rest/phone_numbers",
        match=[matchers.query_param_matcher({"page_size": "1000"})],
        json={"links": {"next": "/api/relay/rest/phone_numbers?page_token=PA1"},
              "data": [rest_number(1)]},
    )  # fmt: skip
    responses.get(
        f"{root}/api/relay/rest/phone_numbers",
        match=[matchers.query_param_matcher({"page_token": "PA1"})],
        json={"links": {"next": None}, "data": [rest_number(2)]},
    )
    assert len(list(client.iter_numbers())) == 2
    assert responses.calls[1].request.url == f"{root}/api/relay/rest/phone_numbers?page_token=PA1"


# --- Compatibility and Twilio -------------------------------------------------------------------


@responses.activate
def test_compat_purchase_posts_a_pascal_case_form():
    responses.post(f"{COMPAT}/IncomingPhoneNumbers.json", status=201,
                   json=compat_number(9, voice_url="https://example.com/v"))  # fmt: skip
    bought = compat_client().purchase(
        "+15035550009",
        config={"name": "Desk", "call_request_url": "https://example.com/v",
                "call_request_method": "GET"},
    )  # fmt: skip
    assert _form(responses.calls[0]) == {
        "PhoneNumber": "+15035550009",
        "FriendlyName": "Desk",
        "VoiceUrl": "https://example.com/v",
        "VoiceMethod": "GET",
    }
    assert (
        responses.calls[0]
        .request.headers["Content-Type"]
        .startswith("application/x-www-form-urlencoded")
    )
    assert bought["call_handler"] == "laml_webhooks"
    assert bought["call_request_url"] == "https://example.com/v"


@responses.activate
def test_signalwire_compat_refuses_area_code_purchase_without_sending():
    with pytest.raises(errors.Invalid):
        compat_client().purchase(area_code="503")
    assert len(responses.calls) == 0


@responses.activate
def test_twilio_area_code_purchase():
    responses.post(f"{TWILIO}/IncomingPhoneNumbers.json", status=201,
                   json=compat_number(5, sid="PN" + "1" * 32))  # fmt: skip
    bought = twilio_client().purchase(area_code="503")
    assert _form(responses.calls[0]) == {"AreaCode": "503"}
    assert bought["upstream_id"] == "PN" + "1" * 32


@responses.activate
def test_signalwire_compat_search_ignores_capabilities_and_checks_starts_with():
    responses.get(
        f"{COMPAT}/AvailablePhoneNumbers/US/Local.json",
        json={"uri": "x", "available_phone_numbers": [
            {"phone_number": "+15035550100", "capabilities": {"voice": True, "SMS": True}},
            {"phone_number": "+15055035501", "capabilities": {"voice": True}},
        ]},
    )  # fmt: skip
    found = compat_client().search_available(
        SearchQuery(area_code="503", starts_with="503", capabilities=frozenset({"sms"}))
    )
    assert _query(responses.calls[0]) == {"AreaCode": "503", "Contains": "503"}
    assert [n.number for n in found] == ["+15035550100"]
    assert found[0].capabilities == {"voice", "sms"}


@responses.activate
def test_twilio_mobile_search_sends_capability_filters():
    responses.get(f"{TWILIO}/AvailablePhoneNumbers/GB/Mobile.json",
                  json={"uri": "x", "available_phone_numbers": []})  # fmt: skip
    twilio_client().search_available(
        SearchQuery(country="gb", kind="mobile", capabilities=frozenset({"sms", "voice"}), limit=5)
    )
    assert _query(responses.calls[0]) == {
        "PageSize": "5",
        "SmsEnabled": "true",
        "VoiceEnabled": "true",
    }


@responses.activate
def test_twilio_starts_and_ends_with_are_anchored_with_wildcards():
    responses.get(
        f"{TWILIO}/AvailablePhoneNumbers/US/Local.json",
        json={"uri": "x", "available_phone_numbers": [
            {"phone_number": "+15035550199", "capabilities": {"voice": True}},
            {"phone_number": "+12125550100", "capabilities": {"voice": True}},
        ]},
    )  # fmt: skip
    client = twilio_client()
    found = client.search_available(SearchQuery(starts_with="503"))
    assert _query(responses.calls[0])["Contains"] == "503*******"
    assert [n.number for n in found] == ["+15035550199"]
    found = client.search_available(SearchQuery(ends_with="0100"))
    assert _query(responses.calls[1])["Contains"] == "******0100"
    assert [n.number for n in found] == ["+12125550100"]


@responses.activate
def test_compat_mobile_search_is_not_offered():
    with pytest.raises(errors.Invalid) as caught:
        compat_client().search_available(SearchQuery(kind="mobile"))
    assert "kind" in caught.value.field_errors


@responses.activate
def test_compat_import_uses_the_lowercase_form_with_repeated_capabilities():
    responses.post(f"{COMPAT}/ImportedPhoneNumbers.json", status=201, json=compat_number(3))
    compat_client().import_number("+15035550003", kind="local", capabilities=["sms", "voice"])
    assert _form(responses.calls[0]) == {
        "number": "+15035550003",
        "number_type": "longcode",
        "capabilities": ["sms", "voice"],
    }


def test_twilio_import_is_not_offered():
    with pytest.raises(errors.FeatureNotEnabled) as caught:
        twilio_client().import_number("+15035550003", kind="local", capabilities=[])
    assert "Twilio" in caught.value.message


@responses.activate
def test_compat_update_posts_form_with_booleans_and_derived_handler():
    responses.post(f"{TWILIO}/IncomingPhoneNumbers/PN1.json",
                   json=compat_number(1, sid="PN1", voice_url="https://v"))  # fmt: skip
    updated = twilio_client().update(
        "PN1",
        {"call_request_url": "https://v", "call_handler": "laml_webhooks",
         "voice_caller_id_lookup": True},
    )  # fmt: skip
    assert _form(responses.calls[0]) == {
        "VoiceUrl": "https://v",
        "VoiceApplicationSid": "",
        "VoiceCallerIdLookup": "true",
    }
    assert updated["call_handler"] == "laml_webhooks"


@responses.activate
def test_signalwire_compat_refuses_twilio_only_fields():
    with pytest.raises(errors.Invalid) as caught:
        compat_client().update("sid", {"trunk_sid": "TK1"})
    assert "trunk_sid" in caught.value.field_errors
    assert len(responses.calls) == 0


@responses.activate
def test_compat_get_release_and_find_by_number():
    responses.get(f"{COMPAT}/IncomingPhoneNumbers/s1.json", json=compat_number(1, sid="s1"))
    responses.delete(f"{COMPAT}/IncomingPhoneNumbers/s1.json", status=204)
    responses.get(
        f"{COMPAT}/IncomingPhoneNumbers.json",
        json={"incoming_phone_numbers": [compat_number(10, sid="s10"), compat_number(1, sid="s1")],
              "next_page_uri": None},
    )  # fmt: skip
    client = compat_client()
    assert client.get("s1")["number"] == "+15035550001"
    assert client.release("s1") is None
    assert client.find_by_number("+15035550001")["upstream_id"] == "s1"
    assert _query(responses.calls[2])["PhoneNumber"] == "+15035550001"
    assert client.find_by_number("+15035550002") is None


@responses.activate
def test_twilio_pagination_follows_next_page_uri_across_three_pages():
    path = f"/2010-04-01/Accounts/{TWILIO_SID}/IncomingPhoneNumbers.json"
    pages = [
        ({"PageSize": "2"}, [1, 2], f"{path}?PageSize=2&Page=1&PageToken=PA1"),
        ({"PageSize": "2", "Page": "1", "PageToken": "PA1"}, [3, 4],
         f"{path}?PageSize=2&Page=2&PageToken=PA2"),
        ({"PageSize": "2", "Page": "2", "PageToken": "PA2"}, [5], None),
    ]  # fmt: skip
    for query, ns, next_uri in pages:
        responses.get(
            f"{TWILIO}/IncomingPhoneNumbers.json",
            match=[matchers.query_param_matcher(query)],
            json={"incoming_phone_numbers": [compat_number(n, sid=f"PN{n}") for n in ns],
                  "next_page_uri": next_uri, "page": 0, "page_size": 2, "start": 0, "end": 1},
        )  # fmt: skip
    numbers = [n["upstream_id"] for n in twilio_client().iter_numbers(page_size=2)]
    assert numbers == ["PN1", "PN2", "PN3", "PN4", "PN5"]
    assert len(responses.calls) == 3


@responses.activate
def test_compat_pagination_keeps_the_laml_prefix_and_stops_on_repeat():
    loop = f"/api/laml/2010-04-01/Accounts/{PROJECT}/IncomingPhoneNumbers.json?Page=1&PageToken=PA"
    responses.get(f"{COMPAT}/IncomingPhoneNumbers.json",
                  json={"incoming_phone_numbers": [compat_number(1)], "next_page_uri": loop})  # fmt: skip
    numbers = list(compat_client().iter_numbers())
    assert len(numbers) == 2
    assert responses.calls[1].request.url == f"{SPACE}{loop}"

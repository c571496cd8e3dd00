"""The guided buy flow as an admin sees it, with and without htmx."""

import uuid

import pytest
from django.urls import reverse

from numbers_admin.models import AuditEvent, Operation, PhoneNumber, Provider
from tests.buy.fakes import _patch, make_account

pytestmark = pytest.mark.django_db


def test_support_and_viewer_get_403_naming_admin(support_client, viewer_client):
    for client in (support_client, viewer_client):
        for url in (reverse("buy:start"), reverse("buy:review")):
            response = client.get(url)
            assert response.status_code == 403
            assert "Admin role" in response.content.decode()
        response = client.post(reverse("buy:confirm"), {})
        assert response.status_code == 403


def test_step_one_lists_accounts_with_steps(admin_client_):
    make_account("Main SignalWire")
    page = admin_client_.get(reverse("buy:start")).content.decode()
    assert 'class="steps"' in page
    assert 'aria-current="step">Account' in page
    assert "Main SignalWire" in page and "Which account should the number belong to?" in page


def test_country_step_offers_only_what_the_provider_searches(admin_client_):
    account = make_account()
    page = admin_client_.get(reverse("buy:start"), {"account": account.pk}).content.decode()
    assert "United States / Canada" in page and "United Kingdom" not in page
    bad = admin_client_.get(reverse("buy:start"), {"account": account.pk, "country": "GB"})
    assert "cannot search elsewhere" in bad.content.decode()


def test_search_step_hides_capability_filter_where_ignored(admin_client_, fake_client):
    account = make_account()
    page = admin_client_.get(
        reverse("buy:start"), {"account": account.pk, "country": "US"}
    ).content.decode()
    assert "Must be able to" not in page
    assert "does not filter search results" in page
    assert "Any number in an area code" not in page


def test_twilio_search_offers_capabilities_and_area_code_purchase(admin_client_, monkeypatch):
    from tests.buy.fakes import FakeClient

    client = FakeClient(provider=Provider.TWILIO)
    _patch(monkeypatch, client)
    account = make_account("Tw", provider=Provider.TWILIO)
    page = admin_client_.get(
        reverse("buy:start"), {"account": account.pk, "country": "US"}
    ).content.decode()
    assert "Must be able to" in page and "Any number in an area code" in page


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"starts_with": "41", "kind": "local"}, "Use 3 to 7 digits"),
        ({"contains": "12345678", "kind": "local"}, "Use 3 to 7 digits"),
        (
            {"starts_with": "415", "ends_with": "0100", "kind": "local"},
            "one digit pattern at a time",
        ),
        ({"city": "Austin", "kind": "local"}, "A city search needs its state"),
        ({"region": "TX", "area_code": "512", "kind": "local"}, "area code or by state, not both"),
        ({"area_code": "41", "kind": "local"}, "An area code is 3 digits"),
        ({"region": "Texas", "kind": "local"}, "two-letter code"),
        ({"region": "TX", "kind": "toll_free"}, "Toll-free numbers have no location"),
    ],
)
def test_search_rules_are_checked_before_any_call(admin_client_, fake_client, params, words):
    account = make_account()
    response = admin_client_.get(
        reverse("buy:start"), {"account": account.pk, "country": "US", "search": "1", **params}
    )
    assert words in response.content.decode()
    assert fake_client.searches == []


def test_results_show_formatted_number_locality_and_capabilities(admin_client_, fake_client):
    account = make_account()
    response = admin_client_.get(
        reverse("buy:start"),
        {
            "account": account.pk,
            "country": "US",
            "search": "1",
            "kind": "local",
            "area_code": "415",
        },
    )
    page = response.content.decode()
    assert "(415) 555-0100" in page and "San Francisco" in page and ">SMS<" in page
    assert fake_client.searches[0].area_code == "415"
    partial = admin_client_.get(
        reverse("buy:start"),
        {"account": account.pk, "country": "US", "search": "1", "kind": "local"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<html" not in partial and 'id="buy-flow"' in partial and "data-autofocus" in partial


def test_review_shows_account_configuration_and_honest_cost(admin_client_, fake_client):
    account = make_account("Main")
    page = admin_client_.get(
        reverse("buy:review"), {"account": account.pk, "number": ["+14155550100"]}
    ).content.decode()
    assert "+1 415-555-0100" in page and "Main" in page
    assert "Monthly cost" in page and "Not known" in page
    assert 'name="key"' in page and "Buy 1 number" in page


def test_typed_number_in_any_format_goes_to_review_as_e164(admin_client_, fake_client):
    account = make_account()
    page = admin_client_.get(
        reverse("buy:review"), {"account": account.pk, "direct": "(415) 555-0101"}
    ).content.decode()
    assert 'value="+14155550101"' in page
    bad = admin_client_.get(reverse("buy:review"), {"account": account.pk, "direct": "12"})
    assert "is not a phone number" in bad.content.decode() or "wrong number" in bad.content.decode()


def confirm_data(account, **extra):
    data = {"key": str(uuid.uuid4()), "account": account.pk, "numbers": "+14155550100"}
    data.update(extra)
    return data


def test_confirm_buys_and_shows_result_per_number(admin_client_, fake_client):
    account = make_account("Main")
    data = confirm_data(
        account, numbers="+14155550100,+14155550101", voice_url="https://x.example/v"
    )
    response = admin_client_.post(reverse("buy:confirm"), data, follow=True)
    page = response.content.decode()
    assert "Bought +1 415-555-0100 on Main." in page and "Bought +1 415-555-0101 on Main." in page
    assert PhoneNumber.objects.count() == 2
    assert PhoneNumber.objects.get(number="+14155550100").call_request_url == "https://x.example/v"
    assert AuditEvent.objects.filter(action="purchase", outcome="success").count() == 2


def test_resubmitting_the_same_confirmation_buys_once(admin_client_, fake_client):
    account = make_account()
    data = confirm_data(account)
    first = admin_client_.post(reverse("buy:confirm"), data)
    again = admin_client_.post(reverse("buy:confirm"), data, follow=True)
    assert fake_client.count("purchase") == 1
    assert first.status_code == 302
    assert "Bought" in again.content.decode()
    assert Operation.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("friendly_name", "x" * 65, "at most 64 characters"),
        ("voice_url", "example.com/voice", "full web address starting with https://"),
        ("sms_url", "ftp://example.com/sms", "full web address"),
        ("voice_method", "PUT", "Choose GET or POST"),
        ("voice_receive_mode", "video", "Choose voice or fax"),
        ("voice_application_sid", "AP123", "SignalWire id"),
        ("numbers", "+1234", "wrong number of digits"),
    ],
)
def test_compat_confirmation_rules(admin_client_, fake_client, field, value, words):
    account = make_account("C", provider=Provider.SIGNALWIRE_COMPAT)
    response = admin_client_.post(reverse("buy:confirm"), confirm_data(account, **{field: value}))
    page = response.content.decode()
    assert response.status_code == 200
    assert words in page, page[-3000:]
    assert "nothing has been bought" in page
    assert fake_client.count("purchase") == 0


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"voice_application_sid": "AP" + "a" * 32, "trunk_sid": "TK" + "b" * 32}, "not both"),
        ({"trunk_sid": "TX" + "b" * 32}, "TK followed by 32 hex"),
        ({"emergency_address_sid": "AD123"}, "AD followed by 32 hex"),
        ({"identity_sid": "RI" + "z" * 32}, "RI followed by 32 hex"),
        ({"bundle_sid": "BU" + "1" * 31}, "BU followed by 32 hex"),
        ({"voice_application_sid": "1a2b3c4d-0000-4000-8000-123456789abc"}, "AP followed by 32"),
        ({"emergency_status": "On"}, "Choose Active or Inactive"),
        ({"area_code": "415"}, "not both"),
    ],
)
def test_twilio_confirmation_rules(admin_client_, monkeypatch, extra, words):
    from tests.buy.fakes import FakeClient

    client = FakeClient(provider=Provider.TWILIO)
    _patch(monkeypatch, client)
    account = make_account("Tw", provider=Provider.TWILIO)
    response = admin_client_.post(reverse("buy:confirm"), confirm_data(account, **extra))
    assert words in response.content.decode()
    assert client.count("purchase") == 0


def test_twilio_any_number_in_area_code(admin_client_, monkeypatch):
    from tests.buy.fakes import FakeClient

    client = FakeClient(provider=Provider.TWILIO)
    _patch(monkeypatch, client)
    account = make_account("Tw", provider=Provider.TWILIO)
    review = admin_client_.get(
        reverse("buy:review"), {"account": account.pk, "area_code": "415"}
    ).content.decode()
    assert "Any available number in area code 415" in review
    response = admin_client_.post(
        reverse("buy:confirm"), confirm_data(account, numbers="", area_code="415"), follow=True
    )
    assert "Bought" in response.content.decode()
    assert client.sent == [("purchase", "+14155550199")]


def test_area_code_purchase_refused_for_signalwire(admin_client_, fake_client):
    account = make_account()
    response = admin_client_.post(
        reverse("buy:confirm"), confirm_data(account, numbers="", area_code="415")
    )
    assert "Only Twilio accounts" in response.content.decode()
    assert fake_client.count("purchase") == 0


def test_failure_is_a_sentence_on_the_result_page(admin_client_, fake_client):
    account = make_account()
    fake_client.fail_next("not_available")
    page = admin_client_.post(
        reverse("buy:confirm"), confirm_data(account), follow=True
    ).content.decode()
    assert "Nothing was bought" in page and "no longer available" in page


def test_fields_the_client_cannot_send_are_not_offered():
    from numbers_admin import upstream
    from numbers_admin.forms.buy import ConfirmForm

    account = make_account("Tw", provider=Provider.TWILIO)
    form = ConfirmForm(account=account, client=upstream.client_for(account))
    assert "trunk_sid" in form.fields and "emergency_status" in form.fields
    for name in ("address_sid", "identity_sid", "bundle_sid"):
        # The Twilio client only sends its updatable fields, so these would be refused after
        # the admin confirmed; they appear once the client sends them.
        assert (name in form.fields) == (name in upstream.client_for(account).updatable_fields)
    rest = make_account("R")
    form = ConfirmForm(account=rest, client=upstream.client_for(rest))
    assert "voice_fallback_url" not in form.fields and "friendly_name" in form.fields

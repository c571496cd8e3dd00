"""Compatibility and Twilio numbers: every updatable field, plain labels, each provider's ids."""

import pytest

from numbers_admin.models import PhoneNumber
from tests.configure.helpers import edit_url, form_data, plain, text

SW_APP = "1a2b3c4d-0000-4000-8000-1234567890ab"
TW_APP = "AP" + "0123456789abcdef" * 2
TW_TRUNK = "TK" + "fedcba9876543210" * 2
TW_ADDRESS = "AD" + "ab" * 16


@pytest.fixture(params=["compat", "twilio"])
def compat_number(request, make_number):
    account = request.getfixturevalue("compat_acct" if request.param == "compat" else "twilio_acct")
    return make_number(account, call_handler="", upstream_id="PN" + "1" * 32)


def test_compat_form_shows_every_field_with_plain_labels_and_wire_names(
    support_client, compat_number
):
    body = text(support_client.get(edit_url(compat_number)))
    twilio = compat_number.account.provider == "twilio"
    app = "Voice application (TwiML App) SID" if twilio else "cXML application id"
    sms_app = "Messaging application (TwiML App) SID" if twilio else "cXML application id for texts"
    for label, wire in [
        ("Name", "FriendlyName"),
        ("Calls webhook URL", "VoiceUrl"),
        ("Calls webhook method", "VoiceMethod"),
        ("Calls backup webhook URL", "VoiceFallbackUrl"),
        ("Call status updates URL", "StatusCallback"),
        (app, "VoiceApplicationSid"),
        ("Texts webhook URL", "SmsUrl"),
        ("Texts backup webhook URL", "SmsFallbackUrl"),
        (sms_app, "SmsApplicationSid"),
        ("Receive incoming calls", "VoiceReceiveMode"),
        ("Emergency address", "EmergencyAddressSid"),
    ]:
        assert label in body and wire in body, label
    # There are no handlers on these APIs.
    assert 'name="call_handler"' not in body
    assert ("TrunkSid" in body) is twilio
    assert ("VoiceCallerIdLookup" in body) is twilio
    assert ("EmergencyStatus" in body) is twilio


def test_compat_save_sends_only_changed_fields(support_client, compat_number, fake_upstream):
    data = form_data(
        compat_number,
        call_request_url="https://new.example.com/voice",
        message_request_url="https://new.example.com/sms",
        message_request_method="GET",
    )
    response = support_client.post(edit_url(compat_number), data)
    assert response.status_code == 302
    assert fake_upstream.updates()[-1][2] == {
        "call_request_url": "https://new.example.com/voice",
        "message_request_url": "https://new.example.com/sms",
        "message_request_method": "GET",
    }
    row = PhoneNumber.objects.get(pk=compat_number.pk)
    assert row.message_request_url == "https://new.example.com/sms"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 65, "Keep the name to 64 characters or fewer."),
        ("name", "", "Enter a name (1 to 64 characters)."),
        (
            "call_request_url",
            "example.com/voice",
            "Enter a full web address starting with https://",
        ),
        ("call_fallback_url", "javascript:alert(1)", "Enter a full web address"),
        ("message_request_url", "https://x.example/" + "a" * 1000, "the limit is 1000"),
        ("call_status_callback_url", "https://exa mple.com", "cannot contain spaces"),
        ("call_request_method", "PUT", "Select a valid choice"),
    ],
)
def test_compat_rules_show_on_the_field(
    support_client, compat_number, fake_upstream, field, value, message
):
    response = support_client.post(
        edit_url(compat_number), form_data(compat_number, **{field: value})
    )
    body = text(response)
    assert f'id="id_{field}_error">' in body
    assert message in body
    assert fake_upstream.updates() == []


def test_signalwire_compat_ids_are_uuids(support_client, compat_acct, make_number, fake_upstream):
    number = make_number(compat_acct)
    response = support_client.post(
        edit_url(number), form_data(number, call_laml_application_id=TW_APP)
    )
    assert "Enter a SignalWire id" in text(response)
    response = support_client.post(
        edit_url(number), form_data(number, call_laml_application_id=SW_APP.upper())
    )
    assert response.status_code == 302
    assert fake_upstream.updates()[-1][2] == {"call_laml_application_id": SW_APP}


@pytest.mark.parametrize(
    ("field", "good", "bad", "prefix"),
    [
        ("call_laml_application_id", TW_APP, SW_APP, "AP"),
        ("message_laml_application_id", TW_APP, "AP123", "AP"),
        ("trunk_sid", TW_TRUNK, TW_APP, "TK"),
        ("e911_address_id", TW_ADDRESS, TW_TRUNK, "AD"),
    ],
)
def test_twilio_sids_have_their_prefix(
    support_client, twilio_acct, make_number, fake_upstream, field, good, bad, prefix
):
    number = make_number(twilio_acct)
    response = support_client.post(edit_url(number), form_data(number, **{field: bad}))
    assert f"Enter a Twilio id: {prefix} followed by 32 characters" in text(response)
    response = support_client.post(edit_url(number), form_data(number, **{field: good}))
    assert response.status_code == 302
    assert fake_upstream.updates()[-1][2] == {field: good}


def test_twilio_voice_application_and_trunk_are_exclusive(
    support_client, twilio_acct, make_number, fake_upstream
):
    number = make_number(twilio_acct)
    data = form_data(number, call_laml_application_id=TW_APP, trunk_sid=TW_TRUNK)
    body = text(support_client.post(edit_url(number), data))
    assert body.count("Choose either a voice application or a SIP trunk, not both.") == 2
    assert fake_upstream.updates() == []


def test_twilio_caller_id_lookup_and_emergency_status(
    support_client, twilio_acct, make_number, fake_upstream
):
    number = make_number(twilio_acct)
    data = form_data(
        number, voice_caller_id_lookup="True", emergency_status="Active", call_receive_mode="fax"
    )
    assert support_client.post(edit_url(number), data).status_code == 302
    assert fake_upstream.updates()[-1][2] == {
        "voice_caller_id_lookup": True,
        "emergency_status": "Active",
        "call_receive_mode": "fax",
    }


def test_signalwire_compat_receive_mode_is_not_reported_so_empty_keeps_it(
    support_client, compat_acct, make_number, fake_upstream
):
    # SignalWire's Compatibility API takes VoiceReceiveMode but never echoes it.
    number = make_number(compat_acct)
    body = text(support_client.get(edit_url(number)))
    assert "Keep as it is" in body and "does not report this setting" in body

    r = support_client.post(edit_url(number), form_data(number, name="A"))
    assert r.status_code == 302, plain(r)[-3000:]
    assert fake_upstream.updates()[-1][2] == {"name": "A"}

    number.refresh_from_db()
    data = form_data(number, call_receive_mode="voice")
    assert support_client.post(edit_url(number), data).status_code == 302
    assert fake_upstream.updates()[-1][2] == {"call_receive_mode": "voice"}

"""Configuring one number: handler rules, read-merge-write, stale forms, errors, audit."""

import re

import pytest
from django.urls import reverse

from numbers_admin.models import AuditEvent, PhoneNumber
from tests.configure.fakes import invalid
from tests.configure.helpers import edit_url, form_data, loaded_state_from, plain, text

ROOM = "0b6f3c2e-1d4a-4e5f-8a9b-0c1d2e3f4a5b"

# handler → (required field, a good value, a bad value or None, plain label of the field)
REST_HANDLERS = {
    "laml_webhooks": (
        "call_request_url",
        "https://new.example.com/voice",
        "ftp://x",
        "Calls webhook URL",
    ),
    "laml_application": ("call_laml_application_id", ROOM, "APP-1", "cXML application id"),
    "relay_context": ("call_relay_context", "office", None, "Relay context"),
    "relay_topic": ("call_relay_topic", "office", None, "Relay topic"),
    "relay_script": (
        "call_relay_script_url",
        "https://swml.example.com/a.yaml",
        "example.com/a",
        "SWML script URL",
    ),
    "relay_application": ("call_relay_application", "support-app", None, "Relay application"),
    "relay_connector": ("call_relay_connector_id", "pbx-1", None, "Relay connector id"),
    "relay_sip_endpoint": ("call_sip_endpoint_id", ROOM, "alice", "SIP endpoint id"),
    "relay_verto_endpoint": ("call_verto_resource", "desk-7", None, "Verto endpoint"),
    "dialogflow": ("call_dialogflow_agent_id", "agent-42", None, "Dialogflow agent id"),
    "video_room": ("call_video_room_id", ROOM, "room-1", "Video room id"),
}


def test_page_shows_only_the_chosen_handlers_fields_with_plain_labels(
    support_client, rest_account, make_number
):
    number = make_number(rest_account, call_relay_script_url="https://kept.example.com/s.yaml")
    response = support_client.get(edit_url(number))
    body = text(response)
    assert response.status_code == 200
    assert "Send calls to a webhook (cXML)" in body
    assert 'name="call_request_url"' in body
    assert "Calls webhook URL" in body
    # Another handler's pointer is kept upstream but not shown.
    assert 'name="call_relay_script_url"' not in body
    assert "Calls go to https://old.example.com/voice/1 by POST." in body


@pytest.mark.parametrize("handler", sorted(REST_HANDLERS))
def test_every_rest_handler_requires_its_field(
    support_client, rest_account, make_number, fake_upstream, handler
):
    field, good, bad, label = REST_HANDLERS[handler]
    number = make_number(rest_account, call_handler="", call_request_url="")
    data = form_data(number, call_handler=handler)
    data.pop(field, None)
    if handler == "relay_topic":
        data["call_relay_topic_status_callback_url"] = "https://status.example.com/"

    response = support_client.post(edit_url(number), data)

    assert f"{label} is needed for" in text(response)
    assert fake_upstream.updates() == []

    data[field] = good
    response = support_client.post(edit_url(number), data)
    assert response.status_code == 302
    sent = fake_upstream.updates()[-1][2]
    assert sent["call_handler"] == handler
    assert sent[field] == good
    # Nothing else was sent than the handler and its fields.
    assert set(sent) <= {
        "call_handler",
        field,
        "call_relay_topic_status_callback_url",
        "call_request_method",
    }
    assert PhoneNumber.objects.get(pk=number.pk).call_handler == handler

    if bad is not None:
        data[field] = bad
        data["call_handler"] = handler
        response = support_client.post(edit_url(number), data)
        body = text(response)
        assert "field--error" in body
        assert len(fake_upstream.updates()) == 1


def test_relay_topic_needs_its_status_callback(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    data = form_data(number, call_handler="relay_topic", call_relay_topic="office")
    response = support_client.post(edit_url(number), data)
    assert "Relay topic status updates URL is needed for “Send calls to a Relay topic”" in text(
        response
    )
    assert fake_upstream.updates() == []


@pytest.mark.parametrize(
    ("handler", "field", "value"),
    [
        ("laml_webhooks", "message_request_url", "https://sms.example.com/in"),
        ("laml_application", "message_laml_application_id", ROOM),
        ("relay_application", "message_relay_application", "texts"),
        ("relay_topic", "message_relay_topic", "texts"),
        ("relay_context", "message_relay_context", "texts"),
    ],
)
def test_every_message_handler_requires_its_field(
    support_client, rest_account, make_number, fake_upstream, handler, field, value
):
    number = make_number(rest_account)
    data = form_data(number, message_handler=handler)
    data.pop(field, None)
    response = support_client.post(edit_url(number), data)
    assert "is needed for" in text(response)
    data[field] = value
    response = support_client.post(edit_url(number), data)
    assert response.status_code == 302
    sent = fake_upstream.updates()[-1][2]
    assert sent["message_handler"] == handler and sent[field] == value


def test_htmx_handler_change_swaps_in_that_handlers_fields(
    support_client, rest_account, make_number
):
    number = make_number(rest_account, call_relay_script_url="https://kept.example.com/s.yaml")
    response = support_client.get(
        reverse("configure:fields", args=[number.pk]),
        {"which": "call", "call_handler": "relay_script"},
        headers={"HX-Request": "true"},
    )
    body = text(response)
    assert 'name="call_relay_script_url"' in body
    # The pointer SignalWire kept is shown again.
    assert "https://kept.example.com/s.yaml" in body
    assert 'name="call_request_url"' not in body
    assert "<html" not in body


def test_without_javascript_show_fields_button_rerenders_without_saving(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    data = form_data(number, call_handler="video_room", name="Typed name")
    data.pop("save")
    data["refresh"] = "1"
    response = support_client.post(edit_url(number), data)
    body = text(response)
    assert 'name="call_video_room_id"' in body
    assert 'value="Typed name"' in body
    assert fake_upstream.updates() == []


def test_fabric_handler_is_read_only_and_other_settings_still_save(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account, call_handler="ai_agent", calling_handler_resource_id=ROOM)
    response = support_client.get(edit_url(number))
    body = text(response)
    assert "Answer with an AI agent (Fabric)" in body
    assert "Read-only here" in body
    assert 'name="call_handler"' not in body

    data = form_data(number, name="AI line")
    support_client.post(edit_url(number), data)
    assert fake_upstream.updates()[-1][2] == {"name": "AI line"}


def test_a_field_set_elsewhere_survives_a_save(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(
        rest_account,
        call_relay_script_url="https://kept.example.com/s.yaml",
        message_handler="relay_topic",
        message_relay_topic="texts",
    )
    data = form_data(number, call_request_url="https://new.example.com/voice")
    response = support_client.post(edit_url(number), data)
    assert response.status_code == 302
    assert fake_upstream.updates()[-1][2] == {"call_request_url": "https://new.example.com/voice"}
    upstream = fake_upstream.numbers[number.upstream_id]
    assert upstream["call_relay_script_url"] == "https://kept.example.com/s.yaml"
    assert upstream["message_relay_topic"] == "texts"


def test_saving_unchanged_form_sends_nothing(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    response = support_client.post(edit_url(number), form_data(number), follow=True)
    assert "Nothing to save" in text(response)
    assert fake_upstream.updates() == []


def test_stale_form_shows_what_changed_and_lets_the_person_choose(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    page = support_client.get(edit_url(number))
    data = form_data(
        number,
        loaded_state=loaded_state_from(page),
        call_request_url="https://mine.example.com/voice",
        name="My name",
    )
    # Someone changes the number at the carrier meanwhile.
    fake_upstream.numbers[number.upstream_id]["call_request_url"] = "https://theirs.example.com/v"

    response = support_client.post(edit_url(number), data)
    body = text(response)
    assert "changed by someone else" in body
    assert "https://old.example.com/voice/1" in body  # when you loaded
    assert "https://theirs.example.com/v" in body  # now
    assert "https://mine.example.com/voice" in body  # yours
    assert fake_upstream.updates() == []

    # "Keep theirs": their URL stays, my other change (the name) is saved.
    resolve = dict(data)
    resolve["loaded_state"] = loaded_state_from(response)
    resolve["conflict_fields"] = _conflict_fields(response)
    resolve["resolve"] = "theirs"
    resolve.pop("save")
    response = support_client.post(edit_url(number), resolve)
    assert response.status_code == 302
    assert fake_upstream.updates()[-1][2] == {"name": "My name"}
    assert (
        fake_upstream.numbers[number.upstream_id]["call_request_url"]
        == "https://theirs.example.com/v"
    )


def test_stale_form_take_mine_overwrites(support_client, rest_account, make_number, fake_upstream):
    number = make_number(rest_account)
    page = support_client.get(edit_url(number))
    data = form_data(
        number, loaded_state=loaded_state_from(page), call_request_url="https://mine.example.com/v"
    )
    fake_upstream.numbers[number.upstream_id]["call_request_url"] = "https://theirs.example.com/v"
    response = support_client.post(edit_url(number), data)
    data["loaded_state"] = loaded_state_from(response)
    data["conflict_fields"] = _conflict_fields(response)
    data["resolve"] = "mine"
    response = support_client.post(edit_url(number), data)
    assert response.status_code == 302
    assert fake_upstream.updates()[-1][2] == {"call_request_url": "https://mine.example.com/v"}


def _conflict_fields(response):
    import re

    return re.search(r'name="conflict_fields" value="([^"]+)"', response.content.decode()).group(1)


def test_upstream_field_errors_land_on_the_fields(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    fake_upstream.fail_next_update = invalid(
        "SignalWire did not accept the request: Call request url is invalid",
        call_request_url=["Call request url is invalid"],
        call_something_unknown=["is odd"],
    )
    data = form_data(number, call_request_url="https://new.example.com/voice")
    response = support_client.post(edit_url(number), data)
    body = text(response)
    assert response.status_code == 200
    assert "Not saved." in body
    assert "SignalWire did not accept the request" in body
    assert 'class="field-error" id="id_call_request_url_error">Call request url is invalid' in body
    assert "Call something unknown: is odd" in body
    # The local record is still what the carrier has.
    assert (
        PhoneNumber.objects.get(pk=number.pk).call_request_url == "https://old.example.com/voice/1"
    )
    event = AuditEvent.objects.get(action="configure")
    assert event.outcome == "failed"
    assert event.request_id == "req-bad"


def test_save_records_audit_event_with_before_and_after(
    support_client, support, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    data = form_data(
        number, call_request_url="https://new.example.com/voice", call_request_method="GET"
    )
    support_client.post(edit_url(number), data)
    event = AuditEvent.objects.get(action="configure")
    assert event.actor == support
    assert event.outcome == "success"
    assert event.request_id == "req-fake-1"
    assert event.changes == {
        "call_request_url": ["https://old.example.com/voice/1", "https://new.example.com/voice"],
        "call_request_method": ["POST", "GET"],
    }


def test_htmx_save_swaps_summary_and_announces_success(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    data = form_data(number, call_request_url="https://new.example.com/voice")
    response = support_client.post(edit_url(number), data, headers={"HX-Request": "true"})
    body = text(response)
    assert response.status_code == 200
    assert 'id="routing-summary"' in body and 'hx-swap-oob="true"' in body
    assert "Calls go to https://new.example.com/voice by POST." in body
    assert 'id="messages"' in body and "Saved" in body
    assert "<html" not in body


def test_htmx_conflict_also_refreshes_the_summary(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    page = support_client.get(edit_url(number))
    data = form_data(number, loaded_state=loaded_state_from(page), name="Mine")
    fake_upstream.numbers[number.upstream_id]["call_request_url"] = "https://theirs.example.com/v"
    response = support_client.post(edit_url(number), data, headers={"HX-Request": "true"})
    body = text(response)
    assert "changed by someone else" in body
    summary = body[body.index('id="routing-summary"') :]
    assert 'hx-swap-oob="true"' in summary
    assert "Calls go to https://theirs.example.com/v by POST." in summary


def test_viewer_gets_403_naming_support(viewer_client, rest_account, make_number):
    number = make_number(rest_account)
    for url in (
        edit_url(number),
        reverse("configure:bulk"),
        reverse("configure:replace"),
    ):
        response = viewer_client.get(url)
        assert response.status_code == 403
        assert "Support" in text(response)
    response = viewer_client.post(reverse("configure:check_webhook"), {"url": "https://x.example"})
    assert response.status_code == 403


def test_write_only_relay_application_for_texts_is_kept_when_left_empty(
    support_client, rest_account, make_number, fake_upstream
):
    # SignalWire accepts message_relay_application but never echoes it back.
    number = make_number(rest_account, message_handler="relay_application")
    response = support_client.post(edit_url(number), form_data(number, name="Renamed"))
    assert response.status_code == 302
    assert fake_upstream.updates()[-1][2] == {"name": "Renamed"}


def test_enter_in_a_field_saves_rather_than_checking_a_webhook(
    support_client, rest_account, make_number
):
    # Browsers submit with the form's first submit button when Enter is pressed in a text box.
    number = make_number(rest_account)
    body = support_client.get(edit_url(number)).content.decode()
    form = body[body.index('id="configure-form"') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'name="save"' in first_button, first_button


def test_handler_moved_to_fabric_meanwhile_is_a_conflict_not_a_silent_drop(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    page = support_client.get(edit_url(number))
    data = form_data(
        number, loaded_state=loaded_state_from(page), call_request_url="https://mine.example.com/"
    )
    fake_upstream.numbers[number.upstream_id]["call_handler"] = "ai_agent"
    body = plain(support_client.post(edit_url(number), data))
    assert "changed by someone else" in body
    assert (
        "What happens to calls Send calls to a webhook (cXML) Answer with an AI agent (Fabric)"
        in body
    )
    assert fake_upstream.updates() == []


def test_write_only_value_is_recorded_in_the_audit_as_sent(
    support_client, rest_account, make_number, fake_upstream, monkeypatch
):
    number = make_number(rest_account)
    real_update = fake_upstream.client_for(rest_account).__class__.update

    def update_without_echo(self, upstream_id, changes):
        answer = real_update(self, upstream_id, changes)
        answer["message_relay_application"] = ""  # SignalWire does not echo it
        return answer

    monkeypatch.setattr(
        fake_upstream.client_for(rest_account).__class__, "update", update_without_echo
    )
    data = form_data(number, message_handler="relay_application")
    data["message_relay_application"] = "texts-app"
    assert support_client.post(edit_url(number), data).status_code == 302
    event = AuditEvent.objects.get(action="configure")
    assert event.changes["message_relay_application"] == ["", "texts-app"]


def test_htmx_message_handler_change_swaps_in_its_fields(support_client, rest_account, make_number):
    number = make_number(rest_account)
    response = support_client.get(
        reverse("configure:fields", args=[number.pk]),
        {"which": "message", "message_handler": "laml_webhooks"},
        headers={"HX-Request": "true"},
    )
    body = text(response)
    assert 'name="message_request_url"' in body and 'name="message_fallback_url"' in body
    assert 'name="call_request_url"' not in body


def test_carrier_unreachable_shows_last_known_values_and_saves_nothing(
    support_client, rest_account, make_number, fake_upstream
):
    from numbers_admin.upstream.errors import Unavailable

    number = make_number(rest_account)
    fake_upstream.fail_gets = Unavailable()
    page = support_client.get(edit_url(number))
    assert "could not be reached" in text(page)
    assert 'value="https://old.example.com/voice/1"' in text(page)

    response = support_client.post(edit_url(number), form_data(number, name="New"))
    body = text(response)
    assert "could not be reached" in body and "Nothing was changed." in body
    assert fake_upstream.updates() == []

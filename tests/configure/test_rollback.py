"""Roll back: restore a number's settings from before a change, with a preview."""

import re

from django.urls import reverse

from numbers_admin import audit
from numbers_admin.models import AuditEvent, PhoneNumber
from tests.configure.helpers import edit_url, form_data, plain, text


def _plan(response):
    return re.search(r'name="plan" value="([^"]+)"', response.content.decode()).group(1)


def _change(client, number, **changes):
    client.post(edit_url(number), form_data(number, **changes))
    number.refresh_from_db()
    return AuditEvent.objects.filter(action="configure").latest("id")


def test_rollback_previews_then_restores_the_values_from_before(
    support_client, support, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    event = _change(
        support_client,
        number,
        call_request_url="https://new.example.com/v",
        call_request_method="GET",
    )
    # A later, unrelated change stays.
    _change(support_client, number, name="Later name")

    url = reverse("configure:rollback", args=[number.pk, event.pk])
    page = support_client.get(url)
    body = plain(page)
    assert "Restore the settings from before this change" in body
    assert "Calls webhook URL https://new.example.com/v https://old.example.com/voice/1" in body
    assert "Calls go to https://old.example.com/voice/1 by POST." in body  # routing after
    updates_before = len(fake_upstream.updates())

    response = support_client.post(url, {"plan": _plan(page)})
    assert response.status_code == 302
    assert len(fake_upstream.updates()) == updates_before + 1
    assert fake_upstream.updates()[-1][2] == {
        "call_request_url": "https://old.example.com/voice/1",
        "call_request_method": "POST",
    }
    row = PhoneNumber.objects.get(pk=number.pk)
    assert row.call_request_url == "https://old.example.com/voice/1"
    assert row.name == "Later name"
    rollback = AuditEvent.objects.get(action="rollback")
    assert rollback.actor == support
    assert rollback.changes["call_request_url"] == [
        "https://new.example.com/v",
        "https://old.example.com/voice/1",
    ]
    assert f"event {event.pk}" in rollback.message


def test_rollback_refuses_when_the_number_changed_since_the_preview(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    event = _change(support_client, number, call_request_url="https://new.example.com/v")
    url = reverse("configure:rollback", args=[number.pk, event.pk])
    page = support_client.get(url)
    fake_upstream.numbers[number.upstream_id]["call_request_url"] = "https://third.example.com/"
    sent = len(fake_upstream.updates())
    response = support_client.post(url, {"plan": _plan(page)})
    body = plain(response)
    assert "changed at the carrier since this preview" in body
    assert "https://third.example.com/" in body
    assert len(fake_upstream.updates()) == sent


def test_rollback_of_a_change_discovered_by_sync(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(
        rest_account,
        message_handler="laml_webhooks",
        message_request_url="https://a.example.com/sms",
    )
    fake_upstream.numbers[number.upstream_id]["message_request_url"] = "https://b.example.com/sms"
    event = audit.record(
        action=AuditEvent.Action.SYNC_CHANGED,
        actor_label=audit.UPSTREAM_ACTOR,
        phone_number=number,
        changes={"message_request_url": ["https://a.example.com/sms", "https://b.example.com/sms"]},
    )
    url = reverse("configure:rollback", args=[number.pk, event.pk])
    page = support_client.get(url)
    support_client.post(url, {"plan": _plan(page)})
    assert fake_upstream.updates()[-1][2] == {"message_request_url": "https://a.example.com/sms"}


def test_nothing_to_restore_says_so(support_client, rest_account, make_number, fake_upstream):
    number = make_number(rest_account)
    event = audit.record(
        action=AuditEvent.Action.EDIT, phone_number=number, changes={"tags": [[], ["vip"]]}
    )
    body = text(support_client.get(reverse("configure:rollback", args=[number.pk, event.pk])))
    assert "Nothing to restore" in body
    assert 'name="plan"' not in body


def test_rollback_event_of_another_number_is_404(support_client, rest_account, make_number):
    a = make_number(rest_account, 1)
    b = make_number(rest_account, 2)
    event = audit.record(
        action=AuditEvent.Action.CONFIGURE, phone_number=b, changes={"name": ["x", "y"]}
    )
    assert (
        support_client.get(reverse("configure:rollback", args=[a.pk, event.pk])).status_code == 404
    )


def test_viewer_cannot_roll_back(viewer_client, rest_account, make_number):
    number = make_number(rest_account)
    event = audit.record(
        action=AuditEvent.Action.CONFIGURE, phone_number=number, changes={"name": ["x", "y"]}
    )
    response = viewer_client.post(
        reverse("configure:rollback", args=[number.pk, event.pk]), {"plan": "x"}
    )
    assert response.status_code == 403
    assert "Support" in text(response)


def test_tampered_rollback_plan_is_refused(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account)
    event = audit.record(
        action=AuditEvent.Action.CONFIGURE, phone_number=number, changes={"name": ["x", "y"]}
    )
    response = support_client.post(
        reverse("configure:rollback", args=[number.pk, event.pk]), {"plan": "forged"}
    )
    assert response.status_code == 404
    assert fake_upstream.updates() == []

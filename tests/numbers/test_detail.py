"""A number's page: its words, grouped fields, timeline, and local edits (tags and notes)."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from numbers_admin import audit
from numbers_admin.models import AuditEvent
from tests.numbers.helpers import make_account, make_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def number():
    return make_number(
        make_account(),
        "+14155550100",
        name="Front desk",
        call_handler="laml_webhooks",
        call_request_url="https://example.com/voice",
        call_request_method="POST",
        call_fallback_url="http://backup.example.com/voice",
        call_fallback_method="GET",
        message_handler="laml_webhooks",
        message_request_url="https://example.com/sms",
        message_request_method="POST",
        e911_status="active",
        e911_address_id="addr-1",
        raw_payload={"id": "x", "number": "+14155550100", "secret_sauce": "visible in raw"},
        tags=["vip"],
        notes="Printed on flyers.",
    )


def _page(client, pn):
    response = client.get(reverse("numbers:detail", args=[pn.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_detail_reads_as_sentences_with_grouped_fields(viewer_client, number):
    html = _page(viewer_client, number)
    assert "<h1>+1 415-555-0100</h1>" in html
    assert "Local number in" in html and "United States" in html
    assert (
        "Calls go to https://example.com/voice by POST; if that fails, to "
        "http://backup.example.com/voice by GET." in html
    )
    assert "Texts go to https://example.com/sms by POST." in html
    assert "At least one webhook uses plain http" in html
    for heading in (
        "Calls",
        "Messages",
        "Emergency (E911)",
        "Carrier details",
        "Billing and dates",
    ):
        assert f">{heading}</h2>" in html
    assert "<dt>E911 status</dt>\n      <dd>Active</dd>" in html
    assert "<dt>Call handler</dt>\n      <dd>Send calls to a webhook (cXML)</dd>" in html
    assert "Raw payload from the carrier" in html and "secret_sauce" in html
    assert "✓ VOICE" in html and "✓ SMS" in html


def test_number_with_no_handler_warns(viewer_client):
    pn = make_number(make_account(), "+14155550111")
    html = _page(viewer_client, pn)
    assert "Calls are not routed anywhere: nobody answers this number." in html
    assert "Nobody answers calls to this number" in html


def test_viewer_sees_tags_and_notes_but_no_buttons(viewer_client, number):
    html = _page(viewer_client, number)
    assert "Printed on flyers." in html and ">vip<" in html
    assert "Change routing" not in html and "Release…" not in html
    assert f'action="/numbers/{number.pk}/edit/"' not in html


def test_support_sees_change_routing_admin_sees_release(support_client, admin_user, number):
    html = _page(support_client, number)
    assert f'href="{reverse("configure:edit", args=[number.pk])}"' in html
    assert "Release…" not in html
    support_client.force_login(admin_user)
    html = _page(support_client, number)
    assert f'href="{reverse("release:confirm", args=[number.pk])}"' in html


def test_timeline_shows_before_and_after_with_request_id(support_client, support, number):
    audit.record(
        action=AuditEvent.Action.CONFIGURE,
        actor=support,
        phone_number=number,
        changes={
            "call_request_url": ["https://old.example.com/voice", "https://example.com/voice"]
        },
        request_id="req-123",
    )
    audit.record(
        action=AuditEvent.Action.SYNC_CHANGED,
        actor_label="upstream",
        phone_number=number,
        changes={"name": ["", "Front desk"]},
    )
    html = _page(support_client, number)
    assert "<del>https://old.example.com/voice</del>" in html
    assert "<ins>https://example.com/voice</ins>" in html
    assert '<th scope="row">Webhook URL</th>' in html
    assert "req-123" in html
    assert "someone at the carrier (found by a sync)" in html
    assert "(not set)" in html  # the name was empty before
    events = list(number.events.all())
    for event in events:
        assert reverse("configure:rollback", args=[number.pk, event.pk]) in html
    assert html.count("Restore this configuration…") == 2


def test_viewer_gets_no_restore_link(viewer_client, number):
    audit.record(action="configure", phone_number=number, changes={"name": ["a", "b"]})
    assert "Restore this configuration" not in _page(viewer_client, number)


def test_released_number_says_so(viewer_client, number):
    number.released_at = datetime(2026, 3, 4, tzinfo=UTC)
    number.save()
    html = _page(viewer_client, number)
    assert "Released on 4 March 2026." in html


def test_support_edits_tags_and_notes_locally_with_an_audit_event(support_client, support, number):
    response = support_client.post(
        reverse("numbers:edit", args=[number.pk]),
        {"name": "Front desk", "tags": "VIP, Campaign 2025", "notes": "Moved to the new desk."},
    )
    assert response.status_code == 302
    number.refresh_from_db()
    assert sorted(number.tags.values_list("name", flat=True)) == ["campaign 2025", "vip"]
    assert number.notes == "Moved to the new desk."
    event = AuditEvent.objects.get(phone_number=number)
    assert event.action == "edit" and event.actor == support and event.outcome == "success"
    assert event.changes == {
        "tags": ["vip", "campaign 2025, vip"],
        "notes": ["Printed on flyers.", "Moved to the new desk."],
    }


def test_bad_tag_is_an_error_on_the_field(support_client, number):
    response = support_client.post(
        reverse("numbers:edit", args=[number.pk]),
        {"name": "Front desk", "tags": "ok, <script>", "notes": ""},
    )
    assert response.status_code == 422
    assert "“&lt;script&gt;” can&#x27;t be a tag" in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_viewer_cannot_edit(viewer_client, number):
    response = viewer_client.post(
        reverse("numbers:edit", args=[number.pk]), {"name": "x", "tags": "", "notes": "x"}
    )
    assert response.status_code == 403
    assert "This needs the Support role" in response.content.decode()
    number.refresh_from_db()
    assert number.notes == "Printed on flyers."


def test_unknown_number_is_404(viewer_client):
    assert viewer_client.get(reverse("numbers:detail", args=[999999])).status_code == 404

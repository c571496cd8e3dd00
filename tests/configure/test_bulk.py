"""Many numbers: choose changes, preview every number, apply exactly the preview as a job."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from numbers_admin.actions import configure as actions
from numbers_admin.models import AuditEvent, Job, JobItem, PhoneNumber
from tests.configure.fakes import invalid
from tests.configure.helpers import plain, text


def _preview_url(response):
    assert response.status_code == 302, text(response)[:2000]
    assert "/bulk/preview/" in response["Location"]
    return response["Location"]


def _apply_url(preview_url):
    return preview_url + "apply/"


@pytest.fixture
def three_numbers(rest_account, twilio_acct, make_number):
    return [
        make_number(rest_account, 1),
        make_number(
            rest_account,
            2,
            call_request_url="https://new.example.com/voice",
            call_request_method="GET",
        ),
        make_number(twilio_acct, 3, call_handler="", upstream_id="PN" + "3" * 32),
    ]


def test_selection_page_counts_the_numbers(support_client, three_numbers):
    response = support_client.get(
        reverse("configure:bulk"), {"selected": [n.pk for n in three_numbers]}
    )
    body = text(response)
    assert "3 numbers selected" in body
    assert f'name="selected" value="{three_numbers[0].pk}"' in body


def test_all_matching_a_filter_uses_the_numbers_search(support_client, three_numbers, monkeypatch):
    seen = {}

    def fake_filter(params, user):
        seen["params"] = params
        return PhoneNumber.objects.filter(number__endswith="0001")

    import numbers_admin.search

    monkeypatch.setattr(numbers_admin.search, "filter_numbers", fake_filter)
    response = support_client.get(
        reverse("configure:bulk"), {"all_matching": "1", "filter": urlencode({"q": "0001"})}
    )
    assert "1 number selected" in text(response)
    assert seen["params"]["q"] == "0001"


def test_no_change_chosen_is_an_error(support_client, three_numbers):
    response = support_client.post(
        reverse("configure:bulk"), {"selected": [n.pk for n in three_numbers]}
    )
    assert "Choose at least one change" in text(response)


def test_preview_shows_every_number_and_apply_sends_exactly_that(
    support_client, support, three_numbers, fake_upstream
):
    response = support_client.post(
        reverse("configure:bulk"),
        {
            "selected": [n.pk for n in three_numbers],
            "call_request_url": "https://new.example.com/voice",
            "call_request_method": "GET",
        },
    )
    preview_url = _preview_url(response)
    body = text(support_client.get(preview_url))
    assert "2 numbers will change, 1 already has these settings, 0 will be skipped" in plain(
        support_client.get(preview_url)
    )
    for n in three_numbers:
        assert str(n) in body
    assert "Calls go to https://old.example.com/voice/1 by POST." in body  # before
    assert "Calls go to https://new.example.com/voice by GET." in body  # after
    assert (
        "<del>https://old.example.com/voice/3</del> → <ins>https://new.example.com/voice</ins>"
        in body
    )
    assert fake_upstream.updates() == []

    response = support_client.post(_apply_url(preview_url))
    job = Job.objects.get(kind="bulk_configure")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == "succeeded"
    assert job.created_by == support

    items = {i.number: i for i in job.items.all()}
    planned = {
        i.phone_number.upstream_id: i.params["changes"]
        for i in items.values()
        if i.params["changes"]
    }
    sent = {call[1]: call[2] for call in fake_upstream.updates()}
    assert sent == planned
    assert sent[three_numbers[0].upstream_id] == {
        "call_request_url": "https://new.example.com/voice",
        "call_request_method": "GET",
    }
    assert items[three_numbers[1].number].status == JobItem.Status.UNCHANGED
    assert items[three_numbers[2].number].status == JobItem.Status.SUCCEEDED
    assert (
        "Calls webhook URL: https://old.example.com/voice/3 → https://new.example.com/voice"
        in items[three_numbers[2].number].message
    )
    assert AuditEvent.objects.filter(action="configure", job=job, outcome="success").count() == 2
    assert job.message.startswith("2 changed, 1 unchanged")


def test_second_click_on_apply_does_nothing(support_client, three_numbers, fake_upstream):
    response = support_client.post(
        reverse("configure:bulk"),
        {"selected": [three_numbers[0].pk], "call_request_method": "GET"},
    )
    preview_url = _preview_url(response)
    support_client.post(_apply_url(preview_url))
    again = support_client.post(_apply_url(preview_url))
    assert again.status_code == 404
    assert "no longer available" in text(again)
    assert Job.objects.count() == 1
    assert len(fake_upstream.updates()) == 1


def test_number_changed_since_preview_is_left_alone(support_client, three_numbers, fake_upstream):
    response = support_client.post(
        reverse("configure:bulk"),
        {
            "selected": [three_numbers[0].pk, three_numbers[2].pk],
            "call_request_url": "https://new.example.com/v",
        },
    )
    preview_url = _preview_url(response)
    fake_upstream.numbers[three_numbers[0].upstream_id]["call_request_url"] = (
        "https://elsewhere.example.com/"
    )
    support_client.post(_apply_url(preview_url))
    item = JobItem.objects.get(number=three_numbers[0].number)
    assert item.status == JobItem.Status.FAILED
    assert "Changed at the carrier since the preview (Calls webhook URL)" in item.message
    assert [c[1] for c in fake_upstream.updates()] == [three_numbers[2].upstream_id]


def test_upstream_failure_is_reported_per_number(support_client, three_numbers, fake_upstream):
    response = support_client.post(
        reverse("configure:bulk"),
        {"selected": [three_numbers[0].pk, three_numbers[2].pk], "call_request_method": "GET"},
    )
    preview_url = _preview_url(response)
    fake_upstream.fail_next_update = invalid("SignalWire did not accept the request: bad method")
    support_client.post(_apply_url(preview_url))
    job = Job.objects.get()
    statuses = sorted(job.items.values_list("status", "message"))
    assert statuses[0] == ("failed", "SignalWire did not accept the request: bad method")
    assert statuses[1][0] == "succeeded"
    assert job.failed == 1 and job.done == 2


def test_handler_change_needing_a_missing_field_is_skipped(
    support_client, rest_account, make_number, fake_upstream
):
    has_script = make_number(
        rest_account, 1, call_relay_script_url="https://swml.example.com/a.yaml"
    )
    lacks_script = make_number(rest_account, 2)
    fabric = make_number(rest_account, 3, call_handler="call_flow")
    response = support_client.post(
        reverse("configure:bulk"),
        {"selected": [has_script.pk, lacks_script.pk, fabric.pk], "call_handler": "relay_script"},
    )
    body = plain(support_client.get(_preview_url(response)))
    assert "It would need SWML script URL first." in body
    assert "handled by SignalWire Fabric" in body
    assert "1 number will change" in body


def test_preview_is_paginated(support_client, rest_account, make_number, fake_upstream):
    numbers = [make_number(rest_account, i) for i in range(60)]
    response = support_client.post(
        reverse("configure:bulk"),
        {"selected": [n.pk for n in numbers], "call_request_method": "GET"},
    )
    preview_url = _preview_url(response)
    first = text(support_client.get(preview_url))
    assert "page 1 of 2" in first
    assert numbers[0].international_format in first
    assert numbers[59].international_format not in first
    second = text(support_client.get(preview_url, {"page": 2}))
    assert numbers[59].international_format in second
    assert "Apply to 60 numbers" in second


def test_bulk_job_runs_at_the_accounts_pace(
    support_client, rest_account, make_number, fake_upstream, monkeypatch
):
    rest_account.requests_per_second = 2.5
    rest_account.save()
    numbers = [make_number(rest_account, i) for i in range(3)]
    rates = []

    class RecordingPacer:
        def __init__(self, rate):
            rates.append(rate)

        def call(self, fn):
            return fn()

    monkeypatch.setattr(actions, "Pacer", RecordingPacer)
    response = support_client.post(
        reverse("configure:bulk"),
        {"selected": [n.pk for n in numbers], "call_request_method": "GET"},
    )
    support_client.post(_apply_url(_preview_url(response)))
    assert rates == [2.5]
    assert len(fake_upstream.updates()) == 3


def test_find_and_replace_in_webhook_urls(
    support_client, rest_account, twilio_acct, make_number, fake_upstream
):
    a = make_number(rest_account, 1)
    b = make_number(
        twilio_acct,
        2,
        upstream_id="PN" + "2" * 32,
        message_request_url="https://old.example.com/sms",
    )
    untouched = make_number(rest_account, 3, call_request_url="https://other.example.com/voice")
    response = support_client.post(
        reverse("configure:replace"),
        {
            "fields_to_search": ["call_request_url", "message_request_url"],
            "find": "old.example.com",
            "replace": "new.example.com",
        },
    )
    preview_url = _preview_url(response)
    body = plain(support_client.get(preview_url))
    assert "Replace “old.example.com” with “new.example.com”" in body
    assert "2 numbers will change" in body
    assert str(untouched) not in body
    support_client.post(_apply_url(preview_url))
    sent = {c[1]: c[2] for c in fake_upstream.updates()}
    assert sent == {
        a.upstream_id: {"call_request_url": "https://new.example.com/voice/1"},
        b.upstream_id: {
            "call_request_url": "https://new.example.com/voice/2",
            "message_request_url": "https://new.example.com/sms",
        },
    }
    assert (
        PhoneNumber.objects.get(pk=untouched.pk).call_request_url
        == "https://other.example.com/voice"
    )


def test_replace_that_breaks_an_address_is_skipped(
    support_client, rest_account, make_number, fake_upstream
):
    make_number(rest_account, 1)
    response = support_client.post(
        reverse("configure:replace"),
        {"fields_to_search": ["call_request_url"], "find": "https://", "replace": "ftp://"},
    )
    body = text(support_client.get(_preview_url(response)))
    assert "Skipped" in body and "Enter a full web address" in body
    assert "Apply to" not in body


def test_replace_with_no_match_says_so(support_client, rest_account, make_number):
    make_number(rest_account, 1)
    response = support_client.post(
        reverse("configure:replace"),
        {"fields_to_search": ["message_request_url"], "find": "old.example.com", "replace": "x"},
    )
    assert "No number has “old.example.com” in the addresses chosen." in text(response)


def test_replace_limited_to_a_selection(support_client, rest_account, make_number, fake_upstream):
    a = make_number(rest_account, 1)
    make_number(rest_account, 2)
    response = support_client.post(
        reverse("configure:replace"),
        {
            "selected": [a.pk],
            "fields_to_search": ["call_request_url"],
            "find": "old",
            "replace": "new",
        },
    )
    support_client.post(_apply_url(_preview_url(response)))
    assert [c[1] for c in fake_upstream.updates()] == [a.upstream_id]


def test_one_numbers_unexpected_error_does_not_stop_the_job(
    support_client, rest_account, make_number, fake_upstream, monkeypatch
):
    numbers = [make_number(rest_account, i) for i in range(2)]
    real = actions.apply_planned
    calls = []

    def flaky(number, *args, **kwargs):
        calls.append(number.pk)
        if len(calls) == 1:
            raise KeyError("boom")
        return real(number, *args, **kwargs)

    monkeypatch.setattr(actions, "apply_planned", flaky)
    response = support_client.post(
        reverse("configure:bulk"),
        {"selected": [n.pk for n in numbers], "call_request_method": "GET"},
    )
    support_client.post(_apply_url(_preview_url(response)))
    job = Job.objects.get()
    assert job.status == "succeeded" and job.failed == 1
    assert sorted(job.items.values_list("status", flat=True)) == ["failed", "succeeded"]


def test_numbers_of_a_switched_off_account_are_skipped(
    support_client, rest_account, make_number, fake_upstream
):
    number = make_number(rest_account, 1)
    rest_account.is_enabled = False
    rest_account.save()
    response = support_client.post(
        reverse("configure:bulk"), {"selected": [number.pk], "call_request_method": "GET"}
    )
    assert "is switched off in the dashboard" in plain(support_client.get(_preview_url(response)))


def test_resume_jobs_finishes_an_interrupted_bulk_change_without_redoing_finished_items(
    rest_account, make_number, fake_upstream
):
    from dataclasses import asdict
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    numbers = [make_number(rest_account, i) for i in range(3)]
    plans = [asdict(actions.plan_number(n, {"call_request_method": "GET"})) for n in numbers]
    job = actions.create_bulk_job(plans, user=None, description="GET everywhere")
    # The worker died after the first number: that item is finished, its heartbeat is old.
    JobItem.objects.filter(job=job, position=0).update(status=JobItem.Status.SUCCEEDED)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, done=1, heartbeat_at=timezone.now() - timedelta(minutes=10)
    )

    call_command("resume_jobs")

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    sent_to = [call[1] for call in fake_upstream.updates()]
    assert sent_to == [numbers[1].upstream_id, numbers[2].upstream_id]

"""Releasing numbers: typed confirmation, warnings, cooldown date, record kept, bulk job."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from numbers_admin.actions import release as actions
from numbers_admin.models import AuditEvent, Job, Operation, PhoneNumber
from tests.buy.fakes import make_account, old, owned_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def number(fake_client):
    account = make_account("SW")
    return owned_row(account, fake_client, "+14155550100", upstream_updated_at=old())


def test_support_and_viewer_get_403_naming_admin(support_client, viewer_client, number):
    for client in (support_client, viewer_client):
        for url in (reverse("release:confirm", args=[number.pk]), reverse("release:bulk")):
            response = client.get(url)
            assert response.status_code == 403 and "Admin role" in response.content.decode()


def test_confirm_page_words_and_no_warnings_for_a_quiet_number(admin_client_, number):
    page = admin_client_.get(reverse("release:confirm", args=[number.pk])).content.decode()
    assert "Releasing gives the number back to the carrier" in page
    assert "Type the number to confirm" in page
    assert "Before you release" not in page


def test_warnings_for_e911_handlers_and_recent_change(admin_client_, number):
    number.e911_address_id = "ad-1"
    number.call_request_url = "https://example.com/voice"
    number.upstream_updated_at = timezone.now() - timedelta(days=2)
    number.save()
    page = admin_client_.get(reverse("release:confirm", args=[number.pk])).content.decode()
    assert "An emergency (E911) address is attached" in page
    assert "Calls or messages to this number are routed somewhere" in page
    assert "changed in the last 7 days" in page


def post(client, number, typed="(415) 555-0100", key=None):
    return client.post(
        reverse("release:confirm", args=[number.pk]),
        {"key": key or str(uuid.uuid4()), "confirm": typed},
        follow=True,
    )


def test_wrong_typed_number_sends_nothing(admin_client_, fake_client, number):
    page = post(admin_client_, number, typed="+14155550199").content.decode()
    assert "That is not this number" in page
    assert fake_client.sent == []


def test_release_keeps_record_marked_released_with_history(admin_client_, fake_client, number):
    page = post(admin_client_, number).content.decode()
    assert "Released +1 415-555-0100 from SW. Its record and history stay here." in page
    number.refresh_from_db()
    assert number.released_at is not None
    assert "+14155550100" not in fake_client.owned
    event = AuditEvent.objects.get(action="release")
    assert event.outcome == "success" and event.phone_number == number
    again = admin_client_.get(reverse("release:confirm", args=[number.pk])).content.decode()
    assert "This number was released on" in again and "History" in again


def test_same_confirmation_twice_releases_once(admin_client_, fake_client, number):
    key = str(uuid.uuid4())
    post(admin_client_, number, key=key)
    post(admin_client_, number, key=key)
    assert fake_client.count("release") == 1


def test_too_soon_shows_the_date_it_becomes_possible(admin_client_, fake_client, number):
    fake_client.fail_next("too_soon")
    page = post(admin_client_, number).content.decode()
    assert "bought too recently to release" in page and "7 December 2026" in page
    number.refresh_from_db()
    assert number.released_at is None
    assert AuditEvent.objects.get().outcome == "failed"


@pytest.mark.parametrize("fault", ["timeout", "5xx", "dropped", "commit_then_fail"])
def test_lost_answer_is_settled_by_looking(admin_client_, fake_client, number, fault):
    fake_client.fail_next(fault)
    page = post(admin_client_, number).content.decode()
    assert "Released" in page
    number.refresh_from_db()
    assert number.released_at is not None
    assert Operation.objects.get().state == "succeeded"
    assert list(AuditEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "unknown",
        "success",
    ]


@pytest.mark.parametrize(("fault", "words"), [("429", "slow down"), ("5xx_before", "try again")])
def test_clear_failure_leaves_number_in_service(admin_client_, fake_client, number, fault, words):
    fake_client.fail_next(fault)
    page = post(admin_client_, number).content.decode()
    assert "Not released" in page and words in page
    number.refresh_from_db()
    assert number.released_at is None and "+14155550100" in fake_client.owned


def test_number_already_gone_upstream_is_marked_released(admin_client_, fake_client, number):
    del fake_client.owned["+14155550100"]
    page = post(admin_client_, number).content.decode()
    assert "already gone" in page
    number.refresh_from_db()
    assert number.released_at is not None and number.released_by_upstream


# --- bulk ---------------------------------------------------------------------------------------


def test_bulk_confirm_needs_the_count_then_runs_a_job(admin_client_, fake_client, number):
    other = owned_row(number.account, fake_client, "+14155550101", upstream_updated_at=old())
    url = reverse("release:bulk")
    page = admin_client_.get(url, {"selected": [number.pk, other.pk]}).content.decode()
    assert "Release 2 numbers" in page and "Type 2 to release all 2." in page
    key = str(uuid.uuid4())
    wrong = admin_client_.post(url, {"selected": [number.pk, other.pk], "key": key, "confirm": "3"})
    assert "Type 2, the number of numbers listed" in wrong.content.decode()
    assert fake_client.sent == []
    response = admin_client_.post(
        url, {"selected": [number.pk, other.pk], "key": key, "confirm": "2"}
    )
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.kind == "bulk_release" and job.done == 2 and job.failed == 0
    assert PhoneNumber.objects.filter(released_at__isnull=False).count() == 2
    # Submitted again: same job, nothing sent again.
    admin_client_.post(url, {"selected": [number.pk, other.pk], "key": key, "confirm": "2"})
    assert Job.objects.count() == 1 and fake_client.count("release") == 2


def test_bulk_release_reports_per_number(fake_client, number):
    other = owned_row(number.account, fake_client, "+14155550101")
    fake_client.fail_next("too_soon")
    job = actions.create_bulk_release(numbers=[number, other])
    actions.run_bulk_release.call(job.pk)
    first, second = job.items.order_by("position")
    assert first.status == "failed" and "7 December 2026" in first.message
    assert second.status == "succeeded"


def test_bulk_all_matching_resolves_the_numbers_page_filter(admin_client_, fake_client, number):
    other = owned_row(number.account, fake_client, "+14155550101")
    released = owned_row(number.account, fake_client, "+14155550102")
    PhoneNumber.objects.filter(pk=released.pk).update(released_at=timezone.now())
    page = admin_client_.get(
        reverse("release:bulk"), {"all_matching": "1", "filter": ""}
    ).content.decode()
    # Only numbers still in service are listed, and the hidden inputs carry exactly them.
    assert "Release 2 numbers" in page
    assert f'name="selected" value="{number.pk}"' in page
    assert f'name="selected" value="{other.pk}"' in page
    assert f'name="selected" value="{released.pk}"' not in page

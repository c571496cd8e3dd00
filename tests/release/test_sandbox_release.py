"""Releasing against the real sandbox: cooldown date, faults at each step, record kept."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from numbers_admin import upstream
from numbers_admin.actions import purchase
from numbers_admin.models import AuditEvent, Operation, PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber
from numbers_admin.upstream.base import SearchQuery


def bought(account):
    number = upstream.client_for(account).search_available(SearchQuery(area_code="503"))[0].number
    outcome = purchase.purchase(account=account, number=number, key=uuid.uuid4())
    assert outcome.state == "succeeded"
    return PhoneNumber.objects.get(number=number)


def agree(row):
    there = SandboxNumber.objects.filter(number=row.number).exists()
    row.refresh_from_db()
    return there == (row.released_at is None), there


def post_release(user, row):
    client = Client()
    client.force_login(user)
    data = {"key": str(uuid.uuid4()), "confirm": row.national_format}
    return client.post(reverse("release:confirm", args=[row.pk]), data, follow=True)


def test_too_soon_shows_the_date_from_the_carrier(signalwire_account, live_admin):
    row = bought(signalwire_account)
    page = post_release(live_admin, row).content.decode()
    assert "bought too recently to release" in page and "The carrier allows it from" in page
    assert agree(row) == (True, True)


@pytest.mark.parametrize("which", ["signalwire_account", "compat_account", "twilio_account"])
def test_release_keeps_the_record(which, request, settings, live_admin):
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 0
    row = bought(request.getfixturevalue(which))
    page = post_release(live_admin, row).content.decode()
    assert "Its record and history stay here." in page
    assert agree(row) == (True, False)
    assert PhoneNumber.objects.filter(pk=row.pk, released_at__isnull=False).exists()


FAULTS = {
    "timeout": ({"kind": "slow", "seconds": 7}, "succeeded", "Released"),
    "5xx": ({"kind": "server_error", "status": 502}, "failed", "still on the account"),
    "429": ({"kind": "rate_limit"}, "succeeded", "Released"),
    "dropped": ({"kind": "drop"}, "failed", "still on the account"),
    "commit_then_fail": ({"kind": "commit_then_fail"}, "succeeded", "Released"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_release_fault_leaves_record_true_to_sandbox(
    fault, settings, signalwire_account, sandbox_faults, sandbox_requests, live_admin
):
    settings.SANDBOX_RELEASE_COOLDOWN_DAYS = 0
    row = bought(signalwire_account)
    params, expected, words = FAULTS[fault]
    params = {"count": 1, **params}
    kind = params.pop("kind")
    sandbox_faults.inject("signalwire", kind, method="DELETE", **params)
    page = post_release(live_admin, row).content.decode()
    assert words in page
    assert Operation.objects.get(kind="release").state == expected
    same, there = agree(row)
    assert same and there == (expected == "failed")
    deletes = sandbox_requests.to("signalwire", "DELETE").exclude(status=429)
    assert deletes.count() == 1
    assert AuditEvent.objects.filter(action="release").exists()

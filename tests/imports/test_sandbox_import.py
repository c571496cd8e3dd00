"""Importing against the real sandbox: each fault leaves the local record true to the carrier."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from numbers_admin.actions import imports as actions
from numbers_admin.models import AuditEvent, JobItem, Operation, PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber

NUMBER = "+14155550142"

FAULTS = {
    # name: (inject kwargs, expected state, words the user reads, imports processed)
    "timeout": ({"kind": "slow", "seconds": 7}, "succeeded", "Imported +1 415-555-0142", 1),
    "5xx": ({"kind": "server_error", "status": 500}, "failed", "it was not imported", 1),
    "429": ({"kind": "rate_limit"}, "succeeded", "Imported +1 415-555-0142", 1),
    "429_persistent": ({"kind": "rate_limit", "count": None}, "failed", "slow down", 0),
    "dropped": ({"kind": "drop"}, "failed", "it was not imported", 1),
    "commit_then_fail": ({"kind": "commit_then_fail"}, "succeeded", "Imported", 1),
    "commit_then_drop": ({"kind": "commit_then_fail", "then": "drop"}, "succeeded", "Imported", 1),
}


def agree(number=NUMBER):
    there = SandboxNumber.objects.filter(space="signalwire", number=number).exists()
    here = PhoneNumber.objects.in_service().filter(number=number).exists()
    return there == here, there


def post_import(user, account, number="(415) 555-0142"):
    client = Client()
    client.force_login(user)
    data = {"key": str(uuid.uuid4()), "account": account.pk, "number": number,
            "kind": "local", "capabilities": ["voice", "sms"]}  # fmt: skip
    return client.post(reverse("imports:single"), data, follow=True).content.decode()


@pytest.mark.parametrize("which", ["signalwire_account", "compat_account"])
def test_import_through_rest_and_compatibility(which, request, live_admin, sandbox_requests):
    account = request.getfixturevalue(which)
    page = post_import(live_admin, account)
    assert "Imported +1 415-555-0142" in page
    assert agree() == (True, True)
    path = "imported_phone_numbers" if which == "signalwire_account" else "ImportedPhoneNumbers"
    assert sandbox_requests.count("signalwire", "POST", path) == 1


@pytest.mark.parametrize("fault", list(FAULTS))
def test_import_fault_leaves_record_true_to_sandbox(
    fault, signalwire_account, sandbox_faults, sandbox_requests, live_admin
):
    params, expected, words, processed = FAULTS[fault]
    params = {"count": 1, **params}
    kind = params.pop("kind")
    sandbox_faults.inject("signalwire", kind, method="POST", **params)
    page = post_import(live_admin, signalwire_account)
    assert words in page
    assert Operation.objects.get().state == expected
    same, there = agree()
    assert same and there == (expected == "succeeded")
    posts = sandbox_requests.to("signalwire", "POST", "imported_phone_numbers").exclude(status=429)
    assert posts.count() == processed
    assert AuditEvent.objects.filter(action="import").exists()


def test_partner_api_not_enabled_is_explained(signalwire_account, sandbox_faults, live_admin):
    sandbox_faults.import_enabled("signalwire", False)
    page = post_import(live_admin, signalwire_account)
    assert "Not imported" in page and "partner feature" in page
    assert agree() == (True, False)
    assert AuditEvent.objects.get(action="import").outcome == "failed"


def test_bulk_import_against_sandbox_with_a_lost_answer(
    signalwire_account, sandbox_faults, sandbox_requests
):
    numbers = [f"+1415555020{n}" for n in range(5)]
    sandbox_faults.inject("signalwire", "commit_then_fail", count=1, method="POST")
    sandbox_faults.inject("signalwire", "rate_limit", count=2, method="POST")
    job = actions.create_bulk_import(
        account=signalwire_account,
        rows=[{"number": n, "kind": "local"} for n in numbers],
        capabilities=["voice"],
    )
    actions.run_bulk_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.done == 5 and job.failed == 0
    assert set(job.items.values_list("status", flat=True)) == {JobItem.Status.SUCCEEDED}
    for n in numbers:
        assert agree(n) == (True, True)
    processed = sandbox_requests.to("signalwire", "POST", "imported_phone_numbers").exclude(
        status=429
    )
    assert processed.count() == 5

"""Sync and connection tests against the sandbox over a real socket (live_server)."""

import datetime
import logging

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from numbers_admin import roles
from numbers_admin.actions import sync
from numbers_admin.models import AuditEvent, Job, PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    # live_server tests flush the database between tests, data migrations included.
    roles.sync_roles(Group, Permission)


def _sandbox_number(space, i, **extra):
    now = timezone.now() - datetime.timedelta(days=30)
    return SandboxNumber.objects.create(
        space=space,
        number=f"+1415555{i:04d}",
        name=f"Line {i}",
        country_code="US",
        created_at=now + datetime.timedelta(seconds=i),
        updated_at=now,
        **extra,
    )


@pytest.mark.parametrize("fixture", ["signalwire_account", "compat_account", "twilio_account"])
def test_sync_pages_through_sandbox_and_converges(request, fixture, monkeypatch):
    account = request.getfixturevalue(fixture)
    space = "twilio" if fixture == "twilio_account" else "signalwire"
    monkeypatch.setattr(sync, "PAGE_SIZE", 7)
    monkeypatch.setattr(sync, "BATCH_SIZE", 5)
    rows = [_sandbox_number(space, i) for i in range(23)]

    job = sync.sync_now(account)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert PhoneNumber.objects.filter(account=account).count() == 23
    assert set(PhoneNumber.objects.values_list("number", flat=True)) == {r.number for r in rows}

    # Drift at the carrier: one released, one renamed, one bought.
    rows[0].delete()
    rows[1].name = "Renamed upstream"
    rows[1].save()
    _sandbox_number(space, 99)

    job = sync.sync_now(account)
    assert (job.summary["new"], job.summary["gone"], job.summary["changed"]) == (1, 1, 1)
    assert PhoneNumber.objects.get(number=rows[0].number).released_by_upstream
    changed = AuditEvent.objects.get(action="sync_changed")
    assert changed.changes["name"] == ["Line 1", "Renamed upstream"]

    again = sync.sync_now(account)
    assert again.summary["new"] == again.summary["gone"] == again.summary["changed"] == 0
    assert AuditEvent.objects.filter(actor_label="upstream").count() == 3


def test_sync_now_button_runs_task_and_shows_job_page(client, admin_user, signalwire_account):
    _sandbox_number("signalwire", 1)
    client.force_login(admin_user)

    response = client.post(reverse("accounts:sync", args=[signalwire_account.pk]), follow=True)

    job = Job.objects.get(kind="sync")
    assert response.redirect_chain[-1][0] == reverse("jobs:detail", args=[job.pk])
    body = response.content.decode()
    assert "Sync of “SW REST”" in body
    assert "Added 1 number found at the carrier" in body
    assert PhoneNumber.objects.filter(account=signalwire_account).count() == 1


def test_second_sync_click_while_running_shows_the_running_job(
    client, admin_user, signalwire_account
):
    running, _ = sync.create_sync_job(signalwire_account)
    Job.objects.filter(pk=running.pk).update(status="running", heartbeat_at=timezone.now())
    client.force_login(admin_user)

    response = client.post(reverse("accounts:sync", args=[signalwire_account.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("jobs:detail", args=[running.pk])
    assert "already running" in response.content.decode()
    assert Job.objects.filter(kind="sync").count() == 1


def test_test_connection_good_and_bad_token(
    client, admin_user, signalwire_account, sandbox_requests, caplog
):
    caplog.set_level(logging.DEBUG)
    client.force_login(admin_user)
    url = reverse("accounts:test", args=[signalwire_account.pk])

    response = client.post(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Working" in body and "Connected" in body
    assert 'id="check-' in body and "<html" not in body
    assert sandbox_requests.count("signalwire", "GET") >= 1

    signalwire_account.set_token("PTwrong0token")
    signalwire_account.save()
    response = client.post(url, follow=True)
    body = response.content.decode()
    signalwire_account.refresh_from_db()
    assert signalwire_account.last_check_ok is False
    assert "refused our credentials" in signalwire_account.last_check_message
    assert "Not working" in body and "refused our credentials" in body
    assert "PTwrong0token" not in body
    assert "PTwrong0token" not in caplog.text
    assert settings.SANDBOX_SIGNALWIRE_TOKEN not in caplog.text

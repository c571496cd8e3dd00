"""Inline edit on the Numbers page: the name goes to the carrier (sandbox), tags stay here."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from numbers_admin import mirror, roles
from numbers_admin.models import AuditEvent, PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber
from numbers_admin.sandbox.seeding import seed_owned_numbers
from numbers_admin.upstream import client_for
from tests.numbers.helpers import make_account, make_number

HTMX = {"HX-Request": "true", "HX-Target": "row-1"}


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    # The sandbox runs on live_server, whose tests flush the database (roles included).
    roles.sync_roles(Group, Permission)


@pytest.fixture
def mirrored(signalwire_account):
    """One number owned in the sandbox Space, mirrored locally as a sync would."""
    seed_owned_numbers("signalwire", 1, seed=7)
    canonical = next(iter(client_for(signalwire_account).iter_numbers()))
    pn, _ = mirror.save_from_upstream(signalwire_account, canonical)
    return pn


def _post(client, pn, **data):
    data.setdefault("tags", "")
    return client.post(reverse("numbers:row_edit", args=[pn.pk]), data, headers=HTMX)


def test_edit_button_swaps_the_row_for_a_form(support_client, mirrored):
    response = support_client.get(reverse("numbers:row_edit", args=[mirrored.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<tr id="row-{mirrored.pk}">' in html and "<html" not in html
    assert f'form="edit-{mirrored.pk}"' in html and "data-autofocus" in html
    assert f'<label for="edit-name-{mirrored.pk}">Name</label>' in html


def test_saving_the_name_goes_to_the_carrier_then_the_mirror(
    support_client, support, mirrored, sandbox_requests
):
    response = _post(support_client, mirrored, name="  Front   desk ", tags="vip")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Front desk" in html and ">vip<" in html and "<form" not in html
    assert "Saved" in response["HX-Trigger"]
    # One PUT reached the carrier, with the new name.
    put = sandbox_requests.last("signalwire", "PUT", "/phone_numbers/")
    assert sandbox_requests.count("signalwire", "PUT") == 1
    assert "Front desk" in put.body
    assert SandboxNumber.objects.get(uid=mirrored.upstream_id).name == "Front desk"
    mirrored.refresh_from_db()
    assert mirrored.name == "Front desk"
    assert list(mirrored.tags.values_list("name", flat=True)) == ["vip"]
    event = AuditEvent.objects.get(phone_number=mirrored, action="edit")
    assert event.actor == support
    assert event.changes["name"][1] == "Front desk"
    assert event.changes["tags"] == ["", "vip"]


def test_carrier_refusal_is_shown_on_the_name_and_nothing_changes(
    support_client, mirrored, sandbox_faults
):
    before = mirrored.name
    sandbox_faults.inject("signalwire", "server_error", status=500, method="PUT")
    response = _post(support_client, mirrored, name="New name", tags="vip")
    html = response.content.decode()
    assert response.status_code == 422
    assert 'class="field-error"' in html and "Not saved:" in html
    assert "still has its old name there. Nothing was changed" in html
    mirrored.refresh_from_db()
    assert mirrored.name == before
    assert not mirrored.tags.exists()
    failed = AuditEvent.objects.get(phone_number=mirrored)
    assert failed.outcome == "failed" and failed.changes == {"name": [before, "New name"]}


def test_rename_that_went_through_despite_an_error_is_recognised(
    support_client, mirrored, sandbox_faults, sandbox_requests
):
    # The carrier renames the number, then its answer is lost: we read the number back.
    sandbox_faults.inject("signalwire", "commit_then_fail", count=1, method="PUT")
    response = _post(support_client, mirrored, name="Renamed", tags="")
    assert response.status_code == 200
    assert sandbox_requests.count("signalwire", "PUT") == 1  # never sent twice
    mirrored.refresh_from_db()
    assert mirrored.name == "Renamed"
    event = AuditEvent.objects.get(phone_number=mirrored)
    assert event.outcome == "success" and event.changes["name"][1] == "Renamed"


def test_a_clear_refusal_shows_the_carriers_reason(support_client, mirrored, sandbox_faults):
    sandbox_faults.inject("signalwire", "rate_limit", method="PUT")
    response = _post(support_client, mirrored, name="New name")
    assert response.status_code == 422
    assert "asking us to slow down" in response.content.decode()
    mirrored.refresh_from_db()
    assert mirrored.name != "New name"


def test_tags_only_edit_sends_nothing_upstream(support_client):
    # An account nobody can reach: any upstream call would fail the test.
    pn = make_number(make_account(), "+14155550100", name="Desk")
    response = _post(support_client, pn, name="Desk", tags="porting, vip")
    assert response.status_code == 200
    assert sorted(pn.tags.values_list("name", flat=True)) == ["porting", "vip"]


def test_viewer_cannot_open_or_save_the_row_form(viewer_client):
    pn = make_number(make_account(), "+14155550100", name="Desk")
    response = viewer_client.get(reverse("numbers:row_edit", args=[pn.pk]), headers=HTMX)
    assert response.status_code == 403
    assert "This needs the Support role" in response.content.decode()
    response = _post(viewer_client, pn, name="Hacked", tags="x")
    assert response.status_code == 403
    assert PhoneNumber.objects.get(pk=pn.pk).name == "Desk"


def test_cancel_brings_back_the_plain_row(support_client):
    pn = make_number(make_account(), "+14155550100", name="Desk")
    response = support_client.get(reverse("numbers:row", args=[pn.pk]), headers=HTMX)
    html = response.content.decode()
    assert f'<tr id="row-{pn.pk}">' in html and "Desk" in html and "<form" not in html


def test_without_javascript_edit_leads_to_the_number_page(support_client):
    pn = make_number(make_account(), "+14155550100")
    response = support_client.get(reverse("numbers:row_edit", args=[pn.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("numbers:detail", args=[pn.pk]) + "#edit"


def test_the_carrier_client_is_looked_up_when_the_name_is_saved(monkeypatch, support, mirrored):
    """Not bound once at import: whatever ``upstream.client_for`` is at the time answers."""
    from numbers_admin import upstream
    from numbers_admin.actions.numbers import edit_number

    asked = []

    class Recording:
        last_request_id = "req-recorded"

        def update(self, upstream_id, changes):
            asked.append((upstream_id, changes))
            return {**canonical_of(mirrored), **changes}

    monkeypatch.setattr(upstream, "client_for", lambda account: Recording())
    edit_number(mirrored, user=support, name="Reception")

    assert asked == [(mirrored.upstream_id, {"name": "Reception"})]
    mirrored.refresh_from_db()
    assert mirrored.name == "Reception"


def canonical_of(pn):
    from numbers_admin.upstream.base import CANONICAL_FIELDS

    return {name: getattr(pn, name) for name in CANONICAL_FIELDS if hasattr(pn, name)}

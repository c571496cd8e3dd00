"""An admin connects a carrier account: a mistake is explained on its field, the token is never
shown back, the connection test swaps its result in place, and a sync shows its progress."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from numbers_admin import roles
from numbers_admin.models import Account
from tests.e2e.conftest import assert_announced, axe_check, screenshot

pytestmark = pytest.mark.e2e


def test_admin_adds_a_twilio_account_fixing_a_mistake_on_its_field(login_as, live_server):
    page = login_as(roles.ADMIN)
    page.goto("/accounts/")
    expect(page.get_by_role("heading", name="No accounts yet")).to_be_visible()
    axe_check(page, "accounts list, empty")

    page.get_by_role("link", name="Add an account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an account")
    axe_check(page, "add account form")
    page.get_by_label("Provider").select_option(label="Twilio")
    page.get_by_label("Name").fill("Sandbox Twilio")
    page.get_by_label("API root").fill(live_server.url + "/sandbox/twilio")
    page.get_by_label("Project or account id").fill("AC123")  # too short: a typo
    page.get_by_label("API token").fill(settings.SANDBOX_TWILIO_AUTH_TOKEN)
    page.get_by_role("button", name="Add account").click()

    # The error is on the field: announced with it (aria-describedby) and marked invalid.
    project = page.get_by_label("Project or account id")
    expect(project).to_have_attribute("aria-invalid", "true")
    expect(project).to_have_accessible_description(re.compile("AC followed by 32 hex characters"))
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below")
    # Write-only: the token typed before the error is not sent back to the browser.
    expect(page.get_by_label("API token")).to_have_value("")
    assert settings.SANDBOX_TWILIO_AUTH_TOKEN not in page.content()
    axe_check(page, "add account form with errors")
    screenshot(page, "account-form-errors")
    assert not Account.objects.exists()

    project.fill(settings.SANDBOX_TWILIO_ACCOUNT_SID)
    page.get_by_label("API token").fill(settings.SANDBOX_TWILIO_AUTH_TOKEN)
    page.get_by_role("button", name="Add account").click()

    expect(page).to_have_url(re.compile(r"/accounts/$"))
    assert_announced(page, "Account “Sandbox Twilio” added")
    row = page.get_by_role("row", name=re.compile("Sandbox Twilio"))
    expect(row).to_contain_text("Twilio")
    expect(row).to_contain_text("Enabled")
    expect(row).to_contain_text("Not tested")
    assert settings.SANDBOX_TWILIO_AUTH_TOKEN not in page.content()
    account = Account.objects.get()
    assert account.project_id == settings.SANDBOX_TWILIO_ACCOUNT_SID
    axe_check(page, "accounts list with one account")
    screenshot(page, "accounts")


def test_admin_tests_the_connection_in_place_then_syncs(login_as, signalwire_account):
    from numbers_admin.sandbox.models import SandboxNumber

    page = login_as(roles.ADMIN)
    page.goto("/accounts/")
    row = page.get_by_role("row", name=re.compile(signalwire_account.name))
    expect(row).to_contain_text("Not tested")
    row.get_by_role("button", name="Test connection").click()
    # The result replaces the cell in place; focus lands on the new button (data-autofocus).
    expect(row).to_contain_text("Working")
    expect(row).to_contain_text("Connected")
    expect(row.get_by_role("button", name="Test connection")).to_be_focused()
    axe_check(page, "accounts: connection tested")

    # A wrong token: the same button says so in words.
    signalwire_account.set_token("not-the-token")
    signalwire_account.save()
    row.get_by_role("button", name="Test connection").click()
    expect(row).to_contain_text("Not working")
    assert "not-the-token" not in page.content()

    signalwire_account.set_token(settings.SANDBOX_SIGNALWIRE_TOKEN)
    signalwire_account.save()
    assert not SandboxNumber.objects.exists()
    page.get_by_role("button", name=f"Sync now {signalwire_account.name}").click()
    expect(page.locator("#job-progress")).to_contain_text("Finished", timeout=20_000)
    axe_check(page, "accounts: sync job")

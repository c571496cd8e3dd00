"""An admin releases a number by typing it: a wrong number is refused on the field, the right one
releases it once, and the record stays, marked released."""

import re

import pytest
from playwright.sync_api import expect

from numbers_admin import roles
from numbers_admin.models import PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber
from tests.e2e.conftest import assert_focus_inside, axe_check, screenshot

pytestmark = pytest.mark.e2e


def test_admin_releases_a_number_with_the_typed_confirmation(
    login_as, twilio_account, carrier_numbers, sandbox_requests
):
    (number,) = carrier_numbers(
        twilio_account,
        ["+15035550177"],
        name="Old campaign",
        call_handler="laml_webhooks",
        call_request_url="https://example.com/voice",
    )
    page = login_as(roles.ADMIN)
    page.goto(f"/numbers/{number.pk}/release/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Release")
    zone = page.locator("#release-page")
    expect(zone).to_contain_text("Old campaign")
    expect(zone).to_contain_text("Before you release, note")  # handlers are configured
    axe_check(page, "release: confirm")
    screenshot(page, "release-confirm")

    confirm = page.get_by_label("Type the number to confirm")
    confirm.fill("(503) 555-0170")  # one digit off
    page.get_by_role("button", name="Release this number").click()
    confirm = page.get_by_label("Type the number to confirm")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_accessible_description(re.compile(r"\S"))
    assert_focus_inside(page, "#release-page", "a wrong confirmation")
    axe_check(page, "release: wrong number typed")
    assert sandbox_requests.count("twilio", "DELETE") == 0
    assert SandboxNumber.objects.filter(number="+15035550177").exists()

    confirm.fill("(503) 555-0177")  # national format, as the page asks
    page.get_by_role("button", name="Release this number").dblclick()

    done = page.get_by_role("heading", name="Released", exact=True)
    expect(done).to_be_focused()
    axe_check(page, "release: done")
    screenshot(page, "release-done")
    page.wait_for_load_state("networkidle")
    assert sandbox_requests.count("twilio", "DELETE") == 1
    assert not SandboxNumber.objects.filter(number="+15035550177").exists()
    number = PhoneNumber.objects.get(pk=number.pk)  # the record stays
    assert number.is_released

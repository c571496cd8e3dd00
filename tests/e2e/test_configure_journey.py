"""Support staff change where a number's calls go: the handler's own fields appear when it is
chosen, a required one left empty is explained on that field, and the routing summary follows."""

import re

import pytest
from playwright.sync_api import expect

from numbers_admin import roles
from numbers_admin.sandbox.models import SandboxNumber
from tests.e2e.conftest import (
    assert_announced,
    assert_focus_inside,
    axe_check,
    screenshot,
    watch_live_region,
)

pytestmark = pytest.mark.e2e

OLD_URL = "https://old.example.com/voice"
SCRIPT_URL = "https://scripts.example.com/support.swml"


def test_support_changes_the_call_handler_fixing_an_empty_required_field(
    login_as, signalwire_account, carrier_numbers, sandbox_requests
):
    (number,) = carrier_numbers(
        signalwire_account,
        ["+14155550142"],
        name="Support line",
        call_handler="laml_webhooks",
        call_request_url=OLD_URL,
        call_request_method="POST",
    )
    page = login_as(roles.SUPPORT)
    page.goto(f"/numbers/{number.pk}/configure/")
    summary = page.locator("#routing-summary")
    expect(summary).to_contain_text(OLD_URL)
    axe_check(page, "configure: loaded")
    screenshot(page, "configure")

    handler = page.get_by_label("What happens to calls")
    expect(handler).to_have_value("laml_webhooks")
    expect(page.get_by_label("Calls webhook URL")).to_have_value(OLD_URL)
    handler.focus()  # as a person does: on the control, then a choice (select_option alone won't)
    handler.select_option(label="Run a SWML script")
    # htmx swaps in the chosen handler's own field; the choice keeps focus (the person is on it).
    script = page.get_by_label("SWML script URL")
    expect(script).to_be_visible()
    expect(page.get_by_label("Calls webhook URL")).to_have_count(0)
    expect(handler).to_be_focused()
    axe_check(page, "configure: SWML fields swapped in")

    page.get_by_role("button", name="Save").click()
    alert = page.locator("#configure-form").get_by_role("alert")
    expect(alert).to_contain_text("Not saved")
    expect(alert).to_be_focused()
    script = page.get_by_label("SWML script URL")
    expect(script).to_have_attribute("aria-invalid", "true")
    expect(script).to_have_accessible_description(re.compile(r"\S"))
    error_text = page.locator(".field--error .field-error").first.inner_text()
    assert error_text, "the empty required field should carry its own error"
    expect(summary).to_contain_text(OLD_URL)  # nothing changed
    axe_check(page, "configure: error on the SWML field")
    screenshot(page, "configure-error")
    assert sandbox_requests.count("signalwire", "PUT") == 0

    script.fill(SCRIPT_URL)
    watch_live_region(page)
    page.get_by_role("button", name="Save").click()

    expect(summary).to_contain_text(SCRIPT_URL)
    expect(summary).not_to_contain_text(OLD_URL)
    assert_announced(page, "Saved")
    assert_focus_inside(page, "#configure-form", "saving")
    axe_check(page, "configure: saved")
    assert sandbox_requests.count("signalwire", "PUT") == 1
    upstream = SandboxNumber.objects.get(number="+14155550142").config
    assert upstream["call_handler"] == "relay_script"
    assert upstream["call_relay_script_url"] == SCRIPT_URL
    # SignalWire keeps every pointer: the webhook URL the form did not show is left as it was.
    assert upstream["call_request_url"] == OLD_URL

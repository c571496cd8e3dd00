"""Support staff move ten numbers to a new webhook with a before → after preview, then roll one of
them back from its timeline."""

import re

import pytest
from playwright.sync_api import expect

from numbers_admin import roles
from numbers_admin.sandbox.models import SandboxNumber
from tests.e2e.conftest import assert_announced, axe_check, screenshot

pytestmark = pytest.mark.e2e

OLD = "https://old.example.com/voice"
NEW = "https://new.example.com/voice"
TEN = [f"+1415555{n:04d}" for n in range(110, 120)]


def upstream_urls():
    return {
        n.number: n.config.get("call_request_url")
        for n in SandboxNumber.objects.filter(number__in=TEN)
    }


def test_support_bulk_configures_ten_numbers_then_rolls_one_back(
    login_as, signalwire_account, carrier_numbers, sandbox_requests
):
    numbers = carrier_numbers(
        signalwire_account,
        TEN,
        name="Sales",
        call_handler="laml_webhooks",
        call_request_url=OLD,
        call_request_method="POST",
    )
    page = login_as(roles.SUPPORT)
    page.goto("/numbers/")
    page.get_by_label("Select every number on this page").check()
    for box in page.get_by_role("checkbox", name=re.compile(r"^Select \+1")).all():
        expect(box).to_be_checked()
    page.get_by_role("button", name="Configure selected…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Change many numbers")
    expect(page.get_by_text("10 numbers selected")).to_be_visible()
    axe_check(page, "bulk: choose the changes")
    page.get_by_label("Calls webhook URL").fill(NEW)
    page.get_by_role("button", name="Preview the changes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview the changes")
    main = page.get_by_role("main")
    expect(main).to_contain_text(re.compile(r"10\s+numbers will change"))
    preview_rows = page.get_by_role("table").locator("tbody tr")
    expect(preview_rows).to_have_count(10)
    for row in preview_rows.all():  # before → after for every number
        expect(row).to_contain_text(OLD)
        expect(row).to_contain_text(NEW)
    axe_check(page, "bulk: preview")
    screenshot(page, "bulk-preview")
    assert sandbox_requests.count("signalwire", "PUT") == 0  # nothing sent before applying

    page.get_by_role("button", name="Apply to 10 numbers").dblclick()
    job_box = page.locator("#job-progress")
    expect(job_box).to_contain_text(re.compile(r"10 of 10"), timeout=20_000)
    expect(page.locator("#job-items tbody tr")).to_have_count(10)
    axe_check(page, "bulk: job finished")
    screenshot(page, "bulk-job")
    page.wait_for_load_state("networkidle")
    assert sandbox_requests.count("signalwire", "PUT") == 10  # once each, despite the double click
    assert set(upstream_urls().values()) == {NEW}

    # Roll the first number back from its timeline.
    first = numbers[0]
    page.goto(f"/numbers/{first.pk}/")
    history = page.get_by_role("region", name="History")
    history.get_by_role("link", name="Restore this configuration…").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Restore the settings from before this change"
    )
    change = page.get_by_role("table", name="What will change")
    expect(change).to_contain_text(NEW)
    expect(change).to_contain_text(OLD)
    axe_check(page, "rollback: preview")
    screenshot(page, "rollback-preview")
    page.get_by_role("button", name=re.compile(r"Restore 1 setting")).click()

    assert_announced(page, "Restored the settings")
    expect(page.locator("#routing-summary")).to_contain_text(OLD)
    axe_check(page, "rollback: done")
    urls = upstream_urls()
    assert urls.pop(first.number) == OLD
    assert set(urls.values()) == {NEW}  # the other nine keep the new webhook

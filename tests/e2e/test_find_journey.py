"""Anyone answering "what is this number and where does it go?": type it the way people say it,
open it, read the routing in plain words. Each role sees only the buttons it may use."""

import re

import pytest
from playwright.sync_api import expect

from numbers_admin import roles
from tests.e2e.conftest import axe_check, screenshot

pytestmark = pytest.mark.e2e

SUPPORT_URL = "https://support.example.com/voice"


@pytest.fixture
def inventory(signalwire_account, carrier_numbers):
    numbers = carrier_numbers(
        signalwire_account,
        ["+14155550100", "+14155550142", "+14155550199", "+12125550123"],
        name="Line",
    )
    support = carrier_numbers(
        signalwire_account,
        ["+14155550177"],
        name="Support line",
        call_handler="laml_webhooks",
        call_request_url=SUPPORT_URL,
        call_request_method="POST",
    )
    return [*numbers, *support]


def test_viewer_finds_a_number_typed_in_national_format_and_reads_its_routing(login_as, inventory):
    page = login_as(roles.VIEWER)
    page.goto("/numbers/")
    expect(page.get_by_role("row")).to_have_count(6)  # header + 5 numbers
    axe_check(page, "numbers: all")
    screenshot(page, "numbers")

    search = page.get_by_role("searchbox", name="Search")
    search.click()
    search.press_sequentially("(415) 555-0177", delay=20)
    # Updates in place as you type; the caret stays in the box, and the count is announced.
    status = page.locator("#result-status")
    expect(status).to_have_text("1 number found.")
    expect(status).to_have_attribute("role", "status")
    expect(search).to_be_focused()
    expect(page).to_have_url(re.compile(r"q=(\(|%28)415(\)|%29)"))  # shareable: in the URL
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Support line")
    axe_check(page, "numbers: search results swapped in")

    rows.first.get_by_role("link", name="(415) 555-0177").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("+1 415-555-0177")
    routing = page.get_by_role("region", name="Where calls and texts go")
    expect(routing).to_contain_text(f"Calls go to {SUPPORT_URL}")
    expect(routing).to_contain_text("POST")
    # A viewer reads; the change and release buttons are not offered.
    expect(page.get_by_role("link", name="Change routing")).to_have_count(0)
    expect(page.get_by_role("link", name="Release…")).to_have_count(0)
    axe_check(page, "number detail")
    screenshot(page, "number-detail")


def test_back_button_returns_to_the_same_search(login_as, inventory):
    page = login_as(roles.VIEWER)
    page.goto("/numbers/")
    search = page.get_by_role("searchbox", name="Search")
    search.click()
    search.press_sequentially("(415) 555-0177", delay=20)
    expect(page.locator("#result-status")).to_have_text("1 number found.")
    page.locator("#results tbody tr").first.get_by_role("link", name="(415) 555-0177").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("+1 415-555-0177")

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Numbers", timeout=3000)
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("(415) 555-0177")
    expect(page.locator("#results tbody tr")).to_have_count(1)


def test_a_search_that_matches_nothing_says_so(login_as, inventory):
    page = login_as(roles.VIEWER)
    page.goto("/numbers/?q=999999")
    expect(page.get_by_role("heading", name="No numbers match")).to_be_visible()
    axe_check(page, "numbers: no match")


@pytest.mark.parametrize(
    ("role", "can_change", "can_release"),
    [(roles.VIEWER, False, False), (roles.SUPPORT, True, False), (roles.ADMIN, True, True)],
)
def test_number_page_offers_each_role_only_its_actions(
    login_as, inventory, role, can_change, can_release
):
    number = inventory[-1]
    page = login_as(role)
    page.goto(f"/numbers/{number.pk}/")
    expect(page.get_by_role("link", name="Change routing")).to_have_count(int(can_change))
    expect(page.get_by_role("link", name="Release…")).to_have_count(int(can_release))
    page.goto("/numbers/")
    expect(page.get_by_role("button", name="Configure selected…")).to_have_count(int(can_change))
    expect(page.get_by_role("button", name="Release selected…")).to_have_count(int(can_release))

"""An admin buys a number through the guided flow. A double click on confirm buys once; the whole
flow works from the keyboard alone; a carrier timeout is explained and never causes a second buy."""

import re

import pytest
from playwright.sync_api import expect

from numbers_admin import roles
from numbers_admin.models import Operation, PhoneNumber
from tests.e2e.conftest import assert_focus_inside, axe_check, screenshot

pytestmark = pytest.mark.e2e

FLOW = "#buy-flow"


def purchases(sandbox_requests, space):
    """Purchase requests that reached the sandbox (a POST creating a number)."""
    if space == "twilio":
        return sandbox_requests.count("twilio", "POST", "IncomingPhoneNumbers")
    return sandbox_requests.count("signalwire", "POST", "/phone_numbers")


def search_form(page):
    # Twilio pages have a second "Area code" box ("any number in an area code"); use the search's.
    return page.locator("form").filter(
        has=page.get_by_role("heading", name="Search for available numbers")
    )


def search_area_code(page, account_name, area_code, *, shots=False):
    """Steps 1-4 with the mouse; checks focus and axe after every htmx swap."""
    page.goto("/buy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Buy numbers")
    axe_check(page, "buy: account step")
    if shots:
        screenshot(page, "buy-1-account")
    page.get_by_label(account_name).check()
    page.get_by_role("button", name="Next: country").click()

    expect(page.get_by_label("Country of the number")).to_be_visible()
    assert_focus_inside(page, FLOW, "choosing the account")
    expect(page.locator(".steps [aria-current=step]")).to_have_text("Country")
    axe_check(page, "buy: country step")
    page.get_by_label("Country of the number").select_option("US")
    page.get_by_role("button", name="Next: how to search").click()

    expect(page.get_by_role("heading", name="Search for available numbers")).to_be_focused()
    axe_check(page, "buy: search step")
    if shots:
        screenshot(page, "buy-3-search")
    search_form(page).get_by_label("Area code").fill(area_code)
    page.get_by_role("button", name="Search", exact=True).click()

    caption = page.get_by_text(re.compile(r"available numbers?: pick one or several"))
    expect(caption).to_be_focused()
    axe_check(page, "buy: results")
    if shots:
        screenshot(page, "buy-4-results")


def test_double_click_on_confirm_buys_exactly_once(login_as, twilio_account, sandbox_requests):
    page = login_as(roles.ADMIN)
    search_area_code(page, twilio_account.name, "503", shots=True)
    first = page.locator("tbody tr").first
    number_text = first.locator("label").inner_text()
    town = first.locator("td").nth(2).inner_text()  # 503 is Oregon: Portland, Salem, Stayton…
    first.get_by_role("checkbox").check()
    page.get_by_role("button", name="Review selected").click()

    expect(page.get_by_role("heading", name="Check before buying")).to_be_focused()
    review = page.locator(FLOW)
    expect(review).to_contain_text(twilio_account.name)
    expect(review).to_contain_text(f"{town}, OR")
    page.get_by_label("Name").fill("Oregon support line")
    axe_check(page, "buy: review")
    screenshot(page, "buy-5-review")
    assert purchases(sandbox_requests, "twilio") == 0

    page.get_by_role("button", name="Buy 1 number").dblclick()

    expect(page.get_by_role("heading", name="Done")).to_be_focused()
    expect(page.locator(FLOW)).to_contain_text("Bought")
    axe_check(page, "buy: result")
    screenshot(page, "buy-6-done")
    page.wait_for_load_state("networkidle")  # let a stray second submit land, if there is one
    assert purchases(sandbox_requests, "twilio") == 1
    assert Operation.objects.filter(kind="purchase").count() == 1
    bought = PhoneNumber.objects.get()
    assert bought.name == "Oregon support line"
    assert bought.national_format.replace(" ", "") in number_text.replace(" ", "")


def test_double_submit_without_javascript_still_buys_once(
    browser, live_server, users, twilio_account, sandbox_requests
):
    """No app.js, no htmx: the browser really posts the confirmation twice. The idempotency key
    in the form makes the server buy once and show both requests the same outcome."""
    from django.test import Client

    from tests.e2e.conftest import LAPTOP

    ctx = browser.new_context(base_url=live_server.url, viewport=LAPTOP, java_script_enabled=False)
    ctx.set_default_timeout(10_000)
    try:
        client = Client()
        client.force_login(users(roles.ADMIN))
        ctx.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = ctx.new_page()
        confirm_posts = []
        page.on(
            "request",
            lambda r: (
                confirm_posts.append(r) if r.method == "POST" and "/buy/confirm" in r.url else 0
            ),
        )
        page.goto(f"/buy/?account={twilio_account.pk}&country=US&search=1&kind=local&area_code=503")
        page.locator("tbody tr").first.get_by_role("checkbox").check()
        page.get_by_role("button", name="Review selected").click()
        page.get_by_role("button", name="Buy 1 number").dblclick()
        expect(page.get_by_role("heading", name="Done")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert purchases(sandbox_requests, "twilio") == 1
        # The same confirmation sent once more (back, then submit again) shows the same result.
        sent = len(confirm_posts)
        page.go_back()
        expect(page.get_by_role("heading", name="Check before buying")).to_be_visible()
        page.get_by_role("button", name="Buy 1 number").click()
        expect(page.get_by_role("heading", name="Done")).to_be_visible()
        expect(page.get_by_text("Bought", exact=True)).to_be_visible()
        assert len(confirm_posts) == sent + 1 >= 2, "the browser should have posted again"
        assert purchases(sandbox_requests, "twilio") == 1
        assert PhoneNumber.objects.count() == 1
    finally:
        ctx.close()


def tab_to(page, locator, *, max_presses=60, key="Tab"):
    """Press Tab (only the keyboard) until ``locator`` has focus; fail if it never does."""
    for _ in range(max_presses):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{locator} never received focus after {max_presses} presses of {key}")


def test_buy_journey_with_the_keyboard_alone(login_as, signalwire_account, sandbox_requests):
    page = login_as(roles.ADMIN)
    page.goto("/")
    # From the page's top: Tab to the menu's "Buy" and press Enter.
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Buy"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Buy numbers")

    radio = page.get_by_label(signalwire_account.name)
    tab_to(page, radio)
    page.keyboard.press("Space")
    expect(radio).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Next: country"))
    page.keyboard.press("Enter")

    # After the swap focus is in the new step, so the next Tab reaches its controls directly.
    country = page.get_by_label("Country of the number")
    expect(country).to_be_visible()
    assert_focus_inside(page, FLOW, "choosing the account")
    tab_to(page, country, max_presses=3)
    tab_to(page, page.get_by_role("button", name="Next: how to search"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Search for available numbers")).to_be_focused()
    area = search_form(page).get_by_label("Area code")
    tab_to(page, area, max_presses=6)
    page.keyboard.type("503")
    page.keyboard.press("Enter")  # Enter in a text box submits its form

    caption = page.get_by_text(re.compile(r"available numbers?: pick one or several"))
    expect(caption).to_be_focused()
    first_box = page.locator("tbody tr").first.get_by_role("checkbox")
    tab_to(page, first_box, max_presses=3)
    page.keyboard.press("Space")
    expect(first_box).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Review selected"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Check before buying")).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Buy 1 number"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Done")).to_be_focused()
    expect(page.locator(FLOW)).to_contain_text("Bought")
    axe_check(page, "buy (keyboard): result")
    assert purchases(sandbox_requests, "signalwire") == 1
    assert PhoneNumber.objects.filter(account=signalwire_account).count() == 1


@pytest.mark.parametrize(
    ("fault", "params", "bought", "sentence"),
    [
        # The purchase goes through but the answer comes later than our read timeout: the
        # dashboard looks the number up, finds it, and says it was bought (once).
        ("slow", {"seconds": 7}, True, r"Bought \+1 503"),
        # The connection drops before the carrier handles it: nothing bought, and the page says
        # so in words, with the way forward.
        ("drop", {}, False, r"nothing was bought and nothing was charged\. You can try again"),
    ],
    ids=["timeout-after-commit", "dropped-before-commit"],
)
def test_a_carrier_fault_is_explained_and_never_buys_twice(
    login_as, twilio_account, sandbox_faults, sandbox_requests, fault, params, bought, sentence
):
    from numbers_admin.sandbox.models import SandboxNumber

    page = login_as(roles.ADMIN)
    search_area_code(page, twilio_account.name, "503")
    page.locator("tbody tr").first.get_by_role("checkbox").check()
    page.get_by_role("button", name="Review selected").click()
    expect(page.get_by_role("heading", name="Check before buying")).to_be_focused()

    sandbox_faults.inject("twilio", fault, count=1, method="POST", **params)
    page.get_by_role("button", name="Buy 1 number").dblclick()

    heading = page.locator(FLOW).get_by_role("heading", level=2).first
    expect(heading).to_be_focused(timeout=30_000)
    expect(heading).to_have_text("Done" if bought else "Nothing was bought")
    expect(page.locator(FLOW)).to_contain_text(re.compile(sentence))
    axe_check(page, f"buy: carrier fault ({fault})")
    if not bought:
        screenshot(page, "buy-fault")
    page.wait_for_load_state("networkidle")
    # One confirmation, one request to the carrier, and our record matches the carrier's.
    assert purchases(sandbox_requests, "twilio") == 1
    assert Operation.objects.filter(kind="purchase").count() == 1
    assert SandboxNumber.objects.filter(space="twilio").count() == (1 if bought else 0)
    assert PhoneNumber.objects.count() == (1 if bought else 0)

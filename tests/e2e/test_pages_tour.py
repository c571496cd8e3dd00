"""Every main page, with a little of everything in it: it loads, passes axe, does not scroll
sideways on a phone, and is photographed at laptop and phone widths (test-artifacts/screenshots/)."""

import pytest
from playwright.sync_api import expect

from numbers_admin import roles
from numbers_admin.models import Job
from tests.e2e.conftest import axe_check, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def mixed_inventory(signalwire_account, twilio_account, carrier_numbers):
    sw = carrier_numbers(
        signalwire_account,
        ["+14155550120", "+14155550121"],
        name="Front desk",
        call_handler="laml_webhooks",
        call_request_url="http://plain.example.com/voice",  # plain http: flagged on the overview
    )
    sw += carrier_numbers(signalwire_account, ["+18005550122"], name="Toll-free, no handler")
    tw = carrier_numbers(
        twilio_account,
        ["+15035550123"],
        name="Portland",
        call_handler="laml_webhooks",
        call_request_url="https://example.com/voice",
    )
    return sw + tw


PAGES = [
    ("overview", "/"),
    ("numbers", "/numbers/"),
    ("activity", "/activity/"),
    ("accounts", "/accounts/"),
    ("buy", "/buy/"),
    ("import", "/import/"),
    ("import-bulk", "/import/bulk/"),
    ("users", "/users/"),
    ("users-add", "/users/add/"),
]


def test_tour_of_the_main_pages(login_as, mixed_inventory):
    page = login_as(roles.ADMIN)
    detail = mixed_inventory[0]
    twilio_number = mixed_inventory[-1]
    sync_job = Job.objects.filter(kind=Job.Kind.SYNC).order_by("pk").first()
    pages = [
        *PAGES,
        ("number-detail-sw", f"/numbers/{detail.pk}/"),
        ("configure-twilio", f"/numbers/{twilio_number.pk}/configure/"),
        ("release-confirm-tw", f"/numbers/{twilio_number.pk}/release/"),
        ("job-sync", f"/jobs/{sync_job.pk}/"),
        ("password", "/password/"),
    ]
    for name, url in pages:
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe_check(page, name)
        screenshot(page, name)


def test_sign_in_page(page):
    page.goto("/login/")
    axe_check(page, "sign-in")
    screenshot(page, "sign-in")

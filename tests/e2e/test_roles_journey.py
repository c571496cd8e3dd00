"""Signing in as each role: everyone sees only what they may use, and a forbidden address typed by
hand gets the 403 page that names the role needed."""

import re

import pytest
from playwright.sync_api import expect

from numbers_admin import roles
from tests.e2e.conftest import PASSWORD, assert_focus_inside, axe_check, screenshot

pytestmark = pytest.mark.e2e

ALL_SECTIONS = ["Overview", "Numbers", "Buy", "Import", "Activity", "Accounts", "Users"]
SECTIONS = {
    roles.VIEWER: ["Overview", "Numbers", "Activity"],
    roles.SUPPORT: ["Overview", "Numbers", "Activity"],
    roles.ADMIN: ALL_SECTIONS,
}
# Addresses a role may not use, typed by hand, and the role the 403 page must name.
FORBIDDEN = {
    roles.VIEWER: [
        ("/buy/", roles.ADMIN),
        ("/import/", roles.ADMIN),
        ("/accounts/", roles.ADMIN),
        ("/users/", roles.ADMIN),
        ("/numbers/1/configure/", roles.SUPPORT),
        ("/numbers/1/release/", roles.ADMIN),
        ("/numbers/bulk/configure/", roles.SUPPORT),
    ],
    roles.SUPPORT: [
        ("/buy/", roles.ADMIN),
        ("/import/", roles.ADMIN),
        ("/accounts/", roles.ADMIN),
        ("/users/", roles.ADMIN),
        ("/numbers/1/release/", roles.ADMIN),
        ("/numbers/bulk/release/", roles.ADMIN),
    ],
    roles.ADMIN: [],
}


def sign_in(page, username):
    page.goto("/numbers/")
    # Not signed in: the app sends us to the sign-in page, remembering where we were going.
    expect(page).to_have_url(re.compile(r"/login/\?next=/numbers/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/numbers/$"))


@pytest.mark.parametrize("role", [roles.VIEWER, roles.SUPPORT, roles.ADMIN])
def test_each_role_sees_only_what_it_may_use(page, users, role):
    user = users(role)
    sign_in(page, user.username)

    header = page.get_by_role("banner")
    expect(header).to_contain_text(user.username)
    expect(header).to_contain_text(role)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(SECTIONS[role])
    expect(nav.get_by_role("link", name="Numbers")).to_have_attribute("aria-current", "page")
    axe_check(page, f"numbers page as {role}")

    for path, needed in FORBIDDEN[role]:
        response = page.goto(path)
        assert response.status == 403, f"{role} typing {path} got {response.status}"
        expect(page.get_by_role("heading", level=1)).to_have_text("You can't do this")
        expect(page.get_by_role("main")).to_contain_text(f"This needs the {needed} role")
        # The way out is right there, and the menu still shows only the role's sections.
        expect(page.get_by_role("link", name="Back to the overview")).to_be_visible()
        expect(nav.get_by_role("link")).to_have_text(SECTIONS[role])

    if FORBIDDEN[role]:
        axe_check(page, f"403 page as {role}")
        screenshot(page, "forbidden")

    for section in SECTIONS[role]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=section).click()
        expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name=section)
        ).to_have_attribute("aria-current", "page")
        assert page.title().endswith("numbers_admin")


def test_wrong_password_is_explained_and_signing_out_works(page, users):
    user = users(roles.VIEWER)
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("enter a correct username and password")
    axe_check(page, "sign-in page with an error")
    screenshot(page, "sign-in-error")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    # Signed out for real: a page that needs a session sends us back to sign in.
    page.goto("/activity/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/activity/"))


def test_keyboard_user_can_skip_to_content(login_as):
    # (Not on the sign-in page: its username box takes focus on load, as it should.)
    page = login_as(roles.VIEWER)
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused, not only to screen readers
    page.keyboard.press("Enter")
    assert_focus_inside(page, "#main", "following the skip link")


def test_a_user_without_a_role_is_told_to_ask_an_admin(page, users):
    user = users(None)
    sign_in_page = page
    sign_in_page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Landing on the overview needs the Viewer role; the 403 says so rather than looping to login.
    expect(page.get_by_role("heading", level=1)).to_have_text("You can't do this")
    expect(page.get_by_role("main")).to_contain_text("Viewer role")
    expect(page.get_by_role("banner")).to_contain_text("No role")

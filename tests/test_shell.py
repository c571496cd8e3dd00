"""The page shell: login required everywhere, navigation per role, the 403 page, CSP."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from numbers_admin import roles

pytestmark = pytest.mark.django_db

PUBLIC_PREFIXES = ("login", "logout", "healthz", "sandbox/", "admin/", "static/")


def _all_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _all_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _concrete(route: str) -> str:
    """Fill path converters with plausible values so every route can be requested."""
    import re

    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<(?:str|slug|path):[^>]+>", "x", route)
    route = re.sub(r"<[^>]+>", "x", route)
    return "/" + route.lstrip("^").rstrip("$").replace("\\Z", "")


def test_every_page_requires_login(client):
    routes = [r for r in _all_routes() if not r.startswith(PUBLIC_PREFIXES)]
    assert len(routes) >= 6
    for route in routes:
        url = _concrete(route)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_login_page_is_public_and_signs_in(client, viewer):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"Sign in" in page.content
    response = client.post(
        reverse("login"), {"username": "vera", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("overview")).status_code == 200


def test_wrong_password_says_so(client, viewer):
    response = client.post(reverse("login"), {"username": "vera", "password": "nope"})
    assert response.status_code == 200
    assert b"enter a correct username and password" in response.content


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (roles.VIEWER, ["Overview", "Numbers", "Activity"], ["Buy", "Import", "Accounts", "Users"]),
        (
            roles.SUPPORT,
            ["Overview", "Numbers", "Activity"],
            ["Buy", "Import", "Accounts", "Users"],
        ),
        (
            roles.ADMIN,
            ["Overview", "Numbers", "Buy", "Import", "Activity", "Accounts", "Users"],
            [],
        ),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(client, role, visible, hidden):
    from tests.conftest import make_user

    client.force_login(make_user("someone", role))
    html = client.get(reverse("overview")).content.decode()
    nav = html.split('aria-label="Main"')[1].split("</nav>")[0]
    for label in visible:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert f">{label}</a>" not in nav
    assert f">{role}</span>" in html


def test_forbidden_page_names_the_role_needed(viewer_client):
    response = viewer_client.get(reverse("buy:start"))
    assert response.status_code == 403
    assert b"This needs the Admin role" in response.content


def test_user_without_role_is_refused_the_numbers(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(reverse("numbers:list"))
    assert response.status_code == 403
    assert b"Viewer role" in response.content


def test_csp_header_allows_only_our_own_origin(viewer_client):
    response = viewer_client.get(reverse("overview"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "http" not in csp


def test_pages_load_htmx_from_our_static_files_without_inline_script(viewer_client):
    html = viewer_client.get(reverse("overview")).content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, f"inline script found: {tag}"
    assert 'aria-live="polite"' in html


def test_health_check_is_public(client):
    assert client.get("/healthz").content == b"ok"

"""The overview's figures and charts, the Activity page, and the admin for superusers."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from numbers_admin import audit
from tests.numbers.helpers import make_account, make_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory():
    sw = make_account("Main Space")
    tw = make_account("Twilio", "twilio")
    make_number(sw, "+14155550100", call_handler="laml_webhooks",
                call_request_url="https://ok.example.com", e911_address_id="a1")  # fmt: skip
    make_number(sw, "+14155550101", call_handler="laml_webhooks",
                call_request_url="http://plain.example.com")  # fmt: skip
    make_number(sw, "+14155550102", message_request_url="HTTP://shouting.example.com")
    make_number(tw, "+18005550123", kind="toll_free", call_handler="relay_script",
                call_relay_script_url="https://x.example.com/s.yaml")  # fmt: skip
    make_number(tw, "+442079460018", call_handler="relay_script", call_relay_script_url="https://y")
    make_number(tw, "+442079460019", released_at=datetime(2026, 1, 1, tzinfo=UTC))
    return sw, tw


def _html(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _table(html, title):
    """{row label: count} of the table under the chart titled ``title``."""
    section = html.split(f">{title}</h2>")[1].split("</section>")[0]
    table = section.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(
        r'<th scope="row">(?:<a href="[^"]*">)?([^<]+)(?:</a>)?</th>\s*<td class="num">([\d,]+)</td>',
        table,
    )
    return {label: int(count.replace(",", "")) for label, count in rows}


def test_overview_totals_and_things_to_fix(viewer_client, inventory):
    html = _html(viewer_client, reverse("overview"))
    assert re.search(r'<p class="stat">5</p>\s*<p class="stat-label">numbers in service', html)
    assert "(and 1 released)" in html
    # No call handler: one (the released number without one is not counted).
    assert re.search(
        r'<p class="stat">1</p>\s*<p class="stat-label">where nobody answers calls', html
    )
    # Plain http, in any case, on any webhook.
    assert re.search(r'<p class="stat">2</p>\s*<p class="stat-label">with a webhook on plain', html)
    assert ">+14155550101</a>" in html and ">+14155550102</a>" in html
    # US voice numbers (not toll-free) without an E911 address.
    assert re.search(r'<p class="stat">2</p>\s*<p class="stat-label">US voice numbers', html)
    assert 'href="/numbers/?call_handler=none"' in html


def test_overview_charts_have_readable_tables(viewer_client, inventory):
    html = _html(viewer_client, reverse("overview"))
    assert _table(html, "Numbers by account") == {"Main Space": 3, "Twilio": 2}
    assert _table(html, "Numbers by country") == {"United States": 4, "United Kingdom": 1}
    assert _table(html, "Numbers by type") == {"Local": 4, "Toll-free": 1}
    assert _table(html, "Numbers by call handling") == {
        "Send calls to a webhook (cXML)": 2,
        "Run a SWML script": 2,
        "No call handler": 1,
    }


def test_charts_are_svg_with_a_name_and_no_inline_style(viewer_client, inventory):
    html = _html(viewer_client, reverse("overview"))
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert 'role="img"' in svg
        label = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
        assert f'<title id="{label}">' in svg
        assert "style=" not in svg
    assert "style=" not in html.split("<main")[1]
    # Bars are as wide as their share: 3 of Main Space is the widest.
    account_svg = svgs[0]
    widths = [int(w) for w in re.findall(r'<rect[^>]* width="(\d+)"', account_svg)]
    assert widths[0] > widths[1] > 0


def test_overview_lists_recent_changes(viewer_client, inventory, viewer):
    for i in range(12):
        audit.record(
            action="edit", actor=viewer, number=f"+1415555{i:04d}", changes={"notes": ["", str(i)]}
        )
    html = _html(viewer_client, reverse("overview"))
    recent = html.split(">Recent changes</h2>")[1]
    assert "+14155550011" in recent and "+14155550002" in recent
    assert "+14155550001" not in recent  # only the last ten


def test_overview_with_no_numbers_points_to_accounts(admin_client_):
    html = _html(admin_client_, reverse("overview"))
    assert "No numbers yet" in html and f'href="{reverse("accounts:list")}"' in html


# --- activity ------------------------------------------------------------------------------------


@pytest.fixture
def events(viewer, support):
    account = make_account()
    pn = make_number(account, "+14155550100")
    first = audit.record(action="configure", actor=support, phone_number=pn, request_id="rq-1",
                         changes={"call_request_url": ["https://a", "https://b"]})  # fmt: skip
    first.at = datetime(2026, 1, 10, 12, tzinfo=UTC)
    first.save()
    second = audit.record(action="sync_changed", actor_label="upstream", phone_number=pn,
                          changes={"name": ["x", "y"]})  # fmt: skip
    second.at = datetime(2026, 2, 10, 12, tzinfo=UTC)
    second.save()
    third = audit.record(action="release", actor=support, number="+18005550123",
                         outcome="failed", message="Too soon")  # fmt: skip
    third.at = datetime(2026, 3, 10, 12, tzinfo=UTC)
    third.save()
    return first, second, third


def _activity_numbers(html):
    return re.findall(r"<td>(?:<a [^>]*>)?(\+\d+)(?:</a>)?</td>", html)


def test_activity_lists_every_event_newest_first(viewer_client, events):
    html = _html(viewer_client, reverse("activity"))
    assert "3 events" in html
    first_rows = html.split("<tbody>")[1]
    assert (
        first_rows.index("Released")
        < first_rows.index("Changed at the carrier")
        < first_rows.index("Configured")
    )
    assert "<del>https://a</del>" in html and "<ins>https://b</ins>" in html
    assert "request rq-1" in html


@pytest.mark.parametrize(
    ("params", "expected_actions"),
    [
        ({"action": "configure"}, ["Configured"]),
        ({"outcome": "failed"}, ["Released"]),
        ({"actor": "upstream"}, ["Changed at the carrier"]),
        ({"actor": "SAM"}, ["Released", "Configured"]),
        ({"number": "(800) 555"}, ["Released"]),
        ({"since": "2026-02-01"}, ["Released", "Changed at the carrier"]),
        ({"until": "2026-02-10"}, ["Changed at the carrier", "Configured"]),
        ({"since": "2026-02-10", "until": "2026-02-10"}, ["Changed at the carrier"]),
    ],
)
def test_activity_filters(viewer_client, events, params, expected_actions):
    html = _html(viewer_client, reverse("activity"), **params)
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    shown = re.findall(r"<td>(Configured|Released|Changed at the carrier)", body)
    assert shown == expected_actions


def test_activity_filter_by_account(viewer_client, events):
    other = make_account("Other")
    html = _html(viewer_client, reverse("activity"), account=other.pk)
    assert "Nothing matches" in html


def test_activity_date_range_backwards_is_an_error_on_the_field(viewer_client, events):
    html = _html(viewer_client, reverse("activity"), since="2026-03-01", until="2026-01-01")
    assert "“Until” must be on or after “From”." in html


def test_activity_csv_is_the_same_filter(viewer_client, events):
    response = viewer_client.get(reverse("activity_export"), {"actor": "sam"})
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["What"] for r in rows] == ["Released", "Configured"]
    assert rows[1]["Changes"] == "call_request_url: https://a → https://b"
    assert rows[1]["Request id"] == "rq-1"
    assert rows[0]["Outcome"] == "Failed" and rows[0]["Message"] == "Too soon"
    assert rows[1]["When (UTC)"] == "2026-01-10T12:00:00+00:00"


def test_activity_htmx_gets_the_results_only(viewer_client, events):
    response = viewer_client.get(
        reverse("activity"), {"action": "release"},
        headers={"HX-Request": "true", "HX-Target": "activity-results"},
    )  # fmt: skip
    html = response.content.decode()
    assert "<html" not in html and "Released" in html and "Configured" not in html
    assert "HX-Request" in response["Vary"]


def test_activity_pages(viewer_client, viewer):
    for i in range(55):
        audit.record(action="edit", actor=viewer, number=f"+1415555{i:04d}")
    html = _html(viewer_client, reverse("activity"))
    assert "Page 1 of 2" in html and 'rel="next"' in html
    html = _html(viewer_client, reverse("activity"), page=2)
    assert "+14155550000" in html and "+14155550054" not in html


def test_activity_needs_a_role(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse("activity")).status_code == 403


def test_no_activity_yet(viewer_client):
    assert "No activity yet" in _html(viewer_client, reverse("activity"))


# --- admin ---------------------------------------------------------------------------------------


def test_admin_is_for_superusers_and_searches_numbers_and_names(client, admin_user, inventory):
    make_number(inventory[0], "+12125550100", name="Reception")
    admin_user.is_staff = True  # staff with the Admin role is still not a superuser
    admin_user.save()
    client.force_login(admin_user)
    url = reverse("admin:numbers_admin_phonenumber_changelist")
    assert client.get(url).status_code == 302
    superuser = User.objects.create_superuser("root", "root@example.com", "pw-long-enough-1")
    client.force_login(superuser)
    html = client.get(url, {"q": "Reception"}).content.decode()
    assert "+12125550100" in html and "+14155550100" not in html
    html = client.get(url, {"q": "4155550"}).content.decode()
    assert "+14155550100" in html and "+12125550100" not in html

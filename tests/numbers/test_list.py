"""The Numbers page: what each role sees, htmx partials, empty states, pages, saved views, CSV."""

import csv
import io

import pytest
from django.urls import reverse

from numbers_admin import search
from numbers_admin.models import SavedView
from tests.conftest import make_user
from tests.numbers.helpers import make_account, make_number

pytestmark = pytest.mark.django_db
URL = "/numbers/"


@pytest.fixture
def inventory():
    sw = make_account()
    return [
        make_number(
            sw, "+14155550100", name="Front desk", tags=["vip"], call_handler="laml_webhooks"
        ),
        make_number(sw, "+14155550199", name='=HYPERLINK("http://evil")'),
        make_number(sw, "+18005550123", name="Hotline", kind="toll_free"),
        make_number(sw, "+442079460018", name="London office"),
    ]


def _html(response):
    return response.content.decode()


def test_url_name_and_full_page(viewer_client, inventory):
    assert reverse("numbers:list") == URL
    response = viewer_client.get(URL)
    html = _html(response)
    assert response.status_code == 200
    assert "<html" in html and 'id="filters"' in html and 'id="results"' in html
    assert "(415) 555-0100" in html and "Front desk" in html
    assert "<strong>4</strong> numbers" in html


def test_htmx_request_gets_only_the_results(viewer_client, inventory):
    response = viewer_client.get(
        URL, {"q": "415 555"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    html = _html(response)
    assert response.status_code == 200
    assert "<html" not in html and 'id="filters"' not in html
    assert "(415) 555-0100" in html and "London office" not in html
    # The screen-reader status outside the swapped area is updated out of band.
    assert 'id="result-status"' in html and 'hx-swap-oob="true"' in html
    assert "2 numbers found." in html
    # The fragment and the page share a URL: Back must not be served the fragment from cache.
    assert "HX-Request" in response["Vary"]
    assert "HX-Request" in viewer_client.get(URL)["Vary"]


def test_search_box_updates_as_you_type_and_keeps_state_in_the_url(viewer_client, inventory):
    html = _html(viewer_client.get(URL, {"q": "(415) 555-01", "country": "US"}))
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-push-url="true"' in html
    assert 'value="(415) 555-01"' in html  # the box shows what was typed
    assert '<option value="US" selected>' in html
    # The filter form keeps the caret where it is when results are swapped in.
    assert 'id="filters"' in html and "data-keep-focus" in html


def test_ticked_filters_stay_ticked(viewer_client, inventory):
    html = _html(viewer_client.get(URL, {"capability": ["voice", "mms"], "released": "on"}))
    assert (
        '<input type="checkbox" name="capability" value="voice" id="id_capability_0" checked>'
        in html
    )
    assert '<input type="checkbox" name="capability" value="sms" id="id_capability_1">' in html
    assert 'value="mms" id="id_capability_2" checked>' in html
    assert '<input type="checkbox" name="released" id="id_released" checked>' in html
    assert '<label for="id_released">Show released numbers</label>' in html
    html = _html(viewer_client.get(URL, {"capability": "teleport"}))
    assert 'id="id_capability_0" aria-invalid="true">' in html
    assert '<input type="checkbox" name="released" id="id_released">' in html


def test_viewer_sees_no_selection_or_edit_controls(viewer_client, inventory):
    html = _html(viewer_client.get(URL))
    assert 'name="selected"' not in html
    assert "Configure selected" not in html and "Release selected" not in html
    assert ">Edit<" not in html


def test_support_can_configure_and_edit_but_not_release(support_client, inventory):
    html = _html(support_client.get(URL, {"country": "US"}))
    assert f'name="selected" value="{inventory[0].pk}"' in html
    assert (
        f'<label class="visually-hidden" for="select-{inventory[0].pk}">Select +1 415-555-0100</label>'
        in html
    )
    assert 'data-select-all="selected"' in html
    assert f'formaction="{reverse("configure:bulk")}"' in html and "Configure selected…" in html
    assert "Release selected" not in html
    assert '<input type="hidden" name="filter" value="country=US">' in html
    assert 'name="all_matching" value="1"' in html
    assert ">Edit<" in html


def test_admin_can_release_selected(admin_client_, inventory):
    html = _html(admin_client_.get(URL))
    assert f'formaction="{reverse("release:bulk")}"' in html and "Release selected…" in html


def test_no_numbers_at_all_points_admins_to_accounts_and_buy(admin_client_):
    html = _html(admin_client_.get(URL))
    assert "No numbers yet" in html
    assert f'href="{reverse("accounts:list")}"' in html
    assert f'href="{reverse("buy:start")}"' in html


def test_no_numbers_at_all_tells_others_to_ask_an_admin(viewer_client):
    html = _html(viewer_client.get(URL))
    assert "No numbers yet" in html and "Ask an admin" in html
    assert reverse("accounts:list") not in html.split('id="results"')[1]


def test_no_matches_offers_to_clear_filters(viewer_client, inventory):
    html = _html(viewer_client.get(URL, {"q": "nothing-like-this"}))
    assert "No numbers match" in html and "“nothing-like-this”" in html
    assert "Clear filters" in html


def test_middle_digits_say_they_were_found_anywhere(viewer_client, inventory):
    html = _html(viewer_client.get(URL, {"q": "0123"}))
    assert "anywhere in them" in html and "(800) 555-0123" in html
    html = _html(viewer_client.get(URL, {"q": "415"}))
    assert "Find them anywhere in the number instead" in html


def test_sort_is_applied(viewer_client, inventory):
    html = _html(viewer_client.get(URL, {"sort": "-name"}))
    order = [html.index(name) for name in ("London office", "Hotline", "Front desk")]
    assert order == sorted(order)
    assert 'aria-sort="descending"' in html


def test_pages_walk_with_cursors_and_numbered_links(viewer_client, monkeypatch):
    account = make_account()
    for i in range(120):
        make_number(account, f"+1212555{i:04d}")
    html = _html(viewer_client.get(URL))
    assert "Page 1 of 3" in html and "(212) 555-0049" in html and "(212) 555-0050" not in html
    next_url = (
        html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    )
    assert "after=" in next_url and "page=2" in next_url
    page2 = _html(viewer_client.get(URL + next_url))
    assert "(212) 555-0050" in page2 and "(212) 555-0099" in page2 and "(212) 555-0049" not in page2
    assert "Page 2 of 3" in page2 and "showing 51–100" in page2
    page3 = _html(viewer_client.get(URL, {"page": 3}))
    assert "(212) 555-0100" in page3 and "(212) 555-0119" in page3
    assert 'rel="next"' not in page3


def test_large_results_show_a_capped_count_and_fetch_the_exact_one(viewer_client, monkeypatch):
    account = make_account()
    for i in range(12):
        make_number(account, f"+1212555{i:04d}")
    real = search.capped_count
    monkeypatch.setattr("numbers_admin.views.numbers.capped_count", lambda qs: real(qs, cap=10))
    monkeypatch.setattr("numbers_admin.views.numbers.COUNT_CAP", 10)
    html = _html(viewer_client.get(URL, {"country": "US"}))
    assert "More than <strong>10</strong> numbers" in html
    count_url = reverse("numbers:count") + "?country=US"
    assert f'hx-get="{count_url}"' in html
    assert "12 in all, 1 page" in _html(viewer_client.get(count_url))


def test_saved_views_are_per_user(client, viewer, support, inventory):
    client.force_login(viewer)
    response = client.post(
        reverse("numbers:save_view"),
        {
            "name": "Toll-free   without a handler",
            "query": "kind=toll_free&call_handler=none&page=3",
        },
    )
    assert response.status_code == 302
    view = SavedView.objects.get(user=viewer)
    assert view.name == "Toll-free without a handler"
    assert view.query == "kind=toll_free&call_handler=none"  # the filter, not the position
    html = _html(client.get(URL))
    assert (
        'href="/numbers/?kind=toll_free&amp;call_handler=none">Toll-free without a handler</a>'
        in html
    )

    client.force_login(support)
    assert "Toll-free without a handler" not in _html(client.get(URL))
    response = client.post(reverse("numbers:delete_view", args=[view.pk]))
    assert response.status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()

    client.force_login(viewer)
    client.post(reverse("numbers:delete_view", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saving_a_view_again_with_the_same_name_updates_it(viewer_client, viewer, inventory):
    viewer_client.post(reverse("numbers:save_view"), {"name": "Mine", "query": "country=US"})
    viewer_client.post(reverse("numbers:save_view"), {"name": "Mine", "query": "country=GB"})
    assert list(SavedView.objects.values_list("query", flat=True)) == ["country=GB"]


def test_saved_views_are_listed_by_name(viewer_client, inventory):
    for name in ("Zed", "Alpha", "Mid"):
        viewer_client.post(reverse("numbers:save_view"), {"name": name, "query": "country=US"})
    html = _html(viewer_client.get(URL)).split('id="saved-views-heading"')[1]
    assert html.index(">Alpha<") < html.index(">Mid<") < html.index(">Zed<")


def test_saving_a_view_without_a_name_says_so(viewer_client, inventory):
    response = viewer_client.post(
        reverse("numbers:save_view"), {"name": "  ", "query": "country=US"}, follow=True
    )
    assert "The view was not saved" in _html(response)
    assert not SavedView.objects.exists()


def _csv(response):
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_is_exactly_the_current_filter(viewer_client, inventory):
    rows = _csv(viewer_client.get(reverse("numbers:export"), {"q": "415 555", "sort": "-number"}))
    assert [r["Number"] for r in rows] == ["+14155550199", "+14155550100"]
    first = rows[1]
    assert first["Name"] == "Front desk" and first["Tags"] == "vip"
    assert first["National format"] == "(415) 555-0100"
    assert first["Country"] == "US" and first["Type"] == "Local"
    assert first["Capabilities"] == "voice sms"
    assert first["Call handler"] == "laml_webhooks"
    assert first["Texts go to"].startswith("Texts are not routed")


def test_csv_defuses_spreadsheet_formulas_in_free_text(viewer_client, inventory):
    rows = _csv(viewer_client.get(reverse("numbers:export"), {"q": "4155550199"}))
    assert rows[0]["Name"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["Number"] == "+14155550199"


def test_csv_of_everything_has_every_number(viewer_client, inventory):
    rows = _csv(viewer_client.get(reverse("numbers:export")))
    assert sorted(r["Number"] for r in rows) == sorted(pn.number for pn in inventory)


def test_pages_need_a_role(client, inventory):
    client.force_login(make_user("nobody", None))
    response = client.get(URL)
    assert response.status_code == 403
    assert "This needs the Viewer role" in _html(response)


def test_row_links_are_the_real_urls_and_text_is_escaped(support_client, inventory):
    account = inventory[0].account
    pn = make_number(account, "+14155550142", name="<b>Bold</b> & co", tags=["<i>t</i>"])
    html = _html(support_client.get(URL, {"q": "4155550142"}))
    assert f'href="{reverse("numbers:detail", args=[pn.pk])}"' in html
    assert f'hx-get="{reverse("numbers:row_edit", args=[pn.pk])}"' in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html and "<b>Bold</b>" not in html
    assert "&lt;i&gt;t&lt;/i&gt;" in html


def test_without_an_exact_count_only_existing_pages_are_linked(viewer_client, monkeypatch):
    account = make_account()
    for i in range(120):
        make_number(account, f"+1212555{i:04d}")
    real = search.capped_count
    monkeypatch.setattr("numbers_admin.views.numbers.capped_count", lambda qs: real(qs, cap=10))
    html = _html(viewer_client.get(URL))
    assert 'aria-label="Page 2"' in html and 'aria-label="Page 3"' not in html
    assert "Page 1 of" not in html
    page3 = _html(viewer_client.get(URL, {"page": 3}))
    assert 'aria-label="Page 4"' not in page3 and 'aria-label="Page 2"' in page3


def test_a_page_costs_the_same_few_queries_however_many_rows_it_shows(
    viewer_client, django_assert_max_num_queries
):
    """Session, user, the viewer's permissions (two) and role, the page, its count, the rows'
    tags, and accounts, tags and saved views together: a fixed number, not one per row."""
    account = make_account()
    other = make_account("Twilio main", "twilio")
    for i in range(60):
        make_number(account if i % 2 else other, f"+1212555{i:04d}", tags=["vip"] if i % 3 else [])
    make_number(account, "+12125540000", tags=["zebra", "b-list", "vip"])
    with django_assert_max_num_queries(9):
        html = _html(viewer_client.get(URL))
    assert "(212) 555-0048" in html and html.count('class="badge badge--brand">vip<') == 33
    assert "Twilio main" in html
    # A number's tags are listed by name.
    assert (
        '<span class="chips"><span class="badge badge--brand">b-list</span>'
        '<span class="badge badge--brand">vip</span><span class="badge badge--brand">zebra</span>'
        in html
    )


def test_a_name_that_is_only_the_number_again_reads_no_name(viewer_client, db):
    account = make_account()
    make_number(account, "+14155550123", name="+1 (415) 555-0123")  # the carrier's default
    make_number(account, "+14155550124", name="Front desk 0124")
    make_number(account, "+14155550125", name="")

    html = viewer_client.get(reverse("numbers:list")).content.decode()

    assert '<td><span class="muted">No name</span></td>' in html
    assert "<td>+1 (415) 555-0123</td>" not in html
    assert "<td>Front desk 0124</td>" in html
    assert "<td>—</td>" in html


def test_filters_and_columns_say_emergency_address_in_words(viewer_client, inventory):
    html = viewer_client.get(reverse("numbers:list")).content.decode()

    assert ">Emergency address (E911)</label>" in html
    assert '<option value="none">No emergency address</option>' in html
    assert '<abbr title="Emergency address">E911</abbr>' in html

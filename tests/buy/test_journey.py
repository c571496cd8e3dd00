"""The whole buy journey against the sandbox, following the pages' own links and forms, without
JavaScript (full pages) and with htmx (fragments with the next step focused)."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from numbers_admin.models import PhoneNumber
from numbers_admin.sandbox.models import SandboxNumber


def hidden(page, name):
    return unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


@pytest.mark.parametrize("htmx", [False, True])
def test_buy_journey(htmx, signalwire_account, live_admin):
    client = Client()
    client.force_login(live_admin)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    start = reverse("buy:start")

    page = client.get(start, **headers).content.decode()
    assert ("<html" in page) != htmx
    assert "Which account should the number belong to?" in page and "data-autofocus" in page

    page = client.get(start, {"account": signalwire_account.pk}, **headers).content.decode()
    assert "Country of the number" in page

    params = {"account": signalwire_account.pk, "country": "US"}
    page = client.get(start, params, **headers).content.decode()
    assert "Search for available numbers" in page

    page = client.get(
        start, {**params, "search": "1", "kind": "local", "area_code": "503"}, **headers
    ).content.decode()
    assert "available numbers: pick one or several" in page
    picks = re.findall(r'name="number" value="(\+\d+)"', page)[:2]
    assert len(picks) == 2
    assert "Portland" in page

    page = client.get(
        reverse("buy:review"), {**params, "number": picks}, **headers
    ).content.decode()
    assert "Check before buying" in page and "Not known" in page and "Buy 2 numbers" in page
    key = hidden(page, "key")

    data = {"key": key, "account": signalwire_account.pk, "numbers": hidden(page, "numbers"),
            "voice_url": "https://example.com/voice", "voice_method": "POST"}  # fmt: skip
    response = client.post(reverse("buy:confirm"), data, follow=True, **headers)
    page = response.content.decode()
    assert "Done" in page and page.count("Bought +1") == 2
    for number in picks:
        assert SandboxNumber.objects.filter(number=number).exists()
        row = PhoneNumber.objects.get(number=number)
        assert row.call_request_url == "https://example.com/voice"
    # Back and resubmit (or refresh): the same result, nothing bought again.
    again = client.post(reverse("buy:confirm"), data, follow=True, **headers).content.decode()
    assert again.count("Bought +1") == 2
    assert SandboxNumber.objects.filter(number__in=picks).count() == 2

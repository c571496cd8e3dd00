"""Checking a webhook before saving: status, time, cXML/SWML, and no probing private networks."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import responses
from django.test import override_settings
from django.urls import reverse

from numbers_admin import webhook_check
from numbers_admin.webhook_check import check_webhook, classify
from tests.configure.helpers import edit_url, form_data, text

BODIES = {
    "/cxml": (200, "text/xml", b'<?xml version="1.0"?><Response><Say>Hi</Say></Response>'),
    "/swml-json": (200, "application/json", b'{"version": "1.0.0", "sections": {"main": []}}'),
    "/swml-yaml": (200, "application/yaml", b"version: 1.0.0\nsections:\n  main:\n    - answer\n"),
    "/html": (200, "text/html", b"<html><body>Hello</body></html>"),
    "/broken": (500, "text/plain", b"oops"),
}


class _Handler(BaseHTTPRequestHandler):
    hits: list = []

    def _answer(self):
        _Handler.hits.append((self.command, self.path))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/cxml")
            self.end_headers()
            return
        status, ctype, body = BODIES.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    _Handler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=True)
@pytest.mark.parametrize(
    ("path", "ok", "kind"),
    [
        ("/cxml", True, "cxml"),
        ("/swml-json", True, "swml"),
        ("/swml-yaml", True, "swml"),
        ("/html", True, ""),
        ("/broken", False, ""),
    ],
)
def test_check_reports_status_time_and_kind(webhook_server, path, ok, kind):
    result = check_webhook(webhook_server + path, "POST")
    assert result.ok is ok
    assert result.kind == kind
    assert result.status == BODIES[path][0]
    assert result.elapsed_ms is not None and result.elapsed_ms >= 0
    assert _Handler.hits[-1] == ("POST", path)


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=True)
def test_check_uses_the_fields_method_and_follows_a_redirect(webhook_server):
    result = check_webhook(webhook_server + "/redirect", "GET")
    assert result.ok and result.kind == "cxml"
    assert _Handler.hits == [("GET", "/redirect"), ("GET", "/cxml")]


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=False)
def test_loopback_address_is_refused_without_connecting(webhook_server):
    result = check_webhook(webhook_server + "/cxml")
    assert not result.ok
    assert "private or internal address (127.0.0.1)" in result.message
    assert _Handler.hits == []


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://224.0.0.1/",
    ],
)
def test_private_addresses_are_refused(monkeypatch, url):
    def no_connect(*args, **kwargs):
        raise AssertionError("must not connect")

    monkeypatch.setattr(webhook_check.requests, "request", no_connect)
    result = check_webhook(url)
    assert not result.ok
    assert "private or internal address" in result.message


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=False)
@responses.activate
def test_redirect_to_a_private_address_is_not_followed(monkeypatch):
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, *args, **kwargs):
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(webhook_check.socket, "getaddrinfo", fake_getaddrinfo)
    responses.add(
        responses.POST,
        "https://93.184.216.34/voice",
        status=302,
        headers={"Location": "http://10.1.2.3/admin"},
    )
    result = check_webhook("https://hooks.example.com/voice")
    assert not result.ok
    assert "10.1.2.3" in result.message
    assert len(responses.calls) == 1


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=False)
@responses.activate
def test_the_request_goes_to_the_address_that_was_checked(monkeypatch):
    """DNS rebinding: a name that answers with a public address for the check and an internal
    one a moment later must not reach the internal one."""
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def rebinding_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(webhook_check.socket, "getaddrinfo", rebinding_getaddrinfo)
    responses.add(
        responses.GET,
        "https://93.184.216.34:8443/voice.xml",
        body="<Response/>",
        content_type="text/xml",
    )

    result = check_webhook("https://hooks.example.com:8443/voice.xml", "GET")

    assert result.ok and result.kind == "cxml"
    (call,) = responses.calls
    assert call.request.url == "https://93.184.216.34:8443/voice.xml"
    assert call.request.headers["Host"] == "hooks.example.com:8443"
    assert result.final_url == "https://hooks.example.com:8443/voice.xml"


def test_tls_to_a_checked_address_still_names_the_host():
    """SNI and the certificate check use the name, not the address connected to."""
    adapter = webhook_check._PinnedAdapter("hooks.example.com")
    assert adapter.poolmanager.connection_pool_kw["server_hostname"] == "hooks.example.com"
    assert adapter.poolmanager.connection_pool_kw["assert_hostname"] == "hooks.example.com"


def test_classify_ignores_json_without_swml_keys():
    assert classify(b'{"hello": 1}') == ""
    assert classify(b"<Response/>") == "cxml"


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=True)
def test_htmx_check_button_shows_the_result(
    support_client, rest_account, make_number, webhook_server
):
    response = support_client.post(
        reverse("configure:check_webhook"),
        {
            "field": "call_request_url",
            "call_request_url": webhook_server + "/cxml",
            "call_request_method": "GET",
        },
        headers={"HX-Request": "true"},
    )
    body = text(response)
    assert "The webhook answered." in body
    assert "HTTP 200" in body and " ms" in body
    assert "cXML/TwiML" in body
    assert _Handler.hits == [("GET", "/cxml")]


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=True)
def test_check_without_javascript_rerenders_the_form_with_the_result(
    support_client, rest_account, make_number, fake_upstream, webhook_server
):
    number = make_number(rest_account)
    data = form_data(number, call_request_url=webhook_server + "/swml-json")
    data.pop("save")
    data["check"] = "call_request_url"
    body = text(support_client.post(edit_url(number), data))
    assert "SWML" in body and "HTTP 200" in body
    assert f'value="{webhook_server}/swml-json"' in body
    assert fake_upstream.updates() == []


def test_check_rejects_a_non_web_address(support_client):
    body = text(
        support_client.post(reverse("configure:check_webhook"), {"url": "ftp://example.com/x"})
    )
    assert "Enter a full web address" in body


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=False)
def test_ipv4_mapped_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(
        webhook_check.socket,
        "getaddrinfo",
        lambda *a, **k: [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:10.0.0.1", 80, 0, 0))
        ],
    )
    result = check_webhook("http://sneaky.example.com/")
    assert not result.ok and "10.0.0.1" in result.message


@override_settings(WEBHOOK_CHECK_ALLOW_PRIVATE=True)
def test_bulk_form_checks_a_webhook_without_previewing(
    support_client, rest_account, make_number, fake_upstream, webhook_server
):
    number = make_number(rest_account)
    url = webhook_server + "/cxml"
    page = text(support_client.get(reverse("configure:bulk"), {"selected": [number.pk]}))
    assert 'value="call_request_url"' in page  # a check button beside the URL field
    response = support_client.post(
        reverse("configure:bulk"),
        {"selected": [number.pk], "call_request_url": url, "check": "call_request_url"},
    )
    body = text(response)
    assert response.status_code == 200
    assert "The webhook answered." in body and "cXML/TwiML" in body
    assert f'value="{url}"' in body
    assert _Handler.hits == [("POST", "/cxml")]

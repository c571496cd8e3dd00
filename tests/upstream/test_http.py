"""The session: headers, auth, timeouts, request ids, safe retries, redaction (with `responses`)."""

import logging
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from numbers_admin.upstream import errors
from tests.upstream.helpers import (
    PROJECT,
    REST,
    SW_TOKEN,
    TWILIO,
    TWILIO_SID,
    TWILIO_TOKEN,
    Sleeps,
    basic,
    rest_client,
    rest_number,
    twilio_client,
)

PURCHASE = f"{REST}/phone_numbers"
LIST = f"{REST}/phone_numbers"


def _refused():
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")
    return requests.ConnectionError(MaxRetryError(None, "/", cause))


def _dropped():
    return requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))


@responses.activate
def test_every_request_carries_auth_user_agent_accept_and_timeouts(settings):
    responses.get(LIST, json={"links": {}, "data": []}, headers={"X-Request-Id": "req-123"})
    client = rest_client()
    client.ping()
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == basic(PROJECT, SW_TOKEN)
    assert sent.headers["User-Agent"] == settings.UPSTREAM_USER_AGENT
    assert sent.headers["Accept"] == "application/json"
    assert sent.req_kwargs["timeout"] == (
        settings.UPSTREAM_CONNECT_TIMEOUT,
        settings.UPSTREAM_READ_TIMEOUT,
    )
    assert client.last_request_id == "req-123"


@pytest.mark.parametrize(
    "header",
    ["x-signalwire-request-id", "request-id", "Twilio-Request-Id", "x-amzn-RequestId"],
)
@responses.activate
def test_request_id_is_read_from_each_known_header_and_put_on_errors(header):
    responses.get(f"{REST}/phone_numbers/abc", json={"error": "Not Found"}, status=404,
                  headers={header: "rid-9"})  # fmt: skip
    client = rest_client()
    with pytest.raises(errors.NotFound) as caught:
        client.get("abc")
    assert caught.value.request_id == "rid-9"
    assert client.last_request_id == "rid-9"


@responses.activate
def test_one_session_is_reused_across_calls():
    responses.get(LIST, json={"links": {}, "data": []})
    client = rest_client()
    session = client.http.session
    client.ping()
    client.ping()
    assert client.http.session is session
    assert len(responses.calls) == 2


# --- Retries of reads -------------------------------------------------------------------------


@responses.activate
def test_get_is_retried_after_5xx_with_backoff_then_succeeds():
    responses.get(LIST, status=503, json={"error": "Service Unavailable"})
    responses.get(LIST, status=502, body="<html>bad gateway</html>")
    responses.get(LIST, json={"links": {}, "data": [rest_number(1)]})
    sleeps = Sleeps()
    numbers = list(rest_client(sleeps).iter_numbers())
    assert [n["number"] for n in numbers] == ["+15035550001"]
    assert len(responses.calls) == 3
    assert sleeps == [0.5, 1.0]  # exponential when no Retry-After


@responses.activate
def test_get_429_honours_retry_after_seconds():
    responses.get(LIST, status=429, headers={"Retry-After": "7"}, json={"error": "Too Many"})
    responses.get(LIST, json={"links": {}, "data": []})
    sleeps = Sleeps()
    rest_client(sleeps).ping()
    assert sleeps == [7.0]
    assert len(responses.calls) == 2


@responses.activate
def test_get_429_honours_retry_after_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=12), usegmt=True)
    responses.get(LIST, status=429, headers={"Retry-After": when})
    responses.get(LIST, json={"links": {}, "data": []})
    sleeps = Sleeps()
    rest_client(sleeps).ping()
    assert len(sleeps) == 1
    assert 9 <= sleeps[0] <= 12


@responses.activate
def test_long_retry_after_is_handed_to_the_caller_not_slept():
    responses.get(LIST, status=429, headers={"Retry-After": "600"}, json={"error": "Too Many"})
    sleeps = Sleeps()
    with pytest.raises(errors.RateLimited) as caught:
        rest_client(sleeps).ping()
    assert caught.value.retry_after == 600
    assert sleeps == []
    assert len(responses.calls) == 1


@responses.activate
def test_get_gives_up_after_max_retries_with_unavailable(settings):
    settings.UPSTREAM_MAX_RETRIES = 2
    responses.get(LIST, status=500, json={"error": "Internal Server Error"})
    with pytest.raises(errors.Unavailable) as caught:
        rest_client().ping()
    assert len(responses.calls) == 3
    assert caught.value.status == 500
    assert "try again" in caught.value.message


@responses.activate
def test_get_retried_after_read_timeout_and_dropped_connection():
    responses.get(LIST, body=requests.ReadTimeout("read timed out"))
    responses.get(LIST, body=_dropped())
    responses.get(LIST, json={"links": {}, "data": []})
    rest_client().ping()
    assert len(responses.calls) == 3


@responses.activate
def test_get_that_keeps_timing_out_is_unavailable(settings):
    settings.UPSTREAM_MAX_RETRIES = 1
    responses.get(LIST, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(errors.Unavailable) as caught:
        rest_client().ping()
    assert "did not answer in time" in caught.value.message
    assert len(responses.calls) == 2


# --- Writes are never repeated unless the carrier said 429 -----------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        requests.ReadTimeout("read timed out"),
        _dropped(),
    ],
    ids=["read-timeout", "connection-lost"],
)
@responses.activate
def test_purchase_that_may_have_happened_is_not_resent(failure):
    responses.post(PURCHASE, body=failure)
    with pytest.raises(errors.OutcomeUnknown) as caught:
        rest_client().purchase("+15035550100")
    assert len(responses.calls) == 1
    assert "don't know yet" in caught.value.message


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@responses.activate
def test_purchase_answered_with_5xx_is_outcome_unknown_and_not_resent(status):
    responses.post(PURCHASE, status=status, json={"error": "Internal Server Error"},
                   headers={"x-request-id": "r-5xx"})  # fmt: skip
    with pytest.raises(errors.OutcomeUnknown) as caught:
        rest_client().purchase("+15035550100")
    assert len(responses.calls) == 1
    assert caught.value.status == status
    assert caught.value.request_id == "r-5xx"


@responses.activate
def test_twilio_purchase_timeout_is_not_resent():
    responses.post(f"{TWILIO}/IncomingPhoneNumbers.json", body=requests.ReadTimeout("slow"))
    with pytest.raises(errors.OutcomeUnknown):
        twilio_client().purchase("+15035550100")
    assert len(responses.calls) == 1


@responses.activate
def test_update_and_release_timeouts_are_outcome_unknown():
    responses.put(f"{REST}/phone_numbers/n1", body=requests.ReadTimeout("slow"))
    responses.delete(f"{REST}/phone_numbers/n1", status=500)
    client = rest_client()
    with pytest.raises(errors.OutcomeUnknown):
        client.update("n1", {"name": "x"})
    with pytest.raises(errors.OutcomeUnknown):
        client.release("n1")
    assert len(responses.calls) == 2


@responses.activate
def test_purchase_whose_success_body_is_unreadable_is_outcome_unknown():
    responses.post(PURCHASE, body="{not json", status=200)
    with pytest.raises(errors.OutcomeUnknown):
        rest_client().purchase("+15035550100")
    assert len(responses.calls) == 1


@responses.activate
def test_purchase_refused_connection_sent_nothing_so_it_is_unavailable(settings):
    settings.UPSTREAM_MAX_RETRIES = 1
    responses.post(PURCHASE, body=_refused())
    with pytest.raises(errors.Unavailable) as caught:
        rest_client().purchase("+15035550100")
    assert "Nothing was changed" in caught.value.message


@responses.activate
def test_purchase_failing_tls_handshake_sent_nothing(settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    responses.post(PURCHASE, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(errors.Unavailable):
        rest_client().purchase("+15035550100")


@responses.activate
def test_purchase_429_is_retried_after_retry_after_because_it_was_not_processed():
    responses.post(PURCHASE, status=429, headers={"Retry-After": "3"}, json={"error": "Slow"})
    responses.post(PURCHASE, json=rest_number(100))
    sleeps = Sleeps()
    bought = rest_client(sleeps).purchase("+15035550100")
    assert bought["number"] == "+15035550100"
    assert sleeps == [3.0]
    assert len(responses.calls) == 2


@responses.activate
def test_purchase_429_until_retries_run_out_is_rate_limited(settings):
    settings.UPSTREAM_MAX_RETRIES = 1
    responses.post(PURCHASE, status=429, json={"errors": [{"detail": "slow down"}]})
    with pytest.raises(errors.RateLimited):
        rest_client().purchase("+15035550100")
    assert len(responses.calls) == 2


# --- Tokens never shown ------------------------------------------------------------------------


@responses.activate
def test_token_absent_from_logs_and_exceptions_even_when_echoed(caplog):
    caplog.set_level(logging.DEBUG)
    # A (badly behaved) carrier that echoes the credentials back in its error body.
    echoed = f"bad credentials {PROJECT}:{SW_TOKEN} / {basic(PROJECT, SW_TOKEN)}"
    responses.get(LIST, status=401, json={"error": echoed})
    responses.post(PURCHASE, status=400, json={"errors": [{"detail": echoed}]})
    responses.put(f"{REST}/phone_numbers/x", body=requests.ReadTimeout(echoed))
    client = rest_client()
    caught = []
    for call in (
        client.ping,
        lambda: client.purchase("+15035550100"),
        lambda: client.update("x", {"name": "y"}),
    ):
        with pytest.raises(errors.UpstreamError) as info:
            call()
        caught.append(info.value)
    secret_b64 = basic(PROJECT, SW_TOKEN).split()[1]
    texts = [caplog.text] + [
        f"{e} {e!r} {e.detail} {e.message} {e.field_errors} {e.__cause__} {e.__context__}"
        for e in caught
    ]
    assert caplog.records  # something was logged, so the check below means something
    for text in texts:
        assert SW_TOKEN not in text
        assert secret_b64 not in text
    assert "[redacted]" in caught[1].detail


@responses.activate
def test_twilio_token_absent_from_logs(caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(f"{TWILIO}/IncomingPhoneNumbers.json", status=500)
    with pytest.raises(errors.Unavailable) as caught:
        twilio_client(max_retries=0).ping()
    assert TWILIO_TOKEN not in caplog.text
    assert TWILIO_SID in caplog.text  # the account is named, only the secret is hidden
    assert TWILIO_TOKEN not in repr(caught.value)


# --- Over a real local socket (no `responses`): what urllib3 really raises -------------------


class _SilentServer:
    """Accepts connections, reads the request, never answers (a carrier slower than our read
    timeout). Counts the requests that arrived."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.held = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                if conn.recv(65536):
                    self.requests += 1
            except OSError:
                pass
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_real_read_timeout_on_purchase_sends_once_and_is_outcome_unknown():
    from numbers_admin.upstream.signalwire import SignalWireRestClient

    server = _SilentServer()
    try:
        client = SignalWireRestClient(
            api_root=f"http://127.0.0.1:{server.port}",
            project_id=PROJECT,
            token=SW_TOKEN,
            sleep=Sleeps(),
            read_timeout=0.3,
        )
        with pytest.raises(errors.OutcomeUnknown):
            client.purchase("+15035550100")
        time.sleep(0.2)
        assert server.requests == 1
    finally:
        server.close()


def test_real_refused_connection_is_unavailable_and_retried_for_reads():
    from numbers_admin.upstream.signalwire import SignalWireRestClient

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens here now
    sleeps = Sleeps()
    client = SignalWireRestClient(
        api_root=f"http://127.0.0.1:{port}", project_id=PROJECT, token=SW_TOKEN, sleep=sleeps,
        max_retries=2,
    )  # fmt: skip
    with pytest.raises(errors.Unavailable):
        client.ping()
    assert len(sleeps) == 2
    with pytest.raises(errors.Unavailable):
        client.purchase("+15035550100")  # nothing was sent, so it is safe to say so


@responses.activate
def test_any_2xx_is_a_success_so_a_purchase_is_never_reported_failed():
    responses.post(PURCHASE, status=201, json=rest_number(100))
    assert rest_client().purchase("+15035550100")["number"] == "+15035550100"


@responses.activate
def test_a_redirected_purchase_is_not_followed():
    # requests would follow a 301 on a POST as a GET; the root is wrong and the user is told so.
    responses.post(PURCHASE, status=301, headers={"Location": "https://elsewhere.example/"})
    with pytest.raises(errors.UpstreamError) as caught:
        rest_client().purchase("+15035550100")
    assert "API root" in caught.value.message
    assert len(responses.calls) == 1


def test_close_hangs_up_idle_keep_alive_connections():
    """A client that is done does not hold the carrier's connections open, even while someone
    still holds an error it raised (urllib3 2 leaves idle pooled sockets open until garbage
    collection, and the error's traceback keeps the response and its pool alive)."""
    from numbers_admin.upstream.signalwire import SignalWireRestClient

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    hung_up = threading.Event()

    def serve():
        conn, _ = listener.accept()
        conn.settimeout(5)
        conn.recv(65536)
        body = b'{"error": "Unauthorized"}'
        conn.sendall(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        try:
            if conn.recv(1) == b"":
                hung_up.set()
        except OSError:
            pass
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        client = SignalWireRestClient(
            api_root=f"http://127.0.0.1:{port}", project_id=PROJECT, token=SW_TOKEN
        )
        with pytest.raises(errors.AuthFailed) as caught:
            client.ping()
        assert not hung_up.wait(0.2)  # kept alive for the next call
        client.close()
        assert hung_up.wait(2)
        assert caught.value.status == 401
    finally:
        listener.close()

"""Check a webhook before saving it: does it answer, how fast, and with cXML/TwiML or SWML?

The dashboard fetches a URL a person typed, so it must not become a way to probe our own network:
every address the host resolves to is checked (and each redirect hop again) and private, loopback,
link-local, multicast and reserved addresses are refused before any connection is made, unless
``settings.WEBHOOK_CHECK_ALLOW_PRIVATE`` is on (the sandbox and tests serve webhooks on localhost).

The connection then goes to the very address that was checked, with the name kept for the Host
header, TLS's SNI and the certificate check: letting ``requests`` look the name up again would let
a name that answers differently the second time (DNS rebinding) reach an internal address.
"""

import ipaddress
import json
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

TIMEOUT_SECONDS = 3.0
MAX_REDIRECTS = 3
MAX_BODY_BYTES = 64 * 1024
USER_AGENT = "numbers_admin webhook check"


@dataclass
class CheckResult:
    ok: bool
    message: str
    status: int | None = None
    elapsed_ms: int | None = None
    kind: str = ""  # "cxml", "swml" or ""
    final_url: str = ""

    @property
    def kind_label(self) -> str:
        return {
            "cxml": "cXML/TwiML (a <Response> document)",
            "swml": "SWML (a script with version/sections)",
        }.get(self.kind, "neither cXML/TwiML nor SWML")


class Refused(Exception):
    pass


def _checked_address(host: str, port: int) -> str | None:
    """The address to connect to for ``host``, once every address it resolves to is checked to be
    public; None when private addresses are allowed (then ``requests`` resolves it)."""
    if getattr(settings, "WEBHOOK_CHECK_ALLOW_PRIVATE", False):
        return None
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise Refused(f"The name {host} could not be found (DNS): {error.strerror}.") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
        # is_global is False for private, loopback, link-local, reserved, unspecified and shared
        # (carrier-grade NAT) ranges; multicast is checked on its own.
        if not address.is_global or address.is_multicast:
            raise Refused(
                f"{host} points to a private or internal address ({address}). The carrier "
                "cannot reach it either, so the dashboard does not check it."
            )
    return infos[0][4][0].split("%")[0]


class _PinnedAdapter(HTTPAdapter):
    """Connects wherever the URL says (an address), but speaks TLS to ``hostname``: SNI and the
    certificate check use the name, not the address."""

    def __init__(self, hostname: str):
        self.hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = self.hostname
        kwargs["assert_hostname"] = self.hostname
        super().init_poolmanager(*args, **kwargs)


def _send(method: str, url: str, address: str | None, timeout: float) -> requests.Response:
    """One request, without following redirects; to ``address`` when given (see the module)."""
    headers = {"User-Agent": USER_AGENT}
    if address is None:
        return requests.request(
            method, url, timeout=timeout, allow_redirects=False, stream=True, headers=headers
        )
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    netloc = literal + (f":{parts.port}" if parts.port else "")
    headers["Host"] = parts.netloc.rpartition("@")[2]
    with requests.Session() as session:
        session.mount(f"{parts.scheme}://", _PinnedAdapter(parts.hostname))
        return session.request(
            method,
            urlunsplit(parts._replace(netloc=netloc)),
            timeout=timeout,
            allow_redirects=False,
            stream=True,
            headers=headers,
        )


def classify(body: bytes, content_type: str = "") -> str:
    """ "cxml" for a <Response> document, "swml" for JSON/YAML with version/sections, else ""."""
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if re.search(r"<Response[\s/>]", text):
        return "cxml"
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return ""
        if isinstance(data, dict) and ("version" in data or "sections" in data):
            return "swml"
        return ""
    if re.search(r"^(version|sections)\s*:", text, flags=re.MULTILINE):
        return "swml"
    return ""


def check_webhook(
    url: str, method: str = "POST", *, timeout: float = TIMEOUT_SECONDS
) -> CheckResult:
    """Request ``url`` the way the carrier would (``method``), following at most a few redirects,
    each one checked like the first. Never raises for network problems: the result says what
    happened in plain words."""
    method = "GET" if method == "GET" else "POST"
    started = time.monotonic()
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return CheckResult(False, "Only http:// and https:// addresses can be checked.")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            address = _checked_address(parts.hostname, port)
            response = _send(method, current, address, timeout)
            try:
                if response.is_redirect and response.headers.get("location"):
                    current = urljoin(current, response.headers["location"])
                    continue
                body = response.raw.read(MAX_BODY_BYTES, decode_content=True) or b""
            finally:
                response.close()
            elapsed = round((time.monotonic() - started) * 1000)
            kind = classify(body, response.headers.get("content-type", ""))
            ok = 200 <= response.status_code < 300
            if ok and kind:
                message = "The webhook answered."
            elif ok:
                message = (
                    "The webhook answered, but not with cXML/TwiML or SWML, so calls or texts "
                    "may fail."
                )
            else:
                message = f"The webhook answered with an error (HTTP {response.status_code})."
            return CheckResult(ok, message, response.status_code, elapsed, kind, current)
        return CheckResult(False, f"The webhook redirected more than {MAX_REDIRECTS} times.")
    except Refused as error:
        return CheckResult(False, str(error))
    except requests.Timeout:
        return CheckResult(
            False,
            f"The webhook did not answer within {timeout:g} seconds. The carrier would give up "
            "on it too.",
            elapsed_ms=round((time.monotonic() - started) * 1000),
        )
    except requests.RequestException as error:
        return CheckResult(False, f"The webhook could not be reached ({type(error).__name__}).")

"""The one place that sends HTTP to a provider: a ``requests.Session`` per account.

Why each habit:
- Timeouts on every call (connect, read) so that a slow carrier never hangs a page or a worker.
- Retries only where a repeat is safe. A GET may be repeated after a 429, a 5xx, a dropped
  connection or a timeout. A write (POST/PUT/DELETE) is repeated only after a 429, which means the
  carrier did not process it. A write that timed out, got a 5xx or lost its connection after it
  was sent may have happened: it is never sent again, the caller gets ``OutcomeUnknown`` and looks
  the number up. A connection that could not even be opened sent nothing: ``Unavailable``.
- ``Retry-After`` is honoured (seconds or an HTTP date); without it the backoff is exponential.
- The token is the Basic-auth password. It never appears in a log line or an exception: every
  text this module produces passes through ``Redactor``.
"""

import base64
import json
import logging
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from numbers_admin.upstream.errors import (
    OutcomeUnknown,
    RateLimited,
    Unavailable,
    UpstreamError,
)

logger = logging.getLogger("numbers_admin.upstream")

REQUEST_ID_HEADERS = (
    "x-request-id",
    "x-signalwire-request-id",
    "request-id",
    "twilio-request-id",
    "x-amzn-requestid",
)
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# A Retry-After longer than this is not slept through inside a request: the caller (a page, or a
# bulk job's Pacer) gets RateLimited with ``retry_after`` and decides.
MAX_RETRY_AFTER_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 8.0

# Maps a failed response to the exception family: (status, parsed body or None, raw text,
# request id, the fields we sent) → UpstreamError. Each provider module supplies one.
ErrorMapper = Callable[[int, Any, str, str, dict[str, Any]], UpstreamError]


class Redactor:
    """Removes the secret (and the Authorization header value built from it) from any text."""

    MASK = "[redacted]"

    def __init__(self, username: str, token: str):
        self._secrets = [s for s in (token, _basic_value(username, token)) if s]

    def __call__(self, text: Any) -> str:
        result = "" if text is None else str(text)
        for secret in self._secrets:
            result = result.replace(secret, self.MASK)
        return result


def _basic_value(username: str, token: str) -> str:
    if not token:
        return ""
    return base64.b64encode(f"{username}:{token}".encode()).decode()


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def nothing_was_sent(error: requests.RequestException) -> bool:
    """True when the connection could not be opened (refused, DNS, connect timeout), so the
    request never left this machine and repeating it cannot do anything twice."""
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        # A TLS handshake that failed happened before the request was written.
        return True
    if isinstance(error, requests.ConnectionError):
        reason = error.args[0] if error.args else None
        reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
        return isinstance(reason, NewConnectionError)
    return False


class HttpClient:
    """A session bound to one account: root URL, Basic auth, timeouts, retries, error mapping."""

    def __init__(
        self,
        *,
        provider: str,
        root: str,
        username: str,
        token: str,
        error_mapper: ErrorMapper,
        sleep: Callable[[float], None] | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
    ):
        self.provider = provider
        self.root = root.rstrip("/")
        self.error_mapper = error_mapper
        self.sleep = sleep if sleep is not None else time.sleep
        self.timeout = (
            connect_timeout or settings.UPSTREAM_CONNECT_TIMEOUT,
            read_timeout or settings.UPSTREAM_READ_TIMEOUT,
        )
        self.max_retries = settings.UPSTREAM_MAX_RETRIES if max_retries is None else max_retries
        self.redact = Redactor(username, token)
        self.last_request_id = ""
        self.session = requests.Session()
        self.session.auth = (username, token)
        self.session.headers.update(
            {"User-Agent": settings.UPSTREAM_USER_AGENT, "Accept": "application/json"}
        )
        # Our own retry loop decides what is safe to repeat; urllib3 must not repeat anything.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def close(self) -> None:
        """Close the pooled connections now. (urllib3 2 no longer closes idle connections when
        a session is closed; they would linger until garbage collection.)"""
        for adapter in {id(a): a for a in self.session.adapters.values()}.values():
            pools = adapter.poolmanager.pools
            for key in list(pools.keys()):
                pool = pools.get(key)
                if pool is not None:
                    pool.close()
        self.session.close()

    # --- URLs ---------------------------------------------------------------------------------

    def url(self, path_or_link: str) -> str:
        """An absolute URL for a path under the root, or for a link the provider returned.

        Providers return next-page links as absolute URLs, as paths from the host
        (``/api/laml/…``), or — behind a prefix such as the sandbox's ``/sandbox/signalwire`` —
        with or without that prefix. All are made absolute against the root.
        """
        if path_or_link.startswith(("http://", "https://")):
            return path_or_link
        root_path = urlsplit(self.root).path.rstrip("/")
        if root_path and path_or_link.startswith(root_path + "/"):
            return urljoin(self.root + "/", path_or_link)
        return self.root + "/" + path_or_link.lstrip("/")

    # --- Requests -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
    ) -> Any:
        """Send one request (with the retries that are safe for it) and return the parsed JSON
        body (None for an empty body). Raises only ``UpstreamError`` subclasses.

        Any 2xx is a success: a purchase answered 201 where 200 was documented still happened,
        and reporting it as a failure could lead someone to buy again.
        """
        method = method.upper()
        url = self.url(path)
        is_read = method == "GET"
        sent_fields: dict[str, Any] = {}
        for source in (params, json, data):
            if isinstance(source, dict):
                sent_fields.update(source)
            elif isinstance(source, list):  # a form with repeated keys
                sent_fields.update(pair for pair in source if isinstance(pair, tuple))
        attempt = 0
        while True:
            started = time.monotonic()
            failure: requests.RequestException | None = None
            try:
                # No redirects: requests would turn a redirected POST into a GET.
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as error:
                failure = error
            # Handled outside the except block so that our exception carries no chained
            # requests exception (its text is not ours to vouch for).
            if failure is not None:
                elapsed = time.monotonic() - started
                safe = is_read or nothing_was_sent(failure)
                kind = _describe_transport_error(failure)
                if safe and attempt < self.max_retries:
                    delay = self._backoff(attempt, None)
                    self._log(logging.WARNING, method, url, kind, elapsed, f"retry in {delay:.1f}s")
                    self.sleep(delay)
                    attempt += 1
                    continue
                self._log(logging.WARNING, method, url, kind, elapsed, "")
                self.last_request_id = ""
                raise self._transport_failure(failure, kind, safe)

            elapsed = time.monotonic() - started
            request_id = _request_id(response)
            self.last_request_id = request_id
            status = response.status_code

            if 200 <= status < 300:
                readable, body = _parse_json(response)
                if not readable:
                    # A success whose body we cannot read: for a write, it probably happened.
                    self._log(logging.WARNING, method, url, status, elapsed, "unreadable body")
                    if is_read and attempt < self.max_retries:
                        self.sleep(self._backoff(attempt, None))
                        attempt += 1
                        continue
                    raise self._unreadable(status, request_id, is_read)
                self._log(logging.INFO, method, url, status, elapsed, "", request_id)
                return body

            if 300 <= status < 400:
                self._log(logging.WARNING, method, url, status, elapsed, "redirect", request_id)
                raise UpstreamError(
                    "The carrier's API answered from another address. Check the account's API "
                    "root (it must be the https:// address, e.g. https://example.signalwire.com).",
                    detail=self.redact(response.headers.get("Location", ""))[:300],
                    status=status,
                    request_id=request_id,
                )

            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            # A 429 was not processed, so any verb may be repeated; 5xx only for a read.
            retryable = status == 429 or (is_read and status in RETRYABLE_STATUSES)
            if (
                retryable
                and attempt < self.max_retries
                and (retry_after is None or retry_after <= MAX_RETRY_AFTER_SECONDS)
            ):
                delay = self._backoff(attempt, retry_after)
                self._log(
                    logging.WARNING,
                    method,
                    url,
                    status,
                    elapsed,
                    f"retry in {delay:.1f}s",
                    request_id,
                )
                self.sleep(delay)
                attempt += 1
                continue

            self._log(logging.WARNING, method, url, status, elapsed, "", request_id)
            raise self._failure(response, status, request_id, sent_fields, is_read, retry_after)

    # --- Failures -----------------------------------------------------------------------------

    def _failure(self, response, status, request_id, sent_fields, is_read, retry_after):
        # The body is redacted before it is parsed, so nothing built from it (message, detail,
        # field errors) can carry the secret even if a carrier echoes it back.
        text = self.redact(response.text)
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        text = text[:2000]
        if status >= 500 and not is_read:
            return OutcomeUnknown(
                detail=text[:500], status=status, request_id=request_id, provider_code=""
            )
        error = self.error_mapper(status, body, text, request_id, sent_fields)
        error.message = self.redact(error.message)
        error.detail = self.redact(error.detail)
        error.args = (error.message,)
        if isinstance(error, RateLimited) and error.retry_after is None:
            error.retry_after = retry_after
        return error

    def _transport_failure(self, error, kind, safe):
        detail = self.redact(f"{kind}: {error}")[:500]
        if safe:
            if isinstance(error, requests.Timeout):
                message = (
                    "The carrier's API did not answer in time. Nothing was changed; try again "
                    "in a few minutes."
                )
                return Unavailable(message, detail=detail)
            return Unavailable(detail=detail)
        return OutcomeUnknown(detail=detail)

    def _unreadable(self, status, request_id, is_read):
        detail = "The response body was not valid JSON."
        if is_read:
            return Unavailable(
                "The carrier's API sent an answer we could not read. Try again in a few minutes.",
                detail=detail,
                status=status,
                request_id=request_id,
            )
        return OutcomeUnknown(detail=detail, status=status, request_id=request_id)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return min(MAX_BACKOFF_SECONDS, 0.5 * 2**attempt)

    def _log(self, level, method, url, outcome, elapsed, note, request_id=""):
        # URLs carry ids and filters, never credentials; still, everything goes through redact.
        line = f"{self.provider} {method} {url} → {outcome} in {elapsed:.2f}s"
        if request_id:
            line += f" (request id {request_id})"
        if note:
            line += f"; {note}"
        logger.log(level, self.redact(line))


class ProviderClient:
    """What every provider client does around its ``HttpClient`` the same way: the last request
    id, closing (also as a context manager) and following a listing's next-page links.

    Subclasses set ``self.http`` and ``self.project_id`` in ``__init__``.
    """

    http: HttpClient
    project_id: str

    @property
    def last_request_id(self) -> str:
        return self.http.last_request_id

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _follow_pages(
        self,
        path: str,
        params: dict[str, Any],
        *,
        items: Callable[[dict[str, Any]], list[dict[str, Any]] | None],
        next_link: Callable[[dict[str, Any]], str | None],
        marker: str,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a listing, page by page, following the provider's next-page link (never
        computed). ``items`` and ``next_link`` read a page's body; ``marker`` is where a returned
        path's part under our root begins (see ``_absolute``)."""
        first = requests.Request("GET", self.http.url(path), params=params).prepare().url
        seen: set[str] = {first}
        link: str = path
        request_params: dict[str, Any] | None = params
        while True:
            body = self.http.request("GET", link, params=request_params) or {}
            yield from items(body) or []
            found = next_link(body)
            if not found:
                return
            absolute = self._absolute(found, marker)
            if absolute in seen:
                return  # a repeated link would loop forever
            seen.add(absolute)
            link, request_params = absolute, None

    def _absolute(self, link: str, marker: str) -> str:
        # A next-page link may be absolute, or a path from the provider's own root. The part
        # after ``marker`` (which our root also ends with) is joined to our root, so that a
        # prefix in front of the provider (the sandbox's) is kept.
        if link.startswith(("http://", "https://")):
            return link
        if marker in link:
            return self.http.root + "/" + link.split(marker, 1)[1]
        return self.http.url(link)


def _parse_json(response: requests.Response) -> tuple[bool, Any]:
    if not response.content:
        return True, None
    try:
        return True, response.json()
    except ValueError:
        return False, None


def _request_id(response: requests.Response) -> str:
    for header in REQUEST_ID_HEADERS:
        value = response.headers.get(header)
        if value:
            return value[:128]
    return ""


def _describe_transport_error(error: requests.RequestException) -> str:
    if isinstance(error, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(error, requests.ReadTimeout):
        return "read timeout"
    if isinstance(error, requests.ConnectionError):
        return "could not connect" if nothing_was_sent(error) else "connection lost"
    return type(error).__name__

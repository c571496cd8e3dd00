"""SignalWire Space REST API client (``/api/relay/rest``, JSON, API.md §1)."""

import re
from collections.abc import Iterator
from typing import Any

from numbers_admin.upstream import mapping
from numbers_admin.upstream.base import REST_UPDATABLE_FIELDS, AvailableNumber, SearchQuery
from numbers_admin.upstream.errors import (
    AuthFailed,
    FeatureNotEnabled,
    Invalid,
    NotAvailable,
    NotFound,
    RateLimited,
    TooSoonToRelease,
    Unavailable,
    UpstreamError,
)
from numbers_admin.upstream.http import HttpClient, ProviderClient

REST_PREFIX = "/api/relay/rest"
MAX_SEARCH_RESULTS = 100  # the API's own upper limit (API.md §1.4)
MAX_PAGE_SIZE = 1000

# REST attribute / query names → our names (canonical fields, or SearchQuery / method arguments).
_ATTRIBUTE_NAMES = {
    **{name: name for name in REST_UPDATABLE_FIELDS},
    "number": "number",
    "number_type": "kind",
    "capabilities": "capabilities",
    "areacode": "area_code",
    "region": "region",
    "city": "city",
    "starts_with": "starts_with",
    "contains": "contains",
    "ends_with": "ends_with",
    "max_results": "limit",
    "page_size": "page_size",
    "page_token": "page_token",
    "e911_address_id": "e911_address_id",
}
# Rails-style details start with the humanised attribute ("Call request url is invalid").
_HUMANISED = sorted(
    ((name.replace("_", " "), canonical) for name, canonical in _ATTRIBUTE_NAMES.items()),
    key=lambda pair: -len(pair[0]),
)

_NOT_AVAILABLE = re.compile(
    r"not available|no longer available|unavailable|could not (?:be )?purchase|already (?:been )?"
    r"(?:purchased|owned|taken)|not in stock",
    re.IGNORECASE,
)
_TOO_SOON = re.compile(r"too recently|cooldown|cool-down", re.IGNORECASE)
_NOT_ENABLED = re.compile(r"not enabled|partner|feature_not_available|not allowed", re.I)
_WAIT_UNTIL = re.compile(
    r"(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?"
)


def sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def possible_at_from(text: str):
    """The date in "Please wait until 2025-06-18 05:49:47 UTC to release…", as aware UTC."""
    match = _WAIT_UNTIL.search(text or "")
    if not match:
        return None
    zone = match.group(2) or "UTC"
    zone = "+00:00" if zone in ("UTC", "Z") else zone
    return mapping.parse_datetime(match.group(1).replace(" ", "T") + zone)


def field_for_detail(detail: str, item: dict[str, Any] | None = None) -> str:
    """Which of our fields a REST validation error is about, when it can be told."""
    item = item or {}
    hint = item.get("attribute") or item.get("field") or item.get("parameter") or ""
    source = item.get("source")
    if not hint and isinstance(source, dict):
        hint = source.get("parameter") or source.get("pointer") or ""
    if hint:
        hint = str(hint).rstrip("/").rsplit("/", 1)[-1]
        if hint in _ATTRIBUTE_NAMES:
            return _ATTRIBUTE_NAMES[hint]
    lowered = (detail or "").lower()
    for humanised, canonical in _HUMANISED:
        if lowered.startswith(humanised + " ") or lowered.startswith(
            humanised.replace(" ", "_") + " "
        ):
            return canonical
    return ""


def rest_error(
    status: int, body: Any, text: str, request_id: str, sent: dict[str, Any]
) -> UpstreamError:
    """Map a REST error response (``{"errors": [...]}`` or ``{"error": "..."}``) to the family."""
    items: list[dict[str, Any]] = []
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list):
            items = [i if isinstance(i, dict) else {"detail": str(i)} for i in body["errors"]]
        elif body.get("error"):
            items = [{"detail": str(body["error"])}]
        elif body.get("message"):
            items = [{"detail": str(body["message"]), "code": body.get("code", "")}]
    details = [str(i.get("detail") or i.get("message") or i.get("title") or "") for i in items]
    # The provider's words verbatim (several errors joined), for the audit log and support.
    detail = "; ".join(d for d in details if d) or text[:300]
    codes = [str(i.get("code") or "") for i in items]
    # REST puts the HTTP status in ``code``; a semantic code (e.g. purchased_too_recently) is
    # kept when present, as it says more.
    code = next((c for c in codes if c and not c.isdigit()), "") or next(
        (c for c in codes if c), str(status)
    )
    common = {"provider_code": code, "detail": detail, "status": status, "request_id": request_id}
    blob = f"{code} {detail}"

    if status in (401, 403) and not _NOT_ENABLED.search(blob):
        return AuthFailed(**common)
    if status == 404:
        return NotFound(**common)
    if status == 429 or code == "rate_limit_exceeded":
        return RateLimited(**common)
    if status >= 500:
        return Unavailable(**common)
    if code == "purchased_too_recently" or _TOO_SOON.search(detail):
        possible_at = possible_at_from(detail)
        message = "This number was bought too recently to release."
        if possible_at:
            message += f" SignalWire allows it from {possible_at:%Y-%m-%d %H:%M} UTC."
        return TooSoonToRelease(message, possible_at=possible_at, **common)
    if (
        status in (401, 403)
        or code == "feature_not_available"
        or (status == 422 and _NOT_ENABLED.search(blob) and "import" in blob.lower())
    ):
        return FeatureNotEnabled(**common)
    if code in ("could_not_purchase", "number_not_supported", "number_blacklisted") or (
        "number" in sent and _NOT_AVAILABLE.search(detail)
    ):
        return NotAvailable(**common)

    field_errors: dict[str, list[str]] = {}
    for item, message in zip(items, details, strict=False):
        name = field_for_detail(message, item)
        if name and message:
            field_errors.setdefault(name, []).append(message)
    if not field_errors and len(sent) == 1 and detail:
        # A single-field request (purchase {"number"}): the complaint can only be about it.
        only = next(iter(sent))
        field_errors[_ATTRIBUTE_NAMES.get(only, only)] = [detail]
    return Invalid(
        sentence(f"SignalWire did not accept the request: {detail}"),
        field_errors=field_errors,
        **common,
    )


class SignalWireRestClient(ProviderClient):
    provider = "signalwire_rest"
    search_kinds = ("local", "toll_free")
    honours_capability_filter = False
    supports_area_code_purchase = False
    supports_import = True
    updatable_fields = REST_UPDATABLE_FIELDS

    def __init__(self, *, api_root: str, project_id: str, token: str, **http_options):
        self.project_id = project_id
        self.http = HttpClient(
            provider=self.provider,
            root=api_root.rstrip("/") + REST_PREFIX,
            username=project_id,
            token=token,
            error_mapper=rest_error,
            **http_options,
        )

    def ping(self) -> None:
        self.http.request("GET", "phone_numbers", params={"page_size": 1})

    def search_available(self, query: SearchQuery) -> list[AvailableNumber]:
        if query.kind not in self.search_kinds:
            raise Invalid(
                "SignalWire's API searches only local and toll-free numbers.",
                field_errors={"kind": ["Choose local or toll-free."]},
            )
        params: dict[str, Any] = {
            "number_type": "toll-free" if query.kind == "toll_free" else "local",
            "max_results": max(1, min(query.limit, MAX_SEARCH_RESULTS)),
        }
        for ours, theirs in (
            ("area_code", "areacode"),
            ("region", "region"),
            ("city", "city"),
            ("starts_with", "starts_with"),
            ("contains", "contains"),
            ("ends_with", "ends_with"),
        ):
            value = getattr(query, ours)
            if value:
                params[theirs] = value
        body = self.http.request("GET", "phone_numbers/search", params=params) or {}
        return [mapping.rest_available(item, query.kind) for item in body.get("data") or []]

    def purchase(self, number: str = "", *, area_code: str = "", config=None) -> dict[str, Any]:
        if area_code and not number:
            raise Invalid(
                "SignalWire's API buys a specific number: search and pick one.",
                field_errors={"area_code": ["Pick a number from the search results instead."]},
            )
        body = self.http.request("POST", "phone_numbers", json={"number": number})
        bought = mapping.rest_number(body)
        if config:
            # REST takes no configuration at purchase. The number is bought now, so a failure
            # here must not look like a failed purchase: it is returned beside the number.
            try:
                bought = self.update(bought["upstream_id"], config)
            except UpstreamError as error:
                bought["config_error"] = error
        return bought

    def import_number(self, number: str, *, kind: str, capabilities: list[str]) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "number": number,
            "number_type": "tollfree" if kind == "toll_free" else "longcode",
        }
        if capabilities:
            payload["capabilities"] = list(capabilities)
        body = self.http.request("POST", "imported_phone_numbers", json=payload)
        return mapping.rest_number(body)

    def get(self, upstream_id: str) -> dict[str, Any]:
        return mapping.rest_number(self.http.request("GET", f"phone_numbers/{upstream_id}"))

    def find_by_number(self, number: str) -> dict[str, Any] | None:
        # filter_number is a substring match, so the answer is checked for an exact match.
        for found in self._pages("phone_numbers", {"filter_number": number, "page_size": 50}):
            if found.get("number") == number:
                return mapping.rest_number(found)
        return None

    def iter_numbers(self, page_size: int = 1000):
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        for payload in self._pages("phone_numbers", {"page_size": page_size}):
            yield mapping.rest_number(payload)

    def update(self, upstream_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        try:
            payload = mapping.rest_update_body(changes)
        except mapping.UnknownField as error:
            raise Invalid(
                "SignalWire's API cannot change these fields: " + ", ".join(error.fields) + ".",
                field_errors={f: ["This field cannot be changed here."] for f in error.fields},
            ) from None
        body = self.http.request("PUT", f"phone_numbers/{upstream_id}", json=payload)
        return mapping.rest_number(body)

    def release(self, upstream_id: str) -> None:
        self.http.request("DELETE", f"phone_numbers/{upstream_id}")

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        # links.next may be absolute, or a path from the Space root ("/api/relay/rest/…").
        return self._follow_pages(
            path,
            params,
            items=lambda body: body.get("data"),
            next_link=lambda body: (body.get("links") or {}).get("next"),
            marker=REST_PREFIX + "/",
        )

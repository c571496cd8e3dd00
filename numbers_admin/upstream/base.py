"""The one interface every upstream client implements, and the vocabulary it speaks.

Callers never see a provider's wire format. They speak *canonical* field names: the
``PhoneNumber`` model's, which are SignalWire REST's (API.md §1.5). A canonical number is a dict
whose keys are ``PhoneNumber`` field names (see ``CANONICAL_FIELDS``), with "" for unset strings
and None for unset dates and booleans, plus ``raw_payload`` (the provider's body as received).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

# --- Canonical number fields --------------------------------------------------------------------

CANONICAL_FIELDS = (
    "upstream_id", "number", "name", "voice", "sms", "mms", "fax",
    "number_type", "country_code", "e911_address_id", "e911_status",
    "upstream_created_at", "upstream_updated_at", "next_billed_at",
    "call_handler", "calling_handler_resource_id", "call_receive_mode",
    "call_request_url", "call_request_method", "call_fallback_url", "call_fallback_method",
    "call_status_callback_url", "call_status_callback_method",
    "call_laml_application_id", "call_dialogflow_agent_id",
    "call_relay_topic", "call_relay_topic_status_callback_url", "call_relay_script_url",
    "call_relay_context", "call_relay_context_status_callback_url", "call_relay_application",
    "call_relay_connector_id", "call_sip_endpoint_id", "call_verto_resource", "call_video_room_id",
    "message_handler", "messaging_handler_resource_id",
    "message_request_url", "message_request_method", "message_fallback_url",
    "message_fallback_method", "message_laml_application_id", "message_relay_topic",
    "message_relay_context", "message_relay_application",
    "sid", "emergency_status", "emergency_address_status", "trunk_sid", "bundle_sid",
    "address_sid", "identity_sid", "address_requirements", "origin", "beta",
    "verification_status", "status", "voice_caller_id_lookup", "api_version",
    "raw_payload",
)  # fmt: skip

# Fields a SignalWire REST PUT /phone_numbers/{id} accepts (UpdatePhoneNumberRequest, API.md §1.3).
REST_UPDATABLE_FIELDS = (
    "name", "call_handler", "call_receive_mode",
    "call_request_url", "call_request_method", "call_fallback_url", "call_fallback_method",
    "call_status_callback_url", "call_status_callback_method",
    "call_laml_application_id", "call_dialogflow_agent_id",
    "call_relay_topic", "call_relay_topic_status_callback_url", "call_relay_script_url",
    "call_relay_context", "call_relay_context_status_callback_url", "call_relay_application",
    "call_relay_connector_id", "call_sip_endpoint_id", "call_verto_resource", "call_video_room_id",
    "message_handler", "message_request_url", "message_request_method",
    "message_fallback_url", "message_fallback_method", "message_laml_application_id",
    "message_relay_topic", "message_relay_context", "message_relay_application",
)  # fmt: skip

# Compatibility / Twilio IncomingPhoneNumber: canonical field → (form field, response key).
# The mapping is SignalWire's own: a number bought with VoiceUrl shows call_request_url and
# call_handler "laml_webhooks" through the REST API (API.md §3, sandbox issue).
COMPAT_FIELDS = {
    "name": ("FriendlyName", "friendly_name"),
    "call_request_url": ("VoiceUrl", "voice_url"),
    "call_request_method": ("VoiceMethod", "voice_method"),
    "call_fallback_url": ("VoiceFallbackUrl", "voice_fallback_url"),
    "call_fallback_method": ("VoiceFallbackMethod", "voice_fallback_method"),
    "call_status_callback_url": ("StatusCallback", "status_callback"),
    "call_status_callback_method": ("StatusCallbackMethod", "status_callback_method"),
    "call_laml_application_id": ("VoiceApplicationSid", "voice_application_sid"),
    "call_receive_mode": ("VoiceReceiveMode", "voice_receive_mode"),
    "message_request_url": ("SmsUrl", "sms_url"),
    "message_request_method": ("SmsMethod", "sms_method"),
    "message_fallback_url": ("SmsFallbackUrl", "sms_fallback_url"),
    "message_fallback_method": ("SmsFallbackMethod", "sms_fallback_method"),
    "message_laml_application_id": ("SmsApplicationSid", "sms_application_sid"),
    "e911_address_id": ("EmergencyAddressSid", "emergency_address_sid"),
    "emergency_status": ("EmergencyStatus", "emergency_status"),
    "trunk_sid": ("TrunkSid", "trunk_sid"),
    "voice_caller_id_lookup": ("VoiceCallerIdLookup", "voice_caller_id_lookup"),
    "address_sid": ("AddressSid", "address_sid"),
    "identity_sid": ("IdentitySid", "identity_sid"),
    "bundle_sid": ("BundleSid", "bundle_sid"),
}

# What each provider lets the dashboard update (canonical names).
COMPAT_UPDATABLE_FIELDS = (
    "name", "call_request_url", "call_request_method", "call_fallback_url",
    "call_fallback_method", "call_status_callback_url", "call_status_callback_method",
    "call_laml_application_id", "call_receive_mode", "message_request_url",
    "message_request_method", "message_fallback_url", "message_fallback_method",
    "message_laml_application_id", "e911_address_id",
)  # fmt: skip
TWILIO_UPDATABLE_FIELDS = (
    *COMPAT_UPDATABLE_FIELDS,
    "emergency_status", "trunk_sid", "voice_caller_id_lookup",
)  # fmt: skip


# --- Searching for numbers to buy ---------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    """What to look for. ``kind`` is our vocabulary (local | toll_free | mobile); each client
    translates it (REST ``number_type`` local/toll-free, Compat/Twilio path segment)."""

    country: str = "US"
    kind: str = "local"
    area_code: str = ""
    region: str = ""
    city: str = ""
    starts_with: str = ""
    contains: str = ""
    ends_with: str = ""
    # Honoured only where the provider honours it (Twilio); see ``UpstreamClient`` flags.
    capabilities: frozenset[str] = frozenset()
    limit: int = 20


@dataclass(frozen=True)
class AvailableNumber:
    number: str  # E.164
    country: str = ""
    region: str = ""
    locality: str = ""
    rate_center: str = ""
    lata: str = ""
    capabilities: frozenset[str] = field(default_factory=frozenset)
    kind: str = "local"
    friendly_name: str = ""


# --- The client interface ----------------------------------------------------------------------


class UpstreamClient(Protocol):
    """Implemented by SignalWire REST, SignalWire Compatibility and Twilio clients.

    Every method raises only ``numbers_admin.upstream.errors.UpstreamError`` subclasses. After
    each call ``last_request_id`` holds the upstream request id (or "").
    """

    provider: str
    last_request_id: str
    search_kinds: tuple[str, ...]  # kinds ``search_available`` offers, e.g. ("local", "toll_free")
    honours_capability_filter: bool  # False where the API silently ignores it (SignalWire)
    supports_area_code_purchase: bool  # Twilio: buy "any number in area code"
    supports_import: bool
    updatable_fields: tuple[str, ...]

    def ping(self) -> None:
        """A cheap authenticated GET; raises AuthFailed, Unavailable, … on failure."""

    def search_available(self, query: SearchQuery) -> list[AvailableNumber]: ...

    def purchase(
        self, number: str = "", *, area_code: str = "", config: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Buy ``number`` (E.164) or, where supported, any number in ``area_code``. ``config`` is
        canonical initial configuration (name, URLs…) where the provider takes it at purchase.
        Never retried on timeout/5xx: raises OutcomeUnknown instead."""

    def import_number(self, number: str, *, kind: str, capabilities: list[str]) -> dict[str, Any]:
        """Import a number hosted elsewhere (``kind`` local | toll_free). Never retried blindly."""

    def get(self, upstream_id: str) -> dict[str, Any]: ...

    def find_by_number(self, number: str) -> dict[str, Any] | None:
        """The owned number with this E.164, or None. Used to settle an unknown outcome."""

    def iter_numbers(self, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every owned number, streaming page by page (follows the provider's next link)."""

    def update(self, upstream_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply canonical ``changes`` (only the keys given) and return the updated number."""

    def release(self, upstream_id: str) -> None: ...

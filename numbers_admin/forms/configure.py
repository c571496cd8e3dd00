"""Configuring where a number's calls and messages go: one number, many numbers, find and replace.

Form fields are canonical names (the ``PhoneNumber`` model's, SignalWire REST's); the upstream
client translates them to Compatibility/Twilio names. Every field has a plain-language label, and
the provider's own name in its help text for people who know it.
"""

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core import signing

from numbers_admin.models import (
    FABRIC_ONLY_CALL_HANDLERS,
    CallHandler,
    MessageHandler,
    Provider,
)
from numbers_admin.upstream.base import (
    COMPAT_FIELDS,
    COMPAT_UPDATABLE_FIELDS,
    REST_UPDATABLE_FIELDS,
    TWILIO_UPDATABLE_FIELDS,
)

MAX_URL_LENGTH = 1000
METHODS = (("POST", "POST"), ("GET", "GET"))
RECEIVE_MODES = (("voice", "As voice calls"), ("fax", "As faxes"))

URL_FIELDS = (
    "call_request_url",
    "call_fallback_url",
    "call_status_callback_url",
    "call_relay_topic_status_callback_url",
    "call_relay_context_status_callback_url",
    "call_relay_script_url",
    "message_request_url",
    "message_fallback_url",
)
# The method that goes with each URL (used for the webhook check and defaults).
METHOD_FOR_URL = {
    "call_request_url": "call_request_method",
    "call_fallback_url": "call_fallback_method",
    "call_status_callback_url": "call_status_callback_method",
    "message_request_url": "message_request_method",
    "message_fallback_url": "message_fallback_method",
}
METHOD_FIELDS = tuple(METHOD_FOR_URL.values())
# URLs a find-and-replace may touch ("handler URLs").
REPLACEABLE_URL_FIELDS = (
    "call_request_url",
    "call_fallback_url",
    "call_status_callback_url",
    "call_relay_script_url",
    "message_request_url",
    "message_fallback_url",
)

# Plain labels (and help) for every field a person can set. The provider's wire name is added to
# the help text on Compatibility/Twilio numbers.
FIELD_LABELS = {
    "name": ("Name", "A name your team recognises, e.g. “Support line – Boston”."),
    "call_handler": ("What happens to calls", ""),
    "call_receive_mode": ("Receive incoming calls", "Choose “As faxes” only for a fax line."),
    "call_request_url": (
        "Calls webhook URL",
        "The address asked what to do with each incoming call. It must answer with cXML/TwiML.",
    ),
    "call_request_method": ("Calls webhook method", "How the webhook is requested."),
    "call_fallback_url": (
        "Calls backup webhook URL",
        "Asked instead if the main webhook fails or is slow. Optional.",
    ),
    "call_fallback_method": ("Calls backup webhook method", ""),
    "call_status_callback_url": (
        "Call status updates URL",
        "Told when a call starts, is answered and ends. Optional.",
    ),
    "call_status_callback_method": ("Call status updates method", ""),
    "call_laml_application_id": (
        "cXML application id",
        "The id of a cXML application in your SignalWire space.",
    ),
    "call_dialogflow_agent_id": ("Dialogflow agent id", "The Dialogflow agent that answers."),
    "call_relay_topic": ("Relay topic", "The topic your Relay client listens on."),
    "call_relay_topic_status_callback_url": (
        "Relay topic status updates URL",
        "Told when a call to the topic changes state.",
    ),
    "call_relay_script_url": (
        "SWML script URL",
        "The address of a SWML script (JSON or YAML) that runs each call.",
    ),
    "call_relay_context": (
        "Relay context",
        "Deprecated by SignalWire: prefer a Relay application.",
    ),
    "call_relay_context_status_callback_url": ("Relay context status updates URL", "Optional."),
    "call_relay_application": ("Relay application", "The name of the Relay application."),
    "call_relay_connector_id": ("Relay connector id", "The connector calls are sent to."),
    "call_sip_endpoint_id": ("SIP endpoint id", "The SIP endpoint to ring (a SignalWire id)."),
    "call_verto_resource": ("Verto endpoint", "The Verto resource to ring."),
    "call_video_room_id": ("Video room id", "The video room callers join (a SignalWire id)."),
    "message_handler": ("What happens to texts", ""),
    "message_request_url": (
        "Texts webhook URL",
        "The address told about each incoming text. It must answer with cXML/TwiML.",
    ),
    "message_request_method": ("Texts webhook method", ""),
    "message_fallback_url": ("Texts backup webhook URL", "Optional."),
    "message_fallback_method": ("Texts backup webhook method", ""),
    "message_laml_application_id": ("cXML application id for texts", ""),
    "message_relay_topic": ("Relay topic for texts", ""),
    "message_relay_context": ("Relay context for texts", "Deprecated by SignalWire."),
    "message_relay_application": (
        "Relay application for texts",
        "SignalWire does not show this value back: leave it empty to keep the current one.",
    ),
    "trunk_sid": (
        "SIP trunk",
        "Send calls to an Elastic SIP Trunk instead. Clears the voice application.",
    ),
    "voice_caller_id_lookup": (
        "Look up the caller's name",
        "Twilio charges for each lookup.",
    ),
    "e911_address_id": ("Emergency address", "The id of a validated emergency (E911) address."),
    "emergency_status": (
        "Use the emergency address",
        "Whether 911 calls from this number use the emergency address.",
    ),
}


# Where Twilio's words differ from SignalWire's.
TWILIO_LABELS = {
    "call_laml_application_id": (
        "Voice application (TwiML App) SID",
        "A TwiML App that answers calls: AP followed by 32 characters.",
    ),
    "message_laml_application_id": (
        "Messaging application (TwiML App) SID",
        "A TwiML App that receives texts: AP followed by 32 characters.",
    ),
    "trunk_sid": (
        "SIP trunk SID",
        "Send calls to an Elastic SIP Trunk instead (TK…). Clears the voice application.",
    ),
    "e911_address_id": (
        "Emergency address SID",
        "A validated emergency address: AD followed by 32 characters.",
    ),
}


def label_for(field: str) -> str:
    return FIELD_LABELS.get(field, (field.replace("_", " ").capitalize(), ""))[0]


CALL_HANDLER_HELP = {
    CallHandler.LAML_WEBHOOKS: "Your web server says what to do with each call (cXML/TwiML).",
    CallHandler.LAML_APPLICATION: "A cXML application saved in your SignalWire space.",
    CallHandler.RELAY_SCRIPT: "A SWML script at a web address runs each call.",
    CallHandler.RELAY_APPLICATION: "A program using the Relay SDK takes the call.",
    CallHandler.RELAY_TOPIC: "A Relay client listening on a topic takes the call.",
    CallHandler.RELAY_CONTEXT: "The older form of Relay topics; prefer a Relay application.",
    CallHandler.RELAY_CONNECTOR: "A Relay connector (e.g. a PBX link) takes the call.",
    CallHandler.RELAY_SIP_ENDPOINT: "A desk phone or softphone registered as a SIP endpoint rings.",
    CallHandler.RELAY_VERTO_ENDPOINT: "A browser client (Verto) rings.",
    CallHandler.DIALOGFLOW: "A Google Dialogflow agent answers and talks to the caller.",
    CallHandler.VIDEO_ROOM: "Callers join a SignalWire video room by phone.",
}
MESSAGE_HANDLER_HELP = {
    MessageHandler.LAML_WEBHOOKS: "Your web server is told about each text (cXML/TwiML).",
    MessageHandler.LAML_APPLICATION: "A cXML application saved in your SignalWire space.",
    MessageHandler.RELAY_APPLICATION: "A program using the Relay SDK receives texts.",
    MessageHandler.RELAY_TOPIC: "A Relay client listening on a topic receives texts.",
    MessageHandler.RELAY_CONTEXT: "The older form of Relay topics; prefer a Relay application.",
}

SETTABLE_CALL_HANDLERS = tuple(h for h in CallHandler if h not in FABRIC_ONLY_CALL_HANDLERS)

# handler → (required fields, optional fields) on SignalWire REST numbers (API.md §2.1, §1.3).
CALL_HANDLER_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    CallHandler.LAML_WEBHOOKS: (
        ("call_request_url", "call_request_method"),
        (
            "call_fallback_url",
            "call_fallback_method",
            "call_status_callback_url",
            "call_status_callback_method",
        ),
    ),
    CallHandler.LAML_APPLICATION: (("call_laml_application_id",), ()),
    CallHandler.RELAY_CONTEXT: (
        ("call_relay_context",),
        ("call_relay_context_status_callback_url",),
    ),
    # SW-TSP core.tsp: the topic's status callback is "only used (and required)" with relay_topic.
    CallHandler.RELAY_TOPIC: (("call_relay_topic", "call_relay_topic_status_callback_url"), ()),
    CallHandler.RELAY_SCRIPT: (("call_relay_script_url",), ()),
    CallHandler.RELAY_APPLICATION: (("call_relay_application",), ()),
    CallHandler.RELAY_CONNECTOR: (("call_relay_connector_id",), ()),
    CallHandler.RELAY_SIP_ENDPOINT: (("call_sip_endpoint_id",), ()),
    CallHandler.RELAY_VERTO_ENDPOINT: (("call_verto_resource",), ()),
    CallHandler.DIALOGFLOW: (("call_dialogflow_agent_id",), ()),
    CallHandler.VIDEO_ROOM: (("call_video_room_id",), ()),
}
MESSAGE_HANDLER_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    MessageHandler.LAML_WEBHOOKS: (
        ("message_request_url", "message_request_method"),
        ("message_fallback_url", "message_fallback_method"),
    ),
    MessageHandler.LAML_APPLICATION: (("message_laml_application_id",), ()),
    MessageHandler.RELAY_APPLICATION: (("message_relay_application",), ()),
    MessageHandler.RELAY_TOPIC: (("message_relay_topic",), ()),
    MessageHandler.RELAY_CONTEXT: (("message_relay_context",), ()),
}

# Accepted by PUT but never echoed back (API.md §1.3): the form cannot show the current value, so
# an empty box means "keep it", and it is only required when the handler is newly chosen.
WRITE_ONLY_FIELDS = ("message_relay_application",)
# SignalWire's Compatibility API takes VoiceReceiveMode but does not echo it (API.md §3.4).
COMPAT_WRITE_ONLY_FIELDS = ("call_receive_mode",)


def write_only_fields(provider: str) -> tuple[str, ...]:
    if provider == Provider.SIGNALWIRE_REST:
        return WRITE_ONLY_FIELDS
    if provider == Provider.SIGNALWIRE_COMPAT:
        return COMPAT_WRITE_ONLY_FIELDS
    return ()


# Fields holding SignalWire ids (uuids) on REST numbers.
REST_UUID_FIELDS = (
    "call_laml_application_id",
    "call_sip_endpoint_id",
    "call_video_room_id",
    "message_laml_application_id",
)
# Twilio SID prefixes (API.md §4.1); SignalWire Compatibility uses uuids for the same fields.
TWILIO_SID_PREFIX = {
    "call_laml_application_id": "AP",
    "message_laml_application_id": "AP",
    "e911_address_id": "AD",
    "trunk_sid": "TK",
}

COMPAT_FORM_ORDER = (
    "name",
    "call_request_url",
    "call_request_method",
    "call_fallback_url",
    "call_fallback_method",
    "call_status_callback_url",
    "call_status_callback_method",
    "call_laml_application_id",
    "trunk_sid",
    "call_receive_mode",
    "voice_caller_id_lookup",
    "message_request_url",
    "message_request_method",
    "message_fallback_url",
    "message_fallback_method",
    "message_laml_application_id",
    "emergency_status",
    "e911_address_id",
)


def updatable_fields(provider: str) -> tuple[str, ...]:
    if provider == Provider.SIGNALWIRE_REST:
        return REST_UPDATABLE_FIELDS
    if provider == Provider.TWILIO:
        return TWILIO_UPDATABLE_FIELDS
    return COMPAT_UPDATABLE_FIELDS


def handler_fields(handler: str, table=CALL_HANDLER_FIELDS) -> tuple[str, ...]:
    required, optional = table.get(handler, ((), ()))
    return required + optional


# --- Value rules ---------------------------------------------------------------------------------


def url_error(value: str) -> str:
    """The plain-language problem with a webhook address, or "" if it is fine."""
    if len(value) > MAX_URL_LENGTH:
        return f"This address is {len(value)} characters long; the limit is {MAX_URL_LENGTH}."
    if any(c.isspace() for c in value):
        return "A web address cannot contain spaces."
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "Enter a full web address starting with https:// (or http://), e.g. https://example.com/voice."
    return ""


def sid_error(field: str, value: str, provider: str) -> str:
    if provider == Provider.TWILIO and field in TWILIO_SID_PREFIX:
        prefix = TWILIO_SID_PREFIX[field]
        if not re.fullmatch(prefix + r"[0-9a-fA-F]{32}", value):
            return (
                f"Enter a Twilio id: {prefix} followed by 32 characters 0–9 and a–f "
                f"(34 in all), e.g. {prefix}{'0' * 8}…"
            )
        return ""
    try:
        uuid.UUID(value)
    except ValueError:
        return (
            "Enter a SignalWire id: 32 letters and digits in groups of 8-4-4-4-12, "
            "e.g. 1a2b3c4d-0000-4000-8000-1234567890ab."
        )
    if len(value) != 36:
        return "Enter a SignalWire id with dashes, e.g. 1a2b3c4d-0000-4000-8000-1234567890ab."
    return ""


def is_sid_field(field: str, provider: str) -> bool:
    if provider == Provider.SIGNALWIRE_REST:
        return field in REST_UUID_FIELDS
    return field in TWILIO_SID_PREFIX


def _default_for(field: str) -> Any:
    if field in METHOD_FIELDS:
        return "POST"
    if field == "call_receive_mode":
        return "voice"
    if field == "voice_caller_id_lookup":
        return False
    return ""


def normalize(field: str, value: Any) -> Any:
    """A value as compared for "did it change": unset equals the provider's default."""
    if value is None or value == "":
        return _default_for(field)
    return value


def values_equal(field: str, a: Any, b: Any) -> bool:
    return normalize(field, a) == normalize(field, b)


def sign_state(values: dict[str, Any]) -> str:
    return signing.dumps(values, salt="configure.loaded_state", compress=True)


def unsign_state(token: str) -> dict[str, Any] | None:
    try:
        return signing.loads(token, salt="configure.loaded_state")
    except signing.BadSignature:
        return None


def display_field(field: str, value: Any) -> str:
    """A value in words: handler choices by their plain label."""
    if field == "call_handler" and value in CallHandler.values:
        return CallHandler(value).label
    if field == "message_handler" and value in MessageHandler.values:
        return MessageHandler(value).label
    return display(value)


def display(value: Any) -> str:
    if value is None or value == "":
        return "(not set)"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


# --- One number ----------------------------------------------------------------------------------


def _make_field(field: str, provider: str) -> forms.Field:
    label, help_text = FIELD_LABELS.get(field, (field, ""))
    if provider == Provider.TWILIO and field in TWILIO_LABELS:
        label, help_text = TWILIO_LABELS[field]
    if provider != Provider.SIGNALWIRE_REST and field in COMPAT_FIELDS:
        wire = COMPAT_FIELDS[field][0]
        help_text = f"{help_text} ({wire})".strip()
    if field in METHOD_FIELDS:
        return forms.ChoiceField(label=label, help_text=help_text, choices=METHODS, required=False)
    if field == "call_receive_mode":
        choices = RECEIVE_MODES
        if field in write_only_fields(provider):
            choices = (("", "Keep as it is"), *RECEIVE_MODES)
            help_text = (
                "SignalWire's Compatibility API does not report this setting, so the current "
                "value cannot be shown. (VoiceReceiveMode)"
            )
        return forms.ChoiceField(label=label, help_text=help_text, choices=choices, required=False)
    if field == "voice_caller_id_lookup":
        return forms.TypedChoiceField(
            label=label,
            help_text=help_text,
            choices=((False, "No"), (True, "Yes")),
            coerce=lambda v: v in (True, "True", "true"),
            required=False,
        )
    if field == "emergency_status":
        return forms.ChoiceField(
            label=label,
            help_text=help_text,
            choices=(("", "Not set"), ("Active", "On"), ("Inactive", "Off")),
            required=False,
        )
    if field == "name":
        max_length = 255 if provider == Provider.SIGNALWIRE_REST else 64
        return forms.CharField(
            label=label,
            help_text=help_text,
            max_length=max_length,
            required=provider != Provider.SIGNALWIRE_REST,
            error_messages={
                "required": f"Enter a name (1 to {max_length} characters).",
                "max_length": f"Keep the name to {max_length} characters or fewer.",
            },
        )
    widget = forms.URLInput if field in URL_FIELDS else forms.TextInput
    max_length = MAX_URL_LENGTH if field in URL_FIELDS else 255
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        strip=True,
        # The length rule is checked in clean() with a clearer message than Django's.
        widget=widget(attrs={"maxlength": max_length, "spellcheck": "false"}),
    )


class ConfigureForm(forms.Form):
    """Edit one number. Built from the number's upstream values (``current``); shows only the
    fields of the chosen handlers on SignalWire REST numbers, and every updatable field on
    Compatibility and Twilio numbers. ``changes()`` is what to send: shown fields whose value
    differs from ``current``."""

    loaded_state = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data=None,
        *,
        provider: str,
        current: dict[str, Any],
        overrides: dict[str, Any] | None = None,
        **kwargs,
    ):
        """``overrides``: values a person typed (an unbound re-render for another handler, or a
        webhook check without JavaScript) shown instead of ``current``, loaded_state included."""
        self.provider = provider
        self.current = current
        updatable = updatable_fields(provider)
        initial = {f: normalize(f, current.get(f)) for f in updatable}
        for f in write_only_fields(provider):
            initial[f] = current.get(f) or ""  # unknown: shown as "keep"
        initial["loaded_state"] = sign_state({f: current.get(f) for f in updatable})
        for name, value in (overrides or {}).items():
            if name in updatable or (name == "loaded_state" and value):
                initial[name] = value
        super().__init__(data, initial=initial, **kwargs)
        source = data if data is not None else initial
        self.fabric_handler = ""
        self.call_handler = ""
        self.message_handler = ""
        if provider == Provider.SIGNALWIRE_REST:
            self._build_rest(source)
        else:
            for field in COMPAT_FORM_ORDER:
                if field in updatable:
                    self.fields[field] = _make_field(field, provider)
        # loaded_state last, so it renders with the hidden fields.
        self.fields["loaded_state"] = self.fields.pop("loaded_state")

    def _build_rest(self, source):
        self.fields["name"] = _make_field("name", self.provider)
        self.fields["call_receive_mode"] = _make_field("call_receive_mode", self.provider)
        current_handler = self.current.get("call_handler") or ""
        if current_handler in FABRIC_ONLY_CALL_HANDLERS:
            # Set through Fabric phone routes; PUT /phone_numbers cannot set these (API.md §2.1).
            self.fabric_handler = current_handler
        else:
            choices = [("", "Not routed (nobody answers)")] if not current_handler else []
            choices += [(h.value, h.label) for h in SETTABLE_CALL_HANDLERS]
            self.fields["call_handler"] = forms.ChoiceField(
                label=label_for("call_handler"),
                choices=choices,
                required=bool(current_handler),
                help_text="Only the settings of the chosen way are shown; the others are kept.",
            )
            chosen = source.get("call_handler", current_handler) or ""
            self.call_handler = chosen if chosen in CALL_HANDLER_FIELDS else ""
            for field in handler_fields(self.call_handler):
                self.fields[field] = _make_field(field, self.provider)
        current_message = self.current.get("message_handler") or ""
        choices = [("", "Not routed (texts are dropped)")] if not current_message else []
        choices += list(MessageHandler.choices)
        self.fields["message_handler"] = forms.ChoiceField(
            label=label_for("message_handler"), choices=choices, required=bool(current_message)
        )
        chosen = source.get("message_handler", current_message) or ""
        self.message_handler = chosen if chosen in MESSAGE_HANDLER_FIELDS else ""
        for field in handler_fields(self.message_handler, MESSAGE_HANDLER_FIELDS):
            self.fields[field] = _make_field(field, self.provider)

    # Groups for the template.
    def call_fields(self):
        names = [f for f in self.fields if f.startswith("call_") and f != "call_receive_mode"]
        return [self[f] for f in names if f != "call_handler"]

    def message_fields(self):
        return [self[f] for f in self.fields if f.startswith("message_") and f != "message_handler"]

    def required_fields(self) -> set[str]:
        if self.provider != Provider.SIGNALWIRE_REST:
            return {"name"}
        required = set(CALL_HANDLER_FIELDS.get(self.call_handler, ((), ()))[0])
        required |= set(MESSAGE_HANDLER_FIELDS.get(self.message_handler, ((), ()))[0])
        if self.message_handler == self.current.get("message_handler"):
            required -= set(WRITE_ONLY_FIELDS)
        return required

    def clean(self):
        cleaned = super().clean()
        for field in self.fields:
            value = cleaned.get(field)
            if not isinstance(value, str) or field == "loaded_state":
                continue
            if field in self.required_fields() and value == "":
                if field in handler_fields(self.call_handler):
                    how = CallHandler(self.call_handler).label
                else:
                    how = MessageHandler(self.message_handler).label
                self.add_error(field, f"{label_for(field)} is needed for “{how}”.")
                continue
            if not value:
                continue
            if field in URL_FIELDS:
                problem = url_error(value)
            elif is_sid_field(field, self.provider):
                problem = sid_error(field, value, self.provider)
                if not problem and self.provider == Provider.TWILIO:
                    value = value[:2].upper() + value[2:].lower()
                elif not problem:
                    value = value.lower()
                cleaned[field] = value
            else:
                problem = ""
            if problem:
                self.add_error(field, problem)
        if (
            self.provider == Provider.TWILIO
            and cleaned.get("call_laml_application_id")
            and cleaned.get("trunk_sid")
        ):
            message = "Choose either a voice application or a SIP trunk, not both."
            self.add_error("call_laml_application_id", message)
            self.add_error("trunk_sid", message)
        return cleaned

    def shown_fields(self) -> list[str]:
        return [f for f in self.fields if f != "loaded_state"]

    def changes(self, against: dict[str, Any] | None = None) -> dict[str, Any]:
        """Shown fields whose cleaned value differs from ``against`` (default: ``current``)."""
        against = self.current if against is None else against
        write_only = write_only_fields(self.provider)
        changes = {}
        for f in self.shown_fields():
            if f not in self.cleaned_data:
                continue
            value = self.cleaned_data[f]
            if f in write_only:
                # The carrier never tells us the current value: empty keeps it, a value is sent.
                if value != "" and value != (against.get(f) or ""):
                    changes[f] = value
            elif not values_equal(f, value, against.get(f)):
                changes[f] = value
        return changes

    def loaded_values(self) -> dict[str, Any] | None:
        return unsign_state(self.cleaned_data.get("loaded_state") or "")


# --- Many numbers --------------------------------------------------------------------------------

BULK_FIELDS = (
    "call_handler",
    "call_request_url",
    "call_request_method",
    "call_fallback_url",
    "call_fallback_method",
    "call_status_callback_url",
    "call_status_callback_method",
    "call_relay_script_url",
    "call_relay_application",
    "call_receive_mode",
    "message_handler",
    "message_request_url",
    "message_request_method",
    "message_fallback_url",
    "message_fallback_method",
)


class BulkChangesForm(forms.Form):
    """The changes to make to every selected number. An empty field keeps each number's own
    value; only the fields filled in are sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keep = [("", "Keep each number's own")]
        for field in BULK_FIELDS:
            label, help_text = FIELD_LABELS[field]
            if field == "call_handler":
                choices = keep + [(h.value, h.label) for h in SETTABLE_CALL_HANDLERS]
                help_text = "SignalWire (Space REST API) numbers only."
            elif field == "message_handler":
                choices = keep + list(MessageHandler.choices)
                help_text = "SignalWire (Space REST API) numbers only."
            elif field in METHOD_FIELDS:
                choices = keep + list(METHODS)
            elif field == "call_receive_mode":
                choices = keep + list(RECEIVE_MODES)
            else:
                self.fields[field] = forms.CharField(
                    label=label,
                    required=False,
                    widget=forms.URLInput if field in URL_FIELDS else forms.TextInput,
                    help_text="Leave empty to keep each number's own.",
                )
                continue
            self.fields[field] = forms.ChoiceField(
                label=label, choices=choices, required=False, help_text=help_text
            )

    def clean(self):
        cleaned = super().clean()
        for field in URL_FIELDS:
            value = cleaned.get(field)
            if value:
                problem = url_error(value)
                if problem:
                    self.add_error(field, problem)
        if not self.errors and not self.changes():
            raise forms.ValidationError(
                "Choose at least one change: every field is set to keep each number's own value."
            )
        return cleaned

    def changes(self) -> dict[str, Any]:
        return {f: v for f, v in self.cleaned_data.items() if f in BULK_FIELDS and v}


class ReplaceForm(forms.Form):
    fields_to_search = forms.MultipleChoiceField(
        label="Look in",
        choices=[(f, FIELD_LABELS[f][0]) for f in REPLACEABLE_URL_FIELDS],
        initial=["call_request_url"],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of address to look in."},
    )
    find = forms.CharField(
        label="Find",
        max_length=MAX_URL_LENGTH,
        strip=False,
        help_text="Text to look for, e.g. old.example.com (capital letters matter).",
        error_messages={"required": "Enter the text to find, e.g. old.example.com."},
    )
    replace = forms.CharField(
        label="Replace with",
        max_length=MAX_URL_LENGTH,
        required=False,
        strip=False,
        help_text="e.g. new.example.com. Leave empty to remove the text.",
    )

    def clean_find(self):
        find = self.cleaned_data["find"]
        if not find.strip():
            raise forms.ValidationError("Enter the text to find, e.g. old.example.com.")
        return find


class WebhookCheckForm(forms.Form):
    url = forms.CharField(max_length=MAX_URL_LENGTH + 1)
    method = forms.ChoiceField(choices=METHODS, required=False)

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        problem = url_error(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

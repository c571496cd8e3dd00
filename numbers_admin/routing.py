"""Where a number's calls and messages go, in plain language.

``summarize(values)`` takes a PhoneNumber, or a dict of its canonical fields (so a preview can
describe a configuration before it is saved), and returns sentences for people who do not know
what "laml_webhooks" means.
"""

from typing import Any

from numbers_admin.models import FABRIC_ONLY_CALL_HANDLERS, CallHandler, MessageHandler


def _get(values: Any, name: str) -> str:
    if isinstance(values, dict):
        value = values.get(name, "")
    else:
        value = getattr(values, name, "")
    return "" if value is None else str(value)


def _by(method: str) -> str:
    return f" by {method}" if method else ""


def _webhook_sentence(what: str, url: str, method: str, fallback: str, fallback_method: str):
    sentence = f"{what} go to {url}{_by(method)}"
    if fallback:
        sentence += f"; if that fails, to {fallback}{_by(fallback_method)}"
    return sentence + "."


_CALL_TARGETS = {
    CallHandler.LAML_APPLICATION: (
        "call_laml_application_id",
        "Calls run the cXML application {}.",
    ),
    CallHandler.RELAY_SCRIPT: ("call_relay_script_url", "Calls run the SWML script at {}."),
    CallHandler.RELAY_APPLICATION: (
        "call_relay_application",
        "Calls go to the Relay application “{}”.",
    ),
    CallHandler.RELAY_TOPIC: ("call_relay_topic", "Calls go to the Relay topic “{}”."),
    CallHandler.RELAY_CONTEXT: ("call_relay_context", "Calls go to the Relay context “{}”."),
    CallHandler.RELAY_CONNECTOR: ("call_relay_connector_id", "Calls go to the Relay connector {}."),
    CallHandler.RELAY_SIP_ENDPOINT: ("call_sip_endpoint_id", "Calls ring the SIP endpoint {}."),
    CallHandler.RELAY_VERTO_ENDPOINT: ("call_verto_resource", "Calls ring the Verto endpoint {}."),
    CallHandler.DIALOGFLOW: ("call_dialogflow_agent_id", "Calls are answered by Dialogflow {}."),
    CallHandler.VIDEO_ROOM: ("call_video_room_id", "Calls join the video room {}."),
}

_MESSAGE_TARGETS = {
    MessageHandler.LAML_APPLICATION: (
        "message_laml_application_id",
        "Texts run the cXML application {}.",
    ),
    MessageHandler.RELAY_APPLICATION: (
        "message_relay_application",
        "Texts go to the Relay application “{}”.",
    ),
    MessageHandler.RELAY_TOPIC: ("message_relay_topic", "Texts go to the Relay topic “{}”."),
    MessageHandler.RELAY_CONTEXT: ("message_relay_context", "Texts go to the Relay context “{}”."),
}


def call_sentence(values: Any) -> str:
    handler = _get(values, "call_handler")
    trunk = _get(values, "trunk_sid")
    if trunk:
        return f"Calls go to the SIP trunk {trunk}."
    if handler == CallHandler.LAML_WEBHOOKS or (not handler and _get(values, "call_request_url")):
        url = _get(values, "call_request_url")
        if not url:
            return "Calls are set to go to a webhook, but no webhook URL is set, so calls fail."
        return _webhook_sentence(
            "Calls",
            url,
            _get(values, "call_request_method"),
            _get(values, "call_fallback_url"),
            _get(values, "call_fallback_method"),
        )
    if not handler and _get(values, "call_laml_application_id"):
        handler = CallHandler.LAML_APPLICATION
    if handler in _CALL_TARGETS:
        field, template = _CALL_TARGETS[handler]
        target = _get(values, field)
        if not target:
            label = CallHandler(handler).label
            return f"Calls are set to “{label}”, but nothing is chosen for it, so calls fail."
        return template.format(target)
    if handler in FABRIC_ONLY_CALL_HANDLERS:
        label = CallHandler(handler).label
        resource = _get(values, "calling_handler_resource_id")
        suffix = f" (resource {resource})" if resource else ""
        return f"Calls are handled by SignalWire Fabric: {label}{suffix}."
    return "Calls are not routed anywhere: nobody answers this number."


def message_sentence(values: Any) -> str:
    handler = _get(values, "message_handler")
    if handler == MessageHandler.LAML_WEBHOOKS or (
        not handler and _get(values, "message_request_url")
    ):
        url = _get(values, "message_request_url")
        if not url:
            return "Texts are set to go to a webhook, but no webhook URL is set."
        return _webhook_sentence(
            "Texts",
            url,
            _get(values, "message_request_method"),
            _get(values, "message_fallback_url"),
            _get(values, "message_fallback_method"),
        )
    if not handler and _get(values, "message_laml_application_id"):
        handler = MessageHandler.LAML_APPLICATION
    if handler in _MESSAGE_TARGETS:
        field, template = _MESSAGE_TARGETS[handler]
        target = _get(values, field)
        if not target:
            return "Texts are set to a handler with nothing chosen for it, so texts are dropped."
        return template.format(target)
    return "Texts are not routed anywhere: incoming texts are dropped."


def status_sentence(values: Any) -> str:
    url = _get(values, "call_status_callback_url")
    if not url:
        return ""
    return (
        f"Call status updates are sent to {url}{_by(_get(values, 'call_status_callback_method'))}."
    )


def summarize(values: Any) -> list[str]:
    """Sentences describing the routing, calls first."""
    sentences = [call_sentence(values)]
    if _get(values, "call_receive_mode") == "fax":
        sentences[0] = "Incoming calls are received as faxes. " + sentences[0]
    status = status_sentence(values)
    if status:
        sentences.append(status)
    sentences.append(message_sentence(values))
    return sentences


def has_call_handler(values: Any) -> bool:
    return not call_sentence(values).startswith("Calls are not routed")


def uses_plain_http(values: Any) -> bool:
    """True when any webhook of the number is plain http (unencrypted)."""
    fields = (
        "call_request_url",
        "call_fallback_url",
        "call_status_callback_url",
        "message_request_url",
        "message_fallback_url",
        "call_relay_script_url",
    )
    return any(_get(values, f).lower().startswith("http://") for f in fields)

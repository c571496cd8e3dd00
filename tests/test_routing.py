"""The plain-language routing summary."""

from numbers_admin.routing import has_call_handler, summarize, uses_plain_http


def test_webhook_with_fallback_reads_as_a_sentence():
    sentences = summarize(
        {
            "call_handler": "laml_webhooks",
            "call_request_url": "https://example.com/voice",
            "call_request_method": "POST",
            "call_fallback_url": "https://backup.example.com/voice",
            "call_fallback_method": "GET",
            "message_handler": "laml_webhooks",
            "message_request_url": "https://example.com/sms",
            "message_request_method": "POST",
        }
    )
    assert sentences[0] == (
        "Calls go to https://example.com/voice by POST; "
        "if that fails, to https://backup.example.com/voice by GET."
    )
    assert sentences[-1] == "Texts go to https://example.com/sms by POST."


def test_no_handler_says_nobody_answers():
    sentences = summarize({})
    assert sentences == [
        "Calls are not routed anywhere: nobody answers this number.",
        "Texts are not routed anywhere: incoming texts are dropped.",
    ]
    assert has_call_handler({}) is False


def test_handler_without_its_target_warns_that_calls_fail():
    assert "so calls fail" in summarize({"call_handler": "relay_script"})[0]


def test_compat_number_without_handler_field_is_read_from_its_urls():
    sentences = summarize(
        {"call_request_url": "http://old.example.com/v", "call_request_method": "GET"}
    )
    assert sentences[0] == "Calls go to http://old.example.com/v by GET."
    assert uses_plain_http({"call_request_url": "http://old.example.com/v"}) is True
    assert uses_plain_http({"call_request_url": "https://new.example.com/v"}) is False


def test_fabric_handler_is_described():
    sentence = summarize({"call_handler": "ai_agent", "calling_handler_resource_id": "abc"})[0]
    assert (
        sentence
        == "Calls are handled by SignalWire Fabric: Answer with an AI agent (Fabric) (resource abc)."
    )

"""Each provider's error bodies become the one exception family, with a plain sentence, the
provider's code and detail, the HTTP status, the request id and errors per canonical field."""

import datetime

import pytest
import responses

from numbers_admin.upstream import errors
from tests.upstream.helpers import COMPAT, REST, TWILIO, compat_client, rest_client, twilio_client

RID = {"x-request-id": "req-42"}


def _check_common(error, *, status, code, request_id="req-42"):
    assert error.status == status
    assert error.provider_code == code
    assert error.request_id == request_id
    assert error.message and error.message.endswith(".")
    assert "{" not in error.message  # a sentence, not a body


# --- SignalWire REST -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, {"error": "Unauthorized"}, errors.AuthFailed),
        (403, {"error": "Forbidden"}, errors.AuthFailed),
        (404, {"error": "Not Found"}, errors.NotFound),
    ],
)
@responses.activate
def test_rest_simple_error_shape(status, body, kind):
    responses.get(f"{REST}/phone_numbers/abc", status=status, json=body, headers=RID)
    with pytest.raises(kind) as caught:
        rest_client().get("abc")
    _check_common(caught.value, status=status, code=str(status))
    assert caught.value.detail == body["error"]


@responses.activate
def test_rest_release_cooldown_gives_the_date():
    detail = (
        "Number was purchased too recently to release. Please wait until 2025-06-18 05:49:47 "
        "UTC to release this number, or contact Support for assistance."
    )
    responses.delete(
        f"{REST}/phone_numbers/abc",
        status=422,
        json={
            "errors": [
                {"detail": detail, "status": "422", "title": "Invalid Attribute", "code": "422"}
            ]
        },  # fmt: skip
        headers=RID,
    )
    with pytest.raises(errors.TooSoonToRelease) as caught:
        rest_client().release("abc")
    error = caught.value
    _check_common(error, status=422, code="422")
    assert error.possible_at == datetime.datetime(2025, 6, 18, 5, 49, 47, tzinfo=datetime.UTC)
    assert "2025-06-18 05:49" in error.message
    assert error.detail == detail


@responses.activate
def test_rest_purchase_of_a_number_no_longer_available():
    responses.post(
        f"{REST}/phone_numbers",
        status=422,
        json={"errors": [{"detail": "Number is not available for purchase", "status": "422",
                          "title": "Invalid Attribute", "code": "could_not_purchase"}]},
        headers=RID,
    )  # fmt: skip
    with pytest.raises(errors.NotAvailable) as caught:
        rest_client().purchase("+15035550100")
    _check_common(caught.value, status=422, code="could_not_purchase")
    assert "Search again" in caught.value.message


@responses.activate
def test_rest_validation_error_is_keyed_by_canonical_field():
    responses.put(
        f"{REST}/phone_numbers/abc",
        status=422,
        json={"errors": [
            {"detail": "Call request url is not a valid URL", "status": "422",
             "title": "Invalid Attribute", "code": "422"},
            {"detail": "Invalid value", "status": "422", "title": "Invalid Attribute",
             "code": "422", "source": {"pointer": "/message_request_method"}},
        ]},
        headers=RID,
    )  # fmt: skip
    with pytest.raises(errors.Invalid) as caught:
        rest_client().update("abc", {"call_request_url": "nope", "message_request_method": "PATCH"})
    error = caught.value
    assert not isinstance(error, errors.TooSoonToRelease)
    assert error.field_errors == {
        "call_request_url": ["Call request url is not a valid URL"],
        "message_request_method": ["Invalid value"],
    }
    assert "SignalWire did not accept" in error.message


@responses.activate
def test_rest_search_400_for_a_bad_filter_is_invalid():
    responses.get(
        f"{REST}/phone_numbers/search",
        status=400,
        json={"errors": [{"detail": "Starts with must be 3 to 7 digits", "status": "400",
                          "title": "Bad Request", "code": "400"}]},
    )  # fmt: skip
    from numbers_admin.upstream.base import SearchQuery

    with pytest.raises(errors.Invalid) as caught:
        rest_client().search_available(SearchQuery(starts_with="12"))
    assert caught.value.field_errors == {"starts_with": ["Starts with must be 3 to 7 digits"]}
    assert caught.value.message == (
        "SignalWire did not accept the request: Starts with must be 3 to 7 digits."
    )


@responses.activate
def test_rest_import_not_enabled_is_feature_not_enabled():
    responses.post(
        f"{REST}/imported_phone_numbers",
        status=422,
        json={"errors": [{"detail": "Importing numbers is a Partner feature that is not "
                          "enabled for this Space", "status": "422", "title": "Forbidden",
                          "code": "feature_not_available"}]},
        headers=RID,
    )  # fmt: skip
    with pytest.raises(errors.FeatureNotEnabled) as caught:
        rest_client().import_number("+4915223433332", kind="local", capabilities=["sms"])
    _check_common(caught.value, status=422, code="feature_not_available")
    assert "support" in caught.value.message


@responses.activate
def test_rest_rate_limited_after_retries_keeps_retry_after(settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    responses.get(
        f"{REST}/phone_numbers",
        status=429,
        json={"errors": [{"detail": "Too many requests", "code": "rate_limit_exceeded"}]},
        headers={**RID, "Retry-After": "2"},
    )
    with pytest.raises(errors.RateLimited) as caught:
        rest_client().ping()
    _check_common(caught.value, status=429, code="rate_limit_exceeded")
    assert caught.value.retry_after == 2


# --- SignalWire Compatibility -------------------------------------------------------------------


def _compat_body(code, message, status):
    return {
        "code": code,
        "message": message,
        "more_info": "https://developer.signalwire.com/compatibility-api/reference/error-codes",
        "status": status,
    }


@responses.activate
def test_compat_auth_error():
    responses.get(f"{COMPAT}/IncomingPhoneNumbers.json", status=401,
                  json=_compat_body("20003", "Authentication Error", 401), headers=RID)  # fmt: skip
    with pytest.raises(errors.AuthFailed) as caught:
        compat_client().ping()
    _check_common(caught.value, status=401, code="20003")


@responses.activate
def test_compat_not_found():
    responses.get(f"{COMPAT}/IncomingPhoneNumbers/nope.json", status=404,
                  json=_compat_body("20404", "Not Found", 404), headers=RID)  # fmt: skip
    with pytest.raises(errors.NotFound) as caught:
        compat_client().get("nope")
    _check_common(caught.value, status=404, code="20404")


@responses.activate
def test_compat_21421_means_a_number_must_be_given_not_unavailable():
    responses.post(
        f"{COMPAT}/IncomingPhoneNumbers.json",
        status=400,
        json=_compat_body("21421", "An area code or number must be provided", 400),
    )
    with pytest.raises(errors.Invalid) as caught:
        compat_client().purchase("+1")
    assert not isinstance(caught.value, errors.NotAvailable)
    assert list(caught.value.field_errors) == ["number"]


@responses.activate
def test_compat_invalid_url_is_put_on_the_canonical_field_sent():
    responses.post(
        f"{COMPAT}/IncomingPhoneNumbers/sid1.json",
        status=400,
        json=_compat_body("21402", "Url is not valid", 400),
        headers=RID,
    )
    with pytest.raises(errors.Invalid) as caught:
        compat_client().update("sid1", {"name": "ok", "call_request_url": "ftp:/x"})
    _check_common(caught.value, status=400, code="21402")
    assert caught.value.field_errors == {"call_request_url": ["Url is not valid"]}
    assert "full web address" in caught.value.message


@responses.activate
def test_compat_message_naming_a_pascal_case_field_maps_back():
    responses.post(
        f"{COMPAT}/IncomingPhoneNumbers/sid1.json",
        status=400,
        json=_compat_body("21402", "SmsFallbackUrl must be a valid URL", 400),
    )
    with pytest.raises(errors.Invalid) as caught:
        compat_client().update(
            "sid1", {"call_request_url": "https://ok", "message_fallback_url": "bad"}
        )
    assert caught.value.field_errors == {
        "message_fallback_url": ["SmsFallbackUrl must be a valid URL"]
    }


@responses.activate
def test_compat_friendly_name_error_is_on_name():
    responses.post(
        f"{COMPAT}/IncomingPhoneNumbers/sid1.json",
        status=400,
        json=_compat_body("20002", "Invalid FriendlyName", 400),
    )
    with pytest.raises(errors.Invalid) as caught:
        compat_client().update("sid1", {"name": "x" * 300})
    assert list(caught.value.field_errors) == ["name"]
    assert "64 characters" in caught.value.message


@responses.activate
def test_compat_import_not_enabled():
    responses.post(
        f"{COMPAT}/ImportedPhoneNumbers.json",
        status=422,
        json=_compat_body("10001", "This operation is not enabled for this Space", 422),
        headers=RID,
    )
    with pytest.raises(errors.FeatureNotEnabled) as caught:
        compat_client().import_number("+4915223433332", kind="local", capabilities=["voice"])
    _check_common(caught.value, status=422, code="10001")


@responses.activate
def test_compat_import_blank_number_type_is_on_kind():
    responses.post(
        f"{COMPAT}/ImportedPhoneNumbers.json",
        status=400,
        json=_compat_body("10000", "Number type can't be blank", 400),
    )
    with pytest.raises(errors.Invalid) as caught:
        compat_client().import_number("+4915223433332", kind="local", capabilities=["voice"])
    assert caught.value.field_errors == {"kind": ["Number type can't be blank"]}


@responses.activate
def test_compat_release_cooldown():
    responses.delete(
        f"{COMPAT}/IncomingPhoneNumbers/sid1.json",
        status=422,
        json=_compat_body(
            "22121",
            "Number was purchased too recently to release. Please wait until "
            "2025-06-18 05:49:47 UTC to release this number.",
            422,
        ),
    )
    with pytest.raises(errors.TooSoonToRelease) as caught:
        compat_client().release("sid1")
    assert caught.value.possible_at == datetime.datetime(
        2025, 6, 18, 5, 49, 47, tzinfo=datetime.UTC
    )


# --- Twilio ------------------------------------------------------------------------------------


def _twilio_body(code, message, status):
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@responses.activate
def test_twilio_auth_error_with_integer_code():
    responses.get(
        f"{TWILIO}/IncomingPhoneNumbers.json",
        status=401,
        json={"code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.",
              "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
              "status": 401},
        headers={"Twilio-Request-Id": "req-42"},
    )  # fmt: skip
    with pytest.raises(errors.AuthFailed) as caught:
        twilio_client().ping()
    _check_common(caught.value, status=401, code="20003")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (21421, "PhoneNumber is invalid"),
        (21422, "PhoneNumber is not available"),
        (21452, "No phone numbers found in area code 533"),
    ],
)
@responses.activate
def test_twilio_number_cannot_be_had(code, message):
    responses.post(f"{TWILIO}/IncomingPhoneNumbers.json", status=400,
                   json=_twilio_body(code, message, 400), headers=RID)  # fmt: skip
    with pytest.raises(errors.NotAvailable) as caught:
        twilio_client().purchase("+15005550000")
    _check_common(caught.value, status=400, code=str(code))
    assert caught.value.detail == message
    if code == 21421:  # "PhoneNumber is invalid": still about the number asked for
        assert caught.value.field_errors == {"number": [message]}


@responses.activate
def test_twilio_not_found_and_rate_limit(settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    responses.get(
        f"{TWILIO}/IncomingPhoneNumbers/PN1.json",
        status=404,
        json=_twilio_body(20404, "The requested resource was not found", 404),
    )
    responses.post(f"{TWILIO}/IncomingPhoneNumbers/PN1.json", status=429,
                   json=_twilio_body(20429, "Too Many Requests", 429))  # fmt: skip
    client = twilio_client()
    with pytest.raises(errors.NotFound):
        client.get("PN1")
    with pytest.raises(errors.RateLimited) as caught:
        client.update("PN1", {"name": "x"})
    assert caught.value.provider_code == "20429"


@responses.activate
def test_twilio_invalid_url_on_voice_fallback():
    responses.post(
        f"{TWILIO}/IncomingPhoneNumbers/PN1.json",
        status=400,
        json=_twilio_body(21402, "VoiceFallbackUrl is not valid", 400),
    )
    with pytest.raises(errors.Invalid) as caught:
        twilio_client().update("PN1", {"call_fallback_url": "nope"})
    assert caught.value.field_errors == {"call_fallback_url": ["VoiceFallbackUrl is not valid"]}


@responses.activate
def test_non_json_error_page_still_maps_by_status(settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    responses.get(f"{TWILIO}/IncomingPhoneNumbers.json", status=502,
                  body="<html><h1>502 Bad Gateway</h1></html>")  # fmt: skip
    with pytest.raises(errors.Unavailable) as caught:
        twilio_client().ping()
    assert caught.value.status == 502

"""One small exception family for every upstream failure.

Each carries ``message``: a sentence a support person understands, plus the provider's own code
and detail, the HTTP status and the upstream request id for the audit log.
"""


class UpstreamError(Exception):
    default_message = "The carrier's API answered with an error."

    def __init__(
        self,
        message: str | None = None,
        *,
        provider_code: str = "",
        detail: str = "",
        status: int | None = None,
        request_id: str = "",
        field_errors: dict[str, list[str]] | None = None,
    ):
        self.message = message or self.default_message
        self.provider_code = str(provider_code or "")
        self.detail = detail
        self.status = status
        self.request_id = request_id
        # Canonical field name (SignalWire REST's, e.g. "call_request_url") → messages.
        self.field_errors = field_errors or {}
        super().__init__(self.message)

    def __str__(self):
        return self.message


class AuthFailed(UpstreamError):
    default_message = (
        "The carrier refused our credentials. Check the project or account id and the token "
        "(and that the token has the Numbers scope)."
    )


class NotFound(UpstreamError):
    default_message = "The carrier has no such number on this account."


class NotAvailable(UpstreamError):
    default_message = "That number is no longer available to buy. Search again and pick another."


class Invalid(UpstreamError):
    default_message = "The carrier rejected the request as invalid."


class TooSoonToRelease(Invalid):
    """The release cooldown after purchase has not passed; ``possible_at`` says when it will."""

    default_message = "This number was bought too recently to release."

    def __init__(self, message=None, *, possible_at=None, **kwargs):
        self.possible_at = possible_at
        super().__init__(message, **kwargs)


class FeatureNotEnabled(UpstreamError):
    default_message = (
        "This feature is not enabled on the account. Importing numbers is a partner feature that "
        "SignalWire switches on for you: ask SignalWire support or your account manager."
    )


class RateLimited(UpstreamError):
    default_message = "The carrier is asking us to slow down. Try again in a moment."

    def __init__(self, message=None, *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class Unavailable(UpstreamError):
    default_message = (
        "The carrier's API could not be reached or had an internal error. Nothing was changed; "
        "try again in a few minutes."
    )


class OutcomeUnknown(UpstreamError):
    """A request that moves money or state was sent but no clear answer came back (timeout, 5xx,
    dropped connection). It must not be sent again blindly: look the number up first."""

    default_message = (
        "The carrier did not answer clearly, so we don't know yet whether this went through. "
        "We will check the account before trying again."
    )

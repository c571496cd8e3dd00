"""The only code that speaks HTTP to a provider.

``client_for(account)`` returns an ``UpstreamClient`` (see ``base.py``) for any Account; callers
use canonical field names (SignalWire REST's) and catch ``errors.UpstreamError``.
"""

from typing import Any

from numbers_admin.upstream.base import UpstreamClient
from numbers_admin.upstream.errors import AuthFailed

__all__ = ["client_for"]


def client_for(account, **http_options: Any) -> UpstreamClient:
    """The client for ``account.provider``, bound to its root, id and token.

    ``http_options`` (``sleep``, ``connect_timeout``, ``read_timeout``, ``max_retries``) are for
    tests and tools; normal callers pass nothing and get the settings' values.
    """
    from numbers_admin import crypto
    from numbers_admin.upstream.compat import SignalWireCompatClient, TwilioClient
    from numbers_admin.upstream.signalwire import SignalWireRestClient

    classes = {
        "signalwire_rest": SignalWireRestClient,
        "signalwire_compat": SignalWireCompatClient,
        "twilio": TwilioClient,
    }
    try:
        cls = classes[account.provider]
    except KeyError:
        raise ValueError(f"Unknown provider {account.provider!r}") from None
    try:
        token = account.get_token() if account.has_token else ""
    except crypto.TokenUnreadable as error:
        raise AuthFailed(str(error)) from None
    return cls(
        api_root=account.api_root, project_id=account.project_id, token=token, **http_options
    )

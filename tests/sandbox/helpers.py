"""Calling the sandbox through Django's test Client, with each API's credentials and encoding."""

import base64
import json as jsonlib
from urllib.parse import urlencode

from django.conf import settings

SW_PID = settings.SANDBOX_SIGNALWIRE_PROJECT_ID
TW_SID = settings.SANDBOX_TWILIO_ACCOUNT_SID
REST = "/sandbox/signalwire/api/relay/rest"
LAML = f"/sandbox/signalwire/api/laml/2010-04-01/Accounts/{SW_PID}"
TW = f"/sandbox/twilio/2010-04-01/Accounts/{TW_SID}"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


SW_AUTH = basic(SW_PID, settings.SANDBOX_SIGNALWIRE_TOKEN)
TW_AUTH = basic(TW_SID, settings.SANDBOX_TWILIO_AUTH_TOKEN)


class Api:
    def __init__(self, client):
        self.client = client

    def _send(self, method, path, *, params=None, body=b"", content_type=None, auth=None):
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params, doseq=True)
        headers = {"Authorization": auth} if auth else {}
        kwargs = {"content_type": content_type} if content_type else {}
        return self.client.generic(method, path, body, headers=headers, **kwargs)

    def rest(self, method, path, json=None, *, auth=SW_AUTH, **params):
        body = jsonlib.dumps(json).encode() if json is not None else b""
        return self._send(
            method,
            REST + path,
            params=params,
            body=body,
            content_type="application/json",
            auth=auth,
        )

    def compat(self, method, path, data=None, *, auth=SW_AUTH, **params):
        return self._form(method, LAML + path, data, auth, params)

    def tw(self, method, path, data=None, *, auth=TW_AUTH, **params):
        return self._form(method, TW + path, data, auth, params)

    def _form(self, method, path, data, auth, params):
        body = urlencode(data or {}, doseq=True).encode()
        return self._send(
            method,
            path,
            params=params,
            body=body,
            content_type="application/x-www-form-urlencoded",
            auth=auth,
        )

    def get_url(self, url, *, auth=SW_AUTH):
        """Follow a link the sandbox returned (absolute URL or path from the host)."""
        if url.startswith("http"):
            url = "/" + url.split("/", 3)[3]
        return self.client.get(url, headers={"Authorization": auth})

    # Shortcuts
    def available(self, **query):
        return self.rest("GET", "/phone_numbers/search", **query).json()["data"]

    def buy_rest(self, **query):
        number = self.available(max_results=1, **query)[0]["e164"]
        response = self.rest("POST", "/phone_numbers", {"number": number})
        assert response.status_code == 200, response.content
        return response.json()

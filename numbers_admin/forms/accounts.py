"""The upstream account form: validates the connection details and keeps the token write-only."""

import ipaddress
import re
import uuid
from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from numbers_admin.models import Account, Provider

TWILIO_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
# Hosts where plain http is acceptable, and only in development: this machine and the sandbox.
_LOCAL_NAMES = {"localhost", "testserver"}


def _is_local_host(host: str) -> bool:
    host = (host or "").lower()
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AccountForm(forms.Form):
    provider = forms.ChoiceField(label="Provider", choices=Provider.choices)
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="How this account is shown in the dashboard, e.g. “Production space”.",
    )
    api_root = forms.CharField(
        label="API root",
        max_length=200,
        help_text="Your Space URL such as https://example.signalwire.com, or "
        "https://api.twilio.com for Twilio.",
    )
    project_id = forms.CharField(
        label="Project or account id",
        max_length=64,
        help_text="SignalWire: the Project ID (a uuid). Twilio: the Account SID (AC followed by "
        "32 hex characters).",
    )
    token = forms.CharField(
        label="API token",
        required=False,
        strip=True,
        # render_value=False: the token is write-only, never sent back to the browser.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    requests_per_second = forms.FloatField(
        label="Requests per second",
        min_value=0.1,
        max_value=100,
        initial=5.0,
        help_text="How fast bulk work may call this account's API.",
    )
    is_enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def __init__(self, *args, instance: Account | None = None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "provider": instance.provider,
                "name": instance.name,
                "api_root": instance.api_root,
                "project_id": instance.project_id,
                "requests_per_second": instance.requests_per_second,
                "is_enabled": instance.is_enabled,
            }
        super().__init__(*args, **kwargs)
        token = self.fields["token"]
        if instance is not None and instance.has_token:
            token.help_text = "A token is saved. Leave this empty to keep it, or type a new one."
        else:
            token.help_text = (
                "SignalWire: an API token with the Numbers scope. Twilio: the Auth Token."
            )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Account.objects.filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"Name: another account is already called “{name}”.")
        return name

    def clean_api_root(self):
        value = self.cleaned_data["api_root"].strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise forms.ValidationError(
                "API root: enter a full address starting with https://, "
                "e.g. https://example.signalwire.com."
            )
        if parts.scheme == "http":
            allowed = (settings.DEBUG or settings.SANDBOX_ENABLED) and _is_local_host(
                parts.hostname
            )
            if not allowed:
                raise forms.ValidationError(
                    "API root: must start with https:// (plain http is only allowed for the "
                    "sandbox on this machine during development)."
                )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise forms.ValidationError(
                "API root: enter only the address, without ?query, #fragment or a user name."
            )
        return value

    def clean_token(self):
        token = self.cleaned_data["token"]
        if not token and (self.instance is None or not self.instance.has_token):
            raise forms.ValidationError("API token: enter the token for this account.")
        if token and any(ch.isspace() for ch in token):
            raise forms.ValidationError("API token: a token has no spaces; paste it again.")
        return token

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider")
        project_id = (cleaned.get("project_id") or "").strip()
        if provider and project_id:
            if provider == Provider.TWILIO:
                if not TWILIO_SID.match(project_id):
                    self.add_error(
                        "project_id",
                        "Project or account id: a Twilio Account SID is AC followed by 32 hex "
                        "characters (0-9, a-f), e.g. AC0123456789abcdef0123456789abcdef.",
                    )
                else:
                    cleaned["project_id"] = "AC" + project_id[2:].lower()
            else:
                try:
                    cleaned["project_id"] = str(uuid.UUID(project_id))
                except ValueError:
                    self.add_error(
                        "project_id",
                        "Project or account id: a SignalWire Project ID is a uuid, e.g. "
                        "a1b2c3d4-e5f6-7890-abcd-ef1234567890 (find it in your Space under API).",
                    )
                else:
                    if len(project_id.replace("-", "")) != 32:
                        self.add_error(
                            "project_id",
                            "Project or account id: a SignalWire Project ID is a uuid, e.g. "
                            "a1b2c3d4-e5f6-7890-abcd-ef1234567890.",
                        )
        return cleaned

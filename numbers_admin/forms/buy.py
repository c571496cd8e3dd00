"""Buy flow forms: every request rule from the seeds is checked here, before any upstream call,
with a plain sentence on the field (issue 5)."""

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError

from numbers_admin import numbering
from numbers_admin.models import Account, Provider

E164_COMPAT = re.compile(r"^\+\d{5,17}$")
DIGITS_3_7 = re.compile(r"^\d{3,7}$")
AREA_CODE = re.compile(r"^[2-9]\d{2}$")
REGION = re.compile(r"^[A-Za-z]{2}$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def twilio_sid(prefix: str) -> re.Pattern:
    return re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}$")


METHOD_CHOICES = [("POST", "POST (usual)"), ("GET", "GET")]
KIND_LABELS = {"local": "Local", "toll_free": "Toll-free", "mobile": "Mobile"}
CAPABILITY_CHOICES = [("voice", "Voice"), ("sms", "SMS"), ("mms", "MMS"), ("fax", "Fax")]

# Countries offered per provider. SignalWire's REST search has no country filter at all (US/CA
# numbering plan only, API.md §1.4); its Compatibility search covers US and CA.
COUNTRIES = {
    Provider.SIGNALWIRE_REST: [("US", "United States / Canada (+1)")],
    Provider.SIGNALWIRE_COMPAT: [("US", "United States"), ("CA", "Canada")],
    Provider.TWILIO: [
        ("US", "United States"),
        ("CA", "Canada"),
        ("GB", "United Kingdom"),
        ("AU", "Australia"),
        ("DE", "Germany"),
        ("FR", "France"),
        ("IE", "Ireland"),
        ("NL", "Netherlands"),
        ("SE", "Sweden"),
    ],
}


def buyable_accounts():
    return Account.objects.filter(is_enabled=True)


class AccountChoiceForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        label="Which account should the number belong to?",
        error_messages={"required": "Choose the account to buy on.",
                        "invalid_choice": "Choose one of the accounts listed."},
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = buyable_accounts()


class CountryForm(forms.Form):
    country = forms.ChoiceField(label="Country of the number", choices=())

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = COUNTRIES.get(account.provider, [("US", "United States")])
        self.fields["country"].error_messages["invalid_choice"] = (
            "Choose one of the countries listed: this account cannot search elsewhere."
        )


class SearchForm(forms.Form):
    """How to search. Only one digit pattern at a time; a city needs its region; a region and an
    area code cannot be combined; toll-free numbers have no geography (API.md §1.4, §2.6)."""

    kind = forms.ChoiceField(label="Type of number", choices=())
    area_code = forms.CharField(
        label="Area code", required=False, max_length=20,
        help_text="3 digits, e.g. 415. Leave empty to search anywhere.",
    )  # fmt: skip
    region = forms.CharField(
        label="State or province", required=False, max_length=40,
        help_text="Two letters, e.g. CA or TX.",
    )  # fmt: skip
    city = forms.CharField(
        label="City", required=False, max_length=60, help_text="Needs a state or province."
    )
    starts_with = forms.CharField(
        label="Digits the number starts with", required=False, max_length=40,
        help_text="3 to 7 digits, after the country code.",
    )  # fmt: skip
    contains = forms.CharField(label="Digits the number contains", required=False, max_length=40)
    ends_with = forms.CharField(label="Digits the number ends with", required=False, max_length=40)
    capabilities = forms.MultipleChoiceField(
        label="Must be able to",
        required=False,
        choices=CAPABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )

    PATTERN_FIELDS = ("starts_with", "contains", "ends_with")

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = getattr(client, "search_kinds", ("local", "toll_free"))
        self.fields["kind"].choices = [(k, KIND_LABELS.get(k, k)) for k in kinds]
        self.fields["kind"].initial = kinds[0] if kinds else "local"
        self.fields["kind"].error_messages["invalid_choice"] = (
            "Choose one of the number types listed."
        )
        # Offered only where the provider honours it: SignalWire accepts these filters and
        # silently ignores them (API.md §5.10), which would mislead.
        if not getattr(client, "honours_capability_filter", False):
            del self.fields["capabilities"]

    def clean_area_code(self):
        value = self.cleaned_data["area_code"].strip()
        if value and not AREA_CODE.match(value):
            raise ValidationError("An area code is 3 digits and does not start with 0 or 1.")
        return value

    def clean_region(self):
        value = self.cleaned_data["region"].strip()
        if value and not REGION.match(value):
            raise ValidationError("Use the two-letter code of the state or province, e.g. CA.")
        return value.upper()

    def _clean_digits(self, name):
        value = numbering.digits_only(self.cleaned_data[name]) if self.cleaned_data[name] else ""
        raw = self.cleaned_data[name].strip()
        if raw and (not DIGITS_3_7.match(raw.replace(" ", "").replace("-", ""))):
            raise ValidationError("Use 3 to 7 digits, nothing else (no letters or * wildcards).")
        return value

    def clean_starts_with(self):
        return self._clean_digits("starts_with")

    def clean_contains(self):
        return self._clean_digits("contains")

    def clean_ends_with(self):
        return self._clean_digits("ends_with")

    def clean(self):
        data = super().clean()
        used = [name for name in self.PATTERN_FIELDS if data.get(name)]
        if len(used) > 1:
            for name in used[1:]:
                self.add_error(
                    name,
                    "Search by one digit pattern at a time: starts with, contains or ends with.",
                )
        if data.get("city") and not data.get("region"):
            self.add_error("region", "A city search needs its state or province too.")
        if data.get("region") and data.get("area_code"):
            self.add_error(
                "region", "Search by area code or by state, not both: leave one of them empty."
            )
        if data.get("kind") == "toll_free":
            for name in ("region", "city", "area_code"):
                if data.get(name) and name not in self.errors:
                    self.add_error(name, "Toll-free numbers have no location: leave this empty.")
        return data


class DirectNumberForm(forms.Form):
    """ "I already know the number": typed in any common format, stored as E.164."""

    number = forms.CharField(
        label="Number to buy", max_length=40,
        help_text="Any common format, e.g. (415) 555-0100 or +44 20 7946 0018.",
    )  # fmt: skip

    def __init__(self, *args, country: str = "US", **kwargs):
        self.country = country
        super().__init__(*args, **kwargs)

    def clean_number(self):
        try:
            return numbering.to_e164(self.cleaned_data["number"], self.country or "US")
        except numbering.NumberParseError as error:
            raise ValidationError(str(error)) from None


def _method_field(label: str) -> forms.CharField:
    """How the carrier calls a webhook: POST unless the person picks GET."""
    return forms.CharField(
        label=label,
        required=False,
        initial="POST",
        widget=forms.Select(choices=METHOD_CHOICES),
    )


class ConfirmForm(forms.Form):
    """The review step's form: what to buy, with which initial configuration, and the key.

    Field names are the Compatibility/Twilio form names where a seed defines the rule, so the
    message a person reads matches what the carrier's documentation says."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    account = forms.ModelChoiceField(queryset=Account.objects.none(), widget=forms.HiddenInput)
    numbers = forms.CharField(required=False, widget=forms.HiddenInput)
    area_code = forms.CharField(required=False, widget=forms.HiddenInput)

    friendly_name = forms.CharField(
        label="Name", required=False, max_length=64,
        help_text="Up to 64 characters. Leave empty to use the formatted number.",
        error_messages={"max_length": "Use at most 64 characters for the name (you used "
                                      "%(show_value)d)."},
    )  # fmt: skip
    voice_url = forms.CharField(label="When a call comes in, send it to (URL)", required=False)
    voice_method = _method_field("Call request method")
    voice_fallback_url = forms.CharField(label="If that fails, send calls to (URL)", required=False)
    voice_fallback_method = _method_field("Fallback method")
    status_callback = forms.CharField(label="Call status updates go to (URL)", required=False)
    status_callback_method = _method_field("Status update method")
    sms_url = forms.CharField(label="When a text comes in, send it to (URL)", required=False)
    sms_method = _method_field("Text request method")
    sms_fallback_url = forms.CharField(label="If that fails, send texts to (URL)", required=False)
    sms_fallback_method = _method_field("Text fallback method")
    voice_receive_mode = forms.CharField(
        label="Receive calls as", required=False, initial="voice",
        widget=forms.Select(choices=[("voice", "Voice calls (usual)"), ("fax", "Faxes")]),
    )  # fmt: skip
    voice_application_sid = forms.CharField(label="Voice application", required=False)
    sms_application_sid = forms.CharField(label="Messaging application", required=False)
    trunk_sid = forms.CharField(label="SIP trunk", required=False)
    emergency_status = forms.CharField(
        label="Emergency calling",
        required=False,
        widget=forms.Select(
            choices=[
                ("", "Leave as the carrier sets it"),
                ("Active", "Active"),
                ("Inactive", "Inactive"),
            ]
        ),
    )
    emergency_address_sid = forms.CharField(label="Emergency address", required=False)
    address_sid = forms.CharField(label="Regulatory address", required=False)
    identity_sid = forms.CharField(label="Identity", required=False)
    bundle_sid = forms.CharField(label="Regulatory bundle", required=False)

    URL_FIELDS = (
        "voice_url", "voice_fallback_url", "status_callback", "sms_url", "sms_fallback_url",
    )  # fmt: skip
    METHOD_FIELDS = (
        "voice_method", "voice_fallback_method", "status_callback_method", "sms_method",
        "sms_fallback_method",
    )  # fmt: skip
    # Per provider: which configuration fields exist at purchase (seeds 000, 001, 003).
    COMPAT_ONLY = (
        "voice_fallback_url", "voice_fallback_method", "status_callback",
        "status_callback_method", "sms_fallback_url", "sms_fallback_method",
        "voice_application_sid", "sms_application_sid",
    )  # fmt: skip
    TWILIO_ONLY = (
        "trunk_sid", "emergency_status", "emergency_address_sid", "address_sid",
        "identity_sid", "bundle_sid",
    )  # fmt: skip
    TWILIO_SIDS = {
        "voice_application_sid": ("AP", "an application SID: AP followed by 32 hex characters"),
        "sms_application_sid": ("AP", "an application SID: AP followed by 32 hex characters"),
        "trunk_sid": ("TK", "a trunk SID: TK followed by 32 hex characters"),
        "emergency_address_sid": ("AD", "an address SID: AD followed by 32 hex characters"),
        "address_sid": ("AD", "an address SID: AD followed by 32 hex characters"),
        "identity_sid": ("RI", "an identity SID: RI followed by 32 hex characters"),
        "bundle_sid": ("BU", "a bundle SID: BU followed by 32 hex characters"),
    }

    CANONICAL = {
        "friendly_name": "name",
        "voice_url": "call_request_url",
        "voice_method": "call_request_method",
        "voice_fallback_url": "call_fallback_url",
        "voice_fallback_method": "call_fallback_method",
        "status_callback": "call_status_callback_url",
        "status_callback_method": "call_status_callback_method",
        "sms_url": "message_request_url",
        "sms_method": "message_request_method",
        "sms_fallback_url": "message_fallback_url",
        "sms_fallback_method": "message_fallback_method",
        "voice_receive_mode": "call_receive_mode",
        "voice_application_sid": "call_laml_application_id",
        "sms_application_sid": "message_laml_application_id",
        "trunk_sid": "trunk_sid",
        "emergency_status": "emergency_status",
        "emergency_address_sid": "e911_address_id",
        "address_sid": "address_sid",
        "identity_sid": "identity_sid",
        "bundle_sid": "bundle_sid",
    }

    def __init__(self, *args, account: Account | None = None, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = buyable_accounts()
        provider = account.provider if account else None
        self.provider = provider
        if provider != Provider.TWILIO:
            for name in self.TWILIO_ONLY:
                del self.fields[name]
        if provider == Provider.SIGNALWIRE_REST:
            for name in self.COMPAT_ONLY:
                del self.fields[name]
        # Offer only what the client can send at purchase: a field it would refuse is hidden
        # rather than accepted and then failing after the admin confirmed.
        allowed = getattr(client, "updatable_fields", None)
        if allowed is not None:
            for form_name, canonical in self.CANONICAL.items():
                if form_name in self.fields and canonical not in allowed:
                    del self.fields[form_name]

    # -- rules ---------------------------------------------------------------------------------

    def clean_friendly_name(self):
        return self.cleaned_data["friendly_name"].strip()

    def _clean_url(self, name):
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return ""
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
            raise ValidationError(
                "Enter a full web address starting with https:// or http://, "
                "e.g. https://example.com/voice."
            )
        return value

    def _clean_method(self, name):
        value = (self.cleaned_data.get(name) or "").strip().upper()
        if not value:
            return "POST"
        if value not in ("GET", "POST"):
            raise ValidationError("Choose GET or POST.")
        return value

    def clean_voice_receive_mode(self):
        value = (self.cleaned_data.get("voice_receive_mode") or "").strip().lower() or "voice"
        if value not in ("voice", "fax"):
            raise ValidationError("Choose voice or fax.")
        return value

    def clean_emergency_status(self):
        value = (self.cleaned_data.get("emergency_status") or "").strip()
        if value and value.capitalize() not in ("Active", "Inactive"):
            raise ValidationError("Choose Active or Inactive.")
        return value.capitalize()

    def clean_numbers(self):
        raw = [n for n in (self.cleaned_data.get("numbers") or "").split(",") if n.strip()]
        numbers = []
        for text in raw:
            try:
                e164 = numbering.to_e164(text.strip())
            except numbering.NumberParseError as error:
                raise ValidationError(str(error)) from None
            if not E164_COMPAT.match(e164):
                raise ValidationError(
                    f"{e164} is not a number the carrier accepts: a + and 5 to 17 digits."
                )
            if e164 not in numbers:
                numbers.append(e164)
        return numbers

    def clean_area_code(self):
        value = (self.cleaned_data.get("area_code") or "").strip()
        if value and not AREA_CODE.match(value):
            raise ValidationError("An area code is 3 digits and does not start with 0 or 1.")
        return value

    def clean(self):
        data = super().clean()
        for name in self.URL_FIELDS:
            if name in self.fields and name not in self.errors:
                try:
                    data[name] = self._clean_url(name)
                except ValidationError as error:
                    self.add_error(name, error)
        for name in self.METHOD_FIELDS:
            if name in self.fields and name not in self.errors:
                try:
                    data[name] = self._clean_method(name)
                except ValidationError as error:
                    self.add_error(name, error)
        for name in ("voice_application_sid", "sms_application_sid", *self.TWILIO_ONLY):
            if name not in self.fields or name not in data or not data.get(name):
                continue
            value = data[name].strip()
            data[name] = value
            if name == "emergency_status":
                continue
            if self.provider == Provider.TWILIO:
                prefix, what = self.TWILIO_SIDS[name]
                if not twilio_sid(prefix).match(value):
                    self.add_error(name, f"This must be {what}.")
            elif not UUID.match(value):
                self.add_error(name, "This must be a SignalWire id (a uuid such as "
                                     "1a2b3c4d-0000-4000-8000-123456789abc).")  # fmt: skip
        if data.get("voice_application_sid") and data.get("trunk_sid"):
            self.add_error(
                "trunk_sid",
                "Choose either a voice application or a SIP trunk, not both: the carrier keeps "
                "only one.",
            )
        numbers = data.get("numbers") or []
        area_code = data.get("area_code") or ""
        if "numbers" not in self.errors and "area_code" not in self.errors:
            if numbers and area_code:
                self.add_error(
                    None, "Buy either specific numbers or any number in an area code, not both."
                )
            elif not numbers and not area_code:
                self.add_error(None, "Pick at least one number to buy.")
            elif area_code and self.provider != Provider.TWILIO:
                self.add_error(None, "Only Twilio accounts can buy “any number in an area code”.")
        if len(numbers) > 1 and data.get("friendly_name"):
            # One name for several numbers would make them indistinguishable in the list.
            self.add_error(
                "friendly_name",
                "Leave the name empty when buying several numbers: each gets its formatted "
                "number as its name.",
            )
        return data

    def config(self) -> dict:
        """Canonical initial configuration (``PhoneNumber`` field names) for the client."""
        data = self.cleaned_data
        mapping = self.CANONICAL
        config = {}
        for form_name, canonical in mapping.items():
            if form_name not in self.fields:
                continue
            value = data.get(form_name)
            if not value:
                continue
            # A method means nothing without its URL; defaults are the carrier's own.
            url_for_method = {
                "voice_method": "voice_url",
                "voice_fallback_method": "voice_fallback_url",
                "status_callback_method": "status_callback",
                "sms_method": "sms_url",
                "sms_fallback_method": "sms_fallback_url",
            }.get(form_name)
            if url_for_method and not data.get(url_for_method):
                continue
            if form_name == "voice_receive_mode" and value == "voice":
                continue
            config[canonical] = value
        return config


def new_key() -> uuid.UUID:
    return uuid.uuid4()

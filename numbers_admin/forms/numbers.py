"""Forms of the Numbers pages: the filter (the query string), inline edits, saved views."""

import re

from django import forms
from django.core.exceptions import ValidationError

from numbers_admin import numbering
from numbers_admin.models import (
    Account,
    CallHandler,
    E911Status,
    MessageHandler,
    NumberKind,
    SavedView,
    Tag,
)

SORT_CHOICES = [
    ("number", "Number (0–9)"),
    ("-number", "Number (9–0)"),
    ("name", "Name (A–Z)"),
    ("-name", "Name (Z–A)"),
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("-updated", "Recently updated"),
    ("updated", "Least recently updated"),
]
CAPABILITY_CHOICES = [("voice", "Voice"), ("sms", "SMS"), ("mms", "MMS"), ("fax", "Fax")]


class TagChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Tag.objects.all(), to_field_name="name", **kwargs)


class SharedChoicesSelect(forms.Select):
    def __deepcopy__(self, memo):
        return forms.Widget.__deepcopy__(self, memo)  # not Select's copy of the choices


class SharedChoiceField(forms.ChoiceField):
    """A ChoiceField whose choices stay the same while the process runs, so every form shares
    them: Django copies and normalises each field's choices (and its widget's) for each form it
    builds, which for the ~245 countries was a fixed cost of every request to the Numbers page."""

    widget = SharedChoicesSelect

    def __deepcopy__(self, memo):
        return forms.Field.__deepcopy__(self, memo)  # not ChoiceField's copy of the choices


class CountryField(SharedChoiceField):
    def to_python(self, value):
        # "gb" in a hand-typed URL means GB.
        return super().to_python(value).upper()


class NumberFilterForm(forms.Form):
    """Everything the Numbers page's URL can say. Field names are the query-string names."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="A number however you write it (415 555, +44 20 7946…), a name, a tag or a note.",
    )
    account = forms.ModelChoiceField(
        queryset=Account.objects.all(), required=False, empty_label="All accounts"
    )
    # Filled with every region phonenumbers knows on first use (see __init__).
    country = CountryField(required=False, choices=[("", "All countries")])
    kind = SharedChoiceField(
        label="Type", required=False, choices=[("", "All types"), *NumberKind.choices]
    )
    capability = forms.MultipleChoiceField(
        label="Can do",
        required=False,
        choices=CAPABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    call_handler = SharedChoiceField(
        label="Calls",
        required=False,
        choices=[
            ("", "Any call handling"),
            ("none", "Nothing (calls not routed)"),
            *CallHandler.choices,
        ],
    )
    message_handler = SharedChoiceField(
        label="Texts",
        required=False,
        choices=[
            ("", "Any text handling"),
            ("none", "Nothing (texts dropped)"),
            *MessageHandler.choices,
        ],
    )
    e911 = SharedChoiceField(
        label="Emergency address (E911)",
        required=False,
        choices=[
            ("", "Any emergency address status"),
            ("none", "No emergency address"),
            *E911Status.choices,
        ],
    )
    tag = TagChoiceField(required=False, empty_label="Any tag")
    released = forms.BooleanField(label="Show released numbers", required=False)
    sort = SharedChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)
    match = forms.ChoiceField(
        required=False,
        choices=[("", "Auto"), ("start", "Starts with"), ("anywhere", "Anywhere in the number")],
        widget=forms.HiddenInput,
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    after = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        # The country list is every region phonenumbers knows, so a filter never needs a query.
        # Its names take phonenumbers a while to load: read on first use, not at import.
        country = type(self).base_fields["country"]
        if len(country.choices) == 1:
            country.choices = [("", "All countries"), *_countries()]
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"


_COUNTRY_CHOICES: list[tuple[str, str]] = []


def _countries() -> list[tuple[str, str]]:
    if not _COUNTRY_CHOICES:
        import phonenumbers

        regions = sorted(phonenumbers.SUPPORTED_REGIONS)
        named = [(code, numbering.country_name(code)) for code in regions]
        _COUNTRY_CHOICES.extend(sorted(named, key=lambda pair: pair[1]))
    return _COUNTRY_CHOICES


_TAG_RE = re.compile(r"^[\w][\w .:/-]*$")


def clean_tag_names(text: str) -> list[str]:
    """ "VIP, campaign 2025" → ["vip", "campaign 2025"]: comma-separated, lower case, unique."""
    names = []
    for raw in (text or "").split(","):
        name = " ".join(raw.split()).lower()
        if not name:
            continue
        if len(name) > 50:
            raise ValidationError(f"“{name[:20]}…” is too long: a tag has at most 50 characters.")
        if not _TAG_RE.match(name):
            raise ValidationError(
                f"“{name}” can't be a tag: use letters, digits, spaces, dots, dashes or slashes."
            )
        if name not in names:
            names.append(name)
    return names


class TagsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("help_text", "Separate tags with commas, e.g. vip, campaign-2025.")
        super().__init__(**kwargs)

    def clean(self, value):
        return clean_tag_names(super().clean(value))


class RowEditForm(forms.Form):
    """The Numbers page's inline edit: the name (kept by the carrier) and tags (kept here)."""

    name = forms.CharField(
        required=False,
        max_length=255,
        help_text="Saved at the carrier too.",
    )
    tags = TagsField()

    def clean_name(self):
        return " ".join((self.cleaned_data.get("name") or "").split())


class DetailEditForm(RowEditForm):
    notes = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only people using this dashboard see notes; the carrier does not.",
    )


class SavedViewForm(forms.Form):
    name = forms.CharField(
        label="Name this view", max_length=80, help_text="E.g. “toll-free without a handler”."
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Give the view a name.")
        return name

    def clean_query(self):
        from django.http import QueryDict

        # Keep the filter, not the position in the list.
        query = QueryDict(self.cleaned_data.get("query") or "", mutable=True)
        for name in ("page", "after", "before"):
            query.pop(name, None)
        return query.urlencode()


def tag_names_text(phone_number) -> str:
    return ", ".join(tag.name for tag in phone_number.tags.all())


__all__ = [
    "DetailEditForm",
    "NumberFilterForm",
    "RowEditForm",
    "SavedView",
    "SavedViewForm",
    "clean_tag_names",
]


class ActivityFilterForm(forms.Form):
    """The Activity page's filter (its query string)."""

    action = forms.ChoiceField(required=False, label="What happened")
    outcome = forms.ChoiceField(required=False, label="Outcome")
    actor = forms.CharField(
        required=False,
        max_length=150,
        label="Who",
        help_text="A username, or “upstream” for changes made at the carrier.",
    )
    account = forms.ModelChoiceField(
        queryset=Account.objects.all(), required=False, empty_label="All accounts"
    )
    number = forms.CharField(
        required=False, max_length=40, label="Number", help_text="Any part of it, e.g. 415 555."
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        from numbers_admin.models import AuditEvent

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Anything"), *AuditEvent.Action.choices]
        self.fields["outcome"].choices = [("", "Any outcome"), *AuditEvent.Outcome.choices]

    def clean_number(self):
        return numbering.digits_only(self.cleaned_data.get("number") or "")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "“Until” must be on or after “From”.")
        return cleaned

"""Import forms: one number, or a list (CSV upload or pasted, ranges allowed) previewed row by row.

Imports exist only on SignalWire (REST ``imported_phone_numbers`` and Compatibility
``ImportedPhoneNumbers``); Twilio uses Hosted Numbers, which this dashboard does not support.
"""

import csv
import io
import re

from django import forms
from django.core.exceptions import ValidationError

from numbers_admin import numbering
from numbers_admin.models import Account, PhoneNumber, Provider

E164_IMPORT = re.compile(r"^\+\d{5,30}$")
RANGE_CAP = 1000
ROW_CAP = 5000
CAPABILITY_CHOICES = [("voice", "Voice calls"), ("sms", "SMS"), ("mms", "MMS"), ("fax", "Fax")]
ALL_CAPABILITIES = ["sms", "voice", "fax", "mms"]
KIND_CHOICES = [("local", "Ordinary (long code) number"), ("toll_free", "Toll-free number")]
# Labels people type in a CSV → our kind (the client maps it to longcode / tollfree).
KIND_WORDS = {
    "": "local", "local": "local", "longcode": "local", "long code": "local", "geographic": "local",
    "mobile": "local", "tollfree": "toll_free", "toll-free": "toll_free", "toll free": "toll_free",
    "toll_free": "toll_free",
}  # fmt: skip


def import_accounts():
    return Account.objects.filter(
        is_enabled=True,
        provider__in=[Provider.SIGNALWIRE_REST, Provider.SIGNALWIRE_COMPAT],
    )


def to_import_e164(text: str) -> str:
    """Any common format → E.164 that the import endpoints accept (``^\\+\\d{5,30}$``)."""
    e164 = numbering.to_e164(text)
    if not E164_IMPORT.match(e164):
        raise numbering.NumberParseError(
            f"“{text}” cannot be imported: the carrier takes a + and 5 to 30 digits."
        )
    return e164


# One number and many numbers are imported into the same accounts with the same capability
# choices: the fields and the account list are defined once here.


def _account_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Account.objects.none(),
        label="Import into",
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of the SignalWire accounts listed."},
    )


def _capabilities_field(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=CAPABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=ALL_CAPABILITIES,
        error_messages={"required": "Choose at least one: voice calls, SMS, MMS or fax."},
    )


class _ImportIntoForm(forms.Form):
    """Declares no fields (so each form keeps its own field order); limits ``account``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = import_accounts()


class ImportForm(_ImportIntoForm):
    key = forms.UUIDField(widget=forms.HiddenInput)
    account = _account_field()
    number = forms.CharField(
        label="Number",
        max_length=40,
        help_text="Any common format, e.g. +1 415 555 0100 or (415) 555-0100.",
    )
    kind = forms.ChoiceField(label="Number type", choices=KIND_CHOICES, initial="local")
    capabilities = _capabilities_field("What it should do")

    def clean_number(self):
        try:
            return to_import_e164(self.cleaned_data["number"])
        except numbering.NumberParseError as error:
            raise ValidationError(str(error)) from None


class BulkImportForm(_ImportIntoForm):
    account = _account_field()
    upload = forms.FileField(
        label="CSV file",
        required=False,
        help_text="One number per line; optional second column: the type (local or toll-free).",
    )
    pasted = forms.CharField(
        label="Or paste numbers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One per line. Ranges like +14155550100-+14155550199 are allowed "
        f"(at most {RANGE_CAP:,} numbers per range).",
    )
    kind = forms.ChoiceField(label="Type, when a row does not say", choices=KIND_CHOICES)
    capabilities = _capabilities_field("What they should do")

    def clean(self):
        data = super().clean()
        upload, pasted = data.get("upload"), (data.get("pasted") or "").strip()
        if not upload and not pasted:
            raise ValidationError("Upload a CSV file or paste some numbers.")
        text = pasted
        if upload:
            raw = upload.read(5_000_000)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("upload", "This file is not text (CSV, UTF-8). Save it as CSV.")
                return data
        data["lines"] = read_lines(text, default_kind=data.get("kind") or "local")
        return data


def read_lines(text: str, *, default_kind: str) -> list[dict]:
    """CSV or pasted text → [{"text", "kind"}], skipping blank lines and a header row."""
    lines = []
    for cells in csv.reader(io.StringIO(text)):
        cells = [c.strip() for c in cells]
        if not cells or not any(cells):
            continue
        first = cells[0]
        if not lines and first.lower() in ("number", "phone_number", "phone number", "e164"):
            continue
        kind_word = cells[1].lower() if len(cells) > 1 else ""
        lines.append({"text": first, "kind": KIND_WORDS.get(kind_word, kind_word) or default_kind})
    return lines


def expand(lines: list[dict]) -> list[dict]:
    """Expand ranges; every resulting row has "text" and "kind", and "error" when a range is bad."""
    rows = []
    for line in lines:
        text = line["text"]
        match = re.fullmatch(r"\s*(\+?[\d\s().-]{5,}?)\s*[-–]\s*(\+[\d\s().-]{5,})\s*", text)
        if not match:
            rows.append(dict(line))
            continue
        try:
            start, end = to_import_e164(match.group(1)), to_import_e164(match.group(2))
        except numbering.NumberParseError as error:
            rows.append({**line, "error": str(error)})
            continue
        first, last = int(start[1:]), int(end[1:])
        if len(start) != len(end) or last < first:
            rows.append({**line, "error": "A range goes from the lower number to the higher one, "
                                           "both with the same number of digits."})  # fmt: skip
            continue
        if last - first + 1 > RANGE_CAP:
            size = last - first + 1
            error = f"This range has {size:,} numbers; split it (at most {RANGE_CAP:,} per range)."
            rows.append({**line, "error": error})
            continue
        rows.extend({"text": f"+{n}", "kind": line["kind"]} for n in range(first, last + 1))
    return rows


def check_rows(rows: list[dict]) -> list[dict]:
    """Parse and check each row: E.164, country, type, per-row errors, duplicates within the list
    and against the inventory. Returns rows with number, country, kind, kind_label, error."""
    seen: dict[str, int] = {}
    parsed = []
    for position, row in enumerate(rows, start=1):
        out = {"position": position, "text": row["text"], "kind": row.get("kind") or "local"}
        out["error"] = row.get("error", "")
        out["number"] = ""
        if not out["error"]:
            try:
                out["number"] = to_import_e164(row["text"])
            except numbering.NumberParseError as error:
                out["error"] = str(error)
        if out["kind"] not in ("local", "toll_free") and not out["error"]:
            out["error"] = f"Unknown type “{out['kind']}”: use local or toll-free."
        if out["number"]:
            described = numbering.describe(out["number"])
            out["country"] = described["country"]
            if not out["error"]:
                if out["number"] in seen:
                    out["error"] = f"Duplicate of row {seen[out['number']]}."
                else:
                    seen[out["number"]] = position
        out["kind_label"] = dict(KIND_CHOICES).get(out["kind"], out["kind"])
        parsed.append(out)
    known = {
        n.number: n.account.name
        for n in PhoneNumber.objects.in_service()
        .filter(number__in=list(seen))
        .select_related("account")
    }
    for out in parsed:
        if out["number"] in known and not out["error"]:
            out["error"] = f"Already in the inventory (on {known[out['number']]})."
    return parsed

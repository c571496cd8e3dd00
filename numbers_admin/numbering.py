"""Phone-number parsing and description, all through ``phonenumbers``.

One place turns whatever a person typed into E.164, and one place derives what the mirror shows
(country, location, formats, kind) so that the list, the detail page and the sandbox agree.
"""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, geocoder

DEFAULT_REGION = "US"

_KIND_BY_TYPE = {
    PhoneNumberType.FIXED_LINE: "local",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "local",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
}


class NumberParseError(ValueError):
    """The text is not a phone number we can use; ``str()`` is a sentence for a form field."""


def to_e164(text: str, default_region: str = DEFAULT_REGION) -> str:
    """Turn a number typed in any common format ("(415) 555-0100", "+44 20 7946 0018",
    "0044…") into E.164, or raise NumberParseError with a plain explanation."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise NumberParseError("Enter a phone number.")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        parsed = phonenumbers.parse(cleaned, default_region)
    except phonenumbers.NumberParseException:
        raise NumberParseError(
            f"“{text}” is not a phone number. Type it with its country code, "
            "e.g. +1 415 555 0100, or as a US number, e.g. (415) 555-0100."
        ) from None
    if not phonenumbers.is_possible_number(parsed):
        raise NumberParseError(
            f"“{text}” has the wrong number of digits for "
            f"{phonenumbers.region_code_for_number(parsed) or 'its country'}."
        )
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text or "")


# North American numbers (+1, ten digits) share country, type and location within an NPA-NXX
# block (the first six national digits), and their formats differ only in the last four digits.
# Deriving those with phonenumbers is most of a first sync's local work, so they are derived once
# per block. (Checked against phonenumbers for 15,000 random +1 numbers: identical. Other
# countries' plans can depend on later digits, so they always take the full path.)
# Bounded (about 1.5 KiB a block): emptied when full, so memory stays flat however many blocks
# an account spans.
_NANP_BLOCKS: dict[str, "_Block"] = {}
_NANP_BLOCKS_MAX = 20_000
_FORMATS = ("national_format", "international_format")


def describe(e164: str) -> dict[str, str]:
    """What we derive from the number itself: the fields of PhoneNumber that no carrier sends."""
    if len(e164) == 12 and e164.startswith("+1") and e164[1:].isdigit():
        block = _NANP_BLOCKS.get(e164[:8])
        if block is None:
            if len(_NANP_BLOCKS) >= _NANP_BLOCKS_MAX:
                _NANP_BLOCKS.clear()
            block = _NANP_BLOCKS[e164[:8]] = _Block(_describe(e164))
        return block.describe(e164)
    return _describe(e164)


class _Block:
    """The description of one NPA-NXX block, ready to take any number's last four digits."""

    def __init__(self, described: dict[str, str]):
        self.described = described
        # Where the last four digits sit in each format: (before, after) when they are one run,
        # as in every NANP format; None (replace digit by digit) otherwise.
        splices = [_last_digits_run(described[key]) for key in _FORMATS]
        self.splices = None if None in splices else splices

    def describe(self, e164: str) -> dict[str, str]:
        """The block's description with the last four digits of every format replaced by
        ``e164``'s (formatting only inserts separators and prefixes, so digits keep their
        order). Called for most numbers of a first sync, so written for speed."""
        tail = e164[-4:]
        described = self.described.copy()
        if self.splices is None:
            for key in _FORMATS:
                described[key] = _replace_last_digits(described[key], tail)
        else:
            (national_before, national_after), (international_before, international_after) = (
                self.splices
            )
            described["national_format"] = national_before + tail + national_after
            described["international_format"] = international_before + tail + international_after
        described["digits"] = e164[1:]
        described["national_digits"] = e164[2:]
        return described


def _last_digits_run(text: str) -> tuple[str, str] | None:
    match = re.search(r"\d{4}(?=\D*$)", text)
    return (text[: match.start()], text[match.end() :]) if match else None


def _replace_last_digits(text: str, tail: str) -> str:
    chars = list(text)
    remaining = len(tail)
    for i in range(len(chars) - 1, -1, -1):
        if remaining == 0:
            break
        if chars[i].isdigit():
            remaining -= 1
            chars[i] = tail[remaining]
    return "".join(chars)


# Small: a first sync describes each number once, so a large cache only holds memory (at 65,536
# entries it was most of a million-number load's growth); repeats come from pages and forms.
@lru_cache(maxsize=4096)
def _describe(e164: str) -> dict[str, str]:
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        digits = digits_only(e164)
        return {
            "country": "",
            "location": "",
            "national_format": e164,
            "international_format": e164,
            "kind": "other",
            "digits": digits,
            "national_digits": digits,
        }
    region = phonenumbers.region_code_for_number(parsed) or ""
    number_type = phonenumbers.number_type(parsed)
    kind = _KIND_BY_TYPE.get(number_type, "other")
    return {
        "country": region,
        "location": _location(parsed, number_type) if kind != "toll_free" else "",
        "national_format": phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL),
        "international_format": phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
        "kind": kind,
        "digits": digits_only(e164),
        "national_digits": str(parsed.national_number),
    }


def _location(parsed: phonenumbers.PhoneNumber, number_type: int) -> str:
    """``geocoder.description_for_number(parsed, "en")``, given the type we already know: that
    function starts by working out the type again, which is the costly part of describing a
    number (the type is found by matching the number against each type's pattern)."""
    if number_type == PhoneNumberType.UNKNOWN:
        return ""
    if not phonenumbers.is_number_type_geographical(number_type, parsed.country_code):
        return geocoder.country_name_for_number(parsed, "en")
    return geocoder.description_for_valid_number(parsed, "en")


def country_name(region: str) -> str:
    """ "US" → "United States" (English), falling back to the code."""
    if not region:
        return ""
    try:
        example = phonenumbers.example_number(region)
    except Exception:  # unknown region codes raise various errors
        example = None
    if example is None:
        return region
    return geocoder.country_name_for_number(example, "en") or region

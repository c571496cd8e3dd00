"""Parsing what people type, and describing a number for the mirror."""

import random

import pytest

from numbers_admin import numbering


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(415) 555-0100", "+14155550100"),
        ("415.555.0100", "+14155550100"),
        ("+1 415 555 0100", "+14155550100"),
        ("+44 20 7946 0018", "+442079460018"),
        ("0044 20 7946 0018", "+442079460018"),
    ],
)
def test_any_common_format_becomes_e164(typed, e164):
    assert numbering.to_e164(typed) == e164


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter a phone number."),
        ("call me", "is not a phone number"),
        ("+1 415 55", "wrong number of digits"),
    ],
)
def test_unusable_input_is_explained(typed, words):
    with pytest.raises(numbering.NumberParseError, match=words):
        numbering.to_e164(typed)


def test_north_american_numbers_are_described_like_phonenumbers_does():
    """The per-block shortcut for +1 numbers gives exactly what the full derivation gives."""
    rng = random.Random(7)
    for _ in range(300):
        e164 = f"+1{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        numbering.describe(e164[:8] + "0000")  # warm the block with a sibling number
        assert numbering.describe(e164) == numbering._describe.__wrapped__(e164), e164


@pytest.mark.parametrize(
    "e164",
    [
        "+14155550100",  # US fixed line or mobile
        "+16475550100",  # Canada
        "+18005550100",  # toll-free: no location
        "+442079460018",  # London
        "+447400123456",  # UK mobile: the country, as geocoder says for non-geographic types
        "+61291234567",  # Sydney
        "+61412345678",  # AU mobile
        "+4930123456",  # Berlin
        "+5491123456789",  # Argentina mobile, with its mobile token
        "+999123",  # no such country
    ],
)
def test_location_is_what_the_geocoder_says(e164):
    import phonenumbers
    from phonenumbers import geocoder

    described = numbering._describe.__wrapped__(e164)
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        assert described["location"] == ""
        return
    expected = geocoder.description_for_number(parsed, "en")
    assert described["location"] == ("" if described["kind"] == "toll_free" else expected)


def test_a_block_format_whose_last_digits_are_split_is_still_filled_in():
    block = numbering._Block(
        {
            "national_format": "(415) 555-01 00",
            "international_format": "+1 415 555 0100",
            "country": "US",
        }
    )
    described = block.describe("+14155559876")
    assert described["national_format"] == "(415) 555-98 76"
    assert described["international_format"] == "+1 415 555 9876"
    assert described["digits"] == "14155559876" and described["national_digits"] == "4155559876"


def test_description_of_a_us_and_a_uk_number():
    us = numbering.describe("+14155550100")
    assert us["country"] == "US"
    assert us["national_format"] == "(415) 555-0100"
    assert us["international_format"] == "+1 415-555-0100"
    assert us["digits"] == "14155550100" and us["national_digits"] == "4155550100"
    uk = numbering.describe("+442079460018")
    assert uk["country"] == "GB" and uk["location"] == "London"
    assert uk["national_format"] == "020 7946 0018"
    assert numbering.describe("+18005550100")["kind"] == "toll_free"


def test_country_names_are_in_english():
    assert numbering.country_name("GB") == "United Kingdom"
    assert numbering.country_name("") == ""

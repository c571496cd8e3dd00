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

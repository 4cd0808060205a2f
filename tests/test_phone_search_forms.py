"""A stored number's search digits, read without ``phonenumbers.parse`` when it is
plain E.164 (a first download indexes 200,000 new patients): the same digits as
parsing gives, for every region's example numbers and the demo generator's."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from receptionist.demo.generate import _patients
from receptionist.patients import phones
from receptionist.patients.phones import search_forms


def _parsed_forms(e164: str) -> list[str]:
    """search_forms as it was: every number parsed."""
    number = phonenumbers.parse(e164, None)
    national = "".join(
        ch for ch in phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL) if ch.isdigit()
    )
    international = e164.lstrip("+")
    return [national, international] if national and national != international else [international]


def _examples() -> list[str]:
    found: set[str] = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in vars(PhoneNumberType).values():
            if not isinstance(kind, int):
                continue
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.add(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    return sorted(found)


def test_every_regions_examples_give_the_digits_parsing_gives() -> None:
    examples = _examples()
    assert len(examples) > 900
    read = [e for e in examples if phones._stored(e) is not None]
    assert len(read) > len(examples) // 2  # the short path is the common one
    for e164 in examples:
        assert search_forms(e164) == _parsed_forms(e164), e164


def test_the_short_path_builds_the_number_parse_builds() -> None:
    for e164 in _examples():
        built = phones._stored(e164)
        if built is not None:
            assert built == phonenumbers.parse(e164, None), e164


def test_the_demo_generators_numbers_give_the_digits_parsing_gives() -> None:
    rng = random.Random(7)
    numbers = [row["phone"] for row in _patients(rng, 2000, "X", datetime(2026, 1, 5, tzinfo=UTC))]
    # and every block of mobile numbers it draws from, at both ends of the range
    numbers += [f"+905{block}{tail:07d}" for block in range(30, 60) for tail in (0, 9_999_999)]
    for e164 in numbers:
        assert phones._stored(e164) is not None, e164
        assert search_forms(e164) == _parsed_forms(e164), e164


@pytest.mark.parametrize(
    "stored",
    [
        "+390612345678",  # Italy's leading zero: parse sets it
        "+4402079460958",  # a national prefix after the country code: parse may strip it
        "+0123456789",  # not a country code
        "+905321234567x12",  # not plain E.164
        "+9",  # too short
    ],
)
def test_numbers_the_short_path_leaves_to_parse(stored: str) -> None:
    assert phones._stored(stored) is None


def test_a_number_left_to_parse_still_gives_its_digits() -> None:
    assert search_forms("+390612345678") == _parsed_forms("+390612345678")
    with pytest.raises(phonenumbers.NumberParseException):
        search_forms("+0123456789")

"""Phone numbers as a person reads them: national for the clinic's country,
international for any other, as stored when they do not parse."""

from __future__ import annotations

import pytest

from receptionist.patients.phones import display_phone, normalise_phone


@pytest.mark.parametrize(
    ("stored", "region", "shown"),
    [
        ("+905321234567", "TR", "0532 123 45 67"),
        ("+905321234567", "tr", "0532 123 45 67"),
        ("+442079460958", "TR", "+44 20 7946 0958"),
        ("+442079460958", "GB", "020 7946 0958"),
        ("+905321234567", "ZZ", "+90 532 123 45 67"),  # no clinic region yet
        ("+14165550123", "US", "(416) 555-0123"),  # Canada shares +1: national in the US
        ("+90\u202e5", "TR", "+90\\u202e5"),  # not a number: as stored, escapes shown
        (None, "TR", ""),
        ("", "TR", ""),
    ],
)
def test_a_number_is_shown_in_the_clinics_national_format_or_international(
    stored: str | None, region: str, shown: str
) -> None:
    assert display_phone(stored, region) == shown


@pytest.mark.parametrize("typed", ["0532 123 45 67", "+90 532 123 45 67", "0090 532 123 45 67"])
def test_either_form_shown_is_accepted_back_and_stored_as_e164(typed: str) -> None:
    assert normalise_phone(typed, "TR") == "+905321234567"
    assert normalise_phone(display_phone("+905321234567", "TR"), "TR") == "+905321234567"
    assert normalise_phone(display_phone("+442079460958", "TR"), "TR") == "+442079460958"

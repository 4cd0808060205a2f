from __future__ import annotations

import pytest

from receptionist.patients.digitsearch import phone_prefixes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0532 12", "+9053212"),
        ("532 12", "+9053212"),
        ("+90 532 12", "+9053212"),
        ("0090 532 12", "+9053212"),
        ("90532", "+90532"),
    ],
)
def test_typed_starts_become_e164_prefixes(typed: str, expected: str) -> None:
    assert expected in phone_prefixes(typed, "TR")


def test_other_region_uses_its_code() -> None:
    assert "+4420794" in phone_prefixes("020 794", "GB")


def test_no_digits_no_prefix() -> None:
    assert phone_prefixes("ayşe", "TR") == []

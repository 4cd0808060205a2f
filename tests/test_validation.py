"""Validation: each check refuses bad input with an error naming the field, not the value."""

from __future__ import annotations

from datetime import date

import pytest

from receptionist.errors import ValidationError
from receptionist.patients import validation
from receptionist.patients.phones import normalise_phone

TODAY = date(2026, 3, 2)


def clean(**fields: object) -> dict[str, object]:
    return validation.clean(fields, region="TR", today=TODAY)


def refused(field: str, value: object, region: str = "TR") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validation.clean({field: value}, region=region, today=TODAY)
    assert caught.value.field == field
    message = str(caught.value)
    assert message.endswith(".") and message.count(".") >= 1
    if isinstance(value, str) and len(value) > 3:
        assert value not in message, "messages never repeat what was typed"
    return caught.value


@pytest.mark.parametrize(
    "typed", ["0532 123 45 67", "+90 532 123 45 67", "5321234567", "(0532) 123-4567"]
)
def test_phone_stored_e164(typed: str) -> None:
    assert clean(phone=typed)["phone"] == "+905321234567"


def test_phone_from_another_country_with_its_code() -> None:
    assert clean(phone="+44 20 7946 0958")["phone"] == "+442079460958"


@pytest.mark.parametrize("typed", ["0212 555 12 12 ext 5", "+90 212 555 12 12 x 123"])
def test_phone_with_an_extension_is_refused_not_cut(typed: str) -> None:
    """E.164 has no extension: stored, "ext 5" would be dropped without a word."""
    assert "has an extension" in str(refused("phone", typed))


@pytest.mark.parametrize("typed", ["12345", "0532 123", "not a number", "+90 111 111 11 11"])
def test_invalid_phone(typed: str) -> None:
    error = refused("phone", typed)
    assert "not valid for TR" in str(error)
    assert "include the area code, e.g. 05" in str(error)


@pytest.mark.parametrize("good", ["a@b.co", "ali.veli+tag@example.com.tr", "x@ÖRNEK.com"])
def test_valid_email(good: str) -> None:
    stored = clean(email=f"  {good} ")["email"]
    assert isinstance(stored, str) and stored.split("@")[0] == good.split("@")[0]
    assert stored.split("@")[1] == good.split("@")[1].lower()


@pytest.mark.parametrize(
    "bad",
    ["plain", "a@b", "a@@b.com", "a b@c.com", ".a@b.com", "a..b@c.com", "a@-b.com", "a@b.123"],
)
def test_invalid_email(bad: str) -> None:
    refused("email", bad)


def test_blank_optionals_become_none() -> None:
    assert clean(email="  ", phone="", national_id=None) == {
        "email": None,
        "phone": None,
        "national_id": None,
    }


def test_turkish_national_id_checksum() -> None:
    assert validation.tc_kimlik_valid("10000000146")
    assert clean(national_id="100 000 001 46")["national_id"] == "10000000146"
    for bad in ["10000000147", "00000000146", "1000000014", "1000000014a"]:
        assert not validation.tc_kimlik_valid(bad)
        assert "T.C. Kimlik" in str(refused("national_id", bad))


def test_other_regions_take_any_id_of_letters_and_digits() -> None:
    cleaned = validation.clean({"national_id": "ab-123 456"}, region="DE", today=TODAY)
    assert cleaned["national_id"] == "AB123456"
    refused("national_id", "x" * 40, region="DE")
    refused("national_id", "AB*12", region="DE")


def test_birth_date_bounds() -> None:
    assert clean(birth_date="1990-05-01")["birth_date"] == date(1990, 5, 1)
    assert clean(birth_date=TODAY)["birth_date"] == TODAY
    assert clean(birth_date=date(1900, 1, 1))["birth_date"] == date(1900, 1, 1)
    assert "future" in str(refused("birth_date", date(2026, 3, 3)))
    assert "1900" in str(refused("birth_date", date(1899, 12, 31)))
    refused("birth_date", "31/12/1990")
    refused("birth_date", 1990)


@pytest.mark.parametrize("field", ["given_name", "family_name"])
def test_names_required_and_bounded(field: str) -> None:
    assert "required" in str(refused(field, "   "))
    assert "200" in str(refused(field, "x" * 201))
    assert clean(**{field: "x" * 200})[field] == "x" * 200
    refused(field, None)


def test_names_are_nfc_and_rtl_kept() -> None:
    assert clean(given_name="Zeyne\u0301p")["given_name"] == "Zeynép"
    assert clean(family_name=" مُحَمَّد ")["family_name"] == "مُحَمَّد"


@pytest.mark.parametrize("field", ["given_name", "family_name", "email", "phone", "national_id",
                                   "address", "notes", "gender", "preferred_language"])  # fmt: skip
def test_nul_refused_in_every_text_field(field: str) -> None:
    error = refused(field, "abc\x00def")
    assert "contains a NUL character" in str(error)


def test_broken_surrogate_refused() -> None:
    refused("notes", "half \ud800 a pair")


def test_notes_kept_as_typed_up_to_one_megabyte() -> None:
    typed = "  Satır 1\n\te\u0301 مرحبا  "
    assert clean(notes=typed)["notes"] == typed
    # A Windows line end (or a lone CR, which would rewrite a terminal line) is a line break.
    assert clean(notes="one\r\ntwo\rthree")["notes"] == "one\ntwo\nthree"
    assert len(str(clean(notes="x" * validation.MAX_NOTES_BYTES)["notes"])) == 1024 * 1024
    assert "1 MB" in str(refused("notes", "x" * (validation.MAX_NOTES_BYTES + 1)))
    refused("notes", "ş" * (validation.MAX_NOTES_BYTES // 2 + 1))  # counted in UTF-8 bytes


def test_choices() -> None:
    assert clean(gender="Female", preferred_channel="SMS") == {
        "gender": "female",
        "preferred_channel": "sms",
    }
    refused("gender", "unknown")
    refused("preferred_channel", "pigeon")
    assert clean(preferred_language="tr-TR")["preferred_language"] == "tr-TR"
    refused("preferred_language", "Turkish!")


def test_unknown_field_and_non_text() -> None:
    refused("shoe_size", "42")
    refused("address", 12)


def test_phone_nul_checked_by_phone_module_too() -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone("0532\x00", "TR")
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    "bad", ["Evil\x1b[2J", "Line\nBreak", "\u200b", "\u0301", "Ali\u202eilA", "  \t "]
)
def test_names_refuse_control_and_invisible_characters(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        validation.name("given_name", bad)
    assert err.value.field == "given_name"


@pytest.mark.parametrize("good", ["Ayşe", "عبد الله", "O'Brien", "Zoë", "Mary-Jane", "Li 李"])
def test_real_names_pass(good: str) -> None:
    assert validation.name("given_name", good) == good

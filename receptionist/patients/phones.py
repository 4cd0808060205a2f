"""Phone numbers: parsed with the clinic's region, stored as E.164, searched by digits.

A number is stored once, in E.164 (``+905321234567``). The search index holds its
digits in both the national form (``05321234567``) and the international form
(``905321234567``), so "0532 123 45 67", "+90 532 123 45 67" and "5321234567" all
find it, and so does any run of four or more of its digits.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from receptionist.errors import ValidationError
from receptionist.freetext import printable
from receptionist.texts import QT_TRANSLATE_NOOP, Text

MIN_DIGITS = 4  # the shortest run of digits a search looks for
_DIGITS = re.compile(r"\d+")
_E164 = re.compile(r"\+[1-9][0-9]{2,16}")


def example_for(region: str) -> str:
    """A mobile number of ``region`` written as people there write it."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        example = phonenumbers.example_number(region)
    if example is None:
        return "+1 201 555 0123"
    return str(phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL))


class PhoneRefused(ValueError):
    """A number :func:`as_e164` refuses, and why: ``nul``, ``invalid`` (no number of the
    region, or with no country code when there is no region), ``letters`` (the library
    would read them as keypad digits) or ``extension`` (E.164 has no room for one)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def as_e164(raw: str, region: str | None) -> str:
    """``raw`` as E.164 by the one rule every number here goes through (patients',
    the clinic's senders'), or :class:`PhoneRefused`. A number written with its country
    code ("+44 20 ...") is taken from any country; one written without is read as a
    number of ``region`` (None: no region, so only one with its country code is)."""
    if "\x00" in raw:
        raise PhoneRefused("nul")
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        raise PhoneRefused("invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneRefused("invalid")
    if not number.extension and any(unicodedata.category(ch)[0] == "L" for ch in raw):
        # The library reads letters as keypad digits ("ABC" -> 222): a typo would be
        # stored as a valid stranger's number, and reminders would go there.
        raise PhoneRefused("letters")
    if number.extension:
        raise PhoneRefused("extension")  # stored, it would be lost without a word
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def international_example(region: str) -> str:
    """The number of :func:`example_for` in international form, as E.164 writes it."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        example = phonenumbers.example_number(region)
    if example is None:
        return "+12015550123"
    return str(phonenumbers.format_number(example, PhoneNumberFormat.E164))


def normalise_phone(raw: str, region: str, field: str = "phone") -> str:
    """``raw`` as E.164, or ValidationError if it is not a valid number for ``region``.

    A number written with its country code ("+44 20 ...") is accepted from any
    country; one written without is read as a number of ``region``.
    """
    from receptionist.patients.validation import (
        label,  # not at the top: validation imports this module
    )

    message = Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The {field} number is not valid for {region}; include the area code, e.g. {example}.",
        ),
        field=label(field),
        region=region,
        example=example_for(region),
    )
    try:
        return as_e164(raw, region)
    except PhoneRefused as refused:
        why = refused.why
    if why == "nul":
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The {field} contains a NUL character."),
                field=label(field),
            ),
        )
    if why == "letters":
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The {field} number contains letters; type it in digits only."
                ),
                field=label(field),
            ),
        )
    if why == "extension":
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The {field} number has an extension, which cannot be stored with "
                    "it; enter the number alone and put the extension in the notes.",
                ),
                field=label(field),
            ),
        )
    raise ValidationError(field, message)


def search_forms(e164: str) -> list[str]:
    """The digit strings of a stored number that the search index holds."""
    number = _stored(e164) or phonenumbers.parse(e164, None)
    national = "".join(
        _DIGITS.findall(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    )
    international = e164.lstrip("+")
    return [national, international] if national and national != international else [international]


def _stored(e164: str) -> phonenumbers.PhoneNumber | None:
    """``e164`` as ``phonenumbers.parse(e164, None)`` reads it, without its text
    handling (half a new patient's indexing in a first download), when the number is
    plain E.164 and nothing of it would be read as a national prefix; None otherwise
    (then parse it). Its steps are parse's own for such a number: the country code is
    the first of its 1-3 leading digits that is one; the rest is the national number,
    unless it begins with a zero (Italy's leading zero: left to parse) or the region's
    national prefix for parsing matches its start (parse might strip it: left too)."""
    if not _E164.fullmatch(e164):
        return None
    digits = e164[1:]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    if len(national) < 2 or national[0] == "0":
        return None
    region = phonenumbers.region_code_for_country_code(code)
    meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    prefix = meta.national_prefix_for_parsing if meta is not None else None
    if meta is None or (prefix and re.match(prefix, national)):
        return None
    return phonenumbers.PhoneNumber(country_code=code, national_number=int(national))


def query_digits(query: str, region: str) -> str:
    """The digit run a phone-like query searches for.

    A complete number of the region (or with a country code) becomes its
    international digits, so "0090 532 ..." and "+90 532 ..." find the same number;
    anything else is searched as the digits typed.
    """
    query = "".join(str(unicodedata.digit(ch)) if ch.isdecimal() else ch for ch in query)
    digits = "".join(_DIGITS.findall(query))
    if len(digits) >= 7:
        try:
            number = phonenumbers.parse(query, region)
        except NumberParseException:
            return digits
        if phonenumbers.is_valid_number(number):
            return str(phonenumbers.format_number(number, PhoneNumberFormat.E164)).lstrip("+")
    return digits


def display_phone(stored: str | None, region: str) -> str:
    """A stored (E.164) number as a person reads it: in the national format of the
    clinic's ``region`` when it is a number of that country ("0532 123 45 67"), else
    in the international format ("+44 20 7946 0958"). What does not parse (text stored
    before the rules) is given back as stored, through ``printable``; "" for none.
    Every place that shows a number to a person uses this; storage and search keep
    E.164."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, None)
    except NumberParseException:
        return printable(stored, lines=False)
    home = phonenumbers.country_code_for_region(region.upper()) if region else 0
    style = (
        PhoneNumberFormat.NATIONAL
        if number.country_code == home
        else PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))

"""Checking and cleaning what the desk types about a patient, field by field.

Each check returns the value to store or raises ValidationError naming the field;
messages name the field and what to do, never the value typed. Names are stored
NFC-normalised (so a name typed with combining marks compares equal to the composed
form); notes and the address are kept as typed, with their line ends as LF. What free
text may hold (no terminal escapes or direction overrides; line breaks and tabs only
in notes and the address) is decided in :mod:`receptionist.freetext`. Text that looks
like SQL is just text: nothing here, or anywhere else, builds SQL from it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date

from receptionist.errors import ValidationError
from receptionist.freetext import LABELS as FREETEXT_LABELS
from receptionist.freetext import clean_text, has_controls, refuse_controls
from receptionist.patients import dates
from receptionist.patients.phones import normalise_phone
from receptionist.texts import QT_TRANSLATE_NOOP, Text

MAX_NAME = 200
MAX_ADDRESS = 2000
MAX_NOTES_BYTES = 1024 * 1024
EARLIEST_BIRTH = date(1900, 1, 1)
GENDERS = ("female", "male", "other")
CHANNELS = ("sms", "whatsapp", "email")
MAX_NATIONAL_ID = 32
MAX_ALERT = 200  # one line the desk reads at a glance on a card

_EMAIL_LOCAL = re.compile(r"^[^\s@\x00-\x1f\x7f\"(),:;<>\[\\\]]{1,64}$")
_EMAIL_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_NATIONAL_ID = re.compile(r"^[A-Z0-9]+$")


LABELS: dict[str, Text] = {
    "given_name": Text(QT_TRANSLATE_NOOP("core", "given name")),
    "family_name": Text(QT_TRANSLATE_NOOP("core", "family name")),
    "phone": Text(QT_TRANSLATE_NOOP("core", "phone")),
    "email": Text(QT_TRANSLATE_NOOP("core", "e-mail address")),
    "national_id": Text(QT_TRANSLATE_NOOP("core", "national ID")),
    "birth_date": Text(QT_TRANSLATE_NOOP("core", "birth date")),
    "gender": Text(QT_TRANSLATE_NOOP("core", "gender")),
    "address": Text(QT_TRANSLATE_NOOP("core", "address")),
    "preferred_language": Text(QT_TRANSLATE_NOOP("core", "preferred language")),
    "preferred_channel": Text(QT_TRANSLATE_NOOP("core", "preferred channel")),
    "notes": Text(QT_TRANSLATE_NOOP("core", "notes")),
    "alert": FREETEXT_LABELS["alert"],
}


def label(field: str) -> str:
    """How a field is named in a message: ``given_name`` -> "given name" (a ``Text``)."""
    return LABELS.get(field) or field.replace("_", " ")


def text(field: str, value: object) -> str:
    """``value`` if it is text without NUL characters."""
    if not isinstance(value, str):
        raise ValidationError(
            field, Text(QT_TRANSLATE_NOOP("core", "The {field} must be text."), field=label(field))
        )
    if "\x00" in value:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The {field} contains a NUL character; remove it."),
                field=label(field),
            ),
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The {field} contains a broken character; type it again."
                ),
                field=label(field),
            ),
        ) from None
    return value


def optional_text(field: str, value: object) -> str | None:
    """Stripped text, or None for a missing or blank value."""
    if value is None:
        return None
    stripped = text(field, value).strip()
    return stripped or None


def name(field: str, value: object) -> str:
    cleaned = unicodedata.normalize("NFC", text(field, value).strip())
    if not cleaned:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The {field} is required; enter it."), field=label(field)
            ),
        )
    if has_controls(cleaned):
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The {field} contains a control character; type it again."
                ),
                field=label(field),
            ),
        )
    if not any(unicodedata.category(ch)[0] in "LN" for ch in cleaned):
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The {field} needs at least one letter."),
                field=label(field),
            ),
        )
    if len(cleaned) > MAX_NAME:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The {field} is longer than {limit} characters; shorten it."
                ),
                field=label(field),
                limit=MAX_NAME,
            ),
        )
    return cleaned


def email(value: object) -> str | None:
    """A sane e-mail address (one @, a dotted domain), its domain lower-cased."""
    address = optional_text("email", value)
    if address is None:
        return None
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    valid = (
        at == "@"
        and len(address) <= 254
        and _EMAIL_LOCAL.match(local) is not None
        and not local.startswith(".")
        and not local.endswith(".")
        and ".." not in local
        and len(labels) >= 2
        and all(_EMAIL_LABEL.match(part) for part in labels)
        and not labels[-1].isdigit()
        and not has_controls(address)
    )
    if not valid:
        raise ValidationError(
            "email",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The e-mail address is not valid; write it as name@example.com."
                )
            ),
        )
    return f"{local}@{domain.lower()}"


def tc_kimlik_valid(digits: str) -> bool:
    """The checksum of a Turkish national ID (T.C. Kimlik No): 11 digits, no leading 0."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return False
    d = [int(c) for c in digits]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return d[9] == tenth and d[10] == sum(d[:10]) % 10


def national_id(value: object, region: str) -> str | None:
    """Letters and digits, upper-cased; an 11-digit checked number where the region is TR."""
    raw = optional_text("national_id", value)
    if raw is None:
        return None
    # Digits of any script (Arabic-Indic, Persian) as ASCII, as phones and search take them.
    ascii_digits = "".join(str(unicodedata.digit(ch)) if ch.isdecimal() else ch for ch in raw)
    cleaned = re.sub(r"[\s.\-/]", "", ascii_digits).upper()
    if region.upper() == "TR":
        if not tc_kimlik_valid(cleaned):
            raise ValidationError(
                "national_id",
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The national ID is not a valid T.C. Kimlik No; check its 11 digits.",
                    )
                ),
            )
    elif not _NATIONAL_ID.match(cleaned) or len(cleaned) > MAX_NATIONAL_ID:
        raise ValidationError(
            "national_id",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The national ID must be up to {limit} letters and digits; check it."
                ),
                limit=MAX_NATIONAL_ID,
            ),
        )
    return cleaned


def birth_date(value: object, today: date) -> date | None:
    """A date (or text in one of :data:`dates.FORMS`) from 1900 up to ``today``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        found = dates.read(text("birth_date", value))
        if found is None:
            raise ValidationError(
                "birth_date",
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The birth date is not a date; write it in one of these forms: {forms}.",
                    ),
                    forms=dates.examples(),
                ),
            )
        value = found
    if not isinstance(value, date) or type(value) is not date:
        raise ValidationError(
            "birth_date",
            Text(QT_TRANSLATE_NOOP("core", "The birth date must be a date without a time.")),
        )
    if value > today:
        raise ValidationError(
            "birth_date",
            Text(QT_TRANSLATE_NOOP("core", "The birth date is in the future; check the year.")),
        )
    if value < EARLIEST_BIRTH:
        raise ValidationError(
            "birth_date",
            Text(QT_TRANSLATE_NOOP("core", "The birth date is before 1900; check the year.")),
        )
    return value


def choice(field: str, value: object, allowed: tuple[str, ...]) -> str | None:
    chosen = optional_text(field, value)
    if chosen is not None and chosen.lower() not in allowed:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The {field} must be one of {choices}, or left empty."),
                field=label(field),
                choices=", ".join(allowed),
            ),
        )
    return chosen.lower() if chosen is not None else None


def language(value: object) -> str | None:
    tag = optional_text("preferred_language", value)
    if tag is not None and not _LANGUAGE.match(tag):
        raise ValidationError(
            "preferred_language",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The preferred language must be a language code such as tr or ar."
                )
            ),
        )
    return tag


def notes(value: object) -> str:
    """Notes as typed (line ends as LF), up to 1 MB of UTF-8, without control characters
    other than line breaks and tabs."""
    typed = refuse_controls(text("notes", value), "notes")
    if len(typed) > MAX_NOTES_BYTES or len(typed.encode("utf-8")) > MAX_NOTES_BYTES:
        raise ValidationError(
            "notes",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The notes are larger than 1 MB; shorten them or attach them as a document.",
                )
            ),
        )
    return typed


def address(value: object) -> str:
    """The address as typed (it may take several lines), without other control characters."""
    typed = refuse_controls(text("address", value), "address")
    if len(typed) > MAX_ADDRESS:
        raise ValidationError(
            "address",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The address is longer than {limit} characters; shorten it."
                ),
                limit=MAX_ADDRESS,
            ),
        )
    return typed


def alert(value: object) -> str:
    """The front-desk alert: one line of at most :data:`MAX_ALERT` characters, no control
    character, line break or direction override (:mod:`receptionist.freetext`); blank
    or None clears it."""
    if value is None:
        return ""
    stripped = value.strip() if isinstance(value, str) else value
    return clean_text(stripped, "alert", MAX_ALERT, lines=False)


def phone(value: object, region: str) -> str | None:
    raw = optional_text("phone", value)
    return None if raw is None else normalise_phone(raw, region)


FIELDS = (
    "given_name",
    "family_name",
    "phone",
    "email",
    "national_id",
    "birth_date",
    "gender",
    "address",
    "preferred_language",
    "preferred_channel",
    "notes",
    "alert",
)


def clean(fields: Mapping[str, object], *, region: str, today: date) -> dict[str, object]:
    """Every given patient field checked and cleaned; an unknown field is refused."""
    cleaners: dict[str, Callable[[object], object]] = {
        "given_name": lambda v: name("given_name", v),
        "family_name": lambda v: name("family_name", v),
        "phone": lambda v: phone(v, region),
        "email": email,
        "national_id": lambda v: national_id(v, region),
        "birth_date": lambda v: birth_date(v, today),
        "gender": lambda v: choice("gender", v, GENDERS),
        "address": address,
        "preferred_language": language,
        "preferred_channel": lambda v: choice("preferred_channel", v, CHANNELS),
        "notes": notes,
        "alert": alert,
    }
    cleaned: dict[str, object] = {}
    for field, value in fields.items():
        cleaner = cleaners.get(field)
        if cleaner is None:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "'{field}' is not a patient field; check the spelling."
                    ),
                    field=field,
                ),
            )
        cleaned[field] = cleaner(value)
    return cleaned

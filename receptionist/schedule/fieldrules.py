"""Field rules for the clinic's settings and catalogue.

A rule checks one typed value and returns what to store, or raises ValidationError
naming the field. Each kind of row declares its rules in a table (field -> rule);
:func:`clean` applies a table to a set of changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from receptionist import freetext, zones
from receptionist.errors import ValidationError
from receptionist.freetext import clean_text, has_controls
from receptionist.texts import QT_TRANSLATE_NOOP, Text

MAX_DURATION_MINUTES = 12 * 60  # also the longest appointment the conflict rules allow
MAX_BUFFER_MINUTES = 4 * 60
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")

Rule = Callable[[Any], object]

# How the fields these rules check are named in a message: in words, as a person
# reads them (the field itself is in ValidationError.field).
LABELS: dict[str, Text] = {
    **freetext.LABELS,
    "phone_region": Text(QT_TRANSLATE_NOOP("core", "phone region")),
    "currency": Text(QT_TRANSLATE_NOOP("core", "currency")),
    "slot_minutes": Text(QT_TRANSLATE_NOOP("core", "slot size in minutes")),
    "wait_alert_minutes": Text(QT_TRANSLATE_NOOP("core", "waiting alert")),
    "duration_minutes": Text(QT_TRANSLATE_NOOP("core", "duration in minutes")),
    "price_minor": Text(QT_TRANSLATE_NOOP("core", "price in cents (or kuruş)")),
    "buffer_before_minutes": Text(QT_TRANSLATE_NOOP("core", "buffer before, in minutes")),
    "buffer_after_minutes": Text(QT_TRANSLATE_NOOP("core", "buffer after, in minutes")),
}


def label(field: str) -> str:
    """How ``field`` is named in a message: a ``Text`` for a known field, else its key."""
    return LABELS.get(field) or field


def name(value: Any) -> str:
    """A provider's, room's, service's or clinic's name: every list and message
    prints it, so no terminal escapes, line breaks or direction overrides."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 200 or "\x00" in text:
        raise ValidationError(
            "name", Text(QT_TRANSLATE_NOOP("core", "A name is 1-200 characters; type one."))
        )
    if has_controls(text):
        raise ValidationError(
            "name",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "A name cannot hold control characters or direction marks; type it again.",
                )
            ),
        )
    return text


def text(field: str, limit: int) -> Rule:
    """One line of free text (a category, a locale): no control characters."""
    return lambda value: clean_text(value, field, limit, lines=False)


def whole(field: str, low: int, high: int) -> Rule:
    def rule(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            message = Text(
                QT_TRANSLATE_NOOP(
                    "core", "The {field} must be a whole number from {low} to {high}."
                ),
                field=label(field),
                low=low,
                high=high,
            )
            raise ValidationError(field, message)
        return value

    return rule


def colour(value: Any) -> str:
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise ValidationError(
            "colour", Text(QT_TRANSLATE_NOOP("core", "A colour is written like #4a90d9."))
        )
    return value.lower()


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(
            "active", Text(QT_TRANSLATE_NOOP("core", "Active must be true or false."))
        )
    return value


def code(field: str, size: int) -> Rule:
    """A code of ``size`` letters (a region or a currency), upper-cased."""

    def rule(value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(rf"[A-Za-z]{{{size}}}", value):
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP("core", "The {field} is a {size}-letter code, like 'TR'."),
                    field=label(field),
                    size=size,
                ),
            )
        return value.upper()

    return rule


def timezone(value: Any) -> str:
    return zones.zone(value if isinstance(value, str) else "").key


# A patient may be kept waiting this many minutes before the today board warns.
wait_alert_minutes = whole("wait_alert_minutes", 1, 240)


def slot_minutes(value: Any) -> int:
    minutes = whole("slot_minutes", 5, 120)(value)
    assert isinstance(minutes, int)
    if 1440 % minutes:
        raise ValidationError(
            "slot_minutes",
            Text(QT_TRANSLATE_NOOP("core", "The slot length must divide a day, like 10 or 15.")),
        )
    return minutes


def price_from_text(text: str, field: str = "price_minor") -> int:
    """A price typed as text ("850", "850.00", "850,5") in minor units (cents, kuruş).

    "1,500" and "1.500" are refused: fifteen hundred to one reader, 1.50 to another."""
    typed = text.strip()
    if len(re.findall(r"[.,]", typed)) > 1 or re.search(r"[.,]\d{3}$", typed):
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "Write the price without thousands separators, like 1500.00."
                )
            ),
        )
    try:
        value = Decimal(typed.replace(",", "."))
        if not value.is_finite():  # "NaN", "Infinity": Decimal reads them
            raise InvalidOperation
        exact = value == value.quantize(Decimal("0.01"))
    except InvalidOperation:  # not a number, or too many digits to be a price
        raise ValidationError(
            field, Text(QT_TRANSLATE_NOOP("core", "The price must be a number such as 850.00."))
        ) from None
    if value < 0 or not exact:
        raise ValidationError(
            field,
            Text(QT_TRANSLATE_NOOP("core", "The price must be positive with at most 2 decimals.")),
        )
    return int(value * 100)


def clean(changes: dict[str, Any], rules: dict[str, Rule]) -> dict[str, object]:
    """Each given value through its rule; a ``None`` value is left out."""
    return {key: rules[key](value) for key, value in changes.items() if value is not None}


def refuse_unknown(changes: dict[str, Any], rules: dict[str, Rule]) -> None:
    extra = sorted(set(changes) - set(rules))
    if extra:
        raise ValidationError(
            extra[0],
            Text(
                QT_TRANSLATE_NOOP("core", "'{field}' is not a setting that can be changed."),
                field=extra[0],
            ),
        )

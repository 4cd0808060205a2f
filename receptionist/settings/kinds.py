"""What kind of value a setting holds: how it is typed, checked, stored and shown.

A kind turns text typed on a command line into a value (:meth:`Kind.parse`), checks a
value from anywhere (:meth:`Kind.check`, which raises ValidationError naming the
setting), and shows a value as text (:meth:`Kind.show`). Values are plain JSON
(int, bool, str, dict), which is how the clinic store keeps them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from receptionist import zones
from receptionist.errors import ValidationError
from receptionist.freetext import controls_message, has_controls
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")


class Kind:
    """The base: a value of any JSON type, typed as JSON."""

    name = "json"

    def parse(self, text: str, key: str, label: str) -> object:
        try:
            value: object = json.loads(text)
        except ValueError:
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP("core", "{label} is not readable; {hint}"),
                    label=label,
                    hint=self.hint(),
                ),
            ) from None
        return self.check(value, key, label)

    def check(self, value: object, key: str, label: str) -> object:
        return value

    def settle(self, session: Session, value: object, key: str, label: str) -> object:
        """``value`` (checked) as it is stored, for what only the database can tell (a
        service named by its name is stored by its id); run when the value is written,
        in that transaction, never when it is read (a value synced from another PC may
        name what has not arrived here yet). Refused: ValidationError naming ``key``."""
        return value

    def vet(self, value: object, key: str, label: str) -> str:
        """What only the world outside the value can tell (a folder that is a file),
        asked of ``value`` (checked) when a person sets it, never when it is read (a
        folder made a file since must not turn the setting into its default). Refused:
        ValidationError naming ``key``; else a note to tell them ("" for none)."""
        return ""

    def show(self, value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    def hint(self) -> str:
        return Text(QT_TRANSLATE_NOOP("core", "write it as JSON."))


@dataclass(frozen=True)
class Whole(Kind):
    """A whole number from ``low`` to ``high``, optionally one of ``steps`` only."""

    low: int
    high: int
    unit: str = ""
    divides: int | None = None  # the value must divide this (slot sizes divide a day)
    name = "int"

    def parse(self, text: str, key: str, label: str) -> object:
        try:
            return self.check(int(text.strip()), key, label)
        except ValueError:
            raise self._refused(key, label) from None

    def check(self, value: object, key: str, label: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._refused(key, label)
        if not self.low <= value <= self.high:
            raise self._refused(key, label)
        if self.divides and self.divides % value:
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP("core", "{label} must divide {whole} evenly."),
                    label=label,
                    whole=self.divides,
                ),
            )
        return value

    def show(self, value: object) -> str:
        return str(value)

    def hint(self) -> str:
        return Text(
            QT_TRANSLATE_NOOP("core", "a whole number from {low} to {high}."),
            low=self.low,
            high=self.high,
        )

    def _refused(self, key: str, label: str) -> ValidationError:
        return ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP("core", "{label} must be {hint}"),
                label=label,
                hint=self.hint(),
            ),
        )


@dataclass(frozen=True)
class Flag(Kind):
    """Yes or no."""

    name = "bool"

    def parse(self, text: str, key: str, label: str) -> object:
        word = text.strip().lower()
        if word in TRUE:
            return True
        if word in FALSE:
            return False
        raise self._refused(key, label)

    def check(self, value: object, key: str, label: str) -> bool:
        if not isinstance(value, bool):
            raise self._refused(key, label)
        return value

    def show(self, value: object) -> str:
        return "true" if value else "false"

    def hint(self) -> str:
        return Text(QT_TRANSLATE_NOOP("core", "true or false."))

    def _refused(self, key: str, label: str) -> ValidationError:
        return ValidationError(
            key,
            Text(QT_TRANSLATE_NOOP("core", "{label} must be true or false."), label=label),
        )


@dataclass(frozen=True)
class Choice(Kind):
    """One of a fixed set of words, each shown by its label (a Text, in ``labels`` in
    the order of ``options``): the app shows the label and stores the word; the command
    line types the word."""

    options: tuple[str, ...]
    labels: tuple[str, ...] = ()
    name = "choice"

    def __post_init__(self) -> None:
        if self.labels and len(self.labels) != len(self.options):
            raise ValueError(f"choice {self.options} needs one label per option")

    def label_of(self, value: object) -> str:
        """The label of the option ``value`` (the word itself for one not listed)."""
        return _label_of(self.options, self.labels, value)

    def parse(self, text: str, key: str, label: str) -> object:
        return self.check(text.strip(), key, label)

    def check(self, value: object, key: str, label: str) -> str:
        if not isinstance(value, str) or value not in self.options:
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP("core", "{label} must be one of: {options}."),
                    label=label,
                    options=", ".join(self.options),
                ),
            )
        return value

    def show(self, value: object) -> str:
        return str(value)

    def hint(self) -> str:
        return ", ".join(self.options)


@dataclass(frozen=True)
class Words(Kind):
    """One line of text, at most ``limit`` characters, with no control characters.

    ``rule`` (optional) checks and normalises it further (a time zone's name, a code).
    """

    limit: int
    required: bool = True
    rule: Callable[[str, str, str], str] | None = field(default=None, compare=False)
    name = "str"

    def parse(self, text: str, key: str, label: str) -> object:
        return self.check(text, key, label)

    def check(self, value: object, key: str, label: str) -> str:
        text = value.strip() if isinstance(value, str) else None
        if text is None or len(text) > self.limit:
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "{label} must be one line of text of at most {limit} characters."
                    ),
                    label=label,
                    limit=self.limit,
                ),
            )
        if has_controls(text):
            raise ValidationError(key, controls_message(key, lines=False))
        if self.required and not text:
            raise ValidationError(
                key,
                Text(QT_TRANSLATE_NOOP("core", "{label} cannot be empty."), label=label),
            )
        return self.rule(text, key, label) if self.rule else text

    def show(self, value: object) -> str:
        return str(value)

    def hint(self) -> str:
        return Text(QT_TRANSLATE_NOOP("core", "one line of text."))


@dataclass(frozen=True)
class Ordered(Words):
    """Some of a fixed set of words, in an order of preference, stored as one line
    ("sms,whatsapp,email", as the command line types it; ``rule`` checks it); the app
    shows each by its label (``labels``, in the order of ``options``) in a list to tick
    and order."""

    options: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    name = "str"

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.options):
            raise ValueError(f"ordered {self.options} needs one label per option")

    def label_of(self, value: object) -> str:
        return _label_of(self.options, self.labels, value)

    def chosen(self, value: object) -> list[str]:
        """The words of ``value``, in its order."""
        return [w.strip() for w in str(value).split(",") if w.strip()]


def _label_of(options: tuple[str, ...], labels: tuple[str, ...], value: object) -> str:
    if value in options and labels:
        return labels[options.index(str(value))]
    return str(value)


@dataclass(frozen=True)
class TimeZone(Kind):
    """A time zone of the zone database, by its name (Europe/Istanbul)."""

    name = "timezone"

    def parse(self, text: str, key: str, label: str) -> object:
        return self.check(text.strip(), key, label)

    def check(self, value: object, key: str, label: str) -> str:
        try:
            return zones.zone(value.strip() if isinstance(value, str) else "").key
        except ValidationError as exc:
            raise ValidationError(key, message(exc)) from None

    def show(self, value: object) -> str:
        return str(value)

    def hint(self) -> str:
        return Text(QT_TRANSLATE_NOOP("core", "a zone name like Europe/Istanbul."))


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Colour(Kind):
    """A colour written as #rrggbb."""

    name = "colour"

    def parse(self, text: str, key: str, label: str) -> object:
        return self.check(text.strip(), key, label)

    def check(self, value: object, key: str, label: str) -> str:
        if not isinstance(value, str) or not _COLOUR.match(value):
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP("core", "{label} must be a colour like #4a90d9."),
                    label=label,
                ),
            )
        return value.lower()

    def show(self, value: object) -> str:
        return str(value)

    def hint(self) -> str:
        return "#rrggbb"


def code_rule(size: int) -> Callable[[str, str, str], str]:
    """A rule for :class:`Words`: ``size`` letters, upper-cased (a region, a currency)."""

    def rule(text: str, key: str, label: str) -> str:
        if not re.fullmatch(rf"[A-Za-z]{{{size}}}", text):
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP("core", "{label} is a {size}-letter code, like TR."),
                    label=label,
                    size=size,
                ),
            )
        return text.upper()

    return rule


def as_object(value: Any, key: str, label: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, else a ValidationError naming ``key``."""
    if not isinstance(value, dict):
        raise ValidationError(
            key,
            Text(QT_TRANSLATE_NOOP("core", "{label} must be a JSON object."), label=label),
        )
    return value

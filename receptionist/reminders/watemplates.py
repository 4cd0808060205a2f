"""WhatsApp's approved message templates, one setting per language.

Meta delivers free text only within 24 hours of the patient's last message to the
clinic; a message the clinic starts (a reminder, a booking confirmation) must be an
approved template: ``type: "template"`` with the template's name, its language code
and the values of its ``{{1}}``, ``{{2}}``... variables. The clinic creates one
template per kind of message in WhatsApp Manager and names them here, per language:

    reminder=appointment_reminder, confirmation=booking_confirmed,
    reschedule=appointment_moved, cancellation=appointment_cancelled, code=en_US

(``code`` is the template language's code at Meta; by default the language itself:
``en``, ``tr``, ``ar``). Every template takes the same six body variables, in this
order: {{1}} first name, {{2}} date, {{3}} time, {{4}} provider, {{5}} clinic, {{6}}
address (an empty value is sent as "-"). A kind with no template in the patient's
language is not sent by WhatsApp: the next channel the patient consented to is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from receptionist.errors import ValidationError
from receptionist.settings.kinds import Words
from receptionist.settings.registry import Setting, declare
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .templates import KINDS, LANGUAGES, PLACEHOLDERS

_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_CODE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
EMPTY = "-"


@dataclass(frozen=True)
class Call:
    """One template message: Meta's template name, language code and body values."""

    name: str
    language: str
    parameters: tuple[str, ...]


def parse(text: str, language: str) -> tuple[str, dict[str, str]]:
    """(language code, kind -> template name) of one setting's text; ValueError when
    a part is not ``kind=name`` or ``code=xx``."""
    code, names = language, {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, _, value = (s.strip() for s in part.partition("="))
        if key == "code" and _CODE.match(value):
            code = value
        elif key in KINDS and _NAME.match(value) and key not in names:
            names[key] = value
        else:
            raise ValueError(part)
    return code, names


def _rule(text: str, key: str, label: str) -> str:
    try:
        parse(text, "en")
    except ValueError:
        raise ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{label} must be like reminder=appointment_reminder, "
                    "confirmation=booking_confirmed (kinds: {kinds}; names in lower case, "
                    "digits and _; code=en_US for Meta's language code), or empty.",
                ),
                label=label,
                kinds=", ".join(KINDS),
            ),
        ) from None
    return ", ".join(p.strip() for p in text.split(",") if p.strip())


_LABELS = {
    "en": QT_TRANSLATE_NOOP("core", "WhatsApp templates, English"),
    "tr": QT_TRANSLATE_NOOP("core", "WhatsApp templates, Turkish"),
    "ar": QT_TRANSLATE_NOOP("core", "WhatsApp templates, Arabic"),
}
HELP = QT_TRANSLATE_NOOP(
    "core",
    "The approved WhatsApp template of each kind of message in this language, like "
    "reminder=appointment_reminder, confirmation=booking_confirmed, code=en_US. Each "
    "takes six variables, in this order: first name, date, time, provider, clinic, "
    "address. Empty: no WhatsApp messages in this language.",
)
# The same help three times made the channels' section scroll: the others point to it.
HELP_OTHERS = QT_TRANSLATE_NOOP(
    "core", "As for English, the templates approved in this language; empty: none sent."
)


def _declare(lang: str) -> Setting:
    kind = Words(1000, required=False, rule=_rule)
    key = f"channels.whatsapp_templates_{lang}"
    return declare(
        Setting(
            key,
            "clinic",
            kind,
            "",
            Text(_LABELS[lang]),
            Text(HELP if lang == "en" else HELP_OTHERS),
            "clinic.configure",
        )
    )


SETTINGS: dict[str, Setting] = {lang: _declare(lang) for lang in LANGUAGES}


def _bad(field: str, said: str, example: str) -> ValidationError:
    return ValidationError(field, Text(said, example=example))


def with_name(text: str, language: str, kind: str, name: str, code: str) -> str:
    """The setting's ``text`` with the template of ``kind`` named ``name`` (``""``:
    none, so that kind is not sent by WhatsApp) and Meta's language code ``code``
    (``""`` or the language itself: the default); ValidationError naming "name" or
    "code" when one is not written as WhatsApp Manager writes it."""
    name, code = name.strip(), code.strip()
    if name and not _NAME.match(name):
        said = QT_TRANSLATE_NOOP(
            "core",
            "A WhatsApp template's name is written as in WhatsApp Manager: lower-case "
            "letters, digits and _, like {example}.",
        )
        raise _bad("name", said, "appointment_reminder")
    if code and not _CODE.match(code):
        said = QT_TRANSLATE_NOOP(
            "core",
            "A WhatsApp language code is written as in WhatsApp Manager, like {example}; "
            "leave it empty for the language itself.",
        )
        raise _bad("code", said, "en_US")
    try:
        _, names = parse(text, language)
    except ValueError:
        names = {}
    names = {k: v for k, v in names.items() if k != kind} | ({kind: name} if name else {})
    parts = [f"{k}={names[k]}" for k in KINDS if k in names]
    return ", ".join(parts + ([f"code={code}"] if code and code != language else []))


def call(setting_text: str, language: str, kind: str, values: dict[str, str]) -> Call | None:
    """The template message of ``kind`` in ``language``, or None when the clinic named
    no template for it."""
    try:
        code, names = parse(setting_text, language)
    except ValueError:
        return None
    if kind not in names:
        return None
    return Call(names[kind], code, tuple(values[k] or EMPTY for k in PLACEHOLDERS))

"""Operations on the reminder templates: list them (with the SMS size of each), change
one, reset one to the built-in text.

A template is one (language, channel, kind) of ``receptionist.reminders.templates``;
the clinic's own text is a clinic setting (``receptionist.reminders.overrides``), so a
change is audited, in the change feed and synced. The text is checked in one place,
``overrides.validate``: a refusal is a ValidationError naming "body" or "subject" (or
"language", "channel", "kind" for a template that does not exist), and nothing is
written. :func:`measure` is pure (no database): the app calls it on every key press.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import ValidationError
from receptionist.reminders import overrides
from receptionist.reminders import settings as reminder_settings
from receptionist.reminders.overrides import BODY_LIMIT, EMAIL_BODY_LIMIT, SUBJECT_LIMIT, Key
from receptionist.reminders.preview import SmsSize, has_placeholders, sample_values, sms_size
from receptionist.reminders.templates import (
    CHANNELS,
    KINDS,
    LANGUAGES,
    PLACEHOLDERS,
    TEMPLATES,
    Template,
)
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.settings.clinicstore import CANNOT_CONFIGURE
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = [
    "BODY_LIMIT", "CHANNELS", "EMAIL_BODY_LIMIT", "KINDS", "LANGUAGES", "PLACEHOLDERS",
    "SUBJECT_LIMIT", "SmsSize", "TemplateRow", "check", "has_placeholders", "listing", "measure",
    "one_of", "reset", "sample_values", "set_template", "show",
]  # fmt: skip

CONFIGURE = "clinic.configure"


@dataclass(frozen=True)
class TemplateRow:
    """One template as a front end shows it: the text in use (the clinic's own if
    ``overridden``, else the built-in one), the built-in text, and the SMS size of a
    long rendering of the body (for every channel; it matters for SMS)."""

    language: str
    channel: str
    kind: str
    subject: str
    body: str
    builtin_subject: str
    builtin_body: str
    overridden: bool
    size: SmsSize
    clinic: str  # the clinic's name and address the size was measured with
    address: str


def one_of(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The {field} must be one of: {allowed}."),
                field=field,
                allowed=", ".join(allowed),
            ),
        )
    return value


def _key(language: str, channel: str, kind: str) -> Key:
    return (
        one_of("language", language, LANGUAGES),
        one_of("channel", channel, CHANNELS),
        one_of("kind", kind, KINDS),
    )


def _rows(session: Session, keys: list[Key]) -> list[TemplateRow]:
    chosen = {overrides.SETTINGS[k].key: overrides.SETTINGS[k] for k in keys}
    chosen[clinic_settings.NAME.key] = clinic_settings.NAME
    chosen[reminder_settings.ADDRESS.key] = reminder_settings.ADDRESS
    values = clinicstore.values(session, chosen)
    own = overrides.from_values(values)
    clinic = str(values[clinic_settings.NAME.key])
    address = str(values[reminder_settings.ADDRESS.key])
    rows = []
    for key in keys:
        used, builtin = overrides.effective(own, key), TEMPLATES[key]
        size = sms_size(used.body, key[0], clinic, address)
        row = TemplateRow(*key, used.subject, used.body, builtin.subject, builtin.body,
                          key in own, size, clinic, address)  # fmt: skip
        rows.append(row)
    return rows


def listing(
    db: Database,
    ctx: Ctx,
    *,
    language: str | None = None,
    channel: str | None = None,
    kind: str | None = None,
) -> list[TemplateRow]:
    """Every template (or those of ``language``, ``channel``, ``kind``), by language,
    channel and kind."""
    wanted = (
        one_of("language", language, LANGUAGES) if language else None,
        one_of("channel", channel, CHANNELS) if channel else None,
        one_of("kind", kind, KINDS) if kind else None,
    )
    keys = [
        k
        for k in TEMPLATES
        if all(w is None or w == part for w, part in zip(wanted, k, strict=True))
    ]
    with db.read() as s:
        return _rows(s, keys)


def show(db: Database, ctx: Ctx, language: str, channel: str, kind: str) -> TemplateRow:
    """One template."""
    key = _key(language, channel, kind)
    with db.read() as s:
        return _rows(s, [key])[0]


def set_template(
    db: Database, ctx: Ctx, language: str, channel: str, kind: str, body: str, subject: str = ""
) -> TemplateRow:
    """Make the clinic's own text of one template; checked first (ValidationError
    naming "body" or "subject"), audited as a change of its clinic setting. WhatsApp is
    refused (naming "channel"): Meta sends only its approved template (``wanames``)."""
    key = _key(language, channel, kind)
    require(ctx, CONFIGURE, CANNOT_CONFIGURE)
    if channel == overrides.WHATSAPP:
        raise _not_for_whatsapp(language, kind)
    checked = overrides.validate(channel, subject, body)
    value = {"subject": checked.subject, "body": checked.body}
    with db.write() as s:
        clinicstore.write(s, ctx, overrides.SETTINGS[key], value)
        return _rows(s, [key])[0]


def _not_for_whatsapp(language: str, kind: str) -> ValidationError:
    return ValidationError(
        "channel",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "WhatsApp sends only a template that Meta approved, never a text set here. "
                "Write the text in WhatsApp Manager, then name the template in Settings, "
                "Reminders, Message templates, or with: receptionist reminders template "
                "whatsapp-name --language {language} --kind {kind} --name TEMPLATE_NAME",
            ),
            language=language,
            kind=kind,
        ),
    )


def reset(db: Database, ctx: Ctx, language: str, channel: str, kind: str) -> TemplateRow:
    """Back to the built-in text (audited; a template not overridden writes nothing)."""
    key = _key(language, channel, kind)
    require(ctx, CONFIGURE, CANNOT_CONFIGURE)
    with db.write() as s:
        if clinicstore.value(s, overrides.SETTINGS[key]):
            clinicstore.write(s, ctx, overrides.SETTINGS[key], {})
        return _rows(s, [key])[0]


def measure(body: str, language: str, clinic: str = "", address: str = "") -> SmsSize:
    """The SMS size of ``body`` as it is being typed (no database; pure)."""
    return sms_size(body, one_of("language", language, LANGUAGES), clinic, address)


def check(channel: str, subject: str, body: str) -> Template:
    """``overrides.validate``: what :func:`set_template` would refuse, without writing
    (the editor shows it as the user types)."""
    return overrides.validate(one_of("channel", channel, CHANNELS), subject, body)

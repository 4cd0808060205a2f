"""The clinic's own wording of a message, one clinic setting per (language, channel, kind).

A clinic may override any built-in template (``templates.TEMPLATES``): the body, and
for e-mail the subject. Each override is a clinic setting ``templates.<language>_
<channel>_<kind>`` (``templates.tr_sms_reminder``) holding ``{"subject": ..., "body":
...}``, or ``{}`` for "the built-in text"; so it is audited, in the change feed and
synced like every clinic setting, and two PCs editing two different templates never
overwrite each other. The settings are ``managed``: they are changed through
``receptionist.ops.templates`` (and the Templates dialog, ``reminders template set``),
not the generic settings pages.

WhatsApp is the exception: Meta sends only an approved template (named per language in
``watemplates``), never a text of ours, so a WhatsApp text is refused when set
(``receptionist.ops.templates.set_template``) and ignored when found (:func:`from_values`).
Its settings stay declared so a value stored (or synced from an older PC) still reads.

:func:`validate` is the one place a template's text is checked: a body that is not
empty, at most :data:`BODY_LIMIT` characters (:data:`EMAIL_BODY_LIMIT` for e-mail), no
control characters but line breaks and tabs; placeholders only the six of
``templates.PLACEHOLDERS``, each written ``{name}`` (``{{`` and ``}}`` for a brace);
a subject only for e-mail, one line. An empty e-mail subject keeps the built-in one.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from receptionist.errors import ValidationError
from receptionist.freetext import controls_message, has_controls, one_line_ends
from receptionist.settings.clinic import CONFIGURE
from receptionist.settings.kinds import Kind, as_object
from receptionist.settings.registry import Setting, declare
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

from .templates import CHANNELS, KINDS, LANGUAGES, PLACEHOLDERS, TEMPLATES, Template

BODY_LIMIT = 1000
EMAIL_BODY_LIMIT = 4000
SUBJECT_LIMIT = 200
ALLOWED = ", ".join("{" + name + "}" for name in PLACEHOLDERS)

Key = tuple[str, str, str]  # (language, channel, kind)
WHATSAPP = "whatsapp"  # its text is Meta's approved template's, not one of these


def _bad_placeholder(field: str, bad: str) -> ValidationError:
    return ValidationError(
        field,
        Text(
            QT_TRANSLATE_NOOP(
                "core", "{bad} is not a placeholder a message can use; use one of: {allowed}."
            ),
            bad=bad,
            allowed=ALLOWED,
        ),
    )


def _malformed(field: str) -> ValidationError:
    return ValidationError(
        field,
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The text has a {{ or }} that does not make a placeholder; write a placeholder "
                "as {example} (one of: {allowed}), and a brace itself as {{{{ or }}}}.",
            ),
            example="{first_name}",
            allowed=ALLOWED,
        ),
    )


def check_placeholders(text: str, field: str) -> None:
    """ValidationError naming ``field`` unless every placeholder of ``text`` is one of
    the six, written ``{name}`` (no format, no conversion, no index)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise _malformed(field) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "")
        shown += (f":{spec}" if spec else "") + "}"
        if name not in PLACEHOLDERS or spec or conversion:
            raise _bad_placeholder(field, shown)


def _too_long(field: str, limit: int) -> ValidationError:
    return ValidationError(
        field,
        Text(
            QT_TRANSLATE_NOOP("core", "The {field} may be at most {limit} characters long."),
            field=field,
            limit=limit,
        ),
    )


def validate(channel: str, subject: str, body: str) -> Template:
    """The template as it will be stored (line ends as LF, ends stripped), or
    ValidationError naming the field ("body" or "subject") and saying what to do."""
    body = one_line_ends(body).strip()
    subject = subject.strip()
    if not body:
        raise ValidationError(
            "body", Text(QT_TRANSLATE_NOOP("core", "The message text cannot be empty."))
        )
    limit = EMAIL_BODY_LIMIT if channel == "email" else BODY_LIMIT
    if len(body) > limit:
        raise _too_long("body", limit)
    if has_controls(body, lines=True):
        raise ValidationError("body", controls_message("body", lines=True))
    check_placeholders(body, "body")
    if subject and channel != "email":
        raise ValidationError(
            "subject",
            Text(QT_TRANSLATE_NOOP("core", "Only e-mail messages have a subject; leave it out.")),
        )
    if len(subject) > SUBJECT_LIMIT:
        raise _too_long("subject", SUBJECT_LIMIT)
    if has_controls(subject, lines=False):
        raise ValidationError("subject", controls_message("subject", lines=False))
    check_placeholders(subject, "subject")
    return Template(subject, body)


@dataclass(frozen=True)
class TemplateKind(Kind):
    """A setting's kind: ``{}`` (the built-in text) or ``{"subject", "body"}`` that
    :func:`validate` accepts for ``channel``."""

    channel: str = "sms"
    name = "json"

    def check(self, value: object, key: str, label: str) -> dict[str, str]:
        found: dict[str, Any] = as_object(value, key, label)
        if not found:
            return {}
        subject, body = found.get("subject", ""), found.get("body", "")
        if set(found) - {"subject", "body"} or not isinstance(subject, str):
            raise self._refused(key, label)
        if not isinstance(body, str):
            raise self._refused(key, label)
        try:
            checked = validate(self.channel, subject, body)
        except ValidationError as exc:
            raise ValidationError(key, message(exc)) from None
        return {"subject": checked.subject, "body": checked.body}

    def hint(self) -> str:
        return Text(
            QT_TRANSLATE_NOOP(
                "core",
                'change it with "reminders template set", or write it as JSON: '
                '{{"subject": "...", "body": "..."}}.',
            )
        )

    def _refused(self, key: str, label: str) -> ValidationError:
        return ValidationError(
            key, Text(QT_TRANSLATE_NOOP("core", "{label}: {hint}"), label=label, hint=self.hint())
        )


def key_of(language: str, channel: str, kind: str) -> str:
    return f"templates.{language}_{channel}_{kind}"


def _declare(language: str, channel: str, kind: str) -> Setting:
    label = Text(
        QT_TRANSLATE_NOOP("core", "Message template {language} {channel} {kind}"),
        language=language,
        channel=channel,
        kind=kind,
    )
    help = Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The clinic's own text of this message; empty: the built-in text. Change it in "
            "Settings, Reminders, Templates or with reminders template set.",
        )
    )
    key = key_of(language, channel, kind)
    kind_of = TemplateKind(channel)
    return declare(Setting(key, "clinic", kind_of, {}, label, help, CONFIGURE, managed=True))


SETTINGS: dict[Key, Setting] = {
    (language, channel, kind): _declare(language, channel, kind)
    for language in LANGUAGES
    for channel in CHANNELS
    for kind in KINDS
}


def from_values(values: Mapping[str, object]) -> dict[Key, Template]:
    """The overrides among clinic setting ``values`` (key -> value), by (language,
    channel, kind); a template not overridden is left out, and so is every WhatsApp
    one: Meta sends only the approved template ``watemplates`` names, never this text
    (a WhatsApp text stored before it was refused is ignored, and dropped when that
    language's WhatsApp templates are next saved: ``receptionist.ops.wanames``)."""
    found: dict[Key, Template] = {}
    for key, setting in SETTINGS.items():
        if key[1] == WHATSAPP:
            continue
        value = values.get(setting.key)
        if isinstance(value, dict) and value.get("body"):
            found[key] = Template(str(value.get("subject", "")), str(value["body"]))
    return found


def effective(overrides: Mapping[Key, Template], key: Key) -> Template:
    """The template a message uses: the clinic's, else the built-in one; an e-mail
    override with no subject keeps the built-in subject."""
    builtin = TEMPLATES[key]
    own = overrides.get(key)
    if own is None:
        return builtin
    return Template(own.subject or builtin.subject, own.body)

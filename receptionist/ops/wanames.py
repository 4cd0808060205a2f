"""Operations on WhatsApp's approved templates as the clinic names them: list them
(with the six values a long case sends) and name one.

Meta sends only a template approved in WhatsApp Manager, never a text of ours
(``receptionist.reminders.watemplates``): what the clinic chooses here is the
template's name per kind and Meta's language code per language, kept in the clinic
setting ``channels.whatsapp_templates_<language>`` (audited, in the change feed,
synced). Saving a language's names also drops the WhatsApp texts stored for that
language before such texts were refused (``overrides.from_values`` ignores them), so
no text that is never sent lingers in the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.reminders import overrides, watemplates
from receptionist.reminders import settings as reminder_settings
from receptionist.reminders.preview import sample_values
from receptionist.reminders.templates import KINDS, LANGUAGES, PLACEHOLDERS
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.settings.clinicstore import CANNOT_CONFIGURE
from receptionist.store.storage import Database

from .templates import CONFIGURE, one_of

__all__ = ["WhatsAppRow", "listing", "set_name", "setting_key"]


@dataclass(frozen=True)
class WhatsAppRow:
    """One kind of message in one language as WhatsApp sends it: Meta's template
    ``name`` (``""``: none named, so the message goes by the patient's next channel),
    its language ``code``, and the six values ({{1}}..{{6}}) of a long sample case,
    with the clinic's own name and address."""

    language: str
    kind: str
    name: str
    code: str
    parameters: tuple[str, ...]


def _rows(session: Session, languages: tuple[str, ...]) -> list[WhatsAppRow]:
    chosen = {watemplates.SETTINGS[lang].key: watemplates.SETTINGS[lang] for lang in languages}
    chosen[clinic_settings.NAME.key] = clinic_settings.NAME
    chosen[reminder_settings.ADDRESS.key] = reminder_settings.ADDRESS
    values = clinicstore.values(session, chosen)
    clinic = str(values[clinic_settings.NAME.key])
    address = str(values[reminder_settings.ADDRESS.key])
    rows = []
    for language in languages:
        code, names = watemplates.parse(str(values[watemplates.SETTINGS[language].key]), language)
        sample = sample_values(language, clinic, address)
        sent = tuple(sample[k] or watemplates.EMPTY for k in PLACEHOLDERS)
        rows += [WhatsAppRow(language, k, names.get(k, ""), code, sent) for k in KINDS]
    return rows


def setting_key(language: str) -> str:
    """The clinic setting naming ``language``'s templates (the Clinic page shows it too)."""
    return watemplates.SETTINGS[language].key


def _saved_code(text: str, language: str) -> str:
    """Meta's language code the setting ``text`` holds ("" when it cannot be read)."""
    try:
        return watemplates.parse(text, language)[0]
    except ValueError:
        return ""


def listing(db: Database, ctx: Ctx) -> list[WhatsAppRow]:
    """Every language's and kind's WhatsApp template, by language and kind."""
    with db.read() as s:
        return _rows(s, LANGUAGES)


def set_name(
    db: Database, ctx: Ctx, language: str, kind: str, name: str, code: str | None = None
) -> WhatsAppRow:
    """Name the approved template of ``kind`` in ``language`` (``""``: none) and Meta's
    language code (``""``: the language itself; None: the one saved stays);
    ValidationError naming "name" or "code" and nothing written when one is not as
    WhatsApp Manager writes it."""
    one_of("language", language, LANGUAGES)
    one_of("kind", kind, KINDS)
    require(ctx, CONFIGURE, CANNOT_CONFIGURE)
    setting = watemplates.SETTINGS[language]
    with db.write() as s:
        saved = str(clinicstore.value(s, setting))
        kept = _saved_code(saved, language) if code is None else code
        text = watemplates.with_name(saved, language, kind, name, kept)
        clinicstore.write(s, ctx, setting, text)
        for other in KINDS:  # a text that was never sent: gone now (see the docstring)
            stale = overrides.SETTINGS[(language, overrides.WHATSAPP, other)]
            if clinicstore.value(s, stale):
                clinicstore.write(s, ctx, stale, {})
        return next(r for r in _rows(s, (language,)) if r.kind == kind)

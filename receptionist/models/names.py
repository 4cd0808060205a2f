"""The name a heading, a list or a message shows for a patient: her given and family
names joined. Only a patient the retention sweep anonymised
(``retention.lapsed_patients=anonymise``, ``retention/anonymise.py``) has none left:
she shows as :data:`ANONYMISED`, a :class:`~receptionist.texts.Text` the app
translates (``ui.coretext.translated``), never as an empty name."""

from __future__ import annotations

from receptionist.texts import QT_TRANSLATE_NOOP, Text

ANONYMISED = Text(QT_TRANSLATE_NOOP("core", "anonymised"))


def display_name(given: str | None, family: str | None) -> str:
    """``given`` and ``family`` joined as every list shows them; :data:`ANONYMISED`
    when both are empty."""
    return f"{given or ''} {family or ''}".strip() or ANONYMISED

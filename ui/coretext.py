"""The core's messages in the user's language.

The core (no Qt there) raises errors whose message is a ``receptionist.texts.Text``:
the English sentence, plus its template and params. :func:`translated` looks the
template up with ``QCoreApplication.translate("core", template)`` (so the installed
``QTranslator`` s decide the language), translates ``Text`` params the same way,
writes ``When`` params (days, times) with the locale's day and month names, and
formats. Any other message, and a translation whose placeholders do not fit, is
shown as the English ``str()``. Everything in ``ui/`` that shows a
``ReceptionistError``'s text (or a conflict's reason) goes through :func:`translated`
or :func:`exception_text`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime

from receptionist.freetext import printable
from receptionist.ops.patients import ANONYMISED
from receptionist.texts import CONTEXT, Text, When, message

log = logging.getLogger("receptionist.ui")


def translated(text: str) -> str:
    """``text`` in the user's language if it is a core ``Text``; else ``text`` as it is.
    Either way a control character or direction override in it (a name echoed from
    stored or typed text) is shown as a visible escape (``receptionist.freetext``)."""
    return printable(_translated(text))


def one_line(text: str) -> str:
    """``text`` as :func:`translated` shows it, on one line: a name in a heading, a list
    or a sentence (a patient's: :func:`patient_name`)."""
    return printable(_translated(text), lines=False)


def patient_name(name: str) -> str:
    """A patient's name as every screen shows it: :func:`one_line`, and the one word
    for a patient the retention sweep anonymised (``ANONYMISED``, translated) where
    no name is left. The core names her so (``receptionist.models.names``); a schedule
    card's name, read from the appointment's own copy of it, comes empty."""
    return one_line(name or ANONYMISED)


def _translated(text: str) -> str:
    if not isinstance(text, Text):
        return str(text)
    params = {key: _param(value) for key, value in text.params.items()}
    template = QCoreApplication.translate(CONTEXT, text.template)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError, AttributeError):
        # A translation with a mistyped placeholder: the English beats a crash.
        log.warning("translation of a core message does not fit its placeholders")
        return str(text)


def when_text(when: When) -> str:
    """A day and/or time with the locale's names: "Mon 02 Mar 10:30" in English."""
    value = when.value
    parts = []
    if when.style != "time":
        day = QDate(value.year, value.month, value.day)
        parts.append(QLocale().toString(day, "ddd dd MMM"))
    if when.style != "day" and isinstance(value, datetime):
        parts.append(QLocale().toString(QTime(value.hour, value.minute), "HH:mm"))
    return " ".join(parts)


def _param(value: object) -> object:
    if isinstance(value, Text):
        return _translated(value)
    if isinstance(value, When):
        return when_text(value)
    return value


def exception_text(exc: BaseException) -> str:
    """The message ``exc`` was raised with, in the user's language."""
    return translated(message(exc))

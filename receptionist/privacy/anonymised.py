"""A patient the retention sweep anonymised (``retention/anonymise.py``): what her record
takes, and what it refuses, in one place for every front end (the app's window turns the
same things off, ``ui/patients/anonymised.py``).

Her row holds no personal data, only her appointments kept for statistics. Nothing may
be added to it: an edit, a booking, a consent, a restriction, a log entry, a document or
a waiting-list entry would tie a person to her kept visits again. There is nothing to
export (an export is a copy of a person's data, for that person) or to erase (an
erasure is a person's request for her data: it would only destroy the statistics; a
clinic that stops keeping them sets ``retention.lapsed_patients`` to ``delete``, and the
next sweep deletes the rows). She may be read, and held (a hold keeps rows, not data).
"""

from __future__ import annotations

from receptionist.errors import UserError
from receptionist.models import Patient
from receptionist.texts import QT_TRANSLATE_NOOP, Text

NO_WRITES = QT_TRANSLATE_NOOP(
    "core",
    "Patient {number} was anonymised under the retention policy: the record holds no "
    "personal data, and none can be added to it (no edit, booking, consent, restriction, "
    "log entry, document or waiting-list entry). A patient who comes back is added as a "
    "new patient.",
)
NO_EXPORT = QT_TRANSLATE_NOOP(
    "core",
    "Patient {number} was anonymised under the retention policy: the record holds no "
    "personal data, so there is nothing to export.",
)
NO_ERASURE = QT_TRANSLATE_NOOP(
    "core",
    "Patient {number} was anonymised under the retention policy: the record holds no "
    "personal data, only appointments kept for statistics, so there is nothing to erase. "
    "To remove such records, set retention.lapsed_patients to delete (Settings > Clinic, "
    "Retention): the next sweep removes them.",
)


class Anonymised(UserError):
    """What was asked of an anonymised patient's record cannot be done; nothing changed."""


def refuse(patient: Patient | None, said: str = NO_WRITES) -> None:
    """:class:`Anonymised`, saying ``said`` (:data:`NO_WRITES`, :data:`NO_EXPORT`,
    :data:`NO_ERASURE`), when ``patient`` was anonymised; else nothing."""
    if patient is not None and patient.anonymised:
        raise Anonymised(Text(said, number=patient.number))


def refuse_number(number: str, anonymised: bool) -> None:
    """:func:`refuse` for a patient read as her number and whether she was anonymised
    (a caller that reads no more of her row)."""
    if anonymised:
        raise Anonymised(Text(NO_WRITES, number=number))

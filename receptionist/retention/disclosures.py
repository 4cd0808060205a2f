"""The Google disclosure register's anonymous rows, deleted by the sweep (docs/privacy.md,
"Google Calendar"; the register: ``google/register.py``).

A row that names a patient stays while her record does (she may ask who received her
data); one whose data is still in Google stays until it is withdrawn, whatever else
(the clinic still has to take it out). A withdrawn row of an erased or swept patient
holds no id: it records that names went to a calendar on a date and were withdrawn on
another, and goes with the destruction records of the same time (at least three years,
``retention.records_years``). The dry run counts also the withdrawn rows of the
patients the same sweep removes first (they lose their ids there, then go here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, delete, func, or_, select, text
from sqlalchemy.orm import Session

from receptionist.models import GoogleDisclosure, to_micros
from receptionist.retention.sweep import LAPSED

KIND = "google_disclosure"  # in the sweep's counts and destruction records


def _due(before: datetime) -> ColumnElement[bool]:
    return and_(
        GoogleDisclosure.patient_id == "",
        GoogleDisclosure.appointment_id == "",
        GoogleDisclosure.withdrawn_at < before,
    )


def count_due(session: Session, before: datetime, patients_before: datetime) -> int:
    """How many rows withdrawn before ``before`` a sweep would delete now: the anonymous
    ones, and those of the patients past their time by ``patients_before``, whom the
    sweep removes first (``sweep.remove_patients`` leaves their withdrawn rows
    anonymous), so the dry run's count is the sweep's."""
    lapsed = text(LAPSED).bindparams(before=to_micros(patients_before), after="").columns(id=String)
    theirs = and_(GoogleDisclosure.patient_id.in_(lapsed), GoogleDisclosure.withdrawn_at < before)
    query = select(func.count()).select_from(GoogleDisclosure).where(or_(_due(before), theirs))
    return int(session.scalar(query) or 0)


def prune(session: Session, before: datetime) -> int:
    """The anonymous rows withdrawn before ``before``, deleted; how many."""
    done = session.execute(delete(GoogleDisclosure).where(_due(before)))
    return int(done.rowcount)  # type: ignore[attr-defined]

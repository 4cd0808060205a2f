"""The front-desk alerts of a schedule window: which cards get the alert mark.

A card carries no patient id (migration 0009), so the alerts are read apart from the
cards, in one small query: the patients that have an alert (few, through the partial
index ``ix_patient_alert``), then each one's appointments in the window (by
``ix_appointment_patient_start``). The CROSS JOIN keeps that order: the planner would
otherwise walk every appointment of the window and read each one's row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from receptionist.models import to_micros
from receptionist.schedule.cards import dbapi
from receptionist.schedule.conflicts import MAX_DURATION

_ALERTS_SQL = """
SELECT a.id, p.alert
FROM patient AS p INDEXED BY ix_patient_alert
CROSS JOIN appointment AS a INDEXED BY ix_appointment_patient_start ON a.patient_id = p.id
WHERE p.alert <> '' AND p.deleted_at IS NULL AND a.deleted_at IS NULL AND a.status <> 'cancelled'
  AND a.start_utc > ? AND a.start_utc < ? AND a.end_utc > ?"""


def window_alerts(session: Session, start_utc: datetime, end_utc: datetime) -> dict[str, str]:
    """The alert of each appointment in ``[start_utc, end_utc)`` whose patient has one,
    by appointment id (the text as stored: shown through ``printable``)."""
    params = (to_micros(start_utc - MAX_DURATION), to_micros(end_utc), to_micros(start_utc))
    return {str(id_): str(alert) for id_, alert in dbapi(session).execute(_ALERTS_SQL, params)}

"""Only the reminder station sends: the PC whose device code the clinic setting
``reminders.station`` names, or, where the clinic has no cloud (one file, one PC),
this PC when the setting is empty. Every other PC plans and sends nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.models import Device, SyncState
from receptionist.patients.numbering import FIRST_CODE


def this_code(session: Session) -> tuple[str, bool]:
    """This PC's device code (a lone PC's first, "A", before it numbered a patient), and
    whether it syncs with a cloud."""
    state = session.scalar(select(SyncState.device_code))
    if state:
        return state.upper(), True
    code = session.scalar(select(Device.code).order_by(Device.created_at, Device.id).limit(1))
    return (code or FIRST_CODE).upper(), False


def is_station(session: Session, named: str) -> bool:
    code, cloud = this_code(session)
    if not named:
        return not cloud
    return bool(code) and code == named.upper()

"""Only the reminder station sends: the PC whose device code the clinic setting
``reminders.station`` names, or, where the clinic has no cloud (one file, one PC),
this PC when the setting is empty. Every other PC plans and sends nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from receptionist.patients.numbering import this_code


def is_station(session: Session, named: str) -> bool:
    code, cloud = this_code(session)
    if not named:
        return not cloud
    return bool(code) and code == named.upper()

"""Patient numbers people can read out on the phone: "<device code>-<counter>".

Each installation has one ``Device`` row with a code unique in the clinic (the cloud
hands codes out when a PC joins; a lone PC is "A") and its own counter, so two PCs
working offline never hand out the same number. Numbers are stored upper-case and
looked up case-insensitively ("a-12" finds "A-12").
"""

from __future__ import annotations

import re

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from receptionist.clock import Clock
from receptionist.models import Device, Patient, SyncState, new_id

FIRST_CODE = "A"
NUMBER = re.compile(r"^\s*([A-Za-z]{1,4})\s*-\s*(\d{1,12})\s*$")
# The neutral number of a patient the retention sweep anonymised (``retention.anonymise``:
# the prefix and 11 base32 letters and digits). Not a number the search reads: it is
# looked up by what a person types (``ops.lookup``: ``patient show ANON-…``).
ANONYMISED_PREFIX = "ANON-"
ANONYMISED_NUMBER = re.compile(r"^\s*(ANON-[A-Z2-7]{11})\s*$", re.IGNORECASE)


def this_device(session: Session, clock: Clock) -> Device:
    """This installation's row, created with code "A" the first time it is asked for."""
    device = session.scalar(select(Device).order_by(Device.created_at, Device.id).limit(1))
    if device is None:
        device = Device(id=new_id(), code=FIRST_CODE, patient_counter=0, created_at=clock.now())
        session.add(device)
        session.flush()
    return device


def this_code(session: Session) -> tuple[str, bool]:
    """This PC's device code (a lone PC's first, "A", before it numbered a patient), and
    whether it syncs with a cloud: what names a station (reminders, Google)."""
    state = session.scalar(select(SyncState.device_code))
    if state:
        return state.upper(), True
    code = session.scalar(select(Device.code).order_by(Device.created_at, Device.id).limit(1))
    return (code or FIRST_CODE).upper(), False


def runs_here(named: str, code: str, cloud: bool) -> bool:
    """The station rule, one for every station (the reminders', Google's): the PC whose
    device ``code`` the setting ``named`` names; named none, this PC only where the
    clinic has no cloud (one file, one PC: with a cloud, two PCs would both run it)."""
    if not named:
        return not cloud
    return bool(code) and code == named.upper()


def is_station(session: Session, named: str) -> bool:
    """Whether this PC is the station the setting ``named`` names (:func:`runs_here`)."""
    code, cloud = this_code(session)
    return runs_here(named, code, cloud)


def next_patient_number(session: Session, clock: Clock) -> str:
    """The next free number of this device; call inside a write transaction.

    The counter only grows. A number already on a patient (one restored or
    imported, say) is skipped rather than handed out twice.
    """
    device = this_device(session, clock)
    code = device.code.upper()
    device.patient_counter += 1
    if _taken(session, f"{code}-{device.patient_counter}"):
        # Behind the numbers on file (a restore, an import): jump past them once.
        device.patient_counter = max(device.patient_counter, _highest(session, code)) + 1
        while _taken(session, f"{code}-{device.patient_counter}"):
            device.patient_counter += 1
    session.flush()
    return f"{code}-{device.patient_counter}"


def _taken(session: Session, number: str) -> bool:
    return session.scalar(select(Patient.id).where(Patient.number == number).limit(1)) is not None


def _highest(session: Session, code: str) -> int:
    """The highest counter among the numbers on file with this device code."""
    suffix = func.substr(Patient.number, len(code) + 2)
    highest = session.scalar(
        select(func.max(cast(suffix, Integer))).where(Patient.number.like(f"{code}-%"))
    )
    return int(highest or 0)


def anonymised_number(text: str) -> str | None:
    """``text`` as an anonymised patient's stored number ("anon-abc…" -> "ANON-ABC…"),
    or None if it is not one."""
    match = ANONYMISED_NUMBER.match(text)
    return match.group(1).upper() if match is not None else None


def normalise_number(text: str) -> str | None:
    """``text`` in stored form ("a - 12" -> "A-12"), or None if it is not a number."""
    match = NUMBER.match(text)
    if match is None:
        return None
    return f"{match.group(1).upper()}-{int(match.group(2))}"

"""The endpoint's conflicts as a person reads them: who booked whom, when, on which PC;
which field two PCs changed, and to what. Built from the sealed records this PC keeps
in ``sync_conflict`` (opened with the clinic key, never sent anywhere).

The words hold patient names: they are for the screen and the CLI's output only, never
for a log, an exception or the audit.

Device names come from the conflict itself: each record is kept with the name and
code of the device that wrote it, as the endpoint listed the clinic's devices when
the conflict was pulled (``replica.apply.keep_conflicts``). So listing needs no
network. A device the list did not name reads as "PC <code>", or "another PC".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from receptionist.models import Appointment, Patient, Provider, Room, SyncConflict, SyncState
from receptionist.patients.validation import label
from receptionist.replica.apply import STAMPS, decoded_values
from receptionist.replica.records import Record, values_of
from receptionist.replica.seal import ClinicKey, Tampered
from receptionist.texts import QT_TRANSLATE_NOOP, Text, When

CALLED = "called"  # an open conflict whose patient was called (it stays open)
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_SHOWN = 80  # characters of a value shown in a field's choice


def settle_here(row: SyncConflict, now: datetime, code: str) -> None:
    """The conflict settled on this PC as ``code``: closed here at once, and kept as a
    resolution for the next round to send (again, until the endpoint answers)."""
    row.resolved_at, row.resolution, row.unsent = now, code, True


@dataclass(frozen=True)
class Side:
    """One record of a conflict: one booking of a double booking, or one PC's version
    of an edited row. ``label`` is how a person names it ("A", "B", ...)."""

    label: str
    row_id: str
    device_id: str
    device: str  # the device's name as people know it
    refused: bool  # the endpoint refused this one (it holds it on no row)
    patient_id: str | None = None
    patient: str = ""  # the patient's name, "" when this PC has no such patient
    phone: str = ""
    provider_id: str | None = None
    room_id: str | None = None
    service_id: str | None = None
    provider: str = ""  # the provider's name
    start_utc: datetime | None = None
    end_utc: datetime | None = None
    # A booking: whether it is on this PC (not removed here, not still on its way);
    # what changes it (cancel, move, keep) can be done only where it is.
    here: bool = True
    # A booking an anonymised patient keeps for statistics: it holds its time, and
    # nothing may change it (``ops/conflicts.not_here``); its record's sealed values are
    # forgotten, so its side is read from the booking as this PC keeps it.
    anonymised: bool = False


@dataclass(frozen=True)
class FieldChoice:
    """A field two PCs changed to different values: each side's value, as text, and
    each value's digest (:func:`value_digest`): what a pick is kept by, so a pick
    follows the value a person saw, never a side letter whose value may have changed."""

    field: str
    values: tuple[str, ...]  # by side, in the sides' order
    words: Text
    digests: tuple[str, ...] = ()  # by side, in the sides' order


def value_digest(value: object) -> str:
    """A short digest of one side's value of a field, as the record holds it (not as it
    is shown, which is cut short): it names the value a person picked without holding
    it. Kept in memory only, never logged or stored."""
    if isinstance(value, datetime):
        value = value.isoformat()
    plain = json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class ConflictView:
    id: str
    kind: str  # overlap (a double booking) | edit
    entity: str
    row_id: str
    created_at: datetime
    resolved_at: datetime | None
    resolution: str  # the code once resolved; "" open
    called: bool  # the patient was called (the conflict may still be open)
    sending: bool  # resolved here, not yet sent to the endpoint
    words: Text
    sides: tuple[Side, ...]
    fields: tuple[FieldChoice, ...] = ()

    @property
    def open(self) -> bool:
        return self.resolved_at is None


def stored(row: SyncConflict) -> list[dict[str, Any]]:
    found = json.loads(row.records)
    return found if isinstance(found, list) else []


def view(
    session: Session, row: SyncConflict, keys: Mapping[int, ClinicKey], tz: ZoneInfo
) -> ConflictView:
    sync = session.get(SyncState, 1)
    clinic = sync.clinic_id if sync else ""
    opened = [_opened(session, data, clinic, keys) for data in stored(row)]
    sides = tuple(
        _side(
            session, LABELS[i % len(LABELS)], data, values, row.kind == "overlap" and i == 0, sync
        )
        for i, (data, values) in enumerate(zip(stored(row), opened, strict=True))
    )
    fields = _fields(row, opened, sides) if row.kind == "edit" else ()
    return ConflictView(
        id=row.id, kind=row.kind, entity=row.entity, row_id=row.row_id,
        created_at=row.created_at, resolved_at=row.resolved_at,
        resolution=row.resolution if row.resolved_at else "",
        called=row.resolution == CALLED, sending=row.unsent,
        words=_words(session, row, sides, fields, tz), sides=sides, fields=fields,
    )  # fmt: skip


def _opened(
    session: Session, data: dict[str, Any], clinic: str, keys: Mapping[int, ClinicKey]
) -> dict[str, Any]:
    if data.get("entity") == "appointment" and data.get("sealed") == "":
        # an anonymised patient's kept visit, its sealed values forgotten
        # (``conflicterasure._emptied``): read from the booking as it is here
        kept = session.get(Appointment, str(data.get("id") or ""))
        return values_of(kept) if kept is not None else {}
    try:
        return decoded_values(session, Record.from_json(data), clinic, dict(keys))
    except (Tampered, ValueError):
        return {}  # a record this PC cannot open reads as unknown, never as a crash


def _device(data: dict[str, Any], sync: SyncState | None) -> str:
    device = str(data.get("device") or "")
    if sync is not None and device == sync.device_id:
        return sync.device_name or Text(QT_TRANSLATE_NOOP("core", "this PC"))
    if data.get("device_name"):
        return str(data["device_name"])
    if data.get("device_code"):
        return Text(QT_TRANSLATE_NOOP("core", "PC {code}"), code=str(data["device_code"]))
    return Text(QT_TRANSLATE_NOOP("core", "another PC"))


def _side(
    session: Session,
    letter: str,
    data: dict[str, Any],
    values: dict[str, Any],
    refused: bool,
    sync: SyncState | None,
) -> Side:
    patient_id = values.get("patient_id") if data.get("entity") == "appointment" else None
    if data.get("entity") == "patient":
        patient_id = data.get("id")
    patient = session.get(Patient, patient_id) if isinstance(patient_id, str) else None
    return Side(
        label=letter, row_id=str(data.get("id") or ""), device_id=str(data.get("device") or ""),
        device=_device(data, sync), refused=refused,
        patient_id=patient_id if isinstance(patient_id, str) else None,
        patient=patient.display_name if patient is not None else "",
        phone=(patient.phone or "") if patient is not None else "",
        provider_id=values.get("provider_id"), room_id=values.get("room_id"),
        service_id=values.get("service_id"), provider=_provider(session, values.get("provider_id")),
        start_utc=values.get("start_utc"), end_utc=values.get("end_utc"),
        here=_here(session, data),
        anonymised=bool(patient and patient.anonymised and data.get("entity") == "appointment"),
    )  # fmt: skip


def _here(session: Session, data: dict[str, Any]) -> bool:
    """Whether the booking ``data`` records is live on this PC (other records: True)."""
    if data.get("entity") != "appointment":
        return True
    found = session.get(Appointment, str(data.get("id") or ""))
    return found is not None and found.deleted_at is None


def _provider(session: Session, provider_id: object) -> str:
    found = session.get(Provider, provider_id) if isinstance(provider_id, str) else None
    return found.name if found is not None else ""


def _shown(value: object) -> str:
    if value is None or value == "":
        return str(Text(QT_TRANSLATE_NOOP("core", "(empty)")))
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _fields(
    row: SyncConflict, opened: list[dict[str, Any]], sides: tuple[Side, ...]
) -> tuple[FieldChoice, ...]:
    if len(opened) < 2 or not all(opened):
        return ()
    names = sorted(
        name
        for name in set(opened[0]) | set(opened[1])
        if name not in STAMPS and opened[0].get(name) != opened[1].get(name)
    )
    found = []
    for name in names:
        values = tuple(_shown(o.get(name)) for o in opened[:2])
        words = Text(
            QT_TRANSLATE_NOOP(
                "core", "{field}: “{first}” on {first_device}, or “{second}” on {second_device}"
            ),
            field=label(name), first=values[0], first_device=sides[0].device,
            second=values[1], second_device=sides[1].device,
        )  # fmt: skip
        digests = tuple(value_digest(o.get(name)) for o in opened[:2])
        found.append(FieldChoice(name, values, words, digests))
    return tuple(found)


def _who(side: Side) -> str:
    """Whom a side booked, as a headline says it: her name; "an anonymised patient"
    for a visit one keeps for statistics (one phrase, translated whole: her
    ``display_name``, "anonymised", would read "booked for anonymised")."""
    if side.anonymised:
        return Text(QT_TRANSLATE_NOOP("core", "an anonymised patient"))
    return side.patient or Text(QT_TRANSLATE_NOOP("core", "a patient not on this PC"))


def _words(
    session: Session,
    row: SyncConflict,
    sides: tuple[Side, ...],
    fields: tuple[FieldChoice, ...],
    tz: ZoneInfo,
) -> Text:
    start = sides[0].start_utc if sides else None
    if row.kind != "overlap" or len(sides) < 2 or start is None:
        return _edit_words(row, sides, fields)
    first, second = sides[0], sides[1]
    when = When(start.astimezone(tz), "day_time")
    if len({s.provider_id for s in sides}) == 1 or not first.room_id:
        found = session.get(Provider, first.provider_id) if first.provider_id else None
        place = found.name if found else Text(QT_TRANSLATE_NOOP("core", "a provider"))
    else:
        room = session.get(Room, first.room_id)
        place = room.name if room else Text(QT_TRANSLATE_NOOP("core", "a room"))
    if len(sides) == 2:
        return Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{place}, {when}: booked for {first} on {first_device} and for {second} on "
                "{second_device} while offline",
            ),
            place=place, when=when, first=_who(first), first_device=first.device,
            second=_who(second), second_device=second.device,
        )  # fmt: skip
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "{place}, {when}: booked for {first} on {first_device} and for {count} others "
            "at the same time while offline",
        ),
        place=place, when=when, first=_who(first), first_device=first.device,
        count=len(sides) - 1,
    )  # fmt: skip


def _edit_words(
    row: SyncConflict, sides: tuple[Side, ...], fields: tuple[FieldChoice, ...]
) -> Text:
    what: str
    if row.entity == "patient" and sides and sides[0].patient:
        what = sides[0].patient
    elif row.entity == "appointment":
        what = Text(QT_TRANSLATE_NOOP("core", "an appointment"))
    else:
        what = Text(QT_TRANSLATE_NOOP("core", "a {entity} record"), entity=row.entity)
    devices = [s.device for s in sides[:2]] + ["", ""]
    return Text(
        QT_TRANSLATE_NOOP(
            "core", "{what}: changed on {first_device} and on {second_device} while offline; "
            "fields that differ: {count}"
        ),
        what=what, first_device=devices[0], second_device=devices[1], count=len(fields),
    )  # fmt: skip

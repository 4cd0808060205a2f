"""The conflicts an erasure leaves nothing to settle in, closed (docs/privacy.md,
"erasure"; docs/sync-protocol.md, "Erasure").

A conflict on an erased patient's row (two PCs' edits of her) or on her bookings (two
PCs' edits of one of her appointments; a double booking one side of which was hers)
could not be settled, since her rows are gone, and each side's sealed record holds
her values (her name, her appointment's notes), which a person would read in it, here
and on every PC. At her erasure, and whenever the endpoint's conflicts are kept or her
tombstone arrives, each is closed as :data:`ERASED` and its records forgotten.

A double booking of hers and one or more others':

- with one other booking, the time is no longer double booked: closed. When the other
  is the booking the endpoint refused (the first record) and this PC wrote it, it is
  touched so the next push sends it again, after her booking's deletion that freed
  its time, and the endpoint takes it (as keeping it would, ``ops/conflicts``); only
  its writer does, and only while the endpoint holds no copy of it (its base here, if
  any, at version 0);
- with two others or more, and hers the booking the endpoint refused (the first
  record): the endpoint took each other one, and it takes no two that clash (its
  database refuses them: same provider or room, overlapping times, neither cancelled
  nor overridden), so nothing is double booked any more: closed;
- with two others or more, one of them the refused one: it still clashes with each
  other one (the endpoint named them for overlapping it): it stays open for a person,
  the refused one's record first, hers dropped, so neither the records nor the words
  the conflicts view builds from them hold anything of hers.

A patient the retention sweep anonymised (``retention/anonymise.py``) is one rule with
an erasure: a conflict on her row, or on one of the bookings she keeps for statistics
(another PC's edit of its notes, say), holds in its sealed records what the
anonymisation emptied (her name, the booking's notes), and is closed as
:data:`ERASED` too (the endpoint then forgets its records past the horizon, as it
does an erasure's), at her anonymisation and wherever her anonymised row is pulled.
Her bookings stay, so a double booking of hers does not free the refused booking's
time. When the refused one is a live patient's, the time is still double booked: the
conflict **stays open** for a person (session 17), her record kept with its sealed
values forgotten (:func:`_emptied`: its id, writer and clear times stay; the view reads
her side from her kept, emptied booking, ``ops/conflictwords``); a person keeps both
(an override with its reason: the endpoint then takes his booking) or moves or
cancels his, never her kept visit (``ops/conflicts.not_here``). Before, it was closed
and his booking stayed on the PCs that held it and on no other. When hers is the
refused one, the endpoint never took it: it is deleted after this closing, by her
anonymisation and by each pull that brings her row
(``retention.anonymise.drop_refused``). She lapsed, so her bookings are all past.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from receptionist.models import Appointment, Patient, SyncBase, SyncConflict, SyncState
from receptionist.models.replica import ERASED
from receptionist.ops.conflictwords import settle_here

_BY_KEY = 500  # keys in one IN (well under SQLite's bound on parameters)
_BOOKING = Appointment.__tablename__


class _Seen(NamedTuple):
    """A conflict as :func:`close_erased` reads it: no ORM row unless it changes."""

    id: str
    entity: str
    kind: str
    row_id: str
    records: list[dict[str, Any]]


def close_erased(session: Session, now: datetime) -> int:
    """The conflicts on the rows and bookings of erased patients (deleted here: an
    erasure, hers or one pulled or swept) closed as :data:`ERASED` and their records
    forgotten; run after an erasure and after the endpoint's conflicts are kept; how
    many were still open.

    It runs at every page of every pull, so it reads only the conflicts that could
    still show her (open, or holding records), usually none, then only their bookings
    and patients, by key: never the whole patient table (no index on ``deleted_at``);
    an ORM row is loaded only for a conflict that changes."""
    found = session.execute(
        select(
            SyncConflict.id, SyncConflict.entity, SyncConflict.kind, SyncConflict.row_id,
            SyncConflict.records,
        ).where(
            SyncConflict.entity.in_((Patient.__tablename__, _BOOKING)),
            or_(SyncConflict.resolved_at.is_(None), SyncConflict.records != "[]"),
        )
    ).all()  # fmt: skip
    if not found:
        return 0
    candidates = [_Seen(c.id, c.entity, c.kind, c.row_id, _parsed(c.records)) for c in found]
    owners = _owners(session, candidates)
    theirs = sorted(set(owners.values()) | _patient_rows(candidates))
    gone = _gone(session, theirs)
    changed: dict[str, str | None] = {}  # conflict id: its records left (None: closed)
    for seen in candidates:
        if seen.entity == Patient.__tablename__:
            if seen.row_id in gone.left:
                changed[seen.id] = None
        else:
            _booking_hers(session, seen, owners, gone, now, changed)
    return _apply(session, changed, now)


def _parsed(records: str) -> list[dict[str, Any]]:
    found = json.loads(records)
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def _apply(session: Session, changed: dict[str, str | None], now: datetime) -> int:
    """Each changed conflict's records replaced, or it closed and its records forgotten;
    how many were closed that were open."""
    ids = sorted(changed)
    closed = 0
    for at in range(0, len(ids), _BY_KEY):
        part = ids[at : at + _BY_KEY]
        for row in session.scalars(select(SyncConflict).where(SyncConflict.id.in_(part))):
            left = changed[row.id]
            row.records = "[]" if left is None else left
            if left is None and row.resolved_at is None:
                settle_here(row, now, ERASED)
                closed += 1
    session.flush()
    return closed


def _patient_rows(candidates: Iterable[_Seen]) -> set[str]:
    return {c.row_id for c in candidates if c.entity == Patient.__tablename__}


def _bookings(seen: _Seen) -> list[str]:
    """The bookings a booking conflict names: its row, then each record's."""
    found = [seen.row_id] if seen.kind != "overlap" else []
    return found + [str(r.get("id") or "") for r in seen.records]


def _owners(session: Session, candidates: list[_Seen]) -> dict[str, str]:
    """Each booking the booking conflicts name, and its patient (those on this PC)."""
    ids = sorted({b for c in candidates if c.entity == _BOOKING for b in _bookings(c)} - {""})
    found: dict[str, str] = {}
    for at in range(0, len(ids), _BY_KEY):
        query = select(Appointment.id, Appointment.patient_id).where(
            Appointment.id.in_(ids[at : at + _BY_KEY])
        )
        found.update({booking: patient for booking, patient in session.execute(query)})
    return found


class _Gone(NamedTuple):
    """The patients whose conflicts :func:`close_erased` closes: ``left``, those erased
    or anonymised here (a patient the retention sweep anonymised is one rule with an
    erasure: see the module); ``anonymised``, those of them anonymised."""

    left: set[str]
    anonymised: set[str]


def _gone(session: Session, patient_ids: list[str]) -> _Gone:
    """Those of ``patient_ids`` erased or anonymised here, each looked up by its key."""
    gone = _Gone(set(), set())
    for at in range(0, len(patient_ids), _BY_KEY):
        query = select(Patient.id, Patient.anonymised_at).where(
            Patient.id.in_(patient_ids[at : at + _BY_KEY]),
            or_(Patient.deleted_at.is_not(None), Patient.anonymised_at.is_not(None)),
        )
        for patient_id, anonymised_at in session.execute(query):
            gone.left.add(patient_id)
            if anonymised_at is not None:
                gone.anonymised.add(patient_id)
    return gone


def _booking_hers(
    session: Session,
    seen: _Seen,
    owners: dict[str, str],
    gone: _Gone,
    now: datetime,
    changed: dict[str, str | None],
) -> None:
    """Whether the booking conflict ``seen`` is closed for an erasure or an
    anonymisation (``gone``: the patients erased or anonymised, those anonymised; see
    the module), told in ``changed``; a double booking whose refused booking is a live
    patient's that still clashes with another (a live one's, or an anonymised one's
    kept visit) stays open, an erased patient's record dropped, an anonymised one's
    emptied (:func:`_emptied`)."""
    erased = gone.left
    if seen.kind != "overlap":
        if owners.get(seen.row_id) in erased:
            changed[seen.id] = None
        return
    records = seen.records
    theirs = [r for r in records if _owner(owners, r) in erased]
    if not theirs:
        return
    if records[0] not in theirs:
        # The refused booking is a live patient's. A kept visit of an anonymised patient
        # still holds its time: it stays, its sealed record emptied (the view reads it
        # from her emptied row); an erased patient's booking is gone: its record goes.
        kept = gone.anonymised
        left = [_emptied(r) if _owner(owners, r) in kept else r
                for r in records if r not in theirs or _owner(owners, r) in kept]  # fmt: skip
        if len(left) >= 2:  # it still clashes with each other one: open, for a person
            if left != records:
                changed[seen.id] = json.dumps(left)
            return
        # Her booking deleted freed its time for the refused one: sent again.
        _send_refused_again(session, records[0], now)
    changed[seen.id] = None


def _emptied(record: dict[str, Any]) -> dict[str, Any]:
    """An anonymised patient's record in a double booking, its sealed values (her
    booking's notes as they were) forgotten: its id, writer and clear routing fields
    stay, and the view reads the rest from her kept, emptied booking. Emptied here
    (not as the endpoint sent it, emptied), it is marked :data:`UNSENT` until the
    endpoint is told (:func:`unforgotten`); one the endpoint emptied is left as it is."""
    if not record.get("sealed"):
        return record
    return {**record, "sealed": "", UNSENT: True}


# The mark of a record emptied here that the endpoint still holds whole (its copy, as
# pulled last): the next round tells it (``sync/round``, ``POST /v1/conflicts/{id}/forget``).
UNSENT = "forget_unsent"


def emptied_ids(records: str) -> tuple[str, ...]:
    """The ids of the records :func:`_emptied` left in a conflict's ``records`` (its
    JSON as this PC keeps it). A resolution sent names them, and the endpoint empties
    its copies too (``sync/server/conflicts.resolve``)."""
    found = (str(r.get("id") or "") for r in _parsed(records) if r.get("sealed") == "")
    return tuple(i for i in found if i)


def unforgotten(session: Session) -> list[tuple[str, tuple[str, ...]]]:
    """(conflict id, record ids) of each conflict holding records emptied here and not
    yet emptied at the endpoint (:data:`UNSENT`), open or closed. One query over the
    conflicts holding records, as :func:`close_erased` reads them at each pull page."""
    found = session.execute(
        select(SyncConflict.id, SyncConflict.records).where(
            SyncConflict.records != "[]", SyncConflict.records.contains(UNSENT, autoescape=True)
        )
    ).all()
    marked = [(c.id, tuple(str(r.get("id")) for r in _parsed(c.records) if r.get(UNSENT)))
              for c in found]  # fmt: skip
    return [(conflict_id, ids) for conflict_id, ids in marked if ids]


def told(session: Session, conflict_id: str, ids: Iterable[str]) -> None:
    """The endpoint emptied the records ``ids`` of ``conflict_id`` too: unmarked."""
    row = session.get(SyncConflict, conflict_id)
    if row is None:
        return
    done = set(ids)
    records = [{k: v for k, v in r.items() if k != UNSENT} if r.get("id") in done else r
               for r in _parsed(row.records)]  # fmt: skip
    row.records = json.dumps(records)


def _owner(owners: dict[str, str], record: dict[str, Any]) -> str | None:
    return owners.get(str(record.get("id") or ""))


def _send_refused_again(session: Session, record: dict[str, Any], now: datetime) -> None:
    """The booking the endpoint refused, left alone by her erasure: touched on the PC
    that wrote it, while the endpoint holds no copy, so the next push sends it."""
    sync = session.get(SyncState, 1)
    booking_id = str(record.get("id") or "")
    if sync is None or record.get("device") != sync.device_id:
        return
    base = session.get(SyncBase, (_BOOKING, booking_id))
    if base is not None and base.version != 0:  # 0: a refused booking's (replica.apply)
        return
    booking = session.get(Appointment, booking_id)
    if booking is not None and booking.deleted_at is None:
        booking.touch(now)

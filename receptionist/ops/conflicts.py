"""Conflicts the endpoint recorded, for a person to read and settle (docs/sync-protocol.md,
"Conflicts"). No network: listing opens the sealed records this PC keeps; a resolution
is an ordinary change of this PC's file (pushed in the next round, like any other) and
a code that the next round sends to the endpoint, which closes the conflict for all.

A double booking (kind ``overlap``) is settled by:

- ``move``: keep one booking (``keep``) and move the other to another time, provider or
  room, through the booking rules (``schedule.booking.reschedule``: the new place must
  be free, or overridden by someone who may);
- ``cancel``: keep one (``keep``) and cancel every other, saying why: the one step
  out of any double booking, of two bookings or more. Each cancelled booking keeps
  the reason, as any cancellation does, and is audited as one; one cancelled since
  (the patient phoned) stays as it is;
- ``keep_both``: accept the double booking: the booking the endpoint refused is saved
  with an override and its reason (managers and administrators only, as any override);
- ``call``: the patient is being called: noted, and the conflict **stays open** (a call
  settles nothing by itself; the person then moves, cancels or keeps both). It is not
  sent to the endpoint: other PCs do not see it.

A conflict of two edits (kind ``edit``) is settled by ``choose``: the side whose values
the row takes for every field the two changed differently, or, field by field
(``fields``: field name to side), a value from either side; a side is named by its
label ("A", "B") or, from this PC's point of view, ``ours`` (the side this PC wrote)
or ``theirs``. A pick made on a screen is kept by the value the person saw
(``seen``: field name to the value's digest, ``conflictwords.value_digest``), not by
the side's letter: when the conflict was pulled again meanwhile with other values on
that side, or with a field differing now that the person was not shown, the choice is
refused and the person looks again.

The booking the endpoint refused is on no row there: when it is kept (moved or not),
it is touched after the other is moved or cancelled, so the next push sends it after
the change that freed its time, and the endpoint takes it.

Who may: moving or cancelling needs "appointment.book" (the schedule's staff), keeping
both "booking.override", choosing a value the right to write that kind of row, and a
call "appointment.book". Each resolution is audited (``conflict_resolve`` or
``conflict_call`` on the conflict's id: no patient data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import NotFound, UserError, ValidationError
from receptionist.journal import audit, changefeed, records
from receptionist.models import Appointment, Patient, SyncConflict
from receptionist.ops import conflicterasure, lookup
from receptionist.ops.conflictwords import (
    CALLED,
    ConflictView,
    Side,
    settle_here,
    stored,
    value_digest,
    view,
)
from receptionist.patients.searchindex import index_patient
from receptionist.privacy.anonymised import Anonymised
from receptionist.replica import state
from receptionist.replica.apply import decoded_values
from receptionist.replica.records import Record
from receptionist.replica.seal import Tampered
from receptionist.schedule import appointments, booking
from receptionist.schedule.agenda import clinic_info
from receptionist.schedule.booking import KEEP, Keep
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = [
    "ACTIONS", "ConflictView", "Side", "listing", "missing_words", "not_here", "resolve",
    "seen", "sent", "show", "unsent",
]  # fmt: skip

Action = Literal["move", "cancel", "keep_both", "call", "choose"]
ACTIONS: tuple[Action, ...] = ("move", "cancel", "keep_both", "call", "choose")
CODES: dict[str, str] = {"move": "moved", "cancel": "cancelled", "keep_both": "kept_both"}
WRITE: dict[str, str] = {  # the permission to settle an edit conflict of each kind of row
    "patient": "patient.write", "consent": "patient.write", "patient_document": "patient.write",
    "communication_entry": "patient.write", "appointment": "appointment.book",
    "waitlist_entry": "appointment.book", "staff_user": "staff.manage",
}  # fmt: skip


@dataclass(frozen=True)
class Resolution:
    """What a person chose. ``keep`` and ``choose`` name a side ("A", "B", ...);
    ``keep`` may name it by its appointment's id too (or the id's first characters)."""

    action: Action
    keep: str = ""
    start: datetime | None = None  # move: the new start (aware)
    provider_id: str | None = None
    room_id: str | Keep | None = KEEP
    reason: str = ""  # keep_both: the override's reason; cancel: why
    choose: str = ""
    # choose, field by field: field name -> side ("A", "B", "ours", "theirs"); a field
    # not named takes ``choose``'s side
    fields: Mapping[str, str] = field(default_factory=dict)
    # choose, from a screen: field name -> digest of the value the person saw picked
    # (:func:`seen`); refused when that side holds another value now, or when a field
    # not in it differs now
    seen: Mapping[str, str] = field(default_factory=dict)


def seen(found: ConflictView, picked: Mapping[str, str]) -> dict[str, str]:
    """The digest of the value each pick in ``picked`` (field name -> side label) shows
    in ``found``: what the person saw, for :attr:`Resolution.seen`."""
    labels = [side.label for side in found.sides]
    digests = {choice.field: choice.digests for choice in found.fields}
    kept: dict[str, str] = {}
    for name, label in picked.items():
        index = labels.index(label) if label in labels else -1
        if 0 <= index < len(digests.get(name, ())):
            kept[name] = digests[name][index]
    return kept


def listing(db: Database, ctx: Ctx, state_: str = "open") -> list[ConflictView]:
    """The conflicts this PC knows, newest first: ``"open"`` ones, ``"unsent"`` ones
    (resolved here, the endpoint not told yet), or ``"all"``."""
    require(ctx, "patient.read", _CANNOT_SEE)
    if state_ not in ("open", "unsent", "all"):
        raise ValidationError("state", Text(QT_TRANSLATE_NOOP("core", "Say open, unsent or all.")))
    with db.read() as s:
        query = select(SyncConflict).order_by(SyncConflict.created_at.desc(), SyncConflict.id)
        if state_ == "open":
            query = query.where(SyncConflict.resolved_at.is_(None))
        elif state_ == "unsent":
            query = query.where(SyncConflict.unsent.is_(True))
        keys, tz = state.keys(s), clinic_info(s).tz
        return [view(s, row, keys, tz) for row in s.scalars(query)]


def show(db: Database, ctx: Ctx, conflict_id: str) -> ConflictView:
    require(ctx, "patient.read", _CANNOT_SEE)
    with db.read() as s:
        return view(s, _conflict(s, conflict_id), state.keys(s), clinic_info(s).tz)


def resolve(db: Database, ctx: Ctx, conflict_id: str, chosen: Resolution) -> ConflictView:
    """Settle the conflict as ``chosen`` says, in one transaction (nothing is written
    when any step is refused); the conflict as it reads now."""
    with db.write() as s:
        row = _conflict(s, conflict_id)
        if row.resolved_at is not None:
            raise UserError(_ALREADY)
        found = view(s, row, state.keys(s), clinic_info(s).tz)
        code = _settle(s, ctx, row, found, chosen)
        if code == CALLED:
            row.resolution = CALLED
            audit.record(s, ctx, "conflict_call", "sync_conflict", row.id)
        else:
            settle_here(row, ctx.clock.now(), code)
            audit.record(s, ctx, "conflict_resolve", "sync_conflict", row.id)
        s.flush()
        return view(s, row, state.keys(s), clinic_info(s).tz)


def unsent(db: Database) -> list[tuple[str, str]]:
    """(conflict id, resolution code) of each resolution made here and not yet sent."""
    with db.read() as s:
        rows = s.scalars(select(SyncConflict).where(SyncConflict.unsent.is_(True)))
        return [(r.id, r.resolution) for r in rows]


def forgotten(db: Database, conflict_id: str) -> tuple[str, ...]:
    """The records of ``conflict_id`` whose sealed values this PC forgot (an anonymised
    patient's kept visit, ``ops/conflicterasure``): its resolution, sent, names them,
    so the endpoint forgets its copies too (docs/sync-protocol.md, "Anonymisation")."""
    with db.read() as s:
        row = s.get(SyncConflict, conflict_id)
        return conflicterasure.emptied_ids(row.records) if row is not None else ()


def unforgotten(db: Database) -> list[tuple[str, tuple[str, ...]]]:
    """(conflict id, record ids) of the records this PC forgot that the endpoint holds
    whole still, open or closed: the next round tells it (``sync/round``)."""
    with db.read() as s:
        return conflicterasure.unforgotten(s)


def forgot(db: Database, conflict_id: str, ids: tuple[str, ...]) -> None:
    """The endpoint forgot the records ``ids`` of ``conflict_id`` too."""
    with db.write() as s:
        conflicterasure.told(s, conflict_id, ids)


def sent(db: Database, conflict_id: str) -> None:
    """The endpoint took the resolution of ``conflict_id``."""
    with db.write() as s:
        row = s.get(SyncConflict, conflict_id)
        if row is not None:
            row.unsent = False


# -- settling --------------------------------------------------------------------------


def _settle(
    s: Session, ctx: Ctx, row: SyncConflict, found: ConflictView, chosen: Resolution
) -> str:
    if chosen.action == "choose":
        if row.kind != "edit":
            raise ValidationError("choose", _NOT_EDIT)
        return _choose(s, ctx, row, found, chosen)
    if row.kind != "overlap":
        raise ValidationError("action", _NOT_BOOKING)
    if chosen.action == "call":
        require(ctx, "appointment.book", _CANNOT)
        return CALLED
    if chosen.action == "keep_both":
        _check_here(found, "keep_both")
        _keep_both(s, ctx, found, chosen.reason)
        return CODES["keep_both"]
    kept = _side(found, chosen.keep, "keep")
    _check_here(found, chosen.action, kept.label)
    others = [side for side in found.sides if side.label != kept.label]
    if chosen.action == "move":
        if len(others) != 1:
            raise ValidationError("keep", _MORE_THAN_TWO)
        if chosen.start is None and chosen.provider_id is None and isinstance(chosen.room_id, Keep):
            raise ValidationError("start", _WHERE)
        booking.reschedule(
            s, ctx, others[0].row_id, start=chosen.start, provider_id=chosen.provider_id,
            room_id=chosen.room_id,
        )  # fmt: skip
    elif chosen.action == "cancel":
        require(ctx, "appointment.book", _CANNOT)
        for other in others:
            # One cancelled since (the patient phoned) stays as it is, with its reason.
            if appointments.load(s, other.row_id).status != "cancelled":
                booking.cancel(s, ctx, other.row_id, chosen.reason)
    else:
        raise ValidationError("action", _UNKNOWN)
    _send_again(s, ctx, kept)
    return CODES[chosen.action]


def not_here(found: ConflictView, action: str, keep: str = "") -> Text | None:
    """Why ``action`` (keeping the side labelled ``keep``) cannot be done on this PC: a
    booking it changes is an anonymised patient's kept visit (nothing may change it,
    anywhere), or is not here (removed here, or not synced yet); None when neither. The
    one rule: the panel asks it before offering an action, :func:`resolve` before doing
    one. A cancel changes every other booking, a move the other one, keeping both the
    refused one; a kept booking the endpoint refused is sent again."""
    changed = _changed(found, action, keep)
    kept = next((side for side in changed if side.anonymised), None)
    if kept is not None:
        return Text(_ANONYMISED, label=kept.label)
    missing = next((side for side in changed if not side.here), None)
    return None if missing is None else missing_words(missing)


def _changed(found: ConflictView, action: str, keep: str) -> list[Side]:
    """The bookings ``action`` (keeping the side labelled ``keep``) changes."""
    if found.kind != "overlap" or not found.sides:
        return []
    if action == "keep_both":
        return [found.sides[0]]
    if action not in ("move", "cancel"):
        return []
    others = [side for side in found.sides if side.label != keep]
    if action == "move" and len(others) != 1:
        return []  # refused for that reason (_MORE_THAN_TWO)
    return others + [side for side in found.sides if side.label == keep and side.refused]


def missing_words(side: Side) -> Text:
    """What a booking not on this PC means for settling its conflict here."""
    return Text(_NOT_HERE, label=side.label)


def _check_here(found: ConflictView, action: str, keep: str = "") -> None:
    problem = not_here(found, action, keep)
    if problem is None:
        return
    if any(side.anonymised for side in _changed(found, action, keep)):
        raise Anonymised(problem)
    raise NotFound(problem, "keep")


def _keep_both(s: Session, ctx: Ctx, found: ConflictView, reason: str) -> None:
    refused = found.sides[0]
    if not reason.strip():
        raise ValidationError("reason", _WHY_BOTH)
    appt = appointments.load(s, refused.row_id)
    before = appt.version
    booking.reschedule(s, ctx, refused.row_id, override_reason=reason)
    if appt.version == before:
        _send_again(s, ctx, refused)


def _send_again(s: Session, ctx: Ctx, kept: Side) -> None:
    """A kept booking the endpoint refused is on no row there: change its stamp, so the
    next push sends it (after what freed its time)."""
    if not kept.refused:
        return
    appt = s.get(Appointment, kept.row_id)
    if appt is None or appt.deleted_at is not None:
        raise NotFound(_GONE, "keep")
    appt.touch(ctx.clock.now())
    s.flush()


def _choose(
    s: Session, ctx: Ctx, row: SyncConflict, found: ConflictView, chosen: Resolution
) -> str:
    require(ctx, WRITE.get(row.entity, "clinic.configure"), _CANNOT)
    sync = state.required(s)
    picks = _picks(found, chosen, sync.device_id)
    values: dict[str, dict[str, object]] = {}
    for side in {side.label: side for side in picks.values()}.values():
        index = found.sides.index(side)
        try:
            record = Record.from_json(stored(row)[index])
            values[side.label] = decoded_values(s, record, sync.clinic_id, state.keys(s))
        except (Tampered, ValueError):
            raise UserError(_UNREADABLE) from None
    model = changefeed.synced_tables()[row.entity]
    target = s.get(model, row.row_id)
    if target is None or target.deleted_at is not None:
        raise NotFound(_GONE, "choose")
    changes = {name: values[side.label].get(name) for name, side in picks.items()}
    if any(value_digest(changes.get(name)) != digest for name, digest in chosen.seen.items()):
        raise UserError(_CHANGED)
    if chosen.seen and set(changes) - set(chosen.seen):
        raise UserError(_CHANGED)  # a field that differs now, its value shown to no one
    records.update(s, ctx, target, row.entity, changes)
    if isinstance(target, Patient):
        index_patient(s, target)
    labels = {side.label for side in picks.values()}
    return f"chose_{labels.pop().lower()}" if len(labels) == 1 else "chose_fields"


def _picks(found: ConflictView, chosen: Resolution, device_id: str) -> dict[str, Side]:
    """The side each differing field takes: named field by field, else ``choose``'s."""
    differing = [f.field for f in found.fields]
    unknown = sorted(set(chosen.fields) - set(differing))
    if unknown:
        raise ValidationError("field", Text(
            QT_TRANSLATE_NOOP("core", "{names}: not a field these edits differ on; they "
                              "differ on {fields}."),
            names=", ".join(unknown), fields=", ".join(differing),
        ))  # fmt: skip
    default = _named(found, chosen.choose, "choose", device_id) if chosen.choose else None
    picks = {name: _named(found, side, "field", device_id) for name, side in chosen.fields.items()}
    for name in differing:
        if name in picks:
            continue
        if default is not None:
            picks[name] = default
        else:
            raise ValidationError("field", Text(
                QT_TRANSLATE_NOOP("core", "Choose a side for {name} too (or one side for "
                                  "every field)."),
                name=name,
            ))  # fmt: skip
    return picks


def _named(found: ConflictView, name: str, option: str, device_id: str) -> Side:
    """The side ``name`` means: a label, or ``ours`` / ``theirs`` (this PC's side, the
    other one); refused when this PC wrote neither side or both."""
    wanted = name.strip().lower()
    if wanted not in ("ours", "theirs"):
        return _side(found, name, option)
    mine = [side for side in found.sides if side.device_id == device_id]
    others = [side for side in found.sides if side.device_id != device_id]
    if len(mine) != 1 or len(others) != 1:
        raise ValidationError(option, _NOT_OURS)
    return mine[0] if wanted == "ours" else others[0]


def _side(found: ConflictView, name: str, option: str) -> Side:
    """The side ``name`` names: its label ("A", "B", ...), or for a double booking its
    appointment's id (or the id's first 6 characters or more, one side's only)."""
    wanted = name.strip()
    for side in found.sides:
        if side.label == wanted.upper():
            return side
    if found.kind == "overlap" and len(wanted) >= lookup.SHORTEST:
        booked = [s for s in found.sides if s.row_id.lower().startswith(wanted.lower())]
        if len(booked) == 1:
            return booked[0]
    labels = ", ".join(s.label for s in found.sides)
    if found.kind == "overlap":
        raise ValidationError(option, Text(_BOOKINGS, labels=labels))
    raise ValidationError(
        option,
        Text(
            QT_TRANSLATE_NOOP("core", "This conflict has sides {labels}; name one of them."),
            labels=labels,
        ),
    )


def _conflict(s: Session, conflict_id: str) -> SyncConflict:
    row = s.get(SyncConflict, conflict_id.strip())
    if row is None:
        raise NotFound(_NO_SUCH, "id")
    return row


_BOOKINGS = QT_TRANSLATE_NOOP(
    "core",
    "This conflict has sides {labels}; name one of them, or its appointment's id (at "
    "least its first 6 characters).",
)
_CANNOT_SEE = Text(QT_TRANSLATE_NOOP("core", "Your role cannot see patients' appointments."))
_CANNOT = Text(QT_TRANSLATE_NOOP("core", "Your role cannot settle this conflict; ask a manager."))
_NO_SUCH = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "No conflict has that id on this PC; `receptionist conflicts list --all` lists them.",
    )
)
_ALREADY = Text(QT_TRANSLATE_NOOP("core", "That conflict is resolved already; nothing changed."))
_NOT_EDIT = Text(
    QT_TRANSLATE_NOOP(
        "core", "Choosing a value settles two edits; this conflict is a double booking."
    )
)
_NOT_BOOKING = Text(
    QT_TRANSLATE_NOOP("core", "This conflict is two edits of one record; choose the value to keep.")
)
_MORE_THAN_TWO = Text(
    QT_TRANSLATE_NOOP(
        "core", "More than two bookings clash here: keep one and cancel the others, or keep both."
    )
)
_WHERE = Text(
    QT_TRANSLATE_NOOP("core", "Say where the other booking goes: a new start, provider or room.")
)
_WHY_BOTH = Text(QT_TRANSLATE_NOOP("core", "Say why both bookings are kept at the same time."))
_UNKNOWN = Text(QT_TRANSLATE_NOOP("core", "Choose move, cancel, keep both, call or choose."))
_GONE = Text(
    QT_TRANSLATE_NOOP(
        "core", "That record is no longer on this PC; sync, then look at the conflict again."
    )
)
_ANONYMISED = QT_TRANSLATE_NOOP(
    "core",
    "Booking {label} is an anonymised patient's visit, kept for statistics: it cannot be "
    "moved or cancelled. Keep both, or keep it and move or cancel the other booking.",
)
_NOT_HERE = QT_TRANSLATE_NOOP(
    "core",
    "Booking {label} is not on this PC: it was removed here, or has not arrived yet. Sync "
    "and look again, or settle this conflict on a PC that holds it.",
)
_CHANGED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "This conflict was brought again with other values since they were picked; "
        "nothing changed. Look at it again and pick the values to keep.",
    )
)
_NOT_OURS = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "This PC did not make exactly one of these edits, so ours and theirs say nothing "
        "here; name the side as `conflicts list` labels it (A, B).",
    )
)
_UNREADABLE = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "This PC cannot open that side of the conflict (another clinic key); sync and try again.",
    )
)

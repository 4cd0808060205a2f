"""Planning: from the upcoming appointments to the ``reminder`` table.

One pass reads the appointments starting within the horizon (the longest offset and a
day) and the messages already planned for them, and then, per appointment:

- a cancelled one: its pending messages are withdrawn, and a cancellation message is
  planned (if on) when the patient heard of it: the station had planned anything for
  it before, or a message of it is logged (on any PC: the log syncs);
- a moved one (messages planned for another start, or the patient last told of
  another start: the start its latest message named, on the communication-log entry
  of it, which syncs, whichever PC sent it): those still pending are withdrawn, and
  reminders for the new start planned; a reschedule message (if on) when the start
  last told, where one is known, is not the start now (rows planned here for another
  start decide only where none is); told it already, one queued here is withdrawn
  (``TOLD``). A stand-by that heard of a booking and its move in one sync round (no
  rows at the old start) so plans the reschedule message the station would have; one
  the station sent named the new start, and none is planned again, even by a stand-by
  that had planned the booking at its old start;
- a new one to this station (nothing planned here for it, booked within the last day
  or since reminders and confirmations were last switched on, whichever is earlier):
  a booking confirmation (if on), however late
  it reached this PC (synced from a PC that was offline, or after the lease moved
  here), as long as it has not started; one another PC already sent is left alone at
  sending (``dispatch._handed_over``);
- every live one: a reminder per offset, unless its time passed before the booking
  (or the move) made it one to send. One whose time passed while the station was off
  is planned anyway, and dispatch skips it as late, with that reason;
- a restricted patient's (``privacy.restriction``): what was queued, and what this
  plan wrote, is skipped, with reason "restricted" (``_hold``); once lifted, the
  patient's reminders still ahead are queued again (a confirmation, reschedule or cancellation
  message of the restricted time stays skipped: it was news then).

Each message's dedupe key (appointment, rule, scheduled time) is unique in the table;
planning twice finds the rows there and adds nothing. Quiet hours move a message to
their end (or skip it) when it is planned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, bindparam, text
from sqlalchemy.orm import Session

from receptionist.models import from_micros, new_id, to_micros
from receptionist.privacy.restriction import REASON as RESTRICTED
from receptionist.privacy.restriction import restricted_ids

from .config import Config
from .quiet import send_time
from .settings import CONFIRMATION, ENABLED

LIVE = ("booked", "confirmed")
NEW_BOOKING = timedelta(days=1)
FEED_PAGE = 1000
# Rows one plan writes at most (a clinic's first plan, after the station was off): the
# write stays a fraction of a second, and the soonest appointments are planned first.
MAX_ADDS = 3000
CHUNK = 500
# Times are read and compared as the stored integers (microseconds, UTC): planning
# reads every planned row of the horizon, and converting each to a datetime would be
# most of its cost.
_APPT = "SELECT id, patient_id, service_id, start_utc, status, created_at FROM appointment"
# What this PC planned before it lost the role (withdrawn, ``ROLE_LOST``) is not its
# plan any more: planning again, as a sender, it plans afresh, as a new PC would, and a
# message of the same key takes that row's place (the dedupe key is unique). One thing
# it keeps from them: a reminder or confirmation it had planned for the appointment's
# start now was one to send, though its time passed since or another row of the booking
# kept its state (``_one``): a role lost for a round (a setting changed and changed
# back) loses no message waiting for quiet hours' end.
ROLE_LOST = "role_lost"
TOLD = "told"  # a reschedule message withdrawn: the patient was last told this start
_ROWS = (
    "SELECT r.appointment_id, r.id, r.kind, r.rule, r.scheduled_for, r.appointment_start,"
    " r.state, r.reason FROM reminder r"
)
# The start each appointment's reminder messages named (their communication-log
# entries ``c`` of the appointment ``a``, synced; the desk's own entries name none),
# in ``TOLD_ORDER``, oldest first: the latest wins. Of two logged at the same moment,
# the one naming the start now wins: a message not sent is preferred to one sent
# twice. ``handover`` reads the last told start by the same two.
TOLD_WHERE = "c.appointment_start IS NOT NULL AND c.deleted_at IS NULL"
TOLD_ORDER = ("c.occurred_at", "c.appointment_start = a.start_utc", "c.created_at", "c.id")
_TOLD = (
    "SELECT c.appointment_id, c.appointment_start FROM communication_entry c"
    " JOIN appointment a ON a.id = c.appointment_id"
    " WHERE " + TOLD_WHERE + " AND a.deleted_at IS NULL"
)
_TOLD_ORDER = " ORDER BY " + ", ".join(TOLD_ORDER)
_INSERT = text(
    "INSERT INTO reminder (id, appointment_id, patient_id, kind, rule, scheduled_for, send_at,"
    " appointment_start, state, channel, attempts, next_try_at, claimed_at, finished_at,"
    " provider_id, digest, reason, created_at, updated_at) VALUES (:id, :appointment_id,"
    " :patient_id, :kind, :rule, :scheduled_for, :send_at, :appointment_start, :state, '', 0,"
    " NULL, NULL, :finished_at, '', '', :reason, :now, :now)"
    " ON CONFLICT (appointment_id, rule, scheduled_for) DO UPDATE SET"
    " patient_id = excluded.patient_id, kind = excluded.kind, send_at = excluded.send_at,"
    " appointment_start = excluded.appointment_start, state = excluded.state, channel = '',"
    " attempts = 0, next_try_at = NULL, claimed_at = NULL, finished_at = excluded.finished_at,"
    " provider_id = '', digest = '', sent_to = '', reason = excluded.reason,"
    " created_at = excluded.created_at, updated_at = excluded.updated_at"
    f" WHERE reminder.reason = '{ROLE_LOST}' OR (reminder.appointment_start ="
    " excluded.appointment_start AND ((reminder.state = 'withdrawn' AND reminder.reason ="
    " 'moved') OR (reminder.kind = 'reschedule' AND reminder.state = 'sent')))"
)


@dataclass(frozen=True)
class Planned:
    added: int
    withdrawn: int


class _Appt(NamedTuple):
    id: str
    patient_id: str
    service_id: str
    start: int
    status: str
    created_at: int


# A planned row as read: (appointment_id, id, kind, rule, scheduled_for,
# appointment_start, state), kept as the result row itself and indexed by these
# names: copying 30,000 rows into tuples or named tuples cost a third of the read.
_Row = tuple[Any, ...]
ID, KIND, RULE, SCHEDULED, START, STATE, REASON = range(1, 8)


def plan(session: Session, now: datetime, cfg: Config) -> Planned:
    """Plan what is due for the appointments ahead; returns what changed."""
    at, until = to_micros(now), to_micros(now + cfg.horizon)
    appts = _upcoming(session, at, until)
    rows = _planned(session, at, until)
    known = {a.id for a in appts}
    later = [a for a in _changed(session, now, known) if a.start > at]
    appts += later
    rows.update(_planned_for(session, [a.id for a in later]))
    told = _told(session, at, until)
    told.update(_told_for(session, [a.id for a in later]))
    adds: list[dict[str, object]] = []
    withdraw: dict[str, str] = {}
    since = min(confirm_since(session), to_micros(now - NEW_BOOKING))
    restricted = restricted_ids(session)
    for appt in sorted(appts, key=lambda a: a.start):  # the soonest first
        if len(adds) >= MAX_ADDS:
            break  # the next round plans the rest: this transaction stays short
        _one(appt, (rows.get(appt.id, ()), told.get(appt.id)), (at, since), cfg, adds, withdraw)
    if adds:
        session.execute(_INSERT, adds)
    for reason in set(withdraw.values()):
        ids = [i for i, r in withdraw.items() if r == reason]
        for chunk in range(0, len(ids), CHUNK):
            session.execute(
                text(
                    "UPDATE reminder SET state = 'withdrawn', reason = :reason,"
                    " finished_at = :now, updated_at = :now"
                    " WHERE state = 'pending' AND id IN :ids"
                ).bindparams(_expanding()),
                {"reason": reason, "now": at, "ids": ids[chunk : chunk + CHUNK]},
            )
    _hold(session, restricted, at)
    _resume(session, at)
    return Planned(len(adds), len(withdraw))


def _hold(session: Session, restricted: set[str], at: int) -> None:
    """The queued messages of restricted patients (whenever their appointment is), those
    this plan just wrote among them: skipped, with the reason "restricted"."""
    ids = sorted(restricted)
    for chunk in range(0, len(ids), CHUNK):
        session.execute(
            text(
                "UPDATE reminder SET state = 'skipped', reason = :reason, finished_at = :now,"
                " updated_at = :now WHERE state = 'pending' AND patient_id IN :ids"
            ).bindparams(_expanding()),
            {"reason": RESTRICTED, "now": at, "ids": ids[chunk : chunk + CHUNK]},
        )


# Reminders skipped for a restriction since lifted, still ahead and still for the
# appointment's start: queued again (a confirmation, reschedule or cancellation
# message of the restricted time stays skipped: it was news then). Few rows: the
# skipped ones still ahead, read through ``ix_reminder_due``.
_RESUME = text(
    "UPDATE reminder SET state = 'pending', reason = '', finished_at = NULL,"
    " updated_at = :now WHERE state = 'skipped' AND send_at > :now AND reason = :reason"
    " AND kind = 'reminder' AND patient_id NOT IN"
    " (SELECT id FROM patient WHERE restricted_at IS NOT NULL)"
    " AND EXISTS (SELECT 1 FROM appointment a WHERE a.id = reminder.appointment_id"
    " AND a.deleted_at IS NULL AND a.status IN ('booked', 'confirmed')"
    " AND a.start_utc = reminder.appointment_start)"
)


def _resume(session: Session, at: int) -> None:
    session.execute(_RESUME, {"now": at, "reason": RESTRICTED})


_SWITCHED_ON = text(
    "SELECT max(updated_at) FROM clinic_setting WHERE deleted_at IS NULL AND key IN (:a, :b)"
)


def confirm_since(session: Session) -> int:
    """Bookings made since then get a confirmation when first planned: the latest time
    reminders or confirmations were switched (the clinic's settings, the same on every
    PC), so switching them on confirms only the last day's bookings made before."""
    keys = {"a": ENABLED.key, "b": CONFIRMATION.key}
    return int(session.execute(_SWITCHED_ON, keys).scalar() or 0)


def _expanding() -> BindParameter[list[str]]:
    return bindparam("ids", expanding=True)


def _upcoming(session: Session, at: int, until: int) -> list[_Appt]:
    query = text(_APPT + " WHERE start_utc > :at AND start_utc <= :until AND deleted_at IS NULL")
    return [_Appt(*row) for row in session.execute(query, {"at": at, "until": until}).all()]


def _changed(session: Session, now: datetime, known: set[str]) -> list[_Appt]:
    """Appointments beyond the horizon booked, moved or cancelled within the last day
    (for their confirmation, reschedule or cancellation message): read from the change
    feed's end back, so the work is that day's changes, not the whole schedule."""
    since, before, ids = to_micros(now - NEW_BOOKING), 1 << 62, set()
    page_query = text(
        "SELECT seq, entity, row_id, at FROM change_log WHERE seq < :before"
        " ORDER BY seq DESC LIMIT :n"
    )
    while True:
        page = session.execute(page_query, {"before": before, "n": FEED_PAGE}).all()
        ids |= {row_id for _, entity, row_id, at in page if entity == "appointment" and at >= since}
        if len(page) < FEED_PAGE or page[-1][3] < since:
            break
        before = page[-1][0]
    wanted = sorted(ids - known)
    query = text(_APPT + " WHERE deleted_at IS NULL AND id IN :ids").bindparams(_expanding())
    found = []
    for chunk in range(0, len(wanted), CHUNK):
        found += [_Appt(*r) for r in session.execute(query, {"ids": wanted[chunk : chunk + CHUNK]})]
    return found


def _planned_for(session: Session, ids: list[str]) -> dict[str, list[_Row]]:
    query = text(_ROWS + " WHERE r.appointment_id IN :ids")
    query = query.bindparams(_expanding())
    found: dict[str, list[_Row]] = defaultdict(list)
    for chunk in range(0, len(ids), CHUNK):
        for row in session.execute(query, {"ids": ids[chunk : chunk + CHUNK]}).all():
            found[row[0]].append(row)
    return found


def _planned(session: Session, at: int, until: int) -> dict[str, list[_Row]]:
    query = text(
        _ROWS + " JOIN appointment a ON a.id = r.appointment_id"
        " WHERE a.start_utc > :at AND a.start_utc <= :until AND a.deleted_at IS NULL"
    )
    found: dict[str, list[_Row]] = defaultdict(list)
    for row in session.execute(query, {"at": at, "until": until}).all():
        found[row[0]].append(row)
    return found


def _told(session: Session, at: int, until: int) -> dict[str, int]:
    """The start the patient was last told, of each appointment within the horizon."""
    query = text(_TOLD + " AND a.start_utc > :at AND a.start_utc <= :until" + _TOLD_ORDER)
    return {row[0]: row[1] for row in session.execute(query, {"at": at, "until": until})}


def _told_for(session: Session, ids: list[str]) -> dict[str, int]:
    query = text(_TOLD + " AND a.id IN :ids" + _TOLD_ORDER).bindparams(_expanding())
    found: dict[str, int] = {}
    for chunk in range(0, len(ids), CHUNK):
        for row in session.execute(query, {"ids": ids[chunk : chunk + CHUNK]}):
            found[row[0]] = row[1]
    return found


def _one(
    appt: _Appt,
    known: tuple[list[_Row] | tuple[()], int | None],  # its rows here, the start told
    times: tuple[int, int],  # now, and since when bookings are confirmed
    cfg: Config,
    adds: list[dict[str, object]],
    withdraw: dict[str, str],
) -> None:
    at, since = times
    rows, told = known
    rules = cfg.rules_for(appt.service_id)
    lost = {
        (r[RULE], r[SCHEDULED]) for r in rows if r[REASON] == ROLE_LOST and r[START] == appt.start
    }
    past = _past(rows, appt.start, told)
    rows = [r for r in rows if r[REASON] != ROLE_LOST and r[ID] not in past]
    keys = {(r[RULE], r[SCHEDULED]) for r in rows}

    def add(kind: str, rule: str, scheduled: int, due: int) -> None:
        if (rule, scheduled) in keys:
            return
        keys.add((rule, scheduled))
        adds.append(_new(appt, kind, rule, scheduled, due, at, cfg))

    if appt.status == "cancelled":
        for r in rows:
            if r[STATE] == "pending" and r[KIND] != "cancellation":
                withdraw[r[ID]] = "cancelled"
        # The patient heard of it: planned here, or a message of it logged on any PC.
        heard = told is not None or any(r[KIND] != "cancellation" for r in rows)
        if rules.cancellation and heard:
            add("cancellation", "cancellation", appt.start, at)
        return
    if appt.status not in LIVE:
        return
    start = appt.start
    moved = told is not None and told != start  # the patient last heard of another start
    for r in rows:
        if r[START] != start:
            moved = True
            if r[STATE] == "pending":
                withdraw[r[ID]] = "moved"
    # The start last told, where known (whichever PC told it), says whether a reschedule
    # message is due; rows planned here for another start say so only where none is.
    if (moved if told is None else told != start) and rules.reschedule:
        add("reschedule", "reschedule", appt.start, at)
    elif told == start:  # told this start already: a reschedule queued here is not news
        for r in rows:
            if r[KIND] == "reschedule" and r[STATE] == "pending" and r[START] == start:
                withdraw[r[ID]] = TOLD
    new = not rows and appt.created_at >= since
    if rules.confirmation and (new or ("confirmation", start) in lost):  # lost: it was to go
        add("confirmation", "confirmation", appt.start, at)
    for label, offset in rules.offsets:
        scheduled = appt.start - offset // _US
        passed = scheduled <= at and (moved or appt.created_at > scheduled)
        if passed and (label, scheduled) not in lost:  # planned here before: one to send
            continue  # its time passed before it was one to send
        add("reminder", label, scheduled, scheduled)


_US = timedelta(microseconds=1)


def _past(rows: list[_Row] | tuple[()], start: int, told: int | None) -> set[str]:
    """The rows of the appointment's start now that are no part of its plan any more,
    the booking having moved away and back since they were written: reminders
    withdrawn "moved" (its reminders go again), and a reschedule message that told the
    patient this start before another was told since (it goes again). A message of the
    same key takes each one's place (``_INSERT``)."""
    return {
        r[ID]
        for r in rows
        if r[START] == start
        and (
            (r[STATE] == "withdrawn" and r[REASON] == "moved")
            or (r[KIND] == "reschedule" and r[STATE] == "sent" and told not in (None, start))
        )
    }


def _new(
    appt: _Appt, kind: str, rule: str, scheduled: int, due: int, at: int, cfg: Config
) -> dict[str, object]:
    start = from_micros(appt.start)
    when = send_time(
        from_micros(due), start, (cfg.quiet_start, cfg.quiet_end), cfg.quiet_mode, cfg.tz
    )
    return {
        "id": new_id(),
        "appointment_id": appt.id,
        "patient_id": appt.patient_id,
        "kind": kind,
        "rule": rule,
        "scheduled_for": scheduled,
        "send_at": to_micros(when) if when else due,
        "appointment_start": appt.start,
        "state": "pending" if when else "skipped",
        "reason": "" if when else "quiet_hours",
        "finished_at": None if when else at,
        "now": at,
    }

"""Planning: from the upcoming appointments to the ``reminder`` table.

One pass reads the appointments starting within the horizon (the longest offset and a
day) and the messages already planned for them, and then, per appointment:

- a cancelled one: its pending messages are withdrawn, and a cancellation message is
  planned (if on) when the station had planned anything for it before;
- a moved one (messages planned for another start): those still pending are
  withdrawn, a reschedule message is planned (if on), and reminders for the new start;
- a new one (nothing planned, booked within the last day): a booking confirmation
  (if on);
- every live one: a reminder per offset, unless its time passed before the booking
  (or the move) made it one to send. One whose time passed while the station was off
  is planned anyway, and dispatch skips it as late, with that reason.

Each message's dedupe key (appointment, rule, scheduled time) is unique in the table;
planning twice finds the rows there and adds nothing. Quiet hours move a message to
their end (or skip it) when it is planned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from receptionist.models import Appointment, ChangeEntry, Reminder, new_id

from .config import Config
from .quiet import send_time

LIVE = ("booked", "confirmed")
NEW_BOOKING = timedelta(days=1)
FEED_PAGE = 1000


@dataclass(frozen=True)
class Planned:
    added: int
    withdrawn: int


@dataclass(frozen=True)
class _Appt:
    id: str
    patient_id: str
    service_id: str
    start: datetime
    status: str
    created_at: datetime


@dataclass(frozen=True)
class _Row:
    id: str
    kind: str
    rule: str
    scheduled_for: datetime
    appointment_start: datetime
    state: str


def plan(session: Session, now: datetime, cfg: Config) -> Planned:
    """Plan what is due for the appointments ahead; returns what changed."""
    appts = _upcoming(session, now, now + cfg.horizon)
    rows = _planned(session, now, now + cfg.horizon)
    known = {a.id for a in appts}
    later = [a for a in _changed(session, now, known) if a.start > now]
    appts += later
    rows.update(_planned_for(session, [a.id for a in later]))
    adds: list[dict[str, object]] = []
    withdraw: dict[str, str] = {}
    for appt in appts:
        _one(appt, rows.get(appt.id, []), now, cfg, adds, withdraw)
    if adds:
        session.execute(insert(Reminder), adds)
    for reason in set(withdraw.values()):
        ids = [i for i, r in withdraw.items() if r == reason]
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.state == "pending")
            .values(state="withdrawn", reason=reason, finished_at=now, updated_at=now)
        )
    return Planned(len(adds), len(withdraw))


def _upcoming(session: Session, now: datetime, until: datetime) -> list[_Appt]:
    a = Appointment
    query = select(a.id, a.patient_id, a.service_id, a.start_utc, a.status, a.created_at).where(
        a.start_utc > now, a.start_utc <= until, a.deleted_at.is_(None)
    )
    return [_Appt(*row) for row in session.execute(query)]


def _changed(session: Session, now: datetime, known: set[str]) -> list[_Appt]:
    """Appointments beyond the horizon booked, moved or cancelled within the last day
    (for their confirmation, reschedule or cancellation message): read from the change
    feed's end back, so the work is that day's changes, not the whole schedule."""
    since, before, ids = now - NEW_BOOKING, None, set()
    while True:
        query = select(ChangeEntry.seq, ChangeEntry.entity, ChangeEntry.row_id, ChangeEntry.at)
        if before is not None:
            query = query.where(ChangeEntry.seq < before)
        page = session.execute(query.order_by(ChangeEntry.seq.desc()).limit(FEED_PAGE)).all()
        ids |= {row_id for _, entity, row_id, at in page if entity == "appointment" and at >= since}
        if len(page) < FEED_PAGE or page[-1][3] < since:
            break
        before = page[-1][0]
    wanted = sorted(ids - known)
    a = Appointment
    found = []
    for chunk in range(0, len(wanted), 500):
        rows = select(a.id, a.patient_id, a.service_id, a.start_utc, a.status, a.created_at).where(
            a.id.in_(wanted[chunk : chunk + 500]), a.deleted_at.is_(None)
        )
        found += [_Appt(*row) for row in session.execute(rows)]
    return found


def _planned_for(session: Session, ids: list[str]) -> dict[str, list[_Row]]:
    r = Reminder
    found: dict[str, list[_Row]] = defaultdict(list)
    for chunk in range(0, len(ids), 500):
        query = select(
            r.appointment_id, r.id, r.kind, r.rule, r.scheduled_for, r.appointment_start, r.state
        ).where(r.appointment_id.in_(ids[chunk : chunk + 500]))
        for appointment_id, rid, kind, rule, scheduled, start, state in session.execute(query):
            found[appointment_id].append(_Row(rid, kind, rule, scheduled, start, state))
    return found


def _planned(session: Session, now: datetime, until: datetime) -> dict[str, list[_Row]]:
    a, r = Appointment, Reminder
    query = (
        select(
            r.appointment_id, r.id, r.kind, r.rule, r.scheduled_for, r.appointment_start, r.state
        )
        .join(a, a.id == r.appointment_id)
        .where(a.start_utc > now, a.start_utc <= until, a.deleted_at.is_(None))
    )
    found: dict[str, list[_Row]] = defaultdict(list)
    for appointment_id, rid, kind, rule, scheduled, start, state in session.execute(query):
        found[appointment_id].append(_Row(rid, kind, rule, scheduled, start, state))
    return found


def _one(
    appt: _Appt,
    rows: list[_Row],
    now: datetime,
    cfg: Config,
    adds: list[dict[str, object]],
    withdraw: dict[str, str],
) -> None:
    rules = cfg.rules_for(appt.service_id)
    keys = {(r.rule, r.scheduled_for) for r in rows}

    def add(kind: str, rule: str, scheduled: datetime, due: datetime) -> None:
        if (rule, scheduled) in keys:
            return
        keys.add((rule, scheduled))
        adds.append(_new(appt, kind, rule, scheduled, due, now, cfg))

    if appt.status == "cancelled":
        for r in rows:
            if r.state == "pending" and r.kind != "cancellation":
                withdraw[r.id] = "cancelled"
        if rules.cancellation and any(r.kind != "cancellation" for r in rows):
            add("cancellation", "cancellation", appt.start, now)
        return
    if appt.status not in LIVE:
        return
    moved = any(r.appointment_start != appt.start for r in rows)
    for r in rows:
        if r.state == "pending" and r.appointment_start != appt.start:
            withdraw[r.id] = "moved"
    if moved and rules.reschedule:
        add("reschedule", "reschedule", appt.start, now)
    if not rows and rules.confirmation and appt.created_at >= now - NEW_BOOKING:
        add("confirmation", "confirmation", appt.start, now)
    for label, offset in rules.offsets:
        scheduled = appt.start - offset
        if scheduled <= now and (moved or appt.created_at > scheduled):
            continue  # its time passed before it was one to send
        add("reminder", label, scheduled, scheduled)


def _new(
    appt: _Appt,
    kind: str,
    rule: str,
    scheduled: datetime,
    due: datetime,
    now: datetime,
    cfg: Config,
) -> dict[str, object]:
    at = send_time(due, appt.start, (cfg.quiet_start, cfg.quiet_end), cfg.quiet_mode, cfg.tz)
    return {
        "id": new_id(),
        "appointment_id": appt.id,
        "patient_id": appt.patient_id,
        "kind": kind,
        "rule": rule,
        "scheduled_for": scheduled,
        "send_at": at or due,
        "appointment_start": appt.start,
        "state": "pending" if at else "skipped",
        "channel": "",
        "attempts": 0,
        "provider_id": "",
        "digest": "",
        "reason": "" if at else "quiet_hours",
        "finished_at": None if at else now,
        "created_at": now,
        "updated_at": now,
    }

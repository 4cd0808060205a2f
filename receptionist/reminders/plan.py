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
- any one: a queued message its rules (the clinic's, or its service's own) no longer
  ask for (an offset removed, confirmations or another kind switched off) is withdrawn,
  reason ``rule_off`` (a changed setting makes the next round plan every appointment:
  ``planscope``), beyond the horizon too (``_beyond``: a shrunken horizon's); dispatch
  refuses one at sending too (``compose.decide``);
- a restricted patient's (``privacy.restriction``): what was queued, and what this
  plan wrote, is skipped, with reason "restricted" (``_hold``); once lifted, the
  patient's reminders still ahead are queued again (a confirmation, reschedule or cancellation
  message of the restricted time stays skipped: it was news then).

A dispatch round passes a memo (``planscope``): then only the appointments changed since
its last plan are planned, and a full pass goes in batches of short transactions.

Each message's dedupe key (appointment, rule, scheduled time) is unique in the table;
planning twice finds the rows there and adds nothing. A reminder's rule is compared by
its offset's length (``settings.rule_key``): one planned under "24h" is the rules'
"1d" one, kept queued (not withdrawn and planned again) or, sent, not sent again.
Quiet hours move a message to their end (or skip it) when it is planned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, bindparam, text
from sqlalchemy.orm import Session

from receptionist.journal import changefeed
from receptionist.models import from_micros, new_ids, to_micros
from receptionist.privacy.restriction import REASON as RESTRICTED
from receptionist.privacy.restriction import restricted_ids

from . import planscope
from .config import Config
from .quiet import send_time
from .settings import CONFIRMATION, ENABLED, rule_key

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
# A queued message the rules no longer ask for (its offset removed, its kind switched
# off, for the clinic or the appointment's service): withdrawn by planning, and refused
# at sending (``compose.decide``). Rules that ask for it again plan it again: a message
# of the same key takes that row's place (``_past``, ``_INSERT``).
RULE_OFF = "rule_off"
_ROWS = (
    "SELECT r.appointment_id, r.id, r.kind, r.rule, r.scheduled_for, r.appointment_start,"
    " r.state, r.reason, r.send_at FROM reminder r"
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
# Positional (``_params``): id, appointment_id, patient_id, kind, rule, scheduled_for,
# send_at, appointment_start, state, finished_at, reason, created_at, updated_at.
_INSERT = (
    "INSERT INTO reminder (id, appointment_id, patient_id, kind, rule, scheduled_for, send_at,"
    " appointment_start, state, channel, attempts, next_try_at, claimed_at, finished_at,"
    " provider_id, digest, reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " '', 0, NULL, NULL, ?, '', '', ?, ?, ?)"
    " ON CONFLICT (appointment_id, rule, scheduled_for) DO UPDATE SET"
    " patient_id = excluded.patient_id, kind = excluded.kind, send_at = excluded.send_at,"
    " appointment_start = excluded.appointment_start, state = excluded.state, channel = '',"
    " attempts = 0, next_try_at = NULL, claimed_at = NULL, finished_at = excluded.finished_at,"
    " provider_id = '', digest = '', sent_to = '', reason = excluded.reason,"
    " created_at = excluded.created_at, updated_at = excluded.updated_at"
    f" WHERE reminder.reason = '{ROLE_LOST}' OR (reminder.appointment_start ="
    " excluded.appointment_start AND ((reminder.state = 'withdrawn' AND reminder.reason IN"
    f" ('moved', '{RULE_OFF}')) OR (reminder.kind = 'reschedule' AND reminder.state = 'sent')))"
)


@dataclass(frozen=True)
class Planned:
    added: int
    withdrawn: int
    # With a memo given (``planscope``): the memo once this plan is committed, and
    # whether a full pass goes on (plan again, in a transaction of its own).
    memo: planscope.Memo | None = None
    more: bool = False
    top: int = 0  # the feed's end the plan saw (it writes only reminders: local rows)


class _Appt(NamedTuple):
    id: str
    patient_id: str
    service_id: str
    start: int
    status: str
    created_at: int


# A planned row as read: (appointment_id, id, kind, rule, scheduled_for,
# appointment_start, state, reason, send_at), kept as the result row itself and indexed by these
# names: copying 30,000 rows into tuples or named tuples cost a third of the read.
_Row = tuple[Any, ...]
ID, KIND, RULE, SCHEDULED, START, STATE, REASON, SEND_AT = range(1, 9)
# A message to write: (appointment, kind, rule, scheduled_for, due), as _one found it.
_Add = tuple[_Appt, str, str, int, int]
_Known = tuple[dict[str, list[_Row]], dict[str, int]]  # planned rows, start last told


def plan(
    session: Session, now: datetime, cfg: Config, memo: planscope.Memo | None = None,
    wrote: datetime | None = None,
) -> Planned:  # fmt: skip
    """Plan what is due for the appointments ahead; returns what changed. Without a
    memo, every appointment of the horizon (at most ``MAX_ADDS`` rows written: the next
    plan writes the rest); with one, what changed since the plans it remembers
    (``planscope``). ``now`` decides (the dispatch round's: the endpoint's time with a
    cloud); ``wrote`` (None: ``now``) is this PC's own time, written as when each row
    was planned, withdrawn or skipped (``dispatch._own``)."""
    at, until = to_micros(now), to_micros(now + cfg.horizon)
    switched = confirm_since(session)
    work = _Work(at, min(switched, to_micros(now - NEW_BOOKING)), cfg)
    work.stamp = to_micros(wrote) if wrote is not None else at
    restricted = restricted_ids(session)
    after, top = None, changefeed.last_seq(session)
    if memo is None:
        _everything(session, now, (at, until), work)
        _beyond(session, until, work)
    else:
        begun = planscope.start(memo, (cfg, switched), at, top)
        memo, after = _scoped(session, now, (at, until, top), begun or memo, work)
        if begun is not None:  # a full pass: the settings may have changed
            _beyond(session, until, work)
    _write(session, work)
    _hold(session, restricted, work.stamp)
    _resume(session, at, work.stamp)
    return Planned(len(work.adds), len(work.withdraw), memo, after is not None, top)


class _Work:
    """What one plan writes: the messages to add and the rows to withdraw."""

    def __init__(self, at: int, since: int, cfg: Config) -> None:
        self.at, self.since, self.cfg = at, since, cfg
        self.stamp = at  # this PC's time, written on the rows (``plan``'s ``wrote``)
        self.adds: list[_Add] = []
        self.withdraw: dict[str, str] = {}
        self.retime: dict[str, int] = {}  # a queued reminder's send time now (``_retime``)

    def each(self, appts: list[_Appt], known: _Known) -> _Appt | None:
        """Plan each (in this order) until ``MAX_ADDS`` rows are to be written: the
        last one planned then (None: all were)."""
        rows, told = known
        last = None
        for appt in appts:
            if len(self.adds) >= MAX_ADDS:
                return last  # the next plan goes on: this transaction stays short
            known_one = (rows.get(appt.id, ()), told.get(appt.id))
            _one(appt, known_one, (self.at, self.since), self.cfg, self.adds, self.withdraw)
            _retime(appt, known_one[0], self.cfg, self.withdraw, self.retime)
            last = appt
        return None


def _everything(session: Session, now: datetime, window: tuple[int, int], work: _Work) -> None:
    at, until = window
    appts = _upcoming(session, at, until)
    rows = _planned(session, at, until)
    known = {a.id for a in appts}
    later = [a for a in _changed(session, now, known) if a.start > at]
    appts += later
    rows.update(_planned_for(session, [a.id for a in later]))
    told = _told(session, at, until)
    told.update(_told_for(session, [a.id for a in later]))
    work.each(sorted(appts, key=lambda a: a.start), (rows, told))  # the soonest first


def _scoped(
    session: Session, now: datetime, seen: tuple[int, int, int], memo: planscope.Memo,
    work: _Work,
) -> tuple[planscope.Memo, tuple[int, str] | None]:  # fmt: skip
    """One batch of a full pass, or what changed since, ``seen`` (from, until, and
    the feed's end); the memo after it, and where the full pass goes on (None: it is
    done, or was none)."""
    at, until, top = seen
    window = (at, until)
    if memo.cursor is None:
        found = planscope.changed(session, memo.seq, top)
        appts = None if found is None else _dirty(session, now, window, found, memo.until)
        if appts is not None and len(appts) <= DIRTY_MOST:
            stopped = work.each(appts, _known_of(session, appts))
            if stopped is None:
                return planscope.went_on(memo, at, until, None, top), None
            memo = planscope.full(memo, memo.basis, at, top)  # the rest: from the next batch
            return memo, memo.cursor
        memo = planscope.full(memo, memo.basis, at, top)  # too much: plan everything
    assert memo.cursor is not None
    cursor = _window_pass(session, now, window, memo.cursor, work)
    return planscope.went_on(memo, at, until, cursor, top), cursor


# Appointments a round plans one by one (their rows read by id); more: a full pass.
DIRTY_MOST = 500
# A full pass's batch reads at most PAGES pages of PAGE appointments (a pass that finds
# everything planned, the hourly one, is then short transactions too).
PAGE, PAGES = 1000, 3


def _window_pass(
    session: Session, now: datetime, window: tuple[int, int], cursor: tuple[int, str],
    work: _Work,
) -> tuple[int, str] | None:  # fmt: skip
    """Plan the window's appointments after ``cursor`` (start, id), the soonest first,
    then those beyond it changed within the last day; where to go on (None: done)."""
    at, until = window
    query = text(
        _APPT + " WHERE deleted_at IS NULL AND start_utc > :at AND start_utc <= :until"
        " AND (start_utc > :start OR (start_utc = :start AND id > :id))"
        " ORDER BY start_utc, id LIMIT :n"
    )
    for _ in range(PAGES):
        args = {"at": at, "until": until, "start": cursor[0], "id": cursor[1], "n": PAGE}
        page = [_Appt(*row) for row in session.execute(query, args)]
        known = _known_between(session, page)
        end = len(page) < PAGE
        if end:  # the window's end: then the changes beyond it
            beyond = _changed(session, now, set(), until)
            beyond = sorted((a for a in beyond if (a.start, a.id) > cursor), key=_order)
            rows, told = _known_of(session, beyond)
            known[0].update(rows)
            known[1].update(told)
            page += beyond
        stopped = work.each(page, known)
        if stopped is not None:
            return stopped.start, stopped.id
        if end:
            return None
        cursor = page[-1].start, page[-1].id
    return cursor  # read enough for one transaction: the next one goes on


def _known_between(session: Session, page: list[_Appt]) -> _Known:
    """What is known of a page of the window (in start order): read by the range of
    its starts, through the index on them (others of the same starts come too)."""
    if not page:
        return {}, {}
    lo, hi = page[0].start - 1, page[-1].start
    return _planned(session, lo, hi), _told(session, lo, hi)


def _known_of(session: Session, appts: list[_Appt]) -> _Known:
    ids = [a.id for a in appts]
    return _planned_for(session, ids), _told_for(session, ids)


def _dirty(
    session: Session, now: datetime, window: tuple[int, int], found: tuple[set[str], set[str]],
    planned_until: int,
) -> list[_Appt] | None:  # fmt: skip
    """The appointments to plan again (None: too many, a full pass): those changed (in
    the window, or beyond it changed within the last day, as ``_everything`` has them),
    and those the horizon reached since it last covered them."""
    at, until = window
    changed, told = found
    ids = sorted(changed | told)
    if len(ids) > DIRTY_MOST:
        return None
    query = text(_APPT + " WHERE deleted_at IS NULL AND id IN :ids").bindparams(_expanding())
    appts: dict[str, _Appt] = {}
    for chunk in range(0, len(ids), CHUNK):
        for row in session.execute(query, {"ids": ids[chunk : chunk + CHUNK]}):
            appts[row[0]] = _Appt(*row)
    beyond = {a.id for a in appts.values() if a.start > until}
    recent = _recent(session, now) if beyond else set()
    picked = [a for a in appts.values() if a.start > at and (a.id not in beyond or a.id in recent)]
    reached = text(_APPT + " WHERE start_utc > :lo AND start_utc <= :until AND deleted_at IS NULL")
    lo = max(at, planned_until)
    picked += [
        a for row in session.execute(reached, {"lo": lo, "until": until})
        if (a := _Appt(*row)).id not in appts
    ]  # fmt: skip
    return sorted(picked, key=_order)


def _write(session: Session, work: _Work) -> None:
    at = work.stamp
    if work.adds:
        params = _params(work.adds, at, work.cfg)
        session.connection().exec_driver_sql(_INSERT, params)
    if work.retime:
        session.connection().exec_driver_sql(
            _RETIME, [(send, at, row_id) for row_id, send in work.retime.items()]
        )
    for reason in set(work.withdraw.values()):
        ids = [i for i, r in work.withdraw.items() if r == reason]
        for chunk in range(0, len(ids), CHUNK):
            session.execute(
                text(
                    "UPDATE reminder SET state = 'withdrawn', reason = :reason,"
                    " finished_at = :now, updated_at = :now"
                    " WHERE state = 'pending' AND id IN :ids"
                ).bindparams(_expanding()),
                {"reason": reason, "now": at, "ids": ids[chunk : chunk + CHUNK]},
            )


# The queued messages of appointments beyond the horizon (planned under a longer one,
# or a booking's message of the last day): few, read through ``ix_reminder_due``.
_BEYOND = text(
    "SELECT r.id, r.kind, r.rule, a.service_id FROM reminder r"
    " JOIN appointment a ON a.id = r.appointment_id"
    " WHERE r.state = 'pending' AND a.start_utc > :until"
)


def _beyond(session: Session, until: int, work: _Work) -> None:
    """A full pass's look past the horizon: a queued message its rules no longer ask
    for (``RULE_OFF``) is withdrawn there too, so the queue the desk sees is the one
    that will go (offsets shortened, the horizon shrank: no plan visits them)."""
    for row_id, kind, rule, service_id in session.execute(_BEYOND, {"until": until}):
        if not work.cfg.rules_for(service_id).asks(kind, rule):
            work.withdraw[row_id] = RULE_OFF


def _order(appt: _Appt) -> tuple[int, str]:
    return appt.start, appt.id


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
    " updated_at = :wrote WHERE state = 'skipped' AND send_at > :now AND reason = :reason"
    " AND kind = 'reminder' AND patient_id NOT IN"
    " (SELECT id FROM patient WHERE restricted_at IS NOT NULL)"
    " AND EXISTS (SELECT 1 FROM appointment a WHERE a.id = reminder.appointment_id"
    " AND a.deleted_at IS NULL AND a.status IN ('booked', 'confirmed')"
    " AND a.start_utc = reminder.appointment_start)"
)


def _resume(session: Session, at: int, wrote: int) -> None:
    session.execute(_RESUME, {"now": at, "wrote": wrote, "reason": RESTRICTED})


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


def _changed(
    session: Session, now: datetime, known: set[str], after: int | None = None
) -> list[_Appt]:
    """Appointments beyond the horizon booked, moved or cancelled within the last day
    (for their confirmation, reschedule or cancellation message); those starting after
    ``after`` only, if given."""
    wanted = sorted(_recent(session, now) - known)
    query = text(
        _APPT + " WHERE deleted_at IS NULL AND id IN :ids AND start_utc > :after"
    ).bindparams(_expanding())
    low, found = -(1 << 62) if after is None else after, []
    for chunk in range(0, len(wanted), CHUNK):
        args = {"ids": wanted[chunk : chunk + CHUNK], "after": low}
        found += [_Appt(*r) for r in session.execute(query, args)]
    return found


def _recent(session: Session, now: datetime) -> set[str]:
    """The appointments changed within the last day: read from the change feed's end
    back, so the work is that day's changes, not the whole schedule."""
    since, before, ids = to_micros(now - NEW_BOOKING), 1 << 62, set()
    page_query = text(
        "SELECT seq, entity, row_id, at FROM change_log WHERE seq < :before"
        " ORDER BY seq DESC LIMIT :n"
    )
    while True:
        page = session.execute(page_query, {"before": before, "n": FEED_PAGE}).all()
        ids |= {row_id for _, entity, row_id, at in page if entity == "appointment" and at >= since}
        if len(page) < FEED_PAGE or page[-1][3] < since:
            return ids
        before = page[-1][0]


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
    adds: list[_Add],
    withdraw: dict[str, str],
) -> None:
    at, since = times
    rows, told = known
    rules = cfg.rules_for(appt.service_id)
    # Keys by the rule's identity (``rule_key``): a row planned under "24h" is the
    # rules' "1d" message, neither planned again nor withdrawn.
    lost = {
        (rule_key(r[RULE]), r[SCHEDULED])
        for r in rows
        if r[REASON] == ROLE_LOST and r[START] == appt.start
    }
    past = _past(rows, appt.start, told)
    rows = [r for r in rows if r[REASON] != ROLE_LOST and r[ID] not in past]
    keys = {(rule_key(r[RULE]), r[SCHEDULED]) for r in rows}
    for r in rows:  # a more telling reason below (moved, cancelled) replaces this one
        if r[STATE] == "pending" and not rules.asks(r[KIND], r[RULE]):
            withdraw[r[ID]] = RULE_OFF

    def add(kind: str, rule: str, scheduled: int, due: int) -> None:
        key = (rule_key(rule), scheduled)
        if key in keys:
            return
        keys.add(key)
        adds.append((appt, kind, rule, scheduled, due))

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
        if passed and (rule_key(label), scheduled) not in lost:  # planned here before: one to send
            continue  # its time passed before it was one to send
        add("reminder", label, scheduled, scheduled)


_US = timedelta(microseconds=1)


# A queued reminder not yet tried nor waiting (a try's or quiet hours' wait at sending:
# ``next_try_at``; a person's resend) is given its send time under the settings now.
_RETIME = (
    "UPDATE reminder SET send_at = ?, updated_at = ? WHERE id = ? AND state = 'pending'"
    " AND attempts = 0 AND next_try_at IS NULL AND claimed_at IS NULL"
)


def _retime(
    appt: _Appt, rows: list[_Row] | tuple[()], cfg: Config, withdraw: dict[str, str],
    retime: dict[str, int],
) -> None:  # fmt: skip
    """The appointment's queued reminders shifted past quiet hours (sent later than
    their time) given the send time the quiet hours as they are now give them: narrowed
    after planning, the message goes when they end now (07:00, not 08:00); widened, or
    switched off, likewise. Only shifted rows: one planned at its own time that quiet
    hours widened over is held at sending (``compose.decide``), as is one whose new
    quiet hours give no time to send before the start. A full pass follows any change
    of the settings (``planscope``), so each change reaches every queued reminder."""
    quiet, mode, tz = (cfg.quiet_start, cfg.quiet_end), cfg.quiet_mode, cfg.tz
    for r in rows:
        if (
            r[KIND] != "reminder" or r[STATE] != "pending" or r[REASON] or r[START] != appt.start
            or r[SEND_AT] == r[SCHEDULED] or r[ID] in withdraw
        ):  # fmt: skip
            continue
        when = send_time(from_micros(r[SCHEDULED]), from_micros(appt.start), quiet, mode, tz)
        if when is not None and (send := (when - _EPOCH) // _US) != r[SEND_AT]:
            retime[r[ID]] = send


def _past(rows: list[_Row] | tuple[()], start: int, told: int | None) -> set[str]:
    """The rows of the appointment's start now that are no part of its plan any more,
    the booking having moved away and back since they were written: reminders
    withdrawn "moved" (its reminders go again), and a reschedule message that told the
    patient this start before another was told since (it goes again); and messages
    withdrawn because the rules no longer asked for them (``RULE_OFF``: planned again
    if they ask again). A message of the same key takes each one's place (``_INSERT``)."""
    return {
        r[ID]
        for r in rows
        if r[START] == start
        and (
            (r[STATE] == "withdrawn" and r[REASON] in ("moved", RULE_OFF))
            or (r[KIND] == "reschedule" and r[STATE] == "sent" and told not in (None, start))
        )
    }


def _params(adds: list[_Add], at: int, cfg: Config) -> list[tuple[object, ...]]:
    """The ``_INSERT`` rows of the messages to add (positional: binding 20,000 rows by
    name through the SQL layer cost more than writing them); ``at``: this PC's time,
    written as when they were planned."""
    tz, quiet, mode = cfg.tz, (cfg.quiet_start, cfg.quiet_end), cfg.quiet_mode
    out: list[tuple[object, ...]] = []
    for row_id, (appt, kind, rule, scheduled, due) in zip(new_ids(len(adds)), adds, strict=True):
        when = send_time(from_micros(due), from_micros(appt.start), quiet, mode, tz)
        sent = ((when - _EPOCH) // _US, "pending", "", None) if when else (due, "skipped",
                "quiet_hours", at)  # fmt: skip
        out.append((row_id, appt.id, appt.patient_id, kind, rule, scheduled, sent[0],
                    appt.start, sent[1], sent[3], sent[2], at, at))  # fmt: skip
    return out


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

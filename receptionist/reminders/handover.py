"""Taking over the sending from another sender, kept in the file (``ReminderHandover``).

Two ways a PC starts sending where another sender left off, and cannot know exactly
what that one sent:

- ``lease``: the endpoint's reminders lease moved here from another PC; the endpoint
  says, in every answer while this PC holds it, how long ago the other last renewed
  it: the ``cutoff`` (``sync/reminderlease.py``);
- ``restore``: this file was restored from a backup; its reminder rows are back to
  the backup's state, while this PC may have sent more before the restore. The
  sender it takes over from is itself as it was, and the cutoff is the restore.

The rule is the same (``dispatch._handed_over``): the previous sender answered for
what was due, and for the moves and cancellations made (or heard of here), up to the
cutoff, and for
the confirmation of every booking made before it that it could have seen. A booking
it could not have seen is one that reached this PC only after a sync that began after
the cutoff: the ``mark`` is the change feed's sequence when such a sync is first
known to have finished; or one made on this PC and pushed only after the cutoff:
``pushed`` is how far the endpoint had accepted this PC's own changes when it heard
the renewal that is the cutoff (``watch``; a batch packed and still waiting, its push
failed or refused, is not accepted: ``SyncState.accepted_change``; one the endpoint
applied by then, its answer lost, is once its retry says so: ``applied_before``, also
after the takeover, whose messages of such a batch's bookings wait for that answer:
``unanswered``), and
a change of its own after it is not the previous sender's. A missed confirmation is preferred to
a double one: the reminders of the booking still go. Kept in the file, so a restart changes nothing.

Each round reads the change feed after the mark (``dispatch._seen_before``); the
feed only grows, so once every appointment whose change came after the mark is
planned here and its messages weighed, the mark (and ``pushed``, also while the mark
waits for its sync) moves on to the feed's end as that round planned (``advance``):
nothing the old mark would decide otherwise is left. An appointment no plan looks at
yet (beyond the planning horizon, its change older than a day) does not hold the mark
back for weeks: the mark moves past it, and if its change is one the previous sender
never saw, the appointment is kept (``reminder_handover_late``, ``late``) and counts
as after the mark until it begins.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select, text
from sqlalchemy.orm import Session

from receptionist.models import (
    ChangeEntry,
    Reminder,
    ReminderHandover,
    ReminderHandoverLate,
    SyncState,
    to_micros,
)
from receptionist.store.storage import fsync_dir

from .plan import NEW_BOOKING, ROLE_LOST, TOLD_ORDER, TOLD_WHERE

Kind = Literal["lease", "restore"]
# Cutoffs this close are one handover: the endpoint answers an age, which this PC's
# clock turns into a time a little different each round.
SAME = timedelta(minutes=5)
# A sync round that finished this long after the cutoff began after it (a round's
# pull takes seconds; a long download resumes in the next).
SYNC_SLACK = timedelta(minutes=10)
# A lease's cutoff is this long after the previous holder's last renewal: its round may
# still have been sending then (``sync/reminderlease.py``).
SENDING_AFTER = timedelta(minutes=1)
# What this PC's clock and the endpoint's age in seconds may round a renewal's time by.
ROUNDING = timedelta(seconds=1)
REASONS: dict[str, str] = {"lease": "other_station", "restore": "restored"}
WATCH = "watch"  # not a handover: what a stand-by saw of the holder (``watch``)


@dataclass(frozen=True)
class Handover:
    kind: str
    cutoff: datetime  # this PC's clock, as its syncs, changes and bookings (``note``)
    mark: int | None  # None: every booking here before the cutoff could have been seen
    # Only this PC's own changes after it were pushed after the cutoff (None: not known)
    pushed: int | None = None
    # A lease's cutoff in the endpoint's time, as it said it (``note``), or a restore's
    # as its first round read it (``current``): what was due by it (None: ``cutoff``
    # moved by the round's skew). Not compared: it says the same cutoff on the other
    # clock.
    endpoint_cutoff: datetime | None = field(default=None, compare=False)
    # A lease a person forced from its holder (the cutoff: the force): that holder's last
    # renewal before it, a minute after, in the endpoint's time, as each round hears it
    # (``station.Hold.doubted``; the round's, kept in the file for ``applied_before``):
    # what it answered for after this it may or may not have sent (``dispatch._leave``).
    # None: not forced, or not known.
    doubted: datetime | None = field(default=None, compare=False)

    @property
    def reason(self) -> str:
        return REASONS[self.kind]


def note(
    session: Session, kind: Kind, cutoff: datetime, now: datetime,
    skew: timedelta = timedelta(0), doubted: datetime | None = None,
) -> None:  # fmt: skip
    """This PC took over at ``cutoff`` (kept, unless it is the handover already kept).
    A lease's mark is the one this PC watched while standing by, if it saw the holder's
    last renewal (``watch``). ``now`` is this PC's time; ``cutoff`` is the endpoint's,
    kept as it is (``endpoint_cutoff``) and less ``skew`` (the endpoint's time less
    this PC's, ``station.Hold.skew``) as ``cutoff``: the one place a handover's cutoff
    comes onto this PC's clock, where its syncs, its changes and the bookings made here
    are written, so every check below compares times of one clock. Whether it is the
    handover kept, and what was due by it (``dispatch._handed_over``), are read from
    the endpoint's: a correction of this PC's clock since (a new skew) moves neither.
    A lease a person forced (``doubted``: its holder's last renewal, a minute after, the
    endpoint's time; the cutoff is the force) takes the mark watched for that renewal:
    what reached this PC after the holder went silent was never its to see; that renewal
    is kept with it (``doubted``, 0039), so a push's resend answered after the takeover
    still finds the renewal watched (``applied_before``)."""
    row = session.get(ReminderHandover, kind)
    if row is not None:
        # A row from before 0037 keeps no endpoint's cutoff: read as it was, on this
        # round's skew, and the endpoint's kept from now on if it is the same handover.
        kept = row.endpoint_cutoff if row.endpoint_cutoff is not None else row.cutoff + skew
        if abs(kept - cutoff) <= SAME:
            if row.endpoint_cutoff is None:
                row.endpoint_cutoff = cutoff
            if row.doubted is None and doubted is not None and doubted < kept:
                row.doubted = doubted  # a forced handover kept before 0039
            return
    said, cutoff = cutoff, cutoff - skew
    if doubted is not None and doubted >= said:
        doubted = None  # the holder renewed up to the force: nothing in doubt
    heard = said if doubted is None else doubted
    mark, pushed = _watched(session, heard - skew, heard) if kind == "lease" else (None, None)
    _forget_late(session, kind)
    if row is None:
        row = ReminderHandover(
            kind=kind, cutoff=cutoff, mark=mark, pushed=pushed, updated_at=now,
            endpoint_cutoff=said, doubted=doubted,
        )  # fmt: skip
        session.add(row)
    else:
        row.cutoff, row.mark, row.pushed, row.updated_at = cutoff, mark, pushed, now
        row.endpoint_cutoff, row.doubted = said, doubted
    session.flush()


def _forget_late(session: Session, kind: str) -> None:
    """A new handover of ``kind``: what the one it replaces kept is not its own."""
    session.execute(delete(ReminderHandoverLate).where(ReminderHandoverLate.kind == kind))


def watch(
    session: Session, renewed: datetime | None, now: datetime, heard: datetime | None = None
) -> None:
    """A stand-by's round heard that another PC holds the lease, last renewed at
    ``renewed`` (the endpoint's time). The ``watch`` row keeps that renewal as its
    ``cutoff`` (the endpoint's time: compared only with the endpoint's, the next renewal
    heard and ``applied_before``'s ``applied_at``) and, as ``updated_at``, this PC's
    time (``now``, its own clock, not the round's) when it first heard of it; once
    the holder has not renewed since and a sync finished over ``SYNC_SLACK`` after
    then, its ``mark`` is the change feed's sequence: what reaches this PC after it
    was never on the endpoint while the holder renewed. A takeover whose cutoff is
    that renewal takes the mark (``note``): a booking made offline that reached this
    PC late in the day the holder's lease ran after it went silent is confirmed.
    Its ``pushed`` is how far the endpoint had accepted this PC's own changes then
    (``_ACCEPTED``: not a batch still waiting for its answer): one made here after it
    reached the endpoint after that renewal (a booking made on the stand-by and pushed
    late, or whose push failed, is the stand-by's to confirm). ``heard``: the round's
    time (the endpoint's) as it first heard it, kept as ``endpoint_cutoff``: whether
    it heard it soon enough is told on the endpoint's clock (``_heard``)."""
    if renewed is None:
        return
    row = session.get(ReminderHandover, WATCH)
    pushed = session.scalar(select(_ACCEPTED))
    if row is None:
        session.add(
            ReminderHandover(
                kind=WATCH, cutoff=renewed, mark=None, pushed=pushed, updated_at=now,
                endpoint_cutoff=heard,
            )
        )  # fmt: skip
    elif row.cutoff != renewed:  # the holder renewed since: it may see what is here now
        row.cutoff, row.mark, row.pushed, row.updated_at = renewed, None, pushed, now
        row.endpoint_cutoff = heard
    elif row.mark is None:
        synced = session.scalar(select(SyncState.last_sync_at))
        if synced is not None and synced > row.updated_at + SYNC_SLACK:
            row.mark = session.scalar(select(func.max(ChangeEntry.seq))) or 0
    session.flush()


def applied_before(session: Session, applied_at: datetime | None) -> None:
    """The endpoint answered the batch waiting here as one it had applied already, at
    ``applied_at`` (its time; a retry after a lost answer, docs/sync-protocol.md; None:
    it did not say when, an endpoint older than s0009). If that was no later than the
    renewal the ``watch`` row keeps, the holder could have seen the batch: ``pushed``
    moves up to the batch's last change (a missed confirmation is preferred to a double
    one), on the ``watch`` row and on the ``lease`` handover that took it from there
    (``_heard``: this PC took over since, its resend still unanswered; the batch's
    bookings are the holder's all the same; after a forced takeover, of the renewal
    before the force: ``_followed``), and the appointments that handover kept
    as news the holder never saw only for a change of the batch are news no more
    (``_relate``). Not said when, it could have been unless the batch holds a change
    made after this PC first heard that renewal (the batch was packed, so first sent,
    after it: the endpoint heard the renewal first); so it moves up unless so. A
    ``restore`` handover is left alone: its previous sender is this PC as the backup
    left it, not the holder, and what it sent never hung on the endpoint. Called before
    the batch is forgotten."""
    row = session.get(ReminderHandover, WATCH)
    if row is None or row.pushed is None:
        return
    if applied_at is None and _packed_after(session, row.updated_at):
        return
    if applied_at is not None and applied_at > row.cutoff:
        return
    last = session.scalar(select(SyncState.pushed_change))  # the waiting batch's last
    if last is None:
        return
    taken = session.get(ReminderHandover, "lease")
    behind = taken is not None and taken.pushed is not None and last > taken.pushed
    if taken is not None and behind and _heard(row, *_followed(taken)):
        taken.pushed = last
        _relate(session, taken)
    if last > row.pushed:
        row.pushed = last
    session.flush()


def _followed(taken: ReminderHandover) -> tuple[datetime, datetime | None]:
    """The time a ``lease`` handover followed the holder's last renewal by, on this PC's
    clock and in the endpoint's (as ``note`` took its ``watch`` row for it): its cutoff;
    or, for one a person forced (``doubted``), that holder's last renewal before the
    force, a minute after (before 0039 it was not kept, the force was taken for it, and
    a resend answered after a forced takeover never moved its ``pushed``)."""
    said = taken.endpoint_cutoff
    if taken.doubted is None or said is None:
        return taken.cutoff, said
    return taken.cutoff - (said - taken.doubted), taken.doubted


def _packed_after(session: Session, heard: datetime) -> bool:
    """Whether the batch waiting here holds a change of this PC's made after ``heard``
    (this PC's time): the batch was packed after then."""
    c = ChangeEntry
    found = select(c.seq).where(
        c.seq > select(_ACCEPTED).scalar_subquery(),
        c.seq <= select(SyncState.pushed_change).scalar_subquery(),
        c.origin.is_(None), c.at > heard,
    ).limit(1)  # fmt: skip
    return session.scalar(found) is not None


# How far the endpoint had accepted this PC's own changes (0031): a batch packed and
# still waiting (its push failed or was refused) never reached the holder.
_ACCEPTED = func.coalesce(SyncState.accepted_change, SyncState.pushed_change)


# The messages a handover weighs by what the previous sender could have seen (the
# reminders due by the cutoff are its own whatever it saw).
WEIGHED = ("confirmation", "reschedule", "cancellation")


def unanswered(taken: list[Handover]) -> ColumnElement[bool] | None:
    """A condition on a queued message: one a ``lease`` handover may yet find the
    previous sender's, once the endpoint answers a batch of this PC's still waiting
    (None: none can be). Its appointment changed here by the cutoff, after ``pushed``,
    in a batch packed and not answered: sent before the holder's last renewal, its
    answer lost, the endpoint may have applied it by then (``applied_before`` says so
    once the resend is answered); or it never arrived. Such a message waits for the
    answer: a missed confirmation is preferred to a double one, and one not seen by
    the holder is not lost. A change never packed reached nobody: no wait. A move or
    cancellation message waits only for a change that moved or cancelled the booking
    (``moved`` not False, as ``dispatch._NEWS``; not its insert): the holder announced
    no move it never saw, so one made after the cutoff is this PC's news whatever the
    answer, and goes (before, the booking's insert in the batch held it, and a batch
    refused until the start kept the patient from hearing of the new time)."""
    c = ChangeEntry
    answered = select(_ACCEPTED).scalar_subquery()
    packed = select(SyncState.pushed_change).scalar_subquery()
    in_batch = (c.seq > answered) & (c.seq <= packed) & c.origin.is_(None)
    of_it = (c.entity == "appointment") & (c.row_id == Reminder.appointment_id)
    news = Reminder.kind.in_(("reschedule", "cancellation"))
    weighs = or_(~news, (c.kind != "insert") & c.moved.is_not(False))
    found = [
        exists().where(in_batch, of_it, weighs, c.seq > t.pushed, c.at <= t.cutoff)
        for t in taken
        if t.pushed is not None
    ]
    return Reminder.kind.in_(WEIGHED) & or_(*found) if found else None


def _watched(
    session: Session, cutoff: datetime, said: datetime | None
) -> tuple[int | None, int | None]:
    """The mark and the pushed sequence watched while standing by, if this PC heard
    the renewal the cutoff follows (``_heard``; else None: not known)."""
    row = session.get(ReminderHandover, WATCH)
    if row is None or not _heard(row, cutoff, said):
        return None, None
    return row.mark, row.pushed


def _heard(row: ReminderHandover, cutoff: datetime, said: datetime | None) -> bool:
    """Whether the ``watch`` row is of the renewal a lease's cutoff follows
    (``SENDING_AFTER`` before it; a renewal heard earlier was followed by one this PC
    never heard, when the holder may have seen what this PC pushed since), and this PC
    first heard it within ``SAME`` after the cutoff. Told on one clock, the endpoint's:
    the row's renewal as the endpoint said it (``cutoff``) against the cutoff as it
    said it (``said``), and when this PC first heard it, in the endpoint's time then
    (``endpoint_cutoff``). Before, when this PC heard it was read on its own clock as
    it was then against the cutoff moved onto its clock as it is now: a clock put
    right in between took the renewal heard for another. A row or a cutoff kept before
    that (None) is read as it was, both on this PC's clock (``cutoff``, as
    ``updated_at``)."""
    if said is not None:
        renewed = said - SENDING_AFTER  # the holder's last renewal, the endpoint's time
        if abs(row.cutoff - renewed) > ROUNDING:
            return False
        if row.endpoint_cutoff is not None:
            return row.endpoint_cutoff - said <= SAME
    renewed = cutoff - SENDING_AFTER  # the holder's last renewal, in this PC's time
    return not (row.updated_at < renewed - ROUNDING or row.updated_at - cutoff > SAME)


def restored(session: Session, now: datetime) -> None:
    """This file was just restored from a backup: it takes over from itself as it was.
    ``now`` is this PC's time; the cutoff in the round's time (the endpoint's, with a
    cloud) is fixed by the first round that reads it (``current``)."""
    row = session.get(ReminderHandover, "restore")
    _forget_late(session, "restore")
    if row is None:
        session.add(ReminderHandover(kind="restore", cutoff=now, mark=None, updated_at=now))
    else:
        row.cutoff, row.mark, row.updated_at = now, None, now
        row.endpoint_cutoff = None
    session.flush()


# Beside the clinic file while a restore puts the backup's file in place and until it
# has written ``restored`` in it: a restore cut short between the two is still known.
RESTORING = "reminders-restoring"


def restoring(root: Path, now: datetime) -> None:
    """A restore is about to put a backup's file in place in the data folder ``root``:
    its time, kept beside it (on the disk) until :func:`restore_written`."""
    marker = root / RESTORING
    with open(marker, "w", encoding="ascii") as out:
        out.write(now.isoformat())
        out.flush()
        os.fsync(out.fileno())
    fsync_dir(root)


def restore_written(root: Path) -> None:
    """The restore's handover is in the file (or the restore put nothing in place)."""
    (root / RESTORING).unlink(missing_ok=True)


def cut_short(session: Session, root: Path, now: datetime) -> bool:
    """A restore that put its file in place and stopped before it wrote ``restored``
    in it: written now, with the restore's time (True: the caller removes the marker
    once this is committed). Nothing is sent before this is asked. ``now``: this PC's
    time, as the restore's (a restore's cutoff is on this PC's clock)."""
    try:
        said = (root / RESTORING).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return False
    try:
        at = datetime.fromisoformat(said)
    except ValueError:
        at = now  # unreadable: the restore was no later than now
    restored(session, at if at.tzinfo is not None else now)
    return True


# The start the patient was last told of the appointment ``a`` (as planning reads it:
# ``plan.TOLD_ORDER``, newest first), or NULL where no message of it is logged.
_NEWEST_FIRST = ", ".join(f"{key} DESC" for key in TOLD_ORDER)
_LAST_TOLD = (
    "SELECT c.appointment_start FROM communication_entry c"
    f" WHERE c.appointment_id = a.id AND {TOLD_WHERE} ORDER BY {_NEWEST_FIRST} LIMIT 1"
)


# A change, after a handover's mark and up to the feed's end as a round planned it,
# of an appointment the mark may still decide for (the condition): one made before the
# cutoff (a later one's messages are this PC's whatever the mark says) and not begun,
# with a message the handover has yet to weigh (a confirmation, reschedule or
# cancellation still queued), or one a later plan may still write for it: a
# confirmation (nothing planned for it yet, booked recently enough to be confirmed; or
# one withdrawn "role_lost" for its start, planned again), a reschedule (planned for
# another start, or the patient last told another start, and none planned for this
# one), a cancellation (cancelled, planned before or a message of it logged, no
# cancellation yet). Rows withdrawn when this PC lost the role are not its plan, in
# every clause (a plan afresh writes their messages again: ``plan.ROLE_LOST``).
_UNDECIDED = (
    " c.entity = 'appointment' AND c.seq > :mark AND c.seq <= :top"
    " AND a.deleted_at IS NULL AND a.start_utc > :now AND a.created_at <= :cutoff AND ("
    " EXISTS (SELECT 1 FROM reminder r WHERE r.appointment_id = a.id AND r.state = 'pending'"
    " AND r.kind != 'reminder')"
    " OR (a.status IN ('booked', 'confirmed') AND a.created_at >= :since AND NOT EXISTS"
    " (SELECT 1 FROM reminder r WHERE r.appointment_id = a.id AND r.reason != :lost))"
    " OR (a.status IN ('booked', 'confirmed') AND EXISTS (SELECT 1 FROM reminder r"
    " WHERE r.appointment_id = a.id AND r.reason = :lost AND r.kind = 'confirmation'"
    " AND r.appointment_start = a.start_utc))"
    " OR (a.status IN ('booked', 'confirmed') AND EXISTS (SELECT 1 FROM reminder r"
    " WHERE r.appointment_id = a.id AND r.reason != :lost) AND NOT EXISTS"
    " (SELECT 1 FROM reminder r WHERE r.appointment_id = a.id AND r.reason != :lost"
    " AND r.appointment_start = a.start_utc))"
    " OR (a.status IN ('booked', 'confirmed') AND (" + _LAST_TOLD + ") != a.start_utc"
    " AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.appointment_id = a.id"
    " AND r.reason != :lost AND r.kind = 'reschedule' AND r.appointment_start = a.start_utc))"
    " OR (a.status = 'cancelled' AND (EXISTS (SELECT 1 FROM reminder r"
    " WHERE r.appointment_id = a.id AND r.reason != :lost AND r.kind != 'cancellation')"
    " OR EXISTS (" + _LAST_TOLD + "))"
    " AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.appointment_id = a.id"
    " AND r.reason != :lost AND r.kind = 'cancellation')))"
)
_CHANGES = "FROM change_log c JOIN appointment a ON a.id = c.row_id WHERE"
# Of those, a change no plan looks at yet: its appointment beyond the planning horizon
# (``:until``), the change older than a day (``plan._changed``), nothing of it queued.
# It may stay undecided for weeks: the mark moves past it, the appointment kept in
# ``reminder_handover_late`` if the change is one the previous sender never saw
# (``_LATE``: after the mark, or made here after ``pushed``) and is news: an insert, a
# move or a cancellation (``moved`` not 0, as ``dispatch._NEWS``); a later note or
# status alone does not make a move the previous sender saw one it missed.
_FAR = (
    "(a.start_utc > :until AND c.at < :recent AND NOT EXISTS (SELECT 1 FROM reminder r"
    " WHERE r.appointment_id = a.id AND r.state = 'pending' AND r.kind != 'reminder'))"
)
_LATE = "(c.seq > :late_mark OR (c.seq > :late_pushed AND c.origin IS NULL)) AND c.moved IS NOT 0"
_FIRST_NEAR = text(f"SELECT min(c.seq) {_CHANGES}{_UNDECIDED} AND NOT {_FAR}")
_FAR_LATE = text(
    f"SELECT c.row_id, max(c.kind = 'insert') {_CHANGES}{_UNDECIDED} AND {_FAR} AND {_LATE}"
    " GROUP BY c.row_id"
)
_KEEP_LATE = text(
    "INSERT INTO reminder_handover_late (kind, appointment_id, inserted)"
    " VALUES (:kind, :id, :inserted) ON CONFLICT (kind, appointment_id)"
    " DO UPDATE SET inserted = inserted OR excluded.inserted"
)
_GONE_LATE = text(  # a look-up by id per row kept: not a list of every appointment ahead
    "DELETE FROM reminder_handover_late WHERE kind = :kind AND NOT EXISTS"
    " (SELECT 1 FROM appointment a WHERE a.id = reminder_handover_late.appointment_id"
    " AND a.start_utc > :now AND a.deleted_at IS NULL)"
)
_NEVER = 1 << 62  # a sequence no change reaches: no mark (or no ``pushed``) known
# A kept appointment's change that is still one the previous sender never saw, with
# ``pushed`` moved up (``_relate``): read from the lower of the two on (``:low``).
_STILL_LATE = (
    "EXISTS (SELECT 1 FROM change_log c WHERE c.seq > :low AND c.entity = 'appointment'"
    " AND c.row_id = reminder_handover_late.appointment_id AND {also}" + _LATE + ")"
)
_RELATE = (
    text(
        "UPDATE reminder_handover_late SET inserted = 0 WHERE kind = :kind AND inserted"
        " AND NOT " + _STILL_LATE.format(also="c.kind = 'insert' AND ")
    ),
    text(
        "DELETE FROM reminder_handover_late WHERE kind = :kind AND NOT "
        + _STILL_LATE.format(also="")
    ),
)


def advance(
    session: Session, kind: str, top: int, since: datetime, now: datetime,
    until: datetime | None = None,
) -> None:  # fmt: skip
    """Move the ``kind`` handover's mark and ``pushed`` on to ``top`` (the feed's end
    when the round planned), or to just before the first change the mark may still
    decide for (``_UNDECIDED``): what reached this PC up to there is planned here and
    weighed, so the rounds read the feed from there on, not from an ever older mark;
    ``pushed`` moves on while the mark is not known yet too. ``since``:
    bookings made since then are confirmed when first planned (``plan``). ``until``:
    the planning horizon's end; a change no plan looks at before it does not hold the
    mark back (``_FAR``: kept in ``reminder_handover_late``; None: every one does)."""
    row = session.get(ReminderHandover, kind)
    low = behind(row.mark, row.pushed, top) if row is not None else None
    if row is None or low is None:
        return
    params = {
        "mark": low, "top": top, "now": to_micros(now), "cutoff": to_micros(row.cutoff),
        "since": to_micros(since), "lost": ROLE_LOST, "kind": kind,
        "until": to_micros(until) if until is not None else _NEVER,
        "recent": to_micros(now - NEW_BOOKING),
    }  # fmt: skip
    first = session.scalar(_FIRST_NEAR, params)
    _keep_late(session, row, params)
    moved_to = top if first is None else int(first) - 1
    if row.mark is not None and moved_to > row.mark:
        row.mark, row.updated_at = moved_to, now
    if row.pushed is not None and moved_to > row.pushed:
        row.pushed, row.updated_at = moved_to, now


def _keep_late(session: Session, row: ReminderHandover, params: dict[str, object]) -> None:
    """The appointments the mark moves past undecided (``_FAR``) whose change the
    previous sender never saw, kept; those begun or gone since, dropped."""
    late = {
        "late_mark": _NEVER if row.mark is None else row.mark,
        "late_pushed": _NEVER if row.pushed is None else row.pushed,
    }
    found = session.execute(_FAR_LATE, {**params, **late}).all()
    if found:
        rows = [{"kind": row.kind, "id": i, "inserted": bool(ins)} for i, ins in found]
        session.execute(_KEEP_LATE, rows)
    session.execute(_GONE_LATE, params)


def _relate(session: Session, row: ReminderHandover) -> None:
    """``row``'s ``pushed`` moved up (``applied_before``): an appointment it kept
    (``_keep_late``) for a change of this PC's after the old ``pushed`` and not after
    the new one is news the previous sender could have seen after all; one with a
    change still after either is kept (as a booking it never saw only if that change
    is its insert)."""
    late = {
        "late_mark": _NEVER if row.mark is None else row.mark,
        "late_pushed": _NEVER if row.pushed is None else row.pushed,
    }
    params = {**late, "kind": row.kind, "low": min(late.values())}
    for statement in _RELATE:
        session.execute(statement, params)


def late(kind: str, inserted: bool) -> Select[str]:
    """The appointments kept for the ``kind`` handover (``_keep_late``) whose change
    (``inserted``: whose booking) the previous sender never saw."""
    found = select(ReminderHandoverLate.appointment_id).where(ReminderHandoverLate.kind == kind)
    return found.where(ReminderHandoverLate.inserted) if inserted else found


def behind(mark: int | None, pushed: int | None, top: int) -> int | None:
    """Where a handover's check reads the change feed from, if that is before ``top``
    (None: it reads nothing before it): the lower of the mark and ``pushed``; a change
    after either may still decide. ``pushed`` moves on while the mark waits for a sync
    after the cutoff (None: not known yet)."""
    known = [at for at in (mark, pushed) if at is not None]
    low = min(known) if known else None
    return low if low is not None and low < top else None


def current(session: Session, now: datetime, skew: timedelta = timedelta(0)) -> list[Handover]:
    """The handovers kept, each with its mark set once a sync after its cutoff is known
    to have finished (both on this PC's clock; ``now`` too). A restore's cutoff, kept
    on this PC's clock (the restore knows no endpoint), is put in the round's time
    (``skew``: the endpoint's less this PC's, this round) by the first round that reads
    it, and kept so (``endpoint_cutoff``): what was due by it is read there from then
    on, so a correction of this PC's clock since (a new skew) does not move it (before,
    each round moved it by its own skew: a clock put right five minutes back skipped
    what fell due in those five minutes as sent before the restore)."""
    kept = select(ReminderHandover).where(ReminderHandover.kind != WATCH)
    rows = list(session.scalars(kept.order_by(ReminderHandover.kind)))
    for row in rows:
        if row.kind == "restore" and row.endpoint_cutoff is None:
            row.endpoint_cutoff = row.cutoff + skew
    if any(row.mark is None for row in rows):
        synced = session.scalar(select(SyncState.last_sync_at))
        for row in rows:
            if row.mark is None and synced is not None and synced > row.cutoff + SYNC_SLACK:
                row.mark = session.scalar(select(func.max(ChangeEntry.seq))) or 0
                row.updated_at = now
    return [
        Handover(row.kind, row.cutoff, row.mark, row.pushed, row.endpoint_cutoff) for row in rows
    ]

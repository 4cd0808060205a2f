"""A stand-by's own changes at a takeover (#14): only its own unpushed MOVE (or
cancellation) is news the old holder never saw; any other change it made to a booking
(a status, a note) does not make the old holder's reschedule message its own to send.

The feed records whether an appointment's change moved or cancelled it (``moved``,
migration 0032): ``dispatch._own_late`` and ``dispatch._seen_before`` weigh only such
changes (and inserts) of this PC's made after what it had pushed at the cutoff.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from reminderclinic import at, make
from sqlalchemy import func, select, update
from test_reminder_lease import book, pcs, provider, round_of, states
from test_reminder_takeover import move
from test_reminder_told_gaps import confirm, sent_by
from test_two_pcs import Pc, settle

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.journal import changefeed
from receptionist.models import Appointment, ChangeEntry, Reminder
from receptionist.ops import settings
from receptionist.reminders import config, dispatch, handover, plan
from receptionist.schedule import booking
from receptionist.store.storage import Database

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def annotate(pc: Pc, appointment: str) -> None:
    """A note on the booking (the patient called): a change that is not a move."""
    with pc.db.write() as s:
        appt = s.get(Appointment, appointment)
        assert appt is not None
        appt.notes = "called: parking?"
        appt.touch(pc.ctx.clock.now())


@SQLITE_ONLY
def test_the_stand_by_s_own_change_is_news_only_if_it_moved_the_booking(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A moves W; B hears the move, then confirms W itself (not a move) and moves V
    itself, neither pushed when A last renews; A sends W's reschedule message in that
    round and goes off before its log entry syncs. B, which planned both reschedule
    messages while standing by, takes over, noting a call on W first (a change after
    the cutoff: whether W's message is A's is its plan's time to say, not W's last
    change): W's is A's (B's own change of W before it is no move), V's is B's (A never
    saw that move): sent once, and not again in the next round."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    w = book(a, "Wim", 64, "05321112233")
    v = book(a, "Veli", 40, "05324445566")
    assert sent_by(a, sender) == sorted([(w, "confirmation"), (v, "confirmation")])
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans W and V at their starts
    move(a, w, 2)
    settle(a, b)  # B hears W's move (A has not announced it yet)
    confirm(b, w)  # B's own change of W: not a move
    move(b, v, 3)  # B's own move of V
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(w, "reschedule")]  # A's last renewal: the cutoff
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it, plans both
    assert states(b, w)["reschedule"] == ("pending", "")
    assert states(b, v)["reschedule"] == ("pending", "")
    clock.advance(minutes=65)  # A's lease ran out; the messages are within the late limit
    annotate(b, w)
    settle(b)  # B's changes reach the endpoint only now; A's log entry never does
    assert sent_by(b, sender) == [(v, "reschedule")]
    assert states(b, w)["reschedule"] == ("skipped", "other_station")
    assert sent_by(b, sender) == []  # exactly once
    assert len(server.messages) == 4


def pulled_move(db: Database, clock: FixedClock, appointment: str, start: datetime) -> None:
    """The old holder's move of the booking, as sync applies it here."""
    with db.write() as s, changefeed.applying(s, "old-holder"):
        appt = s.get(Appointment, appointment)
        assert appt is not None
        appt.start_utc, appt.end_utc = start, start + timedelta(minutes=30)
        appt.touch(clock.now())


def test_the_feed_says_which_change_moved_and_the_takeover_weighs_only_those(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """The feed's ``moved``: a move heard from another PC, a move and a cancellation made
    here say so; a confirmation made here says not; an insert says nothing. X, moved by
    the old holder and then confirmed here, and Y, moved here, both after what this PC
    had pushed at the cutoff, get their reschedule messages planned only after the
    cutoff: X's is the old holder's (skipped), Y's this PC's (left to go)."""
    clinic = make(db, ctx, clock)
    clinic.set(offsets="")  # news only
    patient = clinic.patient(1)
    x, y, z = (clinic.book(patient, at(4, hour)) for hour in (10, 12, 14))
    with db.write() as s:
        plan.plan(s, clock.now(), config.load(s))
        s.execute(update(Reminder).values(state="sent"))  # the old holder's confirmations
        pushed = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
    pulled_move(db, clock, x, at(4, 11))
    with db.write() as s:
        booking.set_status(s, ctx, x, "confirmed")
    clinic.move(y, at(4, 13))
    clinic.cancel(z)
    with db.read() as s:
        query = select(ChangeEntry.row_id, ChangeEntry.kind, ChangeEntry.origin, ChangeEntry.moved)
        feed = s.execute(query.where(ChangeEntry.entity == "appointment")).all()
    assert [(row, kind, moved) for row, kind, _, moved in feed] == [
        (x, "insert", None), (y, "insert", None), (z, "insert", None),
        (x, "update", True), (x, "update", False), (y, "update", True), (z, "update", True),
    ]  # fmt: skip
    assert [origin for _, _, origin, _ in feed][3:5] == ["old-holder", None]
    cutoff = clock.now() + timedelta(minutes=1)
    clock.advance(minutes=2)
    with db.write() as s:
        plan.plan(s, clock.now(), config.load(s))
        top = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
        cfg = config.load(s)
    taken = handover.Handover("lease", cutoff, top, pushed)
    skipped = dispatch._handed_over(db, clock.now(), taken, cfg)
    assert [(i.appointment_id, i.kind) for i in skipped] == [(x, "reschedule")]
    with db.read() as s:
        left = select(Reminder.appointment_id, Reminder.kind).where(Reminder.state == "pending")
        assert sorted(s.execute(left).all()) == sorted([(y, "reschedule"), (z, "cancellation")])


def test_a_change_in_quiet_hours_after_a_move_made_before_them_is_no_news(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """Quiet hours 22:00-07:00. The old holder moved X at 20:00 (its message went then),
    and Y at 23:10 and Z at 23:20 (their messages wait for 07:00); this PC planned the
    three at 23:25 and confirmed X and Y at 23:30; the cutoff is 23:45; Z is confirmed
    at 00:30. X's message is the old holder's (skipped): the confirmation in quiet
    hours is not the move it announces. Y's and Z's are this PC's (left to go at
    07:00): the old holder could not have sent them yet, whatever changed since."""
    clinic = make(db, ctx, clock)
    clinic.set(offsets="", quiet_start="22:00", quiet_end="07:00")
    patient = clinic.patient(1)
    x, y, z = (clinic.book(patient, at(4, hour)) for hour in (10, 14, 17))
    with db.write() as s:
        plan.plan(s, clock.now(), config.load(s))
        s.execute(update(Reminder).values(state="sent"))  # the old holder's confirmations
    clock.set(at(0, 20))
    pulled_move(db, clock, x, at(4, 11))
    clock.set(at(0, 23, 10))
    pulled_move(db, clock, y, at(4, 15))
    clock.set(at(0, 23, 20))
    pulled_move(db, clock, z, at(4, 18))
    pushed = _top(db)
    clock.set(at(0, 23, 25))
    with db.write() as s:
        plan.plan(s, clock.now(), config.load(s))
    clock.set(at(0, 23, 30))
    for appointment in (x, y):
        with db.write() as s:
            booking.set_status(s, ctx, appointment, "confirmed")
    clock.set(at(1, 0, 30))
    with db.write() as s:
        booking.set_status(s, ctx, z, "confirmed")
    clock.set(at(1, 1))
    with db.read() as s:
        cfg = config.load(s)
    taken = handover.Handover("lease", at(0, 23, 45), _top(db), pushed)
    skipped = dispatch._handed_over(db, clock.now(), taken, cfg)
    assert [(i.appointment_id, i.kind) for i in skipped] == [(x, "reschedule")]
    with db.read() as s:
        left = select(Reminder.appointment_id, Reminder.send_at).where(Reminder.state == "pending")
        assert sorted(s.execute(left).all()) == sorted([(y, at(1, 7)), (z, at(1, 7))])


def _top(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)


def test_a_booking_moved_before_the_cutoff_and_changed_only_after_it_is_the_old_holder_s(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """This PC was off: it hears the old holder's move of X (made before the cutoff)
    after it, confirms X, and moves Y itself, both after the cutoff; then plans both
    reschedule messages. X's is the old holder's (its last move was before the cutoff;
    the confirmation after it moved nothing); Y's is this PC's."""
    clinic = make(db, ctx, clock)
    clinic.set(offsets="")
    patient = clinic.patient(1)
    x, y = clinic.book(patient, at(4, 10)), clinic.book(patient, at(4, 14))
    with db.write() as s:
        plan.plan(s, clock.now(), config.load(s))
        s.execute(update(Reminder).values(state="sent"))  # the old holder's confirmations
    pulled_move(db, clock, x, at(4, 11))
    cutoff = clock.advance(minutes=1)
    mark = _top(db)  # the sync that brought X's move finished: the takeover's mark
    clock.advance(minutes=1)
    clinic.move(y, at(4, 15))
    with db.write() as s:
        booking.set_status(s, ctx, x, "confirmed")
        plan.plan(s, clock.now(), config.load(s))
        cfg = config.load(s)
    taken = handover.Handover("lease", cutoff, mark, None)
    skipped = dispatch._handed_over(db, clock.now(), taken, cfg)
    assert [(i.appointment_id, i.kind) for i in skipped] == [(x, "reschedule")]
    with db.read() as s:
        left = select(Reminder.appointment_id, Reminder.kind).where(Reminder.state == "pending")
        assert s.execute(left).all() == [(y, "reschedule")]

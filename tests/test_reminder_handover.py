"""The takeover kept in the file (reminders/handover.py): one handover across the rounds
whose cutoffs differ by the endpoint's rounding, a new one when the lease moved again,
and a restore's own."""

from __future__ import annotations

from datetime import datetime, timedelta

from reminderclinic import at, make
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.journal import changefeed
from receptionist.models import (
    Appointment,
    ChangeEntry,
    Reminder,
    ReminderHandover,
    ReminderHandoverLate,
    SyncState,
)
from receptionist.patients import commlog
from receptionist.reminders import config, dispatch, handover, plan
from receptionist.store.storage import Database


def test_a_handover_is_kept_across_rounds_and_replaced_by_the_next(
    db: Database, clock: FixedClock
) -> None:
    now = clock.now()
    cutoff = now - timedelta(hours=25)
    with db.write() as s:
        handover.note(s, "lease", cutoff, now)
        s.get(ReminderHandover, "lease").mark = 42  # type: ignore[union-attr]
    with db.write() as s:  # the next round: the age the endpoint says, a second off
        handover.note(s, "lease", cutoff + timedelta(seconds=1), now + timedelta(minutes=1))
        assert handover.current(s, now) == [handover.Handover("lease", cutoff, 42)]
    later = now + timedelta(hours=30)
    with db.write() as s:  # the lease moved away and back: another handover
        handover.note(s, "lease", later, later)
        handover.restored(s, later)
        found = handover.current(s, later)
    assert found == [
        handover.Handover("lease", later, None),
        handover.Handover("restore", later, None),  # no sync since: no mark
    ]
    assert [h.reason for h in found] == ["other_station", "restored"]


def _synced(s: object, at: datetime) -> None:
    """This PC's last sync finished at ``at`` (a sync_state row, as a joined PC has)."""
    assert isinstance(s, Session)
    row = s.get(SyncState, 1)
    if row is None:
        row = SyncState(id=1, server_url="https://x", clinic_id="c", device_id="d",
                        device_code="B", device_name="B", private_key=b"k")  # fmt: skip
        s.add(row)
    row.last_sync_at = at


def test_a_stand_by_takes_the_mark_it_watched_only_for_the_renewal_it_heard(
    db: Database, clock: FixedClock
) -> None:
    """The mark a stand-by watched (a sync finished ten minutes after it last heard the
    holder renew) is the takeover's when the cutoff follows that renewal; not when the
    holder renewed later, unheard (the stand-by was off): then nothing is known."""
    heard = clock.now()
    renewed = heard - timedelta(seconds=3)  # the endpoint's time of the renewal
    with db.write() as s:
        handover.watch(s, renewed, heard)
        _synced(s, heard + timedelta(minutes=5))
        handover.watch(s, renewed, heard + timedelta(minutes=6))  # too soon: no mark
        assert s.get(ReminderHandover, handover.WATCH).mark is None  # type: ignore[union-attr]
        _synced(s, heard + timedelta(minutes=11))
        handover.watch(s, renewed, heard + timedelta(minutes=12))
        watched = s.get(ReminderHandover, handover.WATCH).mark  # type: ignore[union-attr]
        assert watched is not None
        assert handover.current(s, heard) == []  # the watch is no handover
    later = heard + timedelta(days=1)
    with db.write() as s:  # the holder renewed hours later, unheard: no mark known
        handover.note(s, "lease", heard + timedelta(hours=5), later)
        assert s.get(ReminderHandover, "lease").mark is None  # type: ignore[union-attr]
    with db.write() as s:  # the cutoff follows the renewal heard: the watched mark
        # (as the endpoint says it: that renewal, a minute after; told on its clock)
        handover.note(s, "lease", renewed + handover.SENDING_AFTER, later)
        assert s.get(ReminderHandover, "lease").mark == watched  # type: ignore[union-attr]


def test_the_mark_stays_before_a_cancellation_a_plan_afresh_will_write(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """X was cancelled before the cutoff, its change reached this PC after the mark; its
    cancellation message, queued, was withdrawn when this PC lost the role ("role_lost").
    Sending again, the plan writes that message afresh (``plan.ROLE_LOST``), and whether
    it is the previous sender's is the mark's to say: the mark may not move past X."""
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h")
    now = clock.now()
    x = clinic.book(clinic.patient(1), at(4, 10))
    with db.read() as s:
        mark = int(s.scalar(select(func.min(ChangeEntry.seq)).where(ChangeEntry.row_id == x)))
    mark -= 1  # X's booking and cancellation came after it
    with db.write() as s:
        plan.plan(s, now, config.load(s))
    clinic.cancel(x)
    with db.write() as s:
        plan.plan(s, now, config.load(s))
    assert dispatch._role_lost(db, now) == 1  # its cancellation message, queued
    with db.write() as s:
        kinds = {r.kind: (r.state, r.reason) for r in s.scalars(select(Reminder))}
        assert kinds == {"confirmation": ("withdrawn", "cancelled"),
                         "reminder": ("withdrawn", "cancelled"),
                         "cancellation": ("withdrawn", "role_lost")}  # fmt: skip
        s.add(ReminderHandover(kind="lease", cutoff=now + timedelta(minutes=5), mark=mark,
                               updated_at=now))  # fmt: skip
    with db.write() as s:
        top = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
        handover.advance(s, "lease", top, now - timedelta(days=1), now)
        assert s.get(ReminderHandover, "lease").mark == mark  # type: ignore[union-attr]
        plan.plan(s, now, config.load(s))  # the PC sends again: X's message, afresh
        assert s.scalars(select(Reminder.state).where(Reminder.kind == "cancellation")).all() == [
            "pending"
        ]


def test_a_stand_by_keeps_how_far_it_had_pushed_when_it_heard_the_renewal(
    db: Database, clock: FixedClock
) -> None:
    """``pushed`` is how far the endpoint had accepted the stand-by's changes when it
    first heard a renewal (not a batch packed and waiting; a push after that, same
    renewal, changes nothing; the next renewal takes the new one), a takeover following
    that renewal takes it, one after an unheard renewal does not; and the mark's advance
    moves it on with the mark, even when the mark is there."""
    heard = clock.now()
    with db.write() as s:
        _synced(s, heard - timedelta(hours=1))
        sync = s.get(SyncState, 1)
        assert sync is not None
        sync.pushed_change, sync.accepted_change = 7, 5  # a batch waits
        handover.watch(s, heard - timedelta(seconds=3), heard)
        sync.pushed_change = sync.accepted_change = 9
        handover.watch(s, heard - timedelta(seconds=3), heard + timedelta(seconds=30))
        assert s.get(ReminderHandover, handover.WATCH).pushed == 5  # type: ignore[union-attr]
        handover.note(s, "lease", heard + timedelta(hours=5), heard + timedelta(days=1))
        assert s.get(ReminderHandover, "lease").pushed is None  # type: ignore[union-attr]
        handover.watch(s, heard + timedelta(minutes=1), heard + timedelta(minutes=1))
        handover.note(s, "lease", heard + timedelta(minutes=2), heard + timedelta(days=1))
        row = s.get(ReminderHandover, "lease")
        assert row is not None and row.pushed == 9
        row.mark = 12
        handover.advance(s, "lease", 12, heard, heard + timedelta(days=1))
        assert (row.mark, row.pushed) == (12, 12)


def test_a_batch_applied_before_the_renewal_heard_counts_as_the_holder_s(
    db: Database, clock: FixedClock
) -> None:
    """A batch waiting when the stand-by heard the renewal, answered at its retry as
    applied before (its answer lost, #14): applied after the renewal, it stays the
    stand-by's; applied at or before it, the holder could have seen it: ``pushed``
    moves up to the batch's last change. With no renewal heard, nothing changes."""
    heard = clock.now()
    renewed = heard - timedelta(seconds=3)
    with db.write() as s:
        _synced(s, heard - timedelta(hours=1))
        sync = s.get(SyncState, 1)
        assert sync is not None
        sync.pushed_change, sync.accepted_change = 7, 5  # a batch waits
        handover.applied_before(s, renewed)  # no renewal heard yet: no watch row
        assert s.get(ReminderHandover, handover.WATCH) is None
        handover.watch(s, renewed, heard)
        row = s.get(ReminderHandover, handover.WATCH)
        assert row is not None and row.pushed == 5
        handover.applied_before(s, renewed + timedelta(seconds=1))
        assert row.pushed == 5  # reached the endpoint after the renewal
        handover.applied_before(s, renewed)
        assert row.pushed == 7
        handover.note(s, "lease", renewed + handover.SENDING_AFTER, heard + timedelta(hours=2))
        assert s.get(ReminderHandover, "lease").pushed == 7  # type: ignore[union-attr]


def test_a_resend_answered_after_the_takeover_moves_the_takeover_s_pushed_too(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """The stand-by took over while its batch (X's booking) waited, its answer lost; the
    resend is answered after, as applied before the renewal it heard (#14): the lease
    handover that took ``pushed`` from the ``watch`` row moves up with it, and X, kept
    as a far booking the holder never saw only for that batch, is not kept any more (Y,
    booked here after the batch, still is). A lease handover of an earlier renewal (the
    stand-by heard a later one since) and a restore's are left alone."""
    clinic = make(db, ctx, clock)
    patient = clinic.patient(1)
    with db.read() as s:
        base = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
    x = clinic.book(patient, at(30, 10))
    heard = clock.now()
    renewed = heard - timedelta(seconds=3)
    with db.write() as s:
        _synced(s, heard - timedelta(hours=1))
        sync = s.get(SyncState, 1)
        assert sync is not None
        batch = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
        sync.pushed_change, sync.accepted_change = batch, base  # X's batch waits
        handover.watch(s, renewed, heard)
        later = heard + timedelta(hours=2)
        handover.note(s, "lease", renewed + handover.SENDING_AFTER, later)  # taken over
        handover.restored(s, later)
    y = clinic.book(patient, at(31, 10))  # after the batch: the holder never saw it
    with db.write() as s:
        for appointment in (x, y):
            s.add(ReminderHandoverLate(kind="lease", appointment_id=appointment, inserted=True))
        s.flush()
        handover.applied_before(s, renewed + timedelta(seconds=1))  # after the renewal
        assert s.get(ReminderHandover, "lease").pushed == base  # type: ignore[union-attr]
        handover.applied_before(s, renewed)
        assert s.get(ReminderHandover, handover.WATCH).pushed == batch  # type: ignore[union-attr]
        assert s.get(ReminderHandover, "lease").pushed == batch  # type: ignore[union-attr]
        assert s.get(ReminderHandover, "restore").pushed is None  # type: ignore[union-attr]
        assert s.scalars(handover.late("lease", False)).all() == [y]
        assert s.scalars(handover.late("lease", True)).all() == [y]
    with db.write() as s:  # the lease went back; the stand-by heard a later renewal
        sync = s.get(SyncState, 1)
        assert sync is not None
        top = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
        sync.pushed_change = top
        handover.watch(s, later, later + timedelta(seconds=3))
        handover.applied_before(s, later)
        assert s.get(ReminderHandover, handover.WATCH).pushed == top  # type: ignore[union-attr]
        assert s.get(ReminderHandover, "lease").pushed == batch  # type: ignore[union-attr]


def test_a_forced_takeover_keeps_the_renewal_it_followed_for_a_resend_answered_after(
    db: Database, clock: FixedClock
) -> None:
    """A person forced the lease half an hour after the holder's last renewal, which the
    stand-by heard with its batch waiting: the handover keeps that renewal (``doubted``,
    0039; a row kept before, with none, gets it from the next round's), and the resend
    answered after as applied before it moves the handover's ``pushed`` too (#14: only
    the ``watch`` row's moved, the force taken for the renewal)."""
    heard = clock.now()
    renewed = heard - timedelta(seconds=3)
    doubted = renewed + handover.SENDING_AFTER
    forced = heard + timedelta(minutes=30)
    with db.write() as s:
        _synced(s, heard - timedelta(hours=1))
        sync = s.get(SyncState, 1)
        assert sync is not None
        sync.pushed_change, sync.accepted_change = 7, 5  # a batch waits, its answer lost
        handover.watch(s, renewed, heard, heard)
        handover.note(s, "lease", forced, forced, doubted=doubted)
        row = s.get(ReminderHandover, "lease")
        assert row is not None and (row.doubted, row.pushed) == (doubted, 5)
        row.doubted = None  # as kept before 0039
        handover.note(s, "lease", forced + timedelta(seconds=1), forced, doubted=doubted)
        assert row.doubted == doubted
        handover.applied_before(s, renewed + timedelta(seconds=1))  # after the renewal
        assert row.pushed == 5
        handover.applied_before(s, renewed)
        assert row.pushed == 7
        later = forced + timedelta(hours=2)  # a new takeover: the holder renewed up to it
        handover.note(s, "lease", later, later, doubted=later)
        assert row.doubted is None


def test_pushed_moves_on_while_the_mark_is_not_known_yet(db: Database, clock: FixedClock) -> None:
    """A takeover whose mark waits for a sync after the cutoff still reads the change
    feed after ``pushed`` (this PC's own changes): once what came after it is planned
    and weighed, ``pushed`` moves on as the mark would (#14), and the mark stays unknown."""
    now = clock.now()
    cutoff = now - timedelta(hours=1)
    with db.write() as s:
        s.add(ReminderHandover(kind="lease", cutoff=cutoff, mark=None, pushed=3, updated_at=now))
    dispatch._advance(db, now, [handover.Handover("lease", cutoff, None, 3)], 12)
    with db.read() as s:
        row = s.get(ReminderHandover, "lease")
        assert row is not None and (row.mark, row.pushed) == (None, 12)


def test_the_mark_moves_past_a_booking_beyond_the_horizon_and_still_decides_for_it(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """X, a month ahead, reached this PC after the mark (its booking and the old holder's
    log entry naming another start: a move the old holder never saw), and is left
    unplanned while it is beyond the planning horizon. The mark moves on meanwhile, not
    holding every round's read of the feed back for weeks (#14); and when X comes within
    the horizon, its reschedule message is still this PC's to send."""
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h")  # the horizon: two days
    start = clock.now()
    patient = clinic.patient(1)
    x = clinic.book(patient, at(30, 10))
    with db.write() as s:
        commlog.add(s, Ctx(SYSTEM, clock), patient, channel="sms", direction="out",
                    summary="Booking confirmation sent by sms.", occurred_at=start,
                    appointment_id=x, appointment_start=at(29, 10))  # fmt: skip
        first = int(s.scalar(select(func.min(ChangeEntry.seq)).where(ChangeEntry.row_id == x)))
        cutoff = start + timedelta(minutes=5)
        s.add(ReminderHandover(kind="lease", cutoff=cutoff, mark=first - 1, updated_at=start))
    clock.advance(days=2)  # X's changes are older than a day: no plan looks at X yet
    now = clock.now()
    with db.write() as s:
        cfg = config.load(s)
        plan.plan(s, now, cfg)
        top = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
        assert s.scalar(select(func.count()).select_from(Reminder)) == 0
    taken = [handover.Handover("lease", cutoff, first - 1)]
    dispatch._advance(db, now, taken, top, cfg.horizon)
    with db.read() as s:
        assert s.get(ReminderHandover, "lease").mark == top  # type: ignore[union-attr]
    clock.advance(days=27)  # X is within the horizon: its reschedule message is planned
    now = clock.now()
    with db.write() as s:
        cfg = config.load(s)
        plan.plan(s, now, cfg)
        kept = handover.current(s, now)
    skipped = dispatch._handed_over(db, now, kept[0], cfg)  # its log entry: told
    assert [i.kind for i in skipped] == ["confirmation"]
    with db.read() as s:
        query = select(Reminder.state).where(Reminder.kind == "reschedule")
        assert s.scalars(query).all() == ["pending"]
    with db.write() as s:  # kept until X begins
        assert s.scalars(handover.late("lease", True)).all() == [x]
        handover.advance(s, "lease", top + 1, now, at(30, 11))
        assert s.scalars(handover.late("lease", False)).all() == []
        s.add(ReminderHandoverLate(kind="lease", appointment_id=x, inserted=False))
        handover.note(s, "lease", now, now)  # the lease moved again: what it kept goes
        assert s.scalars(handover.late("lease", False)).all() == []


def test_a_far_booking_s_late_change_that_moved_nothing_leaves_its_move_the_old_holder_s(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """X, a month ahead, was moved before the mark (the old holder saw the move and
    answered for its message); after the mark only a note on X reached this PC. The
    mark moves past X while it is beyond the horizon, and that note must not keep X as
    a booking whose news the old holder never saw (``_seen_before`` weighs moves only):
    when X comes within the horizon, its reschedule message is the old holder's, not
    sent a second time (the merge of the late table with the moved flag, #14)."""
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h")  # the horizon: two days
    start = clock.now()
    patient = clinic.patient(1)
    x = clinic.book(patient, at(29, 10))
    with db.write() as s:
        commlog.add(s, Ctx(SYSTEM, clock), patient, channel="sms", direction="out",
                    summary="Booking confirmation sent by sms.", occurred_at=start,
                    appointment_id=x, appointment_start=at(29, 10))  # fmt: skip
    clinic.move(x, at(30, 10))  # before the mark: the old holder saw it
    with db.write() as s:
        mark = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
        cutoff = start + timedelta(minutes=5)
        s.add(ReminderHandover(kind="lease", cutoff=cutoff, mark=mark, updated_at=start))
    clock.advance(hours=1)
    with db.write() as s, changefeed.applying(s, "old-holder"):  # a note, after the mark
        appt = s.get(Appointment, x)
        assert appt is not None
        appt.notes = "called: parking?"
        appt.touch(clock.now())
    clock.advance(days=2)  # no plan looks at X yet
    now = clock.now()
    with db.write() as s:
        cfg = config.load(s)
        plan.plan(s, now, cfg)
        top = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
        assert top > mark and s.scalar(select(func.count()).select_from(Reminder)) == 0
    dispatch._advance(db, now, [handover.Handover("lease", cutoff, mark)], top, cfg.horizon)
    with db.read() as s:
        assert s.get(ReminderHandover, "lease").mark == top  # type: ignore[union-attr]
        assert s.scalars(handover.late("lease", False)).all() == []
    clock.advance(days=26)  # X is within the horizon: its reschedule message is planned
    now = clock.now()
    with db.write() as s:
        cfg = config.load(s)
        plan.plan(s, now, cfg)
        kept = handover.current(s, now)
    skipped = dispatch._handed_over(db, now, kept[0], cfg)
    assert sorted(i.kind for i in skipped) == ["confirmation", "reschedule"]


def test_a_correction_of_this_pc_s_clock_leaves_the_handover_as_it_was(
    db: Database, clock: FixedClock
) -> None:
    """The endpoint says the same cutoff (its time) in two rounds; between them this
    PC's clock, six minutes behind it, was corrected (the round's skew six minutes, then
    none). One handover (#14): its cutoff on this PC's clock stays where the bookings
    and syncs of then were written, and its mark and the appointments it kept stay.
    Compared on this PC's clock, the correction moved the cutoff by six minutes, more
    than ``SAME``: a new handover, the kept appointments forgotten (their messages,
    the old holder's never seen, counted as its)."""
    ended = clock.now()  # the endpoint's time
    skew = timedelta(minutes=6)
    with db.write() as s:
        handover.note(s, "lease", ended, ended - skew, skew)
        s.get(ReminderHandover, "lease").mark = 42  # type: ignore[union-attr]
        s.add(ReminderHandoverLate(kind="lease", appointment_id="x", inserted=True))
    later = ended + timedelta(minutes=7)  # the clock set right
    with db.write() as s:
        handover.note(s, "lease", ended, later, timedelta(0))
        kept = handover.current(s, later)
        assert s.scalars(handover.late("lease", True)).all() == ["x"]
    assert kept == [handover.Handover("lease", ended - skew, 42)]
    assert kept[0].endpoint_cutoff == ended


def test_what_was_due_by_the_cutoff_is_read_on_the_endpoint_s_clock_after_a_correction(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """X's reminder was due a minute before the cutoff the endpoint says: the old
    holder's. This PC's clock was six minutes behind when it took over, four minutes
    behind (corrected by two) in the round that weighs the messages: the reminder is
    still skipped (#14; the cutoff kept on this PC's clock and read with the new skew
    was two minutes early, and the reminder went a second time)."""
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h")
    x = clinic.book(clinic.patient(1), at(2, 10))
    with db.write() as s:
        cfg = config.load(s)
        plan.plan(s, clock.now(), cfg)
        due = s.scalar(select(Reminder.send_at).where(Reminder.kind == "reminder"))
    assert due == at(1, 10)
    ended = due + timedelta(minutes=1)  # the endpoint's time
    with db.write() as s:
        handover.note(s, "lease", ended, ended - timedelta(minutes=6), timedelta(minutes=6))
    now = ended + timedelta(minutes=1)
    skew = timedelta(minutes=4)
    with db.write() as s:
        handover.note(s, "lease", ended, now - skew, skew)  # the same handover
        [taken] = handover.current(s, now - skew)
    skipped = dispatch._handed_over(db, now - skew, taken, cfg, skew)
    assert (x, "reminder") in [(i.appointment_id, i.kind) for i in skipped]
    with db.read() as s:
        assert s.scalar(select(Reminder.state).where(Reminder.kind == "reminder")) == "skipped"


def test_a_renewal_heard_before_the_last_is_not_taken_for_it_when_the_clock_was_put_right(
    db: Database, clock: FixedClock
) -> None:
    """This PC's clock ran ten minutes ahead when it heard the holder renew (at the
    endpoint's 10:00: its clock said 10:10); it was off when the holder renewed again at
    10:05, and its clock was put right. The takeover's cutoff follows the renewal at
    10:05, unheard: the mark and how far this PC had pushed, watched for the one at
    10:00, are not the takeover's (the holder may have seen what this PC pushed
    between). Told on the endpoint's clock; before, by when this PC heard it on its
    clock as it was then (10:10: after 10:05, so "heard"), the wrong renewal's."""
    renewed = clock.now()
    heard = renewed + timedelta(minutes=10)  # this PC's clock, ten minutes ahead
    with db.write() as s:
        handover.watch(s, renewed, heard, renewed)
        _synced(s, heard + timedelta(minutes=11))
        handover.watch(s, renewed, heard + timedelta(minutes=12), renewed + timedelta(minutes=12))
        assert s.get(ReminderHandover, handover.WATCH).mark is not None  # type: ignore[union-attr]
    last = renewed + timedelta(minutes=5)  # unheard; the clock put right since
    with db.write() as s:
        handover.note(s, "lease", last + handover.SENDING_AFTER, last + timedelta(hours=1))
        taken = s.get(ReminderHandover, "lease")
        assert taken is not None and (taken.mark, taken.pushed) == (None, None)

"""The told start's gaps (#14): a new holder of the reminders lease sends a reschedule or
cancellation message exactly once, whichever PC told the patient what before.

- a booking cancelled after the takeover, heard together with the booking, gets its
  cancellation message when the patient was told of the booking (the log entry of a
  message names its start); one the old holder cancelled and announced does not;
- a stand-by that planned a booking at its old start, then heard of its move and of
  the old holder's reschedule message together, sends no second one when the booking
  changes again after the cutoff; nor when it heard the move before the cutoff (the
  old holder's to announce) though the old holder's log entry never synced; and
  none for a booking it heard of only with its change, nothing told of it known;
- the takeover's mark stays before an appointment whose told start is not its start,
  or a cancelled one the patient was told of, until its message is planned and
  weighed (``handover._UNDECIDED``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from reminderclinic import at, make
from sqlalchemy import func, select, update
from test_reminder_lease import book, pcs, provider, round_of, states
from test_reminder_takeover import cancel, move
from test_two_pcs import Pc, admin, settle

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.models import ChangeEntry, Reminder, ReminderHandover
from receptionist.ops import settings
from receptionist.patients import commlog
from receptionist.reminders import config, handover, plan
from receptionist.schedule import booking
from receptionist.store.storage import Database

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them
# The endpoint's backend is not these tests' subject (test_reminder_lease runs the lease
# on both): one is enough.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def confirm(pc: Pc, appointment: str) -> None:
    """The patient called to confirm: a change that is not a move."""
    with pc.db.write() as s:
        booking.set_status(s, admin(pc.ctx.clock), appointment, "confirmed")


def sent_by(pc: Pc, sender: object) -> list[tuple[str, str]]:
    taken = round_of(pc, sender)  # type: ignore[arg-type]
    assert taken.active, taken.reason
    return sorted((i.appointment_id, i.kind) for i in taken.of("sent"))


@SQLITE_ONLY
def test_after_the_takeover_a_cancellation_and_a_move_the_old_holder_announced(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A confirms X, Y and W; B, standing by, plans W at its start. A moves W and sends
    its reschedule message, cancels Y and sends its cancellation message, syncs and goes
    off. B, off meanwhile, hears it all in one round and takes over; X is cancelled on B
    (after A's last renewal) and W confirmed. B sends X's cancellation message (the
    patient was told of X: A's log entry names its start) and nothing for Y or W: A
    announced them (W's latest entry names its start now)."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # news only
    w = book(a, "Wim", 64, "05321112233")
    assert sent_by(a, sender) == [(w, "confirmation")]
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans W at its start
    x = book(a, "Xena", 60, "05321234567")
    y = book(a, "Yusuf", 30, "05329876543")  # within the horizon after the day
    assert sent_by(a, sender) == sorted([(x, "confirmation"), (y, "confirmation")])
    move(a, w, 2)
    cancel(a, y)
    assert sent_by(a, sender) == sorted([(w, "reschedule"), (y, "cancellation")])
    settle(a)  # the changes and A's log entries reach the endpoint; A goes off
    clock.advance(hours=25)
    settle(b)  # B hears of X, Y, W's move and A's entries together
    cancel(b, x)
    confirm(b, w)
    assert sent_by(b, sender) == [(x, "cancellation")]
    assert states(b, y)["cancellation"] == ("skipped", "other_station")
    assert "reschedule" not in states(b, w)
    assert len(server.messages) == 6


@SQLITE_ONLY
def test_a_move_the_stand_by_heard_before_the_cutoff_is_not_announced_twice(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B, standing by, hears that W moved and plans its reschedule message; A sends it
    in its last round and goes off before its log entry syncs; the clinic's stand-by
    takes over after an hour, within the message's late limit. W is confirmed after
    A's last renewal: the move was A's to announce (B heard of it before the cutoff),
    and B does not send it again. V, confirmed in that round, reaches B only then and
    is moved: with nothing told of it known, B sends no reschedule message (#14's
    choice: none, rather than one for every change it cannot tell from a move)."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    w = book(a, "Wim", 64, "05321112233")
    assert sent_by(a, sender) == [(w, "confirmation")]
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    move(a, w, 2)
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    assert states(b, w)["reschedule"] == ("pending", "")  # kept for a takeover
    v = book(a, "Veli", 40, "05324445566")
    settle(a)  # V reaches the endpoint (not B yet)
    assert sent_by(a, sender) == sorted([(w, "reschedule"), (v, "confirmation")])
    clock.advance(minutes=65)  # A's lease ran out; the messages are within the late limit
    settle(b)  # A's last round's log entries never synced: B knows nothing told of V
    confirm(b, w)
    move(b, v, 3)
    assert sent_by(b, sender) == []
    assert states(b, w)["reschedule"] == ("skipped", "other_station")
    # V was A's to confirm, and B cannot tell a move from any other change it heard of
    # with V: no reschedule message (docs/operators-guide.md, "At a takeover").
    assert states(b, v) == {"confirmation": ("skipped", "other_station")}
    assert len(server.messages) == 3


def test_the_mark_stays_before_bookings_whose_message_the_told_start_calls_for(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """Y and X came after the mark. Y was booked and cancelled before any plan here, and
    the log entry of a message of it arrives: its cancellation message is still to be
    planned. X is planned here at its start, its confirmation weighed; then the entry of
    a message that named another start arrives (the old holder told the patient of it):
    its reschedule message is still to be planned. Whether each is the previous sender's
    is the mark's to say: the mark may not move past either before."""
    clinic = make(db, ctx, clock)
    clinic.set(offsets="24h")
    now = clock.now()
    patient = clinic.patient(1)
    y = clinic.book(patient, at(4, 14))
    clinic.cancel(y)
    x = clinic.book(patient, at(4, 10))

    def tell(appointment: str, start: datetime) -> None:  # the old holder's log entry
        with db.write() as s:
            commlog.add(s, Ctx(SYSTEM, clock), patient, channel="sms", direction="out",
                        summary="Booking confirmation sent by sms.", occurred_at=now,
                        appointment_id=appointment, appointment_start=start)  # fmt: skip

    def advanced() -> int | None:
        with db.write() as s:
            top = int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)
            handover.advance(s, "lease", top, now - timedelta(days=1), now)
            return s.get(ReminderHandover, "lease").mark  # type: ignore[union-attr]

    with db.write() as s:
        first = {
            row: int(s.scalar(select(func.min(ChangeEntry.seq)).where(ChangeEntry.row_id == row)))
            for row in (y, x)
        }
        s.add(ReminderHandover(kind="lease", cutoff=now + timedelta(minutes=5),
                               mark=first[y] - 1, updated_at=now))  # fmt: skip
    tell(y, at(4, 14))
    assert advanced() == first[y] - 1, "Y's cancellation message is still to be planned"
    with db.write() as s:
        plan.plan(s, now, config.load(s))
        s.execute(update(Reminder).where(Reminder.kind != "reminder")
                  .values(state="skipped", reason="other_station"))  # weighed  # fmt: skip
        assert s.scalars(select(Reminder.kind).where(Reminder.appointment_id == y)).all() == [
            "cancellation"
        ]
    tell(x, at(3, 10))
    assert advanced() == first[x] - 1, "X's reschedule message is still to be planned"
    with db.write() as s:
        plan.plan(s, now, config.load(s))
        query = select(Reminder.state).where(Reminder.kind == "reschedule")
        assert s.scalars(query).all() == ["pending"]


@SQLITE_ONLY
def test_a_move_waiting_for_quiet_hours_past_the_cutoff_is_sent_by_the_new_holder(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A moves W during quiet hours: its reschedule message waits for their end. B,
    standing by, plans it too; A goes off and B takes over before quiet hours end. A
    could not have sent it by its last renewal (a message of a change made in quiet
    hours goes at their end, after it), so it is B's: it goes once quiet hours end. A
    move made before quiet hours (V), which A sent at once, is not sent again."""
    a, b = pcs
    sender, server = provider
    istanbul = ZoneInfo("Europe/Istanbul")
    quiet = (clock.now() + timedelta(hours=2)).astimezone(istanbul)
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "", "reminders.takeover_hours": 1,
        "reminders.quiet_start": quiet.strftime("%H:%M"),
        "reminders.quiet_end": (quiet + timedelta(hours=5)).strftime("%H:%M"),
    })  # fmt: skip
    w = book(a, "Wim", 64, "05321112233")
    v = book(a, "Veli", 40, "05324445566")
    assert sent_by(a, sender) == sorted([(w, "confirmation"), (v, "confirmation")])
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans W and V
    move(a, v, 3)
    assert sent_by(a, sender) == [(v, "reschedule")]  # before quiet hours: sent
    clock.advance(hours=3)  # quiet hours
    move(a, w, 2)
    assert sent_by(a, sender) == []  # W's reschedule waits for quiet hours' end
    settle(a, b)  # A's last renewal; then A goes off
    assert round_of(b, sender).reason == "lease_elsewhere"
    assert states(b, w)["reschedule"] == ("pending", "")
    clock.advance(minutes=65)  # A's lease ran out; still quiet hours
    settle(b)
    assert sent_by(b, sender) == []
    assert states(b, w)["reschedule"] == ("pending", ""), "nobody would send it"
    assert "reschedule" not in states(b, v)  # A's log entry of it came with its move
    clock.advance(hours=3)  # quiet hours over
    assert sent_by(b, sender) == [(w, "reschedule")]
    assert len(server.messages) == 4


@SQLITE_ONLY
def test_a_booking_made_on_the_stand_by_not_pushed_by_the_cutoff_is_confirmed_by_it(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """Q is booked on B, the stand-by, and not pushed before A's last renewal; A goes
    off. A never saw Q, so its confirmation is B's, and B sends it: its own change is in
    its feed before the takeover's mark (which tells only what B pulled late), but after
    how far the endpoint had accepted B's changes when B heard A's last renewal
    (``handover.watch`` keeps it on the ``watch`` row, migrations 0030 and 0031)."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    q = book(b, "Kaan", 40, "05321112233")  # on B, not pushed yet
    assert sent_by(a, sender) == []  # A's last renewal: A never saw Q
    clock.advance(minutes=65)  # A's lease ran out
    settle(b)  # Q reaches the endpoint only now
    assert sent_by(b, sender) == [(q, "confirmation")]
    assert len(server.messages) == 1


@SQLITE_ONLY
def test_what_was_on_the_endpoint_at_the_cutoff_is_not_sent_twice(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """P is booked on A, the holder, R on B, the stand-by; both reach the endpoint and A
    confirms them in its last round, whose renewal B hears; A goes off before its log
    entries sync. Then, on B, Q is booked and P moved, and B's next round plans P's
    reschedule message within the minute after the cutoff; both reach the endpoint only
    once A's lease ran out. B sends Q's confirmation and P's reschedule message (A
    never saw either change), and not P's or R's confirmation: P reached B before the
    cutoff (pulled: not B's own change, whatever B had pushed), and R, B's own, was
    pushed by A's last renewal (``handover.watch`` keeps how far B had pushed when it
    heard it, not when it heard an earlier one)."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B watches: nothing pushed yet
    p = book(a, "Pelin", 40, "05321112233")
    r = book(b, "Rana", 42, "05321234567")
    settle(b, a)  # R reaches A, P reaches B
    clock.advance(minutes=1)
    assert sent_by(a, sender) == sorted([(p, "confirmation"), (r, "confirmation")])
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears A's last renewal
    q = book(b, "Kaan", 44, "05329876543")
    move(b, p, 2)
    clock.advance(seconds=30)
    assert round_of(b, sender).reason == "lease_elsewhere"
    assert states(b, p)["reschedule"] == ("pending", "")  # planned by the cutoff
    clock.advance(minutes=65)
    settle(b)  # Q and P's move reach the endpoint only now; A's log entries never do
    assert sent_by(b, sender) == sorted([(q, "confirmation"), (p, "reschedule")])
    assert states(b, r)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 4

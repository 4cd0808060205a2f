"""The start the patient was last told travels with the communication-log entry of
each reminder message (#14, migration 0028): a new holder of the lease plans a
reschedule message from it, and never one the old holder already sent."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_reminder_lease import book, pcs, provider, round_of
from test_reminder_takeover import move
from test_two_pcs import Pc, admin, settle

from receptionist.clock import FixedClock
from receptionist.models import Appointment, CommunicationEntry, Reminder
from receptionist.ops import settings
from receptionist.patients import commlog
from receptionist.schedule import booking

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them


def told(pc: Pc, appointment: str) -> list[object]:
    """The starts the log entries of the appointment's messages name, oldest first."""
    with pc.db.read() as s:
        query = select(CommunicationEntry.appointment_start).where(
            CommunicationEntry.appointment_id == appointment
        )
        return list(s.scalars(query.order_by(CommunicationEntry.occurred_at)))


def start_of(pc: Pc, appointment: str) -> object:
    with pc.db.read() as s:
        appt = s.get(Appointment, appointment)
        assert appt is not None
        return appt.start_utc


@pytest.mark.parametrize("gap", [10, 0], ids=["later", "same_moment"])
def test_a_reschedule_the_old_holder_sent_is_not_sent_again_by_the_new_one(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, gap: int
) -> None:
    """A confirms X, moves it and sends its reschedule message (``gap`` minutes later,
    or at the same moment: the entry naming the start now wins), syncs and goes off.
    B, off meanwhile, hears of it all in one round and takes over, and X changes after
    A's last renewal (so the handover does not answer for it): the latest entry names
    X's start now, and B sends nothing."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # news only
    x = book(a, "Xena", 60, "05321234567")
    settle(a)
    first = start_of(a, x)
    assert [i.kind for i in round_of(a, sender).of("sent")] == ["confirmation"]
    clock.advance(minutes=gap)
    move(a, x, 2)
    assert [i.kind for i in round_of(a, sender).of("sent")] == ["reschedule"]
    settle(a)
    clock.advance(hours=25)  # A is off: its lease ran out
    settle(b)  # the booking, its move and both log entries reach B together
    assert told(b, x) == [first, start_of(b, x)], "each entry names the start it told"
    with b.db.write() as s:
        booking.set_status(s, admin(clock), x, "confirmed")  # after A's last renewal
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert taken.of("sent") == []
    assert len(server.messages) == 2


def test_a_stand_by_that_heard_of_a_move_late_plans_the_reschedule_it_would_send(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B, standing by, hears of X and its move in one round, after A confirmed X: its
    plan, like the station's, holds X's reschedule message (queued in case A went
    silent; A, still renewing, sends it)."""
    a, b = pcs
    sender, _server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})
    x = book(a, "Xena", 60, "05321234567")
    settle(a)
    assert [i.kind for i in round_of(a, sender).of("sent")] == ["confirmation"]
    settle(a)
    move(a, x, 2)
    settle(a, b)  # B hears of X and its move together
    assert round_of(b, sender).reason == "lease_elsewhere"
    with b.db.read() as s:
        kinds = set(s.scalars(select(Reminder.kind).where(Reminder.appointment_id == x)))
    assert "reschedule" in kinds
    assert [i.kind for i in round_of(a, sender).of("sent")] == ["reschedule"]


def test_erasing_a_patient_blanks_the_start_their_log_entries_named(
    pcs: tuple[Pc, Pc], provider
) -> None:
    a, _b = pcs
    sender, _server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})
    x = book(a, "Xena", 60, "05321234567")
    settle(a)
    assert [i.kind for i in round_of(a, sender).of("sent")] == ["confirmation"]
    assert told(a, x) == [start_of(a, x)]
    with a.db.write() as s:
        patient = s.scalars(select(Appointment.patient_id).where(Appointment.id == x)).one()
        assert commlog.remove_all_of(s, a.ctx, patient) == 1
    assert told(a, x) == [None]

"""Changing the reminder rules withdraws what the new rules no longer ask for (#14):
planning withdraws queued messages whose rule was removed or switched off (reason
``rule_off``, explained in the Reminders view) and plans what the new rules ask, for
the clinic's rules and a service's own; and a last check at sending refuses a message
whose rule is off (one planning no longer looks at: beyond the new horizon)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from factories import make_service
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.models import Reminder
from receptionist.ops import appointments, reminders
from receptionist.ops.appointments import BookRequest
from receptionist.reminders import config, dispatch
from receptionist.reminders.compose import Stop, decide
from receptionist.reminders.reasons import explain
from receptionist.store.storage import Database
from sync.channels.twilio import TwilioSender


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


@pytest.fixture
def twilio() -> Iterator[tuple[TwilioSender, object]]:
    with http_server(twilio_route) as (url, recorded):
        yield TwilioSender(url, ACCOUNT, SENDER, TOKEN), recorded


def found(clinic: Clinic, appointment: str | None = None) -> dict[str, tuple[str, str]]:
    """rule -> (state, reason) of the appointment's messages (the newest per rule)."""
    rows = reminders.listing(clinic.db, clinic.ctx)
    return {
        r.rule: (r.state, r.reason)
        for r in reversed(rows)
        if appointment is None or r.appointment_id == appointment
    }


def run_until(clinic: Clinic, sender: TwilioSender, end: object, step: int = 30) -> None:
    while clinic.clock.now() < end:  # type: ignore[operator]
        dispatch.run(clinic.db, clinic.clock, {"sms": sender})
        clinic.clock.advance(minutes=step)


def test_an_offset_removed_withdraws_its_queued_reminders(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    appt = clinic.book(clinic.patient(1), at(3, 15))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert found(clinic, appt) == {"24h": ("pending", ""), "2h": ("pending", "")}
    clinic.set(offsets="24h")
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert done.withdrawn == 1
    assert found(clinic, appt) == {"24h": ("pending", ""), "2h": ("withdrawn", "rule_off")}
    said = explain("rule_off")
    assert said is not None and "rules" in str(said)
    run_until(clinic, sender, at(3, 16))
    assert len(server.bodies()) == 1
    assert found(clinic, appt)["24h"] == ("sent", "")


def test_an_offset_switched_back_on_is_planned_again(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    appt = clinic.book(clinic.patient(1), at(3, 15))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.set(offsets="24h")
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.set(offsets="24h,2h")
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert found(clinic, appt) == {"24h": ("pending", ""), "2h": ("pending", "")}
    run_until(clinic, sender, at(3, 16))
    assert len(server.bodies()) == 2


def test_confirmations_switched_off_withdraw_the_queued_one(clinic: Clinic, twilio) -> None:
    """The auditor's case: the confirmation waits for the end of quiet hours; switched
    off meanwhile, it never goes."""
    sender, server = twilio
    clinic.set(offsets="", quiet_start="00:00", quiet_end="23:59")
    appt = clinic.book(clinic.patient(1), at(3, 15))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert found(clinic, appt) == {"confirmation": ("pending", "")}
    clinic.set(confirmation=False, quiet_start="21:00", quiet_end="08:00")
    run_until(clinic, sender, at(3, 16), step=60)
    assert found(clinic, appt) == {"confirmation": ("withdrawn", "rule_off")}
    assert server.bodies() == []


def test_a_service_s_own_rules_withdraw_and_plan_for_that_service_only(
    clinic: Clinic, twilio
) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    with clinic.db.write() as s:
        other = make_service(s, clinic.ctx, "Cleaning", 30).id
    pid = clinic.patient(1)
    mine = clinic.book(pid, at(3, 15))
    req = BookRequest(pid, clinic.provider, other, at(3, 17))
    theirs = appointments.book(clinic.db, clinic.ctx, req).id
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.set(service_rules={clinic.service: {"offsets": "48h"}})
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert found(clinic, mine) == {
        "48h": ("pending", ""),
        "24h": ("withdrawn", "rule_off"),
        "2h": ("withdrawn", "rule_off"),
    }
    assert found(clinic, theirs) == {"24h": ("pending", ""), "2h": ("pending", "")}
    # The service's reminders switched off altogether: its 48h goes too.
    clinic.set(service_rules={clinic.service: {"offsets": ""}})
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert found(clinic, mine)["48h"] == ("withdrawn", "rule_off")
    run_until(clinic, sender, at(3, 18))
    assert len(server.bodies()) == 2  # the other service's 24h and 2h


def test_a_message_beyond_a_shrunken_horizon_is_withdrawn_and_refused_at_sending(
    clinic: Clinic, twilio
) -> None:
    """A 7-day reminder for an appointment eight days ahead, planned; a day later the
    offsets become 2h only, so planning's horizon (a day and two hours) no longer
    reaches the appointment, and the booking is no longer recent. The check at sending
    refuses the queued 7-day reminder, and the next round's full pass withdraws it (the
    queue the desk sees is the one that will go)."""
    sender, server = twilio
    clinic.set(confirmation=False, offsets="7d")
    appt = clinic.book(clinic.patient(1), at(8, 15))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert found(clinic, appt) == {"7d": ("pending", "")}
    clinic.clock.set(at(1, 12))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.set(offsets="2h")
    clinic.clock.set(at(1, 15))
    with clinic.db.write() as s:  # as sending would, before any plan ran
        row = s.scalars(select(Reminder).where(Reminder.appointment_id == appt)).one()
        said = decide(s, row, clinic.clock.now(), config.load(s), {"sms"})
    assert said == Stop("withdrawn", "rule_off")
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert (done.withdrawn, done.items) == (1, [])
    assert found(clinic, appt) == {"7d": ("withdrawn", "rule_off")}
    run_until(clinic, sender, at(1, 17))
    assert server.bodies() == []


def test_an_offset_sent_then_respelt_does_not_go_again(clinic: Clinic, twilio) -> None:
    """A rule's identity is its offset, not its spelling: the 24h reminder sent, the
    clinic writes "1d" instead, and planning plans nothing new (it would have gone
    again, a second time, within the late limit)."""
    sender, server = twilio
    clinic.set(confirmation=False, offsets="24h")
    appt = clinic.book(clinic.patient(1), at(3, 15))
    run_until(clinic, sender, at(2, 16))
    assert found(clinic, appt) == {"24h": ("sent", "")}
    assert len(server.bodies()) == 1
    clinic.set(offsets="1d")
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert (done.withdrawn, done.items) == (0, [])
    assert found(clinic, appt) == {"24h": ("sent", "")}
    run_until(clinic, sender, at(3, 16))
    assert len(server.bodies()) == 1


def test_an_offset_queued_then_respelt_stays_queued_and_goes_once(clinic: Clinic, twilio) -> None:
    """Queued under 24h, the rule written 1d (and 2h as 120m): the queued ones are the
    rules' own still, neither withdrawn nor planned again, and each goes once."""
    sender, server = twilio
    clinic.set(confirmation=False)
    appt = clinic.book(clinic.patient(1), at(3, 15))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert found(clinic, appt) == {"24h": ("pending", ""), "2h": ("pending", "")}
    clinic.set(offsets="1d,120m")
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert done.withdrawn == 0
    assert found(clinic, appt) == {"24h": ("pending", ""), "2h": ("pending", "")}
    with clinic.db.write() as s:  # and sending does not refuse them either
        for row in s.scalars(select(Reminder).where(Reminder.appointment_id == appt)):
            said = decide(s, row, clinic.clock.now(), config.load(s), {"sms"})
            assert not isinstance(said, Stop)
    run_until(clinic, sender, at(3, 16))
    assert len(server.bodies()) == 2
    assert found(clinic, appt) == {"24h": ("sent", ""), "2h": ("sent", "")}


def send_at(clinic: Clinic, appointment: str, rule: str) -> tuple[str, object]:
    """(state, send_at) of the appointment's queued message of ``rule``."""
    with clinic.db.read() as s:
        row = s.execute(
            select(Reminder.state, Reminder.send_at).where(
                Reminder.appointment_id == appointment, Reminder.rule == rule
            )
        ).one()
    return row.state, row.send_at


def test_quiet_hours_changed_after_planning_move_the_shifted_send_time(
    clinic: Clinic, twilio
) -> None:
    """A reminder shifted past quiet hours (due 07:00, quiet until 08:00: sent 08:00)
    goes when the quiet hours as they are now end: narrowed to 07:30, at 07:30 (#14);
    widened to 09:00, at 09:00. Re-planned in the round after the change, as a change of
    the rules is."""
    sender, server = twilio
    clinic.set(confirmation=False, offsets="24h", quiet_start="21:00", quiet_end="08:00",
               quiet_mode="shift")  # fmt: skip
    appt = clinic.book(clinic.patient(1), at(3, 7))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert send_at(clinic, appt, "24h") == ("pending", at(2, 8))
    clinic.set(quiet_end="07:30")
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert send_at(clinic, appt, "24h") == ("pending", at(2, 7, 30)), "narrowed: sooner"
    clinic.set(quiet_end="09:00")
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert send_at(clinic, appt, "24h") == ("pending", at(2, 9)), "widened: later"
    clinic.set(quiet_end="07:30")
    run_until(clinic, sender, at(2, 7, 45), step=15)
    assert send_at(clinic, appt, "24h")[0] == "sent"
    assert len(server.bodies()) == 1

"""Reminders arrive exactly once, through a loopback server that answers as Twilio's
documentation says: a week of 24h + 2h reminders, two rounds at once, a PC off for a
day, a reschedule, a cancellation, no consent, quiet hours, refusals and rate limits."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from channelservers import (
    ACCOUNT,
    INVALID,
    OPTED_OUT,
    TOKEN,
    http_server,
    rate_limited,
    smtp_server,
    twilio_route,
)
from factories import make_service
from reminderclinic import SENDER, Clinic, at, make

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.models import Appointment, Patient
from receptionist.ops import commlog, reminders
from receptionist.reminders import dispatch
from receptionist.schedule import series
from receptionist.schedule.drafts import Draft
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic
from sync.channels.smtp import SmtpSender
from sync.channels.twilio import TwilioSender


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


@pytest.fixture
def twilio() -> Iterator[tuple[TwilioSender, object]]:
    with http_server(twilio_route) as (url, recorded):
        yield TwilioSender(url, ACCOUNT, SENDER, TOKEN), recorded


def states(clinic: Clinic) -> dict[tuple[str, str], str]:
    rows = reminders.listing(clinic.db, clinic.ctx)
    return {(r.appointment_id, r.rule): r.state for r in rows}


def run_until(clinic: Clinic, sender: TwilioSender, end: object, step: int = 60) -> None:
    """A round every ``step`` minutes from Monday 10:00 until ``end``. Every time these
    tests book, and so every send time, falls on a whole hour (on a half hour where a
    test asks for 30-minute rounds): each message meets a round at its exact time, and
    every round after it (dozens) must send it no second time."""
    while clinic.clock.now() < end:  # type: ignore[operator]
        dispatch.run(clinic.db, clinic.clock, {"sms": sender})
        clinic.clock.advance(minutes=step)


def test_a_week_of_reminders_arrives_exactly_once_each(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    patients = [clinic.patient(n) for n in range(4)]
    booked = [
        clinic.book(patients[day % 4], at(day, hour)) for day in range(1, 8) for hour in (9, 15)
    ]
    run_until(clinic, sender, at(8, 12))
    bodies = server.bodies()
    # One 24h and one 2h reminder per appointment, but for the first one's 24h: its time
    # (Monday 09:00) had passed when it was booked (Monday 10:00).
    assert len(bodies) == 2 * len(booked) - 1
    found = states(clinic)
    assert (booked[0], "24h") not in found
    expected = {(a, rule) for a in booked for rule in ("24h", "2h")} - {(booked[0], "24h")}
    assert {found[key] for key in expected} == {"sent"}
    twice = Counter((m["to"], m["body"]) for m in server.messages)  # 24h and 2h say the same
    assert sorted(twice.values()) == [1] + [2] * (len(booked) - 1), "no message more than once"
    first = server.messages[0]
    assert first["to"].startswith("+90555") and first["from"] == SENDER
    assert "Hasta" in first["body"] and "Dr Ayşe" in first["body"] and "15:00" in first["body"]
    log = commlog.listing(clinic.db, clinic.ctx, patients[1])
    assert log and all(row.entry.channel == "sms" for row in log)
    assert "provider id SM" in log[0].entry.summary


def test_two_rounds_at_once_send_each_reminder_once(clinic: Clinic, twilio, data_dir) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    patients = [clinic.patient(n) for n in range(3)]
    booked = [clinic.book(patients[n % 3], at(1, 9 + n)) for n in range(9)]
    other = open_clinic(data_dir)
    try:
        while clinic.clock.now() < at(2, 0):
            both = [
                threading.Thread(target=dispatch.run, args=(db, clinic.clock, {"sms": sender}))
                for db in (clinic.db, other)
            ]
            for t in both:
                t.start()
            for t in both:
                t.join()
            clinic.clock.advance(minutes=30)
    finally:
        other.close()
    twice = Counter((m["to"], m["body"]) for m in server.messages)  # 24h and 2h say the same
    # The first one's 24h time (Monday 09:00) had passed when it was booked.
    assert sorted(twice.values()) == [1] + [2] * (len(booked) - 1), "none twice"


def test_after_a_day_off_stale_reminders_are_skipped_not_sent_in_a_burst(
    clinic: Clinic, twilio
) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    pid = clinic.patient(1)
    soon = clinic.book(pid, at(1, 12))  # 24h reminder Monday 12:00, 2h Tuesday 10:00
    later = clinic.book(pid, at(2, 15))  # 24h reminder Tuesday 15:00
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})  # Monday 10:00: nothing due
    clinic.clock.set(at(1, 10, 30))  # the PC was off from Monday 10:00 to Tuesday 10:30
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert [(i.rule, i.reason) for i in done.of("skipped")] == [("24h", "late")]
    assert [i.rule for i in done.of("sent")] == ["2h"]
    assert len(server.bodies()) == 1
    assert states(clinic)[(later, "24h")] == "pending"
    assert states(clinic)[(soon, "24h")] == "skipped"


def test_a_reschedule_withdraws_the_old_reminders_and_plans_new_ones(
    clinic: Clinic, twilio
) -> None:
    sender, server = twilio
    pid = clinic.patient(1)
    appt = clinic.book(pid, at(3, 10))
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert [i.kind for i in done.of("sent")] == ["confirmation"]
    clinic.move(appt, at(4, 16))
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert done.withdrawn == 2
    assert [i.kind for i in done.of("sent")] == ["reschedule"]
    rows = reminders.listing(clinic.db, clinic.ctx)
    old = {r.rule: r.state for r in rows if r.appointment_start == at(3, 10)}
    new = {
        r.rule: r.send_at for r in rows if r.appointment_start == at(4, 16) and r.kind == "reminder"
    }
    assert old == {"24h": "withdrawn", "2h": "withdrawn", "confirmation": "sent"}
    assert new == {"24h": at(3, 16), "2h": at(4, 14)}
    run_until(clinic, sender, at(5, 0))
    assert len(server.bodies()) == 4  # confirmation, reschedule, 24h, 2h: none for 3 March
    assert "has moved" in server.bodies()[1]


def test_a_cancellation_withdraws_and_sends_the_cancellation_message(
    clinic: Clinic, twilio
) -> None:
    sender, server = twilio
    pid = clinic.patient(1)
    appt = clinic.book(pid, at(3, 10))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.cancel(appt)
    run_until(clinic, sender, at(4, 0))
    assert len(server.bodies()) == 2
    assert "cancelled" in server.bodies()[1]
    assert states(clinic)[(appt, "24h")] == "withdrawn"


def test_no_consent_means_nothing_is_sent(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    pid = clinic.patient(1, consents=("reminder_email",))  # e-mail, but no address
    other = clinic.patient(2, consents=())
    clinic.book(pid, at(1, 11))
    clinic.book(other, at(1, 12))
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert server.bodies() == []
    assert sorted(i.reason for i in done.of("skipped")) == ["no_address", "no_consent"]
    run_until(clinic, sender, at(2, 0))
    assert server.bodies() == []


def test_quiet_hours_move_a_reminder_to_the_morning_or_skip_it(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    pid = clinic.patient(1)
    early = clinic.book(pid, at(2, 9))  # 2h reminder at 07:00: quiet, moved to 08:00
    rows = {(r.appointment_id, r.rule): r for r in reminders.listing(clinic.db, clinic.ctx)}
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    rows = {(r.appointment_id, r.rule): r for r in reminders.listing(clinic.db, clinic.ctx)}
    assert rows[(early, "2h")].send_at == at(2, 8)
    clinic.set(quiet_mode="skip")
    second = clinic.book(pid, at(3, 8, 30))  # 2h reminder at 06:30: skipped
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert states(clinic)[(second, "2h")] == "skipped"
    run_until(clinic, sender, at(3, 9), step=30)  # 08:30 met
    sent_at = [m for m in server.messages]
    assert len(sent_at) == 3  # early: 24h and 2h (at 08:00); second: 24h only


def test_an_invalid_number_and_an_opt_out_fail_at_once_and_are_logged(
    clinic: Clinic, twilio
) -> None:
    sender, server = twilio
    bad = clinic.patient(1, phone=INVALID)
    gone = clinic.patient(2, phone=OPTED_OUT)
    clinic.book(bad, at(3, 9))
    clinic.book(gone, at(3, 10))
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert sorted(i.reason for i in done.of("failed")) == [
        "permanent:invalid_number",
        "permanent:opted_out",
    ]
    assert server.bodies() == []
    log = commlog.listing(clinic.db, clinic.ctx, bad)
    assert "not sent" in log[0].entry.summary
    assert log[0].entry.reason == "permanent:invalid_number"
    again = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert again.of("failed", "sent") == []


def test_a_rate_limit_is_retried_after_the_time_the_provider_asks(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    pid = clinic.patient(1)
    clinic.book(pid, at(1, 9))
    server.script.append(rate_limited(retry_after=300))
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert [(i.state, i.reason) for i in done.items] == [("retrying", "retry:rate_limited")]
    clinic.clock.advance(minutes=4)
    assert dispatch.run(clinic.db, clinic.clock, {"sms": sender}).of("sent") == []
    clinic.clock.advance(minutes=1)
    assert [i.kind for i in dispatch.run(clinic.db, clinic.clock, {"sms": sender}).of("sent")] == [
        "confirmation"
    ]
    assert len(server.bodies()) == 1


def test_a_pc_that_is_not_the_station_sends_nothing(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    clinic.book(clinic.patient(1), at(1, 9))
    clinic.set(station="B")  # this PC is A
    assert dispatch.run(clinic.db, clinic.clock, {"sms": sender}).reason == "not_station"
    clinic.set(station="a")
    assert dispatch.run(clinic.db, clinic.clock, {"sms": sender}).active
    assert len(server.bodies()) == 1


def test_a_role_lost_for_one_round_loses_no_reminder_waiting_for_quiet_hours(
    clinic: Clinic, twilio
) -> None:
    """X moved to Monday 20:00 + 1 day: its 24h reminder (Monday 20:00) waits for the end
    of quiet hours (22:00). At 21:00 the station setting names another PC for one round
    (changed and changed back): the queued reminder is withdrawn ("role_lost"), and
    planning afresh must not take it for one whose time passed before the move made
    it one to send: it goes at 22:00, once."""
    sender, server = twilio
    clinic.set(offsets="24h", confirmation=False, reschedule=False,
               quiet_start="19:00", quiet_end="22:00")  # fmt: skip
    x = clinic.book(clinic.patient(1), at(2, 10))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.move(x, at(1, 20))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.clock.set(at(0, 21))
    assert dispatch.run(clinic.db, clinic.clock, {"sms": sender}).items == []
    clinic.set(station="B")  # this PC is A: for one round, not the station
    assert dispatch.run(clinic.db, clinic.clock, {"sms": sender}).withdrawn == 1
    clinic.set(station="")
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.clock.set(at(0, 22, 1))
    sent = dispatch.run(clinic.db, clinic.clock, {"sms": sender}).of("sent")
    assert [(i.appointment_id, i.rule) for i in sent] == [(x, "24h")]
    assert len(server.bodies()) == 1


def test_a_role_lost_for_one_round_loses_no_confirmation_beside_a_row_kept(
    clinic: Clinic, twilio
) -> None:
    """X, booked at 20:00 (quiet hours 19:00-22:00) for tomorrow 20:30: its confirmation
    waits for 22:00; its 1h reminder (tomorrow 19:30, quiet until after the start) is
    skipped when planned. At 21:00 the station setting names another PC for one round:
    the confirmation is withdrawn ("role_lost"), the skipped reminder stays as it was.
    Planning afresh must still take X for a booking nothing was planned for here: its
    confirmation goes at 22:00, once."""
    sender, server = twilio
    clinic.set(offsets="1h", quiet_start="19:00", quiet_end="22:00")
    clinic.clock.set(at(0, 20))
    x = clinic.book(clinic.patient(1), at(1, 20, 30))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert states(clinic) == {(x, "confirmation"): "pending", (x, "1h"): "skipped"}
    clinic.clock.set(at(0, 21))
    clinic.set(station="B")  # this PC is A: for one round, not the station
    assert dispatch.run(clinic.db, clinic.clock, {"sms": sender}).withdrawn == 1
    clinic.set(station="")
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    clinic.clock.set(at(0, 22, 1))
    sent = dispatch.run(clinic.db, clinic.clock, {"sms": sender}).of("sent")
    assert [(i.appointment_id, i.rule) for i in sent] == [(x, "confirmation")]
    assert len(server.bodies()) == 1


def test_no_reminder_after_the_appointment_started(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    clinic.set(late_limit_minutes=1440, confirmation=False)
    appt = clinic.book(clinic.patient(1), at(1, 9))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})  # plans the 2h, Tuesday 08:00
    clinic.clock.set(at(1, 9, 5))  # the station was off until after it started
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert server.bodies() == []
    assert [(i.rule, i.reason) for i in done.of("skipped")] == [("2h", "started")]
    assert states(clinic)[(appt, "2h")] == "skipped"


def test_a_service_s_own_rules_and_the_patient_s_language(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    with clinic.db.write() as s:
        long_visit = make_service(s, clinic.ctx, "Implant", 90).id
    clinic.set(service_rules={long_visit: {"offsets": "48h", "confirmation": False}})
    pid = clinic.patient(1, language="tr")
    plain = clinic.book(pid, at(3, 10))
    special = clinic.book(pid, at(4, 10))
    with clinic.db.write() as s:  # the booking was for the check-up; make it an implant
        row = s.get(Appointment, special)
        assert row is not None
        row.service_id = long_visit
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    rules = {(r.appointment_id, r.rule) for r in reminders.listing(clinic.db, clinic.ctx)}
    assert {r for a, r in rules if a == plain} == {"confirmation", "24h", "2h"}
    assert {r for a, r in rules if a == special} == {"48h"}
    (confirmation,) = server.bodies()
    assert (
        confirmation.startswith("Merhaba Hasta1") and "5 Mart 2026 Perşembe 10:00" in confirmation
    )


def test_an_e_mail_reminder_reaches_a_real_smtp_server(clinic: Clinic) -> None:
    clinic.set(offsets="", clinic_address="Moda Cad. 12, Kadıköy")
    pid = clinic.patient(1, email="layla@example.org", consents=("reminder_email",), language="ar")
    clinic.book(pid, at(3, 10))
    with smtp_server() as (port, inbox):
        mailer = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
        done = dispatch.run(clinic.db, clinic.clock, {"email": mailer})
    assert [(i.kind, i.channel) for i in done.of("sent")] == [("confirmation", "email")]
    (mail,) = inbox.mails
    assert mail["To"] == "layla@example.org"
    text = mail.get_payload(decode=True).decode("utf-8")
    assert "مرحباً Hasta1" in text and "Moda Cad. 12, Kadıköy" in text
    log = commlog.listing(clinic.db, clinic.ctx, pid)
    assert [row.entry.channel for row in log] == ["email"]


def test_a_failed_message_can_be_resent_once_the_number_is_fixed(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    pid = clinic.patient(1, phone=INVALID)
    clinic.book(pid, at(3, 9))
    (failed,) = dispatch.run(clinic.db, clinic.clock, {"sms": sender}).of("failed")
    with pytest.raises(ValidationError):
        reminders.resend(clinic.db, clinic.ctx, failed.reminder_id + "x")
    with clinic.db.write() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        patient.phone = "+905550001122"
    again = reminders.resend(clinic.db, clinic.ctx, failed.reminder_id)
    assert again.state == "pending"
    with pytest.raises(ValidationError):
        reminders.resend(clinic.db, clinic.ctx, failed.reminder_id)
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert [i.reminder_id for i in done.of("sent")] == [failed.reminder_id]
    assert [m["to"] for m in server.messages] == ["+905550001122"]


def test_a_booking_first_seen_more_than_a_day_late_is_still_confirmed(
    clinic: Clinic, twilio
) -> None:
    """A booking the station first plans two days after it was made (no round ran
    meanwhile: the booking came from a PC offline, or the station was off) still gets
    its confirmation while the appointment is ahead; one made before reminders were
    switched on, more than a day before, does not."""
    sender, server = twilio
    clinic.set(offsets="", enabled=False)
    clinic.clock.advance(minutes=1)
    before = clinic.book(clinic.patient(1), at(3, 9))  # reminders still off
    clinic.clock.advance(hours=2)
    clinic.set(enabled=True)
    clinic.clock.advance(minutes=1)
    late = clinic.book(clinic.patient(2), at(3, 10))
    clinic.clock.advance(days=2)  # no round ran since
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert [(i.appointment_id, i.kind) for i in done.of("sent")] == [(late, "confirmation")]
    assert before not in {i.appointment_id for i in done.items}
    assert len(server.bodies()) == 1


def test_a_weekly_series_gets_its_reminders_for_every_occurrence(clinic: Clinic, twilio) -> None:
    """Recurring appointments (a weekly series, booked at once) get the 24h and 2h
    reminders of each occurrence, once each, as it comes near."""
    sender, server = twilio
    clinic.set(confirmation=False)
    first = Draft(clinic.patient(1), clinic.provider, clinic.service, at(1, 11))
    with clinic.db.write() as s:
        booked = series.book_series(s, clinic.ctx, first, count=3).booked
    assert len(booked) == 3
    ids = [o.appointment_id for o in booked]
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    for week in range(3):
        for before in (timedelta(hours=24), timedelta(hours=2)):
            clinic.clock.set(at(1 + 7 * week, 11) - before + timedelta(minutes=1))
            done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
            assert [i.appointment_id for i in done.of("sent")] == [ids[week]]
    found = states(clinic)
    assert {found[(a, rule)] for a in ids for rule in ("24h", "2h")} == {"sent"}
    assert len(server.messages) == 6


def test_a_booking_moved_away_and_back_gets_its_reminders_and_each_move_its_message(
    clinic: Clinic, twilio
) -> None:
    """Moved from 5 March to 6 March, back, and to 6 March again: each move's reschedule
    message goes (the patient was last told another start), and the reminders of the
    start it is back at go (they were withdrawn when it moved away): the rows of the
    same key take the new plan's place."""
    sender, server = twilio
    appt = clinic.book(clinic.patient(1), at(3, 10))

    def moved(start: object) -> list[str]:
        clinic.clock.advance(minutes=10)
        clinic.move(appt, start)  # type: ignore[arg-type]
        return [i.kind for i in dispatch.run(clinic.db, clinic.clock, {"sms": sender}).of("sent")]

    assert [i.kind for i in dispatch.run(clinic.db, clinic.clock, {"sms": sender}).of("sent")] == [
        "confirmation"
    ]
    assert moved(at(4, 16)) == ["reschedule"]
    assert moved(at(3, 10)) == ["reschedule"]
    back = {(r.rule, r.state) for r in reminders.listing(clinic.db, clinic.ctx)
            if r.appointment_start == at(3, 10)}  # fmt: skip
    assert {("24h", "pending"), ("2h", "pending")} <= back
    assert moved(at(4, 16)) == ["reschedule"]
    clinic.clock.set(at(3, 16))  # the 24h reminder of 6 March is due
    assert [i.rule for i in dispatch.run(clinic.db, clinic.clock, {"sms": sender}).of("sent")] == [
        "24h"
    ]
    assert len(server.bodies()) == 5  # confirmation, three reschedules, 24h

"""The providers' delivery log: every answer about a message (a send, a status lookup
after a crash) is a row with no text and no address; the sweep removes rows (and the
station's finished reminders) older than ``retention.delivery_log_months``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from channelservers import ACCOUNT, INVALID, TOKEN, http_server, twilio_route
from factories import actor_ctx
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select, text

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.models import DeliveryLog, Patient, Reminder
from receptionist.ops import retention
from receptionist.reminders import config, dispatch
from receptionist.reminders.plan import plan
from receptionist.store.storage import Database
from sync.channels.twilio import TwilioSender


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


@pytest.fixture
def twilio() -> Iterator[tuple[TwilioSender, object]]:
    with http_server(twilio_route) as (url, recorded):
        yield TwilioSender(url, ACCOUNT, SENDER, TOKEN), recorded


def log_rows(db: Database) -> list[tuple[str, str, str, str, str, int | None]]:
    with db.read() as s:
        rows = s.scalars(select(DeliveryLog).order_by(DeliveryLog.at, DeliveryLog.code))
        return [
            (r.reminder_id, r.action, r.status, r.code, r.provider_id, r.http_status) for r in rows
        ]


def held_ids(db: Database) -> set[str]:
    with db.read() as s:
        return set(s.scalars(select(Reminder.id).where(Reminder.patient_id == "pt3")))


def test_each_send_logs_the_provider_s_answer_and_nothing_of_the_message(
    clinic: Clinic, twilio, db: Database
) -> None:
    sender, server = twilio
    good = clinic.patient(1, phone="+905550000001")
    clinic.patient(2, phone=INVALID)
    clinic.book(good, at(2, 9))
    clinic.book("pt2", at(2, 10))
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    sent, failed = done.of("sent")[0], done.of("failed")[0]
    rows = log_rows(db)
    assert sorted(rows) == sorted([
        (sent.reminder_id, "send", "sent", "", sent.provider_id, 201),
        (failed.reminder_id, "send", "permanent", "invalid_number", "", 400),
    ])  # fmt: skip
    assert sent.provider_id.startswith("SM")
    with db.read() as s:
        every = " ".join(str(v) for r in s.execute(text("SELECT * FROM delivery_log")) for v in r)
    for private in ("+905550000001", INVALID, "Hasta1", server.bodies()[0]):
        assert private not in every


def test_a_status_lookup_after_a_crash_is_logged(clinic: Clinic, twilio, db: Database) -> None:
    sender, _server = twilio
    clinic.book(clinic.patient(1, phone="+905550000001"), at(2, 9))
    # A round that went "sending" and never came back (the provider never got it).
    with db.write() as s:
        plan(s, clinic.clock.now(), config.load(s))
        r = s.scalars(select(Reminder).where(Reminder.kind == "confirmation")).one()
        r.state, r.channel, r.claimed_at, r.digest = "sending", "sms", clinic.clock.now(), "x"
        r.sent_to = "+905550000001"  # where it went, kept as it went "sending"
        lost = r.id
    clinic.clock.advance(minutes=11)
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    lookups = [row for row in log_rows(db) if row[1] == "lookup"]
    assert lookups == [(lost, "lookup", "permanent", "absent", "", 200)]
    sends = [row for row in log_rows(db) if row[0] == lost and row[1] == "send"]
    assert sends == [], "not in the provider's list: unknown for a person, not sent again"


def test_the_sweep_removes_delivery_logs_and_finished_reminders_after_six_months(
    clinic: Clinic, twilio, db: Database
) -> None:
    sender, _server = twilio
    clinic.book(clinic.patient(1), at(2, 9))
    clinic.book(clinic.patient(2, phone=INVALID), at(2, 10))
    clinic.book(clinic.patient(3, phone="+905550000003"), at(2, 9, 30))  # to be on hold
    first = clinic.clock.now()
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})  # two confirmations: logged
    clinic.clock.advance(days=1, minutes=30)  # both 24h reminders due: logged a day later
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert len(log_rows(db)) == 6
    # Six months and half a day after the first round: its two rows are past the policy.
    clinic.clock.set(first.replace(month=first.month + 6) + timedelta(hours=12))
    admin = actor_ctx("admin", clinic.clock, source="cli")
    with db.read() as s:
        number = s.scalar(select(Patient.number).where(Patient.id == "pt3"))
    retention.hold(db, admin, str(number), "complaint under review")
    folder = db.path.parent
    plan = retention.dry_run(db, admin, folder)
    assert (plan.counts["delivery_log"], plan.counts["reminder"]) == (2, 2)
    assert plan.policies["delivery_log"] == "retention.delivery_log_months=6"
    swept = retention.sweep(db, admin, folder)
    assert (swept.counts["delivery_log"], swept.counts["reminder"]) == (2, 2)
    kinds = {r.kind: (r.count, r.policy) for r in swept.records}
    assert kinds["delivery_log"] == (2, "retention.delivery_log_months=6")
    left = log_rows(db)
    assert len(left) == 4 and {row[1] for row in left} == {"send"}
    with db.read() as s:
        kept = {(r.patient_id, r.kind) for r in s.scalars(select(Reminder))}
    assert ("pt1", "confirmation") not in kept and ("pt1", "reminder") in kept
    assert ("pt3", "confirmation") in kept, "a patient on hold keeps their delivery record"
    on_hold = [row for row in left if row[0] in held_ids(db)]
    assert len(on_hold) == 2


def test_a_lifted_hold_no_longer_keeps_the_delivery_record(
    clinic: Clinic, twilio, db: Database
) -> None:
    sender, _server = twilio
    clinic.book(clinic.patient(3, phone="+905550000003"), at(2, 9, 30))
    first = clinic.clock.now()
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})  # the confirmation: logged
    clinic.clock.set(first.replace(month=first.month + 6) + timedelta(hours=12))
    admin = actor_ctx("admin", clinic.clock, source="cli")
    with db.read() as s:
        number = str(s.scalar(select(Patient.number).where(Patient.id == "pt3")))
    retention.hold(db, admin, number, "complaint under review")
    retention.unhold(db, admin, number)  # lifted: the row stays, marked deleted
    plan = retention.dry_run(db, admin, db.path.parent)
    assert (plan.counts["delivery_log"], plan.counts["reminder"]) == (1, 1)


def test_a_send_cut_short_before_its_address_was_kept_is_unknown_not_asked(
    clinic: Clinic, twilio, db: Database
) -> None:
    """A row left "sending" by a version that kept no address (before migration 0025):
    the patient's number now may not be where it went, so nobody is asked and nothing
    is sent: it is "unknown", for a person."""
    sender, server = twilio
    clinic.book(clinic.patient(1), at(2, 9))
    with db.write() as s:
        plan(s, clinic.clock.now(), config.load(s))
        r = s.scalars(select(Reminder).where(Reminder.kind == "confirmation")).one()
        r.state, r.channel, r.claimed_at, r.digest = "sending", "sms", clinic.clock.now(), "x"
    clinic.clock.advance(minutes=11)
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert [(i.state, i.reason) for i in done.items] == [("unknown", "interrupted")]
    assert server.messages == []

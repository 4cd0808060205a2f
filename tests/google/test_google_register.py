"""The disclosure register after an erasure (issue #14; KVKK art. 7, GDPR art. 17(2) and
19): her events' deletion is how Google, the recipient, is told; the register records
when each sending was withdrawn, and keeps no id of hers once it is: an anonymous
record that a name went to calendar X on date D and left on date E, which the sweep
deletes with the destruction records. Through the loopback Google Calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

from googlekit import CALENDAR, Clinic
from sqlalchemy import select

from receptionist.context import Ctx
from receptionist.google.eventbody import event_id
from receptionist.models import GoogleDisclosure
from receptionist.ops import retention
from receptionist.ops import settings as settings_ops
from receptionist.patients import record
from receptionist.schedule import booking

YEARS_3 = timedelta(days=3 * 365 + 2)  # past the destruction records' three years


Row = tuple[str, str, str, str, datetime, datetime | None]


def _register(clinic: Clinic) -> set[Row]:
    with clinic.db.read() as s:
        rows = s.scalars(select(GoogleDisclosure)).all()
        return {(r.patient_id, r.appointment_id, r.what, r.recipient, r.at, r.withdrawn_at)
                for r in rows}  # fmt: skip


def test_her_sendings_are_withdrawn_with_her_events_then_name_nobody_and_are_swept(
    clinic: Clinic,
) -> None:
    settings_ops.set_value(clinic.db, clinic.ctx, "google.summary", "full_name")
    start = clinic.clock.now() + timedelta(days=1)
    cancelled, kept = clinic.book(start), clinic.book(start + timedelta(hours=1))
    his = clinic.book(start + timedelta(hours=2), patient="p2")
    clinic.round()
    sent_at = clinic.clock.now()
    to = f"Google Calendar {CALENDAR}"
    zeynep, emre = clinic.ids["p1"], clinic.ids["p2"]
    assert _register(clinic) == {
        (zeynep, cancelled, "full_name", to, sent_at, None),
        (zeynep, kept, "full_name", to, sent_at, None),
        (emre, his, "full_name", to, sent_at, None),
    }

    clinic.clock.advance(hours=1)
    with clinic.db.write() as s:
        booking.cancel(s, clinic.ctx, cancelled, "the patient called")
    clinic.round()
    cancelled_at = clinic.clock.now()
    assert (zeynep, cancelled, "full_name", to, sent_at, cancelled_at) in _register(clinic), (
        "withdrawn: her name left Google; still hers (she may ask who received it)"
    )

    clinic.clock.advance(hours=1)
    with clinic.db.write() as s:
        record.delete_patient(s, clinic.ctx, zeynep)
    assert {row[:2] for row in _register(clinic)} == {("", ""), ("", kept), (emre, his)}, (
        "her id gone at once; the appointment's kept while its event is in Google"
    )
    assert clinic.round().counts.deleted == 1
    erased_at = clinic.clock.now()
    assert [e["id"] for e in clinic.google.live(CALENDAR)] == [event_id(his)]
    assert _register(clinic) == {
        ("", "", "full_name", to, sent_at, cancelled_at),
        ("", "", "full_name", to, sent_at, erased_at),
        (emre, his, "full_name", to, sent_at, None),
    }
    assert clinic.round().counts.deleted == 0, "once"

    # Three years on: her anonymous rows go with the destruction records of their
    # time; Emre's, whose record the same sweep removes (lapsed), names him no more
    # but keeps his appointment's id until his event's deletion reaches Google.
    # A sending of his withdrawn long ago (an earlier visit's): the same sweep takes
    # his id from it, then deletes it; the dry run counts it too (#14: they differed).
    with clinic.db.write() as s:
        s.add(GoogleDisclosure(patient_id=emre, appointment_id="an-earlier-visit",
                               what="initials", recipient=to, at=sent_at - timedelta(days=9),
                               withdrawn_at=sent_at - timedelta(days=8)))  # fmt: skip
    clinic.clock.advance(days=YEARS_3.days)
    later = Ctx(clinic.ctx.actor, clinic.clock)
    root = clinic.db.path.parent
    assert retention.dry_run(clinic.db, later, root).counts["google_disclosure"] == 3
    swept = retention.sweep(clinic.db, later, root)
    assert swept.counts["google_disclosure"] == 3
    assert ("google_disclosure", 3) in {(r.kind, r.count) for r in swept.records}
    assert _register(clinic) == {("", his, "full_name", to, sent_at, None)}
    clinic.round()
    assert clinic.google.live(CALENDAR) == []
    assert _register(clinic) == {("", "", "full_name", to, sent_at, clinic.clock.now())}


def test_her_kept_visits_leave_google_named_by_nobody_when_she_is_anonymised(
    clinic: Clinic,
) -> None:
    """A clinic that keeps statistics anonymises a lapsed patient and keeps her visits
    (issue #14): the events of her kept visits are sent again with the title that
    names nobody ("Appointment – service"), and her sendings of her name are withdrawn
    then, naming her no more; Emre's, who is still seen, are untouched."""
    settings_ops.set_value(clinic.db, clinic.ctx, "google.summary", "full_name")
    start = clinic.clock.now() + timedelta(days=1)
    hers, his = clinic.book(start), clinic.book(start + timedelta(hours=2), patient="p2")
    clinic.round()
    zeynep = clinic.ids["p1"]
    assert {e["summary"] for e in clinic.google.live(CALENDAR)} >= {"Zeynep Kaya – Check-up"}
    clinic.clock.advance(days=YEARS_3.days)
    later = Ctx(clinic.ctx.actor, clinic.clock)
    root = clinic.db.path.parent
    with clinic.db.write() as s:  # Emre comes back: he stays
        booking.book(s, later, patient_id=clinic.ids["p2"], provider_id=clinic.ids["ayse"],
                     service_id=clinic.ids["checkup"], start=clinic.clock.now()
                     + timedelta(days=1))  # fmt: skip
    settings_ops.set_value(clinic.db, later, "retention.lapsed_patients", "anonymise")
    retention.review(clinic.db, later, root)
    assert retention.sweep(clinic.db, later, root).counts[retention.ANONYMISED] == 1

    clinic.round()

    titles = {e["id"]: e["summary"] for e in clinic.google.live(CALENDAR)}
    assert titles[event_id(hers)] == "Appointment – Check-up", "her visit kept, unnamed"
    assert titles[event_id(his)] == "Emre Demir – Check-up"
    assert not [t for t in titles.values() if "Zeynep" in t or "Kaya" in t]
    to = f"Google Calendar {CALENDAR}"
    rows = _register(clinic)
    assert ("", "", "full_name", to, start - timedelta(days=1), clinic.clock.now()) in rows, (
        "her sending withdrawn as the event was retitled, naming no one"
    )
    assert not {zeynep, hers} & ({r[0] for r in rows} | {r[1] for r in rows})

"""Migration 0033 (issue #14): ``google_disclosure.withdrawn_at``. The upgrade from 0030
fills what the file can tell: a sending whose event is gone from Google (its link
removed, or deleted there) was withdrawn when its link last changed; the rows of an
erased or swept patient name her no more (her appointment's id kept only while its
event is still in Google); an index finds an appointment's rows. The downgrade drops
the column and keeps the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factories import downgrade, make_patients
from sqlalchemy import select, text

from receptionist.models import GoogleDisclosure, GoogleLink, Patient
from receptionist.store import migrate
from receptionist.store.storage import Database

SENT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
GONE = SENT + timedelta(days=3)
CAL = "Google Calendar c1"


def test_0033_marks_what_left_google_and_unnames_the_erased(db: Database) -> None:
    with db.write() as s:
        live, erased = make_patients(s, SENT, (1, 2))
        s.get(Patient, erased).deleted_at = GONE  # type: ignore[union-attr]
        for appt, state in (("a-live", "removed"), ("a-out", "synced"), ("a-erased", "removed"),
                            ("a-still", "synced"), ("a-swept", "deleted_in_google")):  # fmt: skip
            s.add(GoogleLink(appointment_id=appt, calendar_id="c1", event_id=appt, state=state,
                             updated_at=GONE))  # fmt: skip
        for patient, appt in ((live, "a-live"), (live, "a-out"), (erased, "a-erased"),
                              (erased, "a-still"), ("swept", "a-swept")):  # fmt: skip
            s.add(GoogleDisclosure(patient_id=patient, appointment_id=appt, what="initials",
                                   recipient=CAL, at=SENT))  # fmt: skip
    downgrade(db, "0030")
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM google_disclosure")).scalar_one() == 5
    migrate.upgrade(db)
    with db.read() as s:
        rows = s.scalars(select(GoogleDisclosure).order_by(GoogleDisclosure.seq)).all()
        found = [(r.patient_id, r.appointment_id, r.withdrawn_at) for r in rows]
    assert found == [
        (live, "a-live", GONE),  # withdrawn, still hers: she may ask
        (live, "a-out", None),  # still in Google
        ("", "", GONE),  # erased, withdrawn: anonymous
        ("", "a-still", None),  # erased, her event still there: found when it goes
        ("", "", GONE),  # swept (no patient row), deleted in Google
    ]
    with db.read() as s:  # each push's withdrawal finds its rows by key, not by a scan
        plan = s.execute(text("EXPLAIN QUERY PLAN UPDATE google_disclosure SET "
                              "withdrawn_at = 1 WHERE appointment_id = 'a-out'")).all()  # fmt: skip
    assert "ix_google_disclosure_appointment" in str(plan[-1][-1])

"""A patient erased while a PC was away past the endpoint's horizon: her tombstone is
purged on the endpoint, the PC's cursor is refused (410), and it downloads the clinic
again. The rows the endpoint no longer holds must go from that PC too, with what
points at them (the booking another PC made for her, and one this PC made offline),
so that no PC ends with a live appointment pointing at a patient it cannot have."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from faultkit import Pc, catalogue
from serverkit import Endpoint
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.models import Appointment, CommunicationEntry, Patient, PatientDocument
from receptionist.ops.patients import NewPatient, add, find
from receptionist.patients import commlog, documents
from receptionist.patients import record as patients
from receptionist.schedule import booking
from sync import cloud

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)


def _live_bookings(db: object) -> dict[str, str]:
    """Each live appointment's id and its patient's, on this PC."""
    with db.read() as s:  # type: ignore[attr-defined]
        rows = s.execute(select(Appointment.id, Appointment.patient_id)
                         .where(Appointment.deleted_at.is_(None))).all()  # fmt: skip
        return {a: p for a, p in rows}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_pc_back_after_the_horizon_drops_the_erased_patient_and_what_points_at_her(
    endpoint: Endpoint, two_pcs: list[Pc], tmp_path: Path, clock: FixedClock
) -> None:
    a, b = two_pcs
    doctor, service = catalogue(a)
    layla = add(a.db, a.admin(), NewPatient("Layla", "Haddad")).id
    assert layla
    with a.db.write() as s:
        theirs = booking.book(s, a.admin(), patient_id=layla, provider_id=doctor,
                              service_id=service, start=TUE_10).id  # fmt: skip
    cloud.sync_once(a.db, clock)
    cloud.sync_once(b.db, clock)
    # B goes away; meanwhile it books Layla again, offline.
    with b.db.write() as s:
        later = TUE_10 + timedelta(hours=2)
        mine = booking.book(s, b.admin(), patient_id=layla, provider_id=doctor,
                            service_id=service, start=later).id  # fmt: skip
    with a.db.write() as s:  # A erases her, and the horizon passes
        patients.delete_patient(s, a.admin(), layla)
    cloud.sync_once(a.db, clock)
    clock.advance(days=91)
    with a.db.write() as s:  # A's next push purges her tombstone on the endpoint
        omar = find(a.db, a.admin(), "omar")[0].id
        patients.update_patient(s, a.admin(), omar, notes="Seen in June")
    cloud.sync_once(a.db, clock)

    back = cloud.sync_once(b.db, clock)  # 410: B downloads the clinic again

    assert back.swept >= 3, "Layla, and the two bookings pointing at her"
    with b.db.read() as s:
        gone = s.get(Patient, layla)
        assert gone is not None and gone.deleted_at is not None, "a tombstone, as on A"
        assert (gone.given_name, gone.family_name) == ("", ""), "wiped, as on A"
        held = set(s.scalars(select(Patient.id).where(Patient.deleted_at.is_(None))))
    assert theirs not in _live_bookings(b.db) and mine not in _live_bookings(b.db)
    assert set(_live_bookings(b.db).values()) <= held
    cloud.sync_once(a.db, clock)  # B's offline booking went as a tombstone: none live
    assert theirs not in _live_bookings(a.db) and mine not in _live_bookings(a.db)
    assert cloud.sync_once(b.db, clock).swept == 0, "an ordinary round sweeps nothing"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_what_a_pc_back_after_the_horizon_wrote_for_the_erased_patient_is_wiped_everywhere(
    endpoint: Endpoint, two_pcs: list[Pc], tmp_path: Path, clock: FixedClock
) -> None:
    """B, away, attached a scan and logged a call for Layla; she was erased and her
    tombstone purged. B's sweep deleted them without wiping them, as an erasure does:
    their tombstones carried the scan's bytes and the call's summary to the endpoint
    and into every PC's file."""
    a, b = two_pcs
    layla = add(a.db, a.admin(), NewPatient("Layla", "Haddad")).id
    assert layla
    cloud.sync_once(a.db, clock)
    cloud.sync_once(b.db, clock)
    with b.db.write() as s:  # B, away
        scan = documents.attach(s, b.admin(), layla, "scan.pdf", b"%PDF marker" * 999).id
        call = commlog.add(s, b.admin(), layla, channel="phone", direction="in",
                           summary="Asked about her marker results").id  # fmt: skip
    with a.db.write() as s:  # A erases her, and the horizon passes
        patients.delete_patient(s, a.admin(), layla)
    cloud.sync_once(a.db, clock)
    clock.advance(days=91)
    with a.db.write() as s:
        omar = find(a.db, a.admin(), "omar")[0].id
        patients.update_patient(s, a.admin(), omar, notes="Seen in June")
    cloud.sync_once(a.db, clock)

    assert cloud.sync_once(b.db, clock).swept >= 3  # 410, a full download, the sweep
    cloud.sync_once(a.db, clock)

    for pc in (a, b):
        with pc.db.read() as s:
            doc, entry = s.get(PatientDocument, scan), s.get(CommunicationEntry, call)
            assert doc is not None and doc.deleted_at is not None
            assert (doc.content, doc.file_name) == (b"", ""), "the scan wiped"
            assert entry is not None and entry.summary == "", "the call's summary wiped"

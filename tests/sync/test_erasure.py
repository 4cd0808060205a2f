"""A patient's erasure wins over any edit, a booking made for her offline included: the
PC that booked her before it learnt of the erasure pushes a live booking the endpoint
cannot tell from any other (whom it is for is sealed); the PCs that apply it, knowing
she is erased, delete it as their own change, so it is live nowhere, the endpoint
included, and the time it held is free again. Through a real endpoint (SQLite and
PostgreSQL), each PC its own encrypted file, none of them re-downloading."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from faultkit import Pc, catalogue
from pairkit import owed
from sqlalchemy import create_engine, select, text

from receptionist.clock import FixedClock
from receptionist.models import Appointment, Consent, SyncConflict, WaitlistEntry
from receptionist.ops import conflicts, replica
from receptionist.ops.conflicterasure import ERASED
from receptionist.ops.conflictwords import ConflictView
from receptionist.ops.patients import NewPatient, add, delete, find
from receptionist.patients import record as patients
from receptionist.privacy import consents
from receptionist.schedule import booking, waitlist
from sync import cloud
from sync import round as rounds

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul
HALF = timedelta(minutes=30)


@pytest.fixture
def pcs(two_pcs: list[Pc]) -> list[Pc]:
    """Two PCs joined through the endpoint (a copy: tests/sync/pairkit.py)."""
    return two_pcs


def _endpoint_live(database_url: str, row_id: str) -> bool | None:
    """Whether the endpoint holds the appointment live (None: not at all)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT deleted FROM record WHERE entity = 'appointment' AND id = :id"),
                {"id": row_id},
            ).first()
    finally:
        engine.dispose()
    return None if found is None else not found.deleted


def _live(pc: Pc, row_id: str) -> bool:
    with pc.db.read() as s:
        row = s.get(Appointment, row_id)
        return row is not None and row.deleted_at is None


def _booked_offline_for_the_erased(a: Pc, b: Pc) -> tuple[str, str]:
    """Layla on both PCs; B, offline, books her; meanwhile A erases her and syncs.
    Her id and B's booking's."""
    layla = add(a.db, a.admin(), NewPatient("Layla", "Haddad")).id
    assert layla
    cloud.sync_once(a.db, a.ctx.clock)
    cloud.sync_once(b.db, b.ctx.clock)
    doctor, service = catalogue(b)
    with b.db.write() as s:
        mine = booking.book(s, b.admin(), patient_id=layla, provider_id=doctor,
                            service_id=service, start=TUE_10).id  # fmt: skip
    with a.db.write() as s:
        patients.delete_patient(s, a.admin(), layla)
    cloud.sync_once(a.db, a.ctx.clock)
    return layla, mine


def _slot_is_free(a: Pc) -> None:
    """The time the booking held is free on the endpoint: A books it, no conflict."""
    doctor, service = catalogue(a)
    omar = find(a.db, a.admin(), "omar")[0].id
    with a.db.write() as s:
        booking.book(s, a.admin(), patient_id=omar, provider_id=doctor, service_id=service,
                     start=TUE_10)  # fmt: skip
    assert cloud.sync_once(a.db, a.ctx.clock).conflicts == 0


def test_the_pc_that_booked_her_offline_takes_its_booking_back_in_the_same_round(
    pcs: list[Pc], database_url: str
) -> None:
    a, b = pcs
    layla, mine = _booked_offline_for_the_erased(a, b)
    doctor, service = catalogue(b)
    with b.db.write() as s:  # her waiting-list entry, made offline too
        waitlist.add(s, b.admin(), patient_id=layla, provider_id=doctor, service_id=service)

    done = cloud.sync_once(b.db, b.ctx.clock)

    assert done.erased >= 2
    assert _endpoint_live(database_url, mine) is False, "the endpoint holds it deleted"
    assert not _live(b, mine)
    cloud.sync_once(a.db, a.ctx.clock)
    assert not _live(a, mine)
    with a.db.read() as s:
        assert not s.scalars(select(WaitlistEntry).where(WaitlistEntry.deleted_at.is_(None))).all()
    _slot_is_free(a)
    assert replica.status(b.db).waiting == 0


def test_a_booking_for_her_pushed_by_a_pc_that_never_pulls_is_taken_back_by_the_others(
    pcs: list[Pc], database_url: str
) -> None:
    a, b = pcs
    layla, mine = _booked_offline_for_the_erased(a, b)
    with b.db.write() as s:
        consents.record_consent(s, b.admin(), layla, "reminder_sms", True)
    # B pushes, and goes away for good before it pulls.
    with cloud.client_for(b.db) as client:
        rounds.push_all(b.db, client, rounds.RoundResult(), lambda: replica.batch(b.db))
    assert _endpoint_live(database_url, mine) is True, "the endpoint cannot tell"

    done = cloud.sync_once(a.db, a.ctx.clock)

    assert done.erased >= 2, "her booking and her consent, made on B"
    assert not _live(a, mine)
    assert _endpoint_live(database_url, mine) is False
    with a.db.read() as s:
        assert not s.scalars(select(Consent).where(
            Consent.patient_id == layla, Consent.deleted_at.is_(None))).all()  # fmt: skip
    _slot_is_free(a)
    assert cloud.sync_once(a.db, a.ctx.clock).erased == 0, "once"


def settle(*pcs: Pc) -> None:
    """Sync every PC until none is owed what another sent (at most three times round)."""
    for _ in range(3):
        rounds_done = [cloud.sync_once(pc.db, pc.ctx.clock) for pc in pcs]  # every PC's
        if not owed(rounds_done):
            return


def _conflict(pc: Pc) -> SyncConflict:
    with pc.db.read() as s:
        [row] = s.scalars(select(SyncConflict)).all()
        s.expunge(row)
        return row


# What is closed is this PC's business; the endpoint only takes a push: one backend.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_double_booking_of_hers_is_closed_where_she_is_erased_and_where_it_arrives(
    pcs: list[Pc], database_url: str
) -> None:
    """A books Layla, B books Omar at the same time, offline: the endpoint takes A's and
    refuses B's. A erases Layla: the double booking is closed as "erased" there at
    once (the erasing PC's path), its sealed records (her booking, its notes) gone.
    B learns of it by sync (the pull's path): closed there too, and, as B wrote the
    refused booking, B sends it again after her booking's deletion freed the time,
    so the endpoint takes it and Omar keeps his appointment everywhere."""
    a, b = pcs
    layla = add(a.db, a.admin(), NewPatient("Layla", "Haddad")).id
    assert layla
    settle(a, b)
    doctor, service = catalogue(a)
    omar = find(b.db, b.admin(), "omar")[0].id
    for pc, patient in ((a, layla), (b, omar)):
        with pc.db.write() as s:
            booking.book(s, pc.admin(), patient_id=patient, provider_id=doctor,
                         service_id=service, start=TUE_10, notes="knee")  # fmt: skip
    settle(a, b)
    with b.db.read() as s:
        his = s.scalars(select(Appointment.id).where(Appointment.patient_id == omar)).one()
    assert _endpoint_live(database_url, his) is None, "refused: on no row there"
    assert (_conflict(a).kind, _conflict(a).resolved_at) == ("overlap", None)

    gone = delete(a.db, a.admin(), layla)

    assert gone["appointment"] == 1
    hers = _conflict(a)
    assert (hers.resolution, hers.records, hers.unsent) == (ERASED, "[]", True)
    assert _conflict(b).resolved_at is None, "B has not heard yet"
    settle(a, b)
    for pc in (a, b):
        closed = _conflict(pc)
        assert (closed.resolution, closed.records) == (ERASED, "[]")
        assert replica.status(pc.db).open_conflicts == 0
        assert _live(pc, his)
    assert _endpoint_live(database_url, his) is True, "B sent Omar's booking again"


def _views(pc: Pc) -> dict[str, ConflictView]:
    """Every conflict of ``pc`` as the conflicts view shows it, by the refused booking."""
    return {v.sides[0].row_id if v.sides else v.row_id: v
            for v in conflicts.listing(pc.db, pc.admin(), "all")}  # fmt: skip


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_double_booking_of_hers_and_two_others_is_closed_when_hers_was_refused(
    pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    """Two hour-long bookings A made offline, each refused for two half-hour bookings B
    had pushed: at 10:00 Omar's (refused) against Layla's and Ayşe's; at 14:00 Layla's
    (refused) against Omar's and Ayşe's. Layla is erased on A. At 10:00 Omar's still
    clashes with Ayşe's: open, Layla's record dropped. At 14:00 the endpoint took both
    others (it takes no two that clash): nothing is double booked, closed as erased,
    its records forgotten. On both PCs, nothing of hers in any record or words; on the
    endpoint, the closed one's records go past its horizon."""
    a, b = pcs
    layla = add(a.db, a.admin(), NewPatient("Layla", "Karaca")).id
    assert layla
    settle(a, b)
    doctor, service = catalogue(a)
    omar, ayse = (find(b.db, b.admin(), name)[0].id for name in ("omar", "ayşe"))
    two_pm = TUE_10 + timedelta(hours=4)
    hers: list[str] = []
    with b.db.write() as s:
        for patient, start in ((layla, TUE_10), (ayse, TUE_10 + HALF), (omar, two_pm),
                               (ayse, two_pm + HALF)):  # fmt: skip
            made = booking.book(s, b.admin(), patient_id=patient, provider_id=doctor,
                                service_id=service, start=start, notes="knee")  # fmt: skip
            hers += [made.id] if patient == layla else []
    cloud.sync_once(b.db, b.ctx.clock)
    with a.db.write() as s:
        for patient, start in ((omar, TUE_10), (layla, two_pm)):
            made = booking.book(s, a.admin(), patient_id=patient, provider_id=doctor,
                                service_id=service, start=start, end=start + 2 * HALF)  # fmt: skip
            hers += [made.id] if patient == layla else []
    settle(a, b)
    assert sorted(len(v.sides) for v in _views(a).values() if v.open) == [3, 3]

    delete(a.db, a.admin(), layla)
    settle(a, b)

    for pc in (a, b):
        views = _views(pc)
        assert views[hers[1]].resolution == ERASED and views[hers[1]].sides == ()
        [still] = [v for v in views.values() if v.open]
        assert [side.patient for side in still.sides] == ["Omar Haddad", "Ayşe Yılmaz"]
        assert "Layla" not in str(still.words) and "Karaca" not in str(still.words)
        with pc.db.read() as s:
            kept = " ".join(s.scalars(select(SyncConflict.records)))
        assert not [h for h in hers if h in kept], "no record of hers is kept"
    # The endpoint keeps the closed one's sealed records until every PC has had its
    # closing (B sent its refused booking again from them), then forgets them with
    # the tombstones past its horizon: a new PC's download gets it empty. The open
    # one's copy there keeps hers until it is settled (no way to change a conflict's
    # records there).
    assert [r for r in _endpoint_records(database_url)[hers[1]] if r in hers] == [hers[1]]
    clock.advance(days=91)
    with a.db.write() as s:  # A's next push purges the tombstones past the horizon
        patients.update_patient(s, a.admin(), ayse, notes="Seen in June")
    cloud.sync_once(a.db, clock)
    there = _endpoint_records(database_url)
    assert there[hers[1]] == []
    assert [r for r in there[still.row_id] if r in hers] == [hers[0]]


def _endpoint_records(database_url: str) -> dict[str, list[str]]:
    """Each conflict the endpoint holds, by its row: the bookings its records are of."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT row_id, records FROM conflict")).all()
    finally:
        engine.dispose()
    return {row.row_id: [r["id"] for r in json.loads(row.records)] for row in rows}

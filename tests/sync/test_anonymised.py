"""A patient the retention sweep anonymised (``retention.lapsed_patients=anonymise``)
is anonymised on every PC: the sweep's update of her row and of her appointments
travels sealed like any edit, the endpoint takes it over the version it had, and the
other PC applies it, her name gone from its search index and from its file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import plainpages
import pytest
from faultkit import PASSPHRASE, Pc, catalogue
from sqlalchemy import create_engine, inspect, select, text

from receptionist.clock import FixedClock
from receptionist.errors import UserError
from receptionist.models import Appointment, SyncConflict
from receptionist.ops import conflicts, replica, retention
from receptionist.ops import patients as patient_ops
from receptionist.ops import settings as settings_ops
from receptionist.ops.patients import find
from receptionist.schedule import booking
from receptionist.store.vault import unlock
from sync import cloud

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul
ROW = "SELECT given_name, family_name, number, anonymised_at, notes FROM patient WHERE id = :p"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_anonymised_patient_is_anonymised_on_every_pc(
    two_pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    a, b = two_pcs
    doctor, service = catalogue(a)
    omar = find(a.db, a.admin(), "omar")[0].id
    with a.db.write() as s:
        booked = booking.book(
            s, a.admin(), patient_id=omar, provider_id=doctor, service_id=service,
            start=TUE_10, notes="Haddad's knee",
        ).id  # fmt: skip
    settings_ops.set_value(a.db, a.admin(), "retention.lapsed_patients", "anonymise")
    cloud.sync_once(a.db, clock)
    cloud.sync_once(b.db, clock)
    assert find(b.db, b.admin(), "haddad")[0].id == omar
    with b.db.write() as s:  # a visit B booked and he cancelled: its time freed on B
        moved = booking.book(s, b.admin(), patient_id=omar, provider_id=doctor,
                             service_id=service, start=TUE_10 + timedelta(hours=2)).id  # fmt: skip
        booking.cancel(s, b.admin(), moved, "he phoned")
    assert _freed(b, omar) > 0
    clock.advance(days=1100)  # past the policy's 24 months after Omar's visit

    swept = retention.sweep(a.db, a.admin(), a.root)
    assert swept.counts[retention.ANONYMISED] >= 1  # Omar, and whoever else lapsed
    # B, not synced since, edits him and his visit's notes: the anonymisation wins there
    # once pulled, and the conflict on the visit he keeps is closed (the pull's path).
    patient_ops.update(b.db, b.admin(), omar, {"notes": "Haddad moved to Izmir"})
    _note(b, booked, "Haddad limps", clock.now())
    cloud.sync_once(a.db, clock)
    assert replica.status(a.db).waiting == 0, "the endpoint took her row and her visit"
    for pc in (b, a, b):
        cloud.sync_once(pc.db, clock)
    assert replica.status(a.db).open_conflicts == replica.status(b.db).open_conflicts == 0, (
        "B's refused edits of him and of his visit are closed: nothing left to settle"
    )
    assert _closed(a) == _closed(b) == {("erased", "[]")}, "their records forgotten"

    with a.db.read() as s:
        there = s.execute(text(ROW), {"p": omar}).one()
    with b.db.read() as s:
        here = s.execute(text(ROW), {"p": omar}).one()
        visit = s.execute(
            text("SELECT notes, service_id, deleted_at FROM appointment WHERE id = :a"),
            {"a": booked},
        ).one()
        indexed = s.execute(
            text("SELECT count(*) FROM patient_search WHERE rowid ="
                 " (SELECT search_rowid FROM patient WHERE id = :p)"),
            {"p": omar},
        ).scalar_one()  # fmt: skip
        base = s.execute(
            text("SELECT payload FROM sync_base WHERE entity = 'patient' AND row_id = :p"),
            {"p": omar},
        ).scalar_one()
    assert here == there and here[:2] == ("", "") and here[2].startswith("ANON-")
    assert here[3] is not None and here[4] == ""
    assert tuple(visit) == ("", service, None), "her visit kept on B, its note emptied"
    assert "Haddad" not in base and indexed == 0, "out of B's search index"
    assert _freed(a, omar) == _freed(b, omar) == 0, "the times freed that named him go"
    assert find(b.db, b.admin(), "haddad") == [] and find(b.db, b.admin(), "omar") == []
    b.db.checkpoint()
    key = unlock(b.root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    for needle in (b"Haddad", b"haddad", b"knee", b"Izmir"):
        assert not plainpages.holds(b.db.path, key, needle), needle


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_edit_that_reached_the_endpoint_first_loses_to_the_anonymisation(
    two_pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    """B's edit of him reached the endpoint before A's anonymisation: A keeps its row,
    pushes it again over the edit, and B then takes it."""
    a, b = two_pcs
    omar = find(a.db, a.admin(), "omar")[0].id
    settings_ops.set_value(a.db, a.admin(), "retention.lapsed_patients", "anonymise")
    for pc in (a, b):
        cloud.sync_once(pc.db, clock)
    clock.advance(days=1100)
    assert retention.sweep(a.db, a.admin(), a.root).counts[retention.ANONYMISED] >= 1
    patient_ops.update(b.db, b.admin(), omar, {"notes": "Haddad moved to Izmir"})
    cloud.sync_once(b.db, clock)  # the endpoint takes B's edit first
    for pc in (a, a, b, a, b):
        cloud.sync_once(pc.db, clock)
    for pc in (a, b):
        with pc.db.read() as s:
            row = s.execute(text(ROW), {"p": omar}).one()
        assert row[0] == "" and row[3] is not None and row[4] == "", pc.root.name
        assert replica.status(pc.db).open_conflicts == 0 and replica.status(pc.db).waiting == 0


def _freed(pc: Pc, patient: str) -> int:
    """How many times freed for the waitlist (``freed_slot``) name ``patient`` on ``pc``."""
    with pc.db.read() as s:
        found = s.execute(text("SELECT count(*) FROM freed_slot WHERE patient_id = :p"),
                          {"p": patient})  # fmt: skip
        return int(found.scalar_one())


def _note(pc: Pc, booked: str, notes: str, now: datetime) -> None:
    """``pc`` edits the booking's notes, as the booking dialog saves them."""
    with pc.db.write() as s:
        visit = s.get(Appointment, booked)
        assert visit is not None
        visit.notes = notes
        visit.touch(now)


def _closed(pc: Pc) -> set[tuple[str | None, str]]:
    """Each conflict of ``pc``'s (closing reason, records)."""
    with pc.db.read() as s:
        rows = s.execute(select(SyncConflict.resolution, SyncConflict.records)).all()
    return {(r[0], r[1]) for r in rows}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_conflict_on_a_visit_she_keeps_is_closed_at_her_anonymisation(
    two_pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    """A and B each edited the notes of Omar's visit: B's edit was refused, and the
    conflict is open on both PCs, its sealed records holding both notes. A anonymises
    him: closed there at once (the anonymisation's path), as an erasure closes it, its
    records forgotten; B closes it when it pulls his anonymised row (the pull's path)."""
    a, b = two_pcs
    doctor, service = catalogue(a)
    omar = find(a.db, a.admin(), "omar")[0].id
    with a.db.write() as s:
        booked = booking.book(
            s, a.admin(), patient_id=omar, provider_id=doctor, service_id=service,
            start=TUE_10, notes="knee",
        ).id  # fmt: skip
    settings_ops.set_value(a.db, a.admin(), "retention.lapsed_patients", "anonymise")
    for pc in (a, b):
        cloud.sync_once(pc.db, clock)
    _note(a, booked, "Haddad's left knee", clock.now())
    _note(b, booked, "Haddad's right knee", clock.now())
    for pc in (a, b, a):
        cloud.sync_once(pc.db, clock)
    assert replica.status(a.db).open_conflicts == replica.status(b.db).open_conflicts == 1
    clock.advance(days=1100)

    assert retention.sweep(a.db, a.admin(), a.root).counts[retention.ANONYMISED] >= 1
    assert _closed(a) == {("erased", "[]")}, "closed at once where he was anonymised"
    assert replica.status(b.db).open_conflicts == 1, "B has not heard yet"
    for pc in (a, b, a, b):
        cloud.sync_once(pc.db, clock)
    assert _closed(b) == {("erased", "[]")}
    assert replica.status(a.db).open_conflicts == replica.status(b.db).open_conflicts == 0
    for pc in (a, b):
        with pc.db.read() as s:
            assert s.scalars(select(Appointment.notes).where(Appointment.id == booked)).one() == ""


def _hers(pc: Pc, patient: str) -> set[str]:
    """The ids of ``patient``'s live appointments on ``pc``."""
    with pc.db.read() as s:
        query = select(Appointment.id).where(
            Appointment.patient_id == patient, Appointment.deleted_at.is_(None)
        )
        return set(s.scalars(query))


def _endpoint_bookings(database_url: str) -> set[str]:
    """The ids of the live appointments the endpoint holds."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id FROM record WHERE entity = 'appointment' AND NOT deleted")
            )
            return {str(r[0]) for r in rows}
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("a_pulled", [True, False], ids=["a-held-it", "a-had-not-pulled-it"])
def test_a_refused_double_booking_of_hers_goes_with_her_anonymisation_on_every_pc(
    two_pcs: list[Pc], database_url: str, clock: FixedClock, a_pulled: bool
) -> None:
    """A booked Ayşe at 10:00 and B booked Omar at the same time: the endpoint took
    Ayşe's and refused Omar's, which the PCs hold from the conflict. A anonymises
    Omar. The endpoint never took his booking, so it goes with his anonymisation, on
    every PC: every PC's statistics count the same visits (those the endpoint, and a
    new PC, has), and his booking's note leaves B's file. Before, A closed the conflict
    and kept the booking (its blanked version, refused again, was closed again), and B
    kept it with its note. A that had not pulled the conflict before its sweep gets the
    refused booking with it after, and B (the conflict closed by then) keeps its own:
    each PC deletes it where it meets it with his anonymised row."""
    a, b = two_pcs
    doctor, service = catalogue(a)
    omar, ayse = (find(a.db, a.admin(), name)[0].id for name in ("omar", "ayşe"))
    settings_ops.set_value(a.db, a.admin(), "retention.lapsed_patients", "anonymise")
    for pc in (a, b):
        cloud.sync_once(pc.db, clock)
    with a.db.write() as s:
        booking.book(s, a.admin(), patient_id=ayse, provider_id=doctor, service_id=service,
                     start=TUE_10)  # fmt: skip
    cloud.sync_once(a.db, clock)
    with b.db.write() as s:
        refused = booking.book(
            s, b.admin(), patient_id=omar, provider_id=doctor, service_id=service,
            start=TUE_10, notes="Haddad's knee",
        ).id  # fmt: skip
    for pc in (b, a, b) if a_pulled else (b,):
        cloud.sync_once(pc.db, clock)
    assert refused not in _endpoint_bookings(database_url), "refused: on no row there"
    assert _hers(b, omar) == {refused} and _hers(a, omar) == ({refused} if a_pulled else set())
    clock.advance(days=1100)  # past the policy's 24 months after his visit
    with a.db.write() as s:  # Ayşe comes back: she stays
        booking.book(s, a.admin(), patient_id=ayse, provider_id=doctor, service_id=service,
                     start=clock.now() + timedelta(days=2))  # fmt: skip

    plan = retention.dry_run(a.db, a.admin(), a.root)
    assert plan.counts["appointment"] == int(a_pulled), "the dry run counts what will go"

    swept = retention.sweep(a.db, a.admin(), a.root)

    assert swept.counts[retention.ANONYMISED] >= 1
    assert swept.counts["appointment"] == int(a_pulled), "the refused booking, if A has it"
    assert _hers(a, omar) == set(), "gone with his anonymisation where it was made"
    for pc in (a, b, a, b):
        cloud.sync_once(pc.db, clock)
    assert _hers(a, omar) == _hers(b, omar) == set(), "and where it is pulled"
    with a.db.read() as s:
        kept = set(s.scalars(select(Appointment.id).where(Appointment.deleted_at.is_(None))))
    assert kept == _endpoint_bookings(database_url), "every PC counts the same visits"
    for pc in (a, b):
        assert replica.status(pc.db).open_conflicts == 0 and replica.status(pc.db).waiting == 0
    b.db.checkpoint()
    key = unlock(b.root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    assert not plainpages.holds(b.db.path, key, b"Haddad's knee")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_edit_of_his_visit_that_reached_the_endpoint_first_loses_to_the_anonymisation(
    two_pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    """B, not synced since A anonymised Omar, writes a note on his kept visit and pushes
    it before A does: the endpoint takes B's note and refuses A's emptied copy. When A
    pulls B's note, the anonymisation wins (as over an edit of his row): A keeps the
    visit's free text empty and pushes it again over the note, and B then takes it.
    Before, A merged B's note in (its base had been emptied, so only B's side seemed
    changed): his words came back on every PC, in a visit kept for statistics."""
    a, b = two_pcs
    doctor, service = catalogue(a)
    omar = find(a.db, a.admin(), "omar")[0].id
    with a.db.write() as s:
        booked = booking.book(
            s, a.admin(), patient_id=omar, provider_id=doctor, service_id=service,
            start=TUE_10, notes="knee",
        ).id  # fmt: skip
    settings_ops.set_value(a.db, a.admin(), "retention.lapsed_patients", "anonymise")
    for pc in (a, b):
        cloud.sync_once(pc.db, clock)
    clock.advance(days=1100)
    assert retention.sweep(a.db, a.admin(), a.root).counts[retention.ANONYMISED] >= 1
    _note(b, booked, "Haddad limps", clock.now())
    cloud.sync_once(b.db, clock)  # the endpoint takes B's note first
    for pc in (a, a, b, a, b):
        cloud.sync_once(pc.db, clock)
    for pc in (a, b):
        with pc.db.read() as s:
            visit = s.get(Appointment, booked)
            assert visit is not None and (visit.notes, visit.deleted_at) == ("", None)
            base = s.execute(
                text("SELECT payload FROM sync_base WHERE entity = 'appointment'"
                     " AND row_id = :a"), {"a": booked},
            ).scalar_one()  # fmt: skip
        assert "limps" not in base, pc.root.name
        status = replica.status(pc.db)
        assert status.open_conflicts == 0 and status.waiting == 0, pc.root.name
    a.db.checkpoint()
    key = unlock(a.root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    assert not plainpages.holds(a.db.path, key, b"Haddad limps")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_his_booking_refused_for_her_kept_visit_is_offered_back_on_every_pc(
    two_pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    """A booked Ayşe at 10:00 and B booked Omar at the same time: the endpoint took
    Ayşe's and refused Omar's. Years on, Omar has come back and A anonymises Ayşe. Her
    visit stays for statistics and still holds its time, so Omar's booking is on no row
    at the endpoint until a person settles it: the double booking stays open on every
    PC, her sealed record emptied (her side read from her kept visit: "anonymised"),
    and a person keeps both (an override with its reason, so the endpoint takes his
    booking) or moves or cancels his; her visit cannot be moved or cancelled. Before,
    it was closed as "erased" on both PCs and not sent again: Omar's booking stayed on
    the PCs that held it and on no other, and nobody was asked."""
    a, b = two_pcs
    doctor, service = catalogue(a)
    omar, ayse = (find(a.db, a.admin(), name)[0].id for name in ("omar", "ayşe"))
    settings_ops.set_value(a.db, a.admin(), "retention.lapsed_patients", "anonymise")
    for pc in (a, b):
        cloud.sync_once(pc.db, clock)
    with a.db.write() as s:
        hers = booking.book(s, a.admin(), patient_id=ayse, provider_id=doctor,
                            service_id=service, start=TUE_10, notes="her shoulder").id  # fmt: skip
    cloud.sync_once(a.db, clock)
    with b.db.write() as s:
        refused = booking.book(s, b.admin(), patient_id=omar, provider_id=doctor,
                               service_id=service, start=TUE_10, notes="his knee").id  # fmt: skip
    for pc in (b, a, b):
        cloud.sync_once(pc.db, clock)
    assert refused not in _endpoint_bookings(database_url), "refused: on no row there"
    clock.advance(days=1100)  # past the policy's 24 months after her visit
    with a.db.write() as s:  # Omar comes back: he stays
        booking.book(s, a.admin(), patient_id=omar, provider_id=doctor, service_id=service,
                     start=clock.now() + timedelta(days=2))  # fmt: skip

    assert retention.sweep(a.db, a.admin(), a.root).counts[retention.ANONYMISED] >= 1
    assert replica.status(a.db).open_conflicts == 1, "offered back where she was anonymised"
    for pc in (a, b, a, b):
        cloud.sync_once(pc.db, clock)

    for pc in (a, b):
        assert replica.status(pc.db).open_conflicts == 1, pc.root.name
        [found] = conflicts.listing(pc.db, pc.admin())
        his, kept = found.sides
        assert (his.row_id, his.refused, his.patient) == (refused, True, "Omar Haddad")
        assert (kept.row_id, kept.refused, kept.patient, kept.anonymised) == (
            hers,
            False,
            "anonymised",
            True,
        )
        assert (kept.start_utc, kept.provider_id) == (his.start_utc, his.provider_id)
        with pc.db.read() as s:
            row = s.scalars(select(SyncConflict)).one()
        sealed = {r["id"]: r["sealed"] for r in json.loads(row.records)}
        assert sealed[hers] == "" and sealed[refused], "her sealed record forgotten"
        assert conflicts.not_here(found, "cancel", his.label) is not None
        assert conflicts.not_here(found, "move", his.label) is not None
        assert conflicts.not_here(found, "keep_both") is None
        with pytest.raises(UserError, match="anonymised"):
            conflicts.resolve(pc.db, pc.admin(), found.id, conflicts.Resolution(
                "cancel", keep=his.label, reason="she came"))  # fmt: skip
    assert _hers(a, ayse) == _hers(b, ayse) == {hers}, "her visit kept, not cancelled"

    [found] = conflicts.listing(b.db, b.admin())
    conflicts.resolve(b.db, b.admin(), found.id, conflicts.Resolution(
        "keep_both", reason="both were seen that morning"))  # fmt: skip
    for pc in (b, a, b, a):
        cloud.sync_once(pc.db, clock)
    assert refused in _endpoint_bookings(database_url), "the endpoint took his booking"
    for pc in (a, b):
        assert replica.status(pc.db).open_conflicts == 0 and replica.status(pc.db).waiting == 0
        assert refused in _hers(pc, omar) and _hers(pc, ayse) == {hers}, pc.root.name


def _endpoint_holds(database_url: str, needle: str) -> list[str]:
    """The endpoint's tables whose rows hold ``needle`` anywhere (each row as text)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return [
                name
                for name in tables
                if conn.scalar(
                    text(f'SELECT count(*) FROM "{name}" t WHERE strpos(CAST(t AS text), :n) > 0'),
                    {"n": needle},
                )
            ]
    finally:
        engine.dispose()


def _endpoint_conflict_records(database_url: str) -> list[dict[str, object]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            [records] = conn.execute(text("SELECT records FROM conflict")).scalars()
            found: list[dict[str, object]] = json.loads(records)
            return found
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_her_sealed_record_in_a_double_booking_left_open_leaves_the_endpoint(
    two_pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    """The reverse double booking (her booking taken, Omar's refused), left open by her
    anonymisation with her record emptied on the PCs: the PC that emptied it tells the
    endpoint at its next round (``conflicts/{id}/forget``), which empties her record's
    sealed values too, so her booking's sealed text as it was (her notes) is in none
    of the endpoint's tables while the conflict waits for a person, nor after it is
    settled (keep both; the resolution names her record too); his record stays whole;
    the endpoint's destruction records count it once. Before (session 17's first
    part), the endpoint kept her record whole inside the conflict, open or settled,
    for good: it forgets the records only of a conflict closed as erased."""
    a, b = two_pcs
    doctor, service = catalogue(a)
    omar, ayse = (find(a.db, a.admin(), name)[0].id for name in ("omar", "ayşe"))
    settings_ops.set_value(a.db, a.admin(), "retention.lapsed_patients", "anonymise")
    for pc in (a, b):
        cloud.sync_once(pc.db, clock)
    with a.db.write() as s:
        hers = booking.book(s, a.admin(), patient_id=ayse, provider_id=doctor,
                            service_id=service, start=TUE_10, notes="her shoulder").id  # fmt: skip
    cloud.sync_once(a.db, clock)
    with b.db.write() as s:
        refused = booking.book(s, b.admin(), patient_id=omar, provider_id=doctor,
                               service_id=service, start=TUE_10, notes="his knee").id  # fmt: skip
    for pc in (b, a, b):
        cloud.sync_once(pc.db, clock)
    sealed = {str(r["id"]): str(r["sealed"]) for r in _endpoint_conflict_records(database_url)}
    assert sealed[hers] and sealed[refused]
    held = set(_endpoint_holds(database_url, sealed[hers]))
    assert held == {"record", "conflict"}, "her booking as it was: its row and the conflict"
    clock.advance(days=1100)  # past the policy's 24 months after her visit
    with a.db.write() as s:  # Omar comes back: he stays
        booking.book(s, a.admin(), patient_id=omar, provider_id=doctor, service_id=service,
                     start=clock.now() + timedelta(days=2))  # fmt: skip
    assert retention.sweep(a.db, a.admin(), a.root).counts[retention.ANONYMISED] >= 1
    for pc in (a, b, a, b):
        cloud.sync_once(pc.db, clock)
    assert _endpoint_holds(database_url, sealed[hers]) == [], "reported while it is open"
    left = {str(r["id"]): r for r in _endpoint_conflict_records(database_url)}
    assert left[hers]["sealed"] == "" and left[refused]["sealed"] == sealed[refused]
    for pc in (a, b):
        assert replica.status(pc.db).open_conflicts == 1, "still open, for a person"

    [found] = conflicts.listing(b.db, b.admin())
    assert conflicts.forgotten(b.db, found.id) == (hers,), "named with the resolution too"
    conflicts.resolve(b.db, b.admin(), found.id, conflicts.Resolution(
        "keep_both", reason="both were seen that morning"))  # fmt: skip
    for pc in (b, a, b, a):
        cloud.sync_once(pc.db, clock)

    assert _endpoint_holds(database_url, sealed[hers]) == [], "her sealed text is gone"
    left = {str(r["id"]): r for r in _endpoint_conflict_records(database_url)}
    assert left[hers]["sealed"] == "" and left[hers]["clear"], "emptied: id and times stay"
    assert left[refused]["sealed"] == sealed[refused], "his record is left whole"
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            noted = conn.execute(
                text("SELECT rule, count FROM destruction WHERE kind = 'conflict_records'")
            ).all()
    finally:
        engine.dispose()
    assert [(rule, count) for rule, count in noted] == [("patient anonymised", 1)]
    for pc in (a, b):
        assert replica.status(pc.db).open_conflicts == 0 and replica.status(pc.db).waiting == 0
        assert refused in _hers(pc, omar) and _hers(pc, ayse) == {hers}, pc.root.name

"""An erased patient's row keeps nothing of her, at once (issue #13): names, phone,
e-mail, national ID, birth date, address, notes, alert and search terms are wiped
on the PC that erases her and on every PC that applies her tombstone (one an older
PC sealed with her values included), the search index and the row's base lose her
too, and her bytes leave the encrypted file (read raw, every page decrypted). No
network: two PCs' files sharing one clinic key, records handed over as a pull."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import plainpages
import pytest
from factories import make_clinic, make_provider, make_service, weekdays
from handpulled import KEY, joined_pc
from sqlalchemy import select
from templates import Template

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.journal import changefeed
from receptionist.models import (
    Appointment,
    CommunicationEntry,
    Consent,
    FreedSlot,
    GoogleDisclosure,
    Patient,
    PatientDocument,
    Reminder,
    SyncBase,
    SyncConflict,
    WaitlistEntry,
)
from receptionist.ops import conflicts, replica
from receptionist.ops import patients as patient_ops
from receptionist.ops.conflictwords import stored
from receptionist.patients import commlog, documents, erasure
from receptionist.patients import record as patients
from receptionist.replica.apply import Pulled, PulledConflict
from receptionist.replica.records import decode, encode
from receptionist.schedule import booking, reactions, waitlist
from receptionist.store.storage import Database
from receptionist.store.vault import Created, unlock

MON_11 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
NEEDLES = (
    b"Zebulonia", b"Quixoteson", b"zebulonia", b"quixoteson", b"905321112233",
    b"zq@example.org", b"Kalamisfener", b"Wheelchairquux", b"Morningsquux",
    b"10000000146", b"1987-06-05",
)  # fmt: skip


def admin(clock: FixedClock) -> Ctx:
    return Ctx(Actor(None, "admin", "ui"), clock)


@pytest.fixture
def pcs(
    tmp_path: Path, clock: FixedClock, pc_installs: dict[str, Template[Created]]
) -> Iterator[tuple[Database, Database, str]]:
    """PC A with Zebulonia on it, every field filled; PC B, which pulled her. Her id."""
    a = joined_pc(tmp_path / "a", clock, "A", pc_installs, first=True)
    ctx = admin(clock)
    with a.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
    with a.write() as s:
        zeb = patients.create_patient(
            s, ctx, given_name="Zebulonia", family_name="Quixoteson", phone="05321112233",
            email="zq@example.org", national_id="10000000146", birth_date="1987-06-05",
            gender="female", address="Kalamisfener Sokak 12", notes="Morningsquux only",
            alert="Wheelchairquux ramp", preferred_language="tr", preferred_channel="sms",
            consents={"optional_data": True},
        ).id  # fmt: skip
    b = joined_pc(tmp_path / "b", clock, "B", pc_installs, first=False)
    replica.apply_pull(b, ctx, everything(a), [], 1, last=True)
    replica.apply_pull(a, ctx, everything(a), [], 1, last=True)  # A's own, come back
    yield a, b, zeb
    a.close()
    b.close()


def everything(db: Database) -> list[Pulled]:
    with db.read() as s:
        return [
            Pulled(encode(row, "clinic-1", KEY), "device-A")
            for model in changefeed.synced_tables().values()
            for row in s.scalars(select(model))
        ]


def _record_of(db: Database, patient_id: str) -> Pulled:
    with db.read() as s:
        row = s.get(Patient, patient_id)
        assert row is not None
        return Pulled(encode(row, "clinic-1", KEY), "device-A")


def _in_file(db: Database) -> list[bytes]:
    """The needles some page of the file or its WAL holds, decrypted (the WAL as the
    erasure left it: folded into the file and emptied)."""
    key = unlock(db.path.parent)
    return [n for n in NEEDLES if plainpages.holds(db.path, key, n)]


def _assert_wiped(db: Database, patient_id: str, number: str, clock: FixedClock) -> None:
    with db.read() as s:
        row = s.get(Patient, patient_id)
        assert row is not None and row.deleted_at is not None, "a tombstone stays"
        assert row.number == number
        assert (row.given_name, row.family_name, row.address, row.notes) == ("", "", "", "")
        assert row.sort_key.strip("\x1f") == "", "the folded name key is empty too"
        assert (row.phone, row.email, row.national_id, row.birth_date, row.gender) == (
            (None,) * 5
        )  # fmt: skip
        assert (row.alert, row.preferred_language, row.preferred_channel) == ("", None, None)
        base = s.get(SyncBase, ("patient", patient_id))
        assert base is None or erasure.is_wiped(json.loads(base.payload))
    assert patient_ops.find(db, admin(clock), "zebulonia") == []
    assert patient_ops.find(db, admin(clock), "0532 111 22 33") == []
    assert _in_file(db) == [], "her bytes are gone from the file"


def test_every_field_of_a_patient_is_wiped_or_kept_on_purpose() -> None:
    """A column added later must be placed: wiped at erasure, or kept by the tombstone."""
    columns = {c.key for c in Patient.__mapper__.column_attrs}
    placed = set(erasure.WIPED) | erasure.KEPT | set(erasure.LOCAL_WIPED) | {"search_rowid"}
    assert columns == placed


def test_an_erased_patient_is_wiped_at_once_here_and_on_the_pc_her_tombstone_reaches(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    a, b, zeb = pcs
    with a.read() as s:
        number = s.get(Patient, zeb).number  # type: ignore[union-attr]
    assert _in_file(a) and _in_file(b), "the decryption finds what is there"

    patient_ops.delete(a, admin(clock), zeb)

    _assert_wiped(a, zeb, number, clock)
    tombstone = _record_of(a, zeb)
    _, sealed = decode(tombstone.record, "clinic-1", {1: KEY})
    assert erasure.is_wiped(sealed), "the sealed tombstone carries nothing of her"
    replica.apply_pull(b, admin(clock), [tombstone], [], 2)
    _assert_wiped(b, zeb, number, clock)


def test_an_older_pcs_tombstone_holding_her_values_is_wiped_where_it_is_applied(
    pcs: tuple[Database, Database, str],
    clock: FixedClock,
    tmp_path: Path,
    pc_installs: dict[str, Template[Created]],
) -> None:
    a, b, zeb = pcs
    with a.write() as s:  # as an erasure sealed before this fix: her values kept
        row = s.get(Patient, zeb)
        assert row is not None
        row.deleted_at = clock.now()
        row.touch(clock.now())
        number = row.number
    old = _record_of(a, zeb)
    replica.apply_pull(b, admin(clock), [old], [], 2)
    _assert_wiped(b, zeb, number, clock)
    # never held her: the bulk path
    fresh = joined_pc(tmp_path / "c", clock, "C", pc_installs, first=False)
    try:
        replica.apply_pull(fresh, admin(clock), everything(a), [], 1)
        _assert_wiped(fresh, zeb, number, clock)
    finally:
        fresh.close()


def test_an_edit_of_her_pulled_after_her_erasure_here_brings_nothing_of_her_back(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    a, b, zeb = pcs
    with b.write() as s:  # B edits her offline, not knowing
        patients.update_patient(s, admin(clock), zeb, notes="Morningsquux again")
    edit = _record_of(b, zeb)
    with a.read() as s:
        number = s.get(Patient, zeb).number  # type: ignore[union-attr]
    patient_ops.delete(a, admin(clock), zeb)
    applied = replica.apply_pull(a, admin(clock), [edit], [], 2)
    assert applied.clashes == [] and applied.merged == 0
    _assert_wiped(a, zeb, number, clock)


def test_her_restriction_and_its_reason_go_with_her_erasure_here_and_on_the_other_pc(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """Restriction of processing came after the wipe: its reason (why she objected, in
    words) describes her, and an erased patient has nothing left to restrict."""
    a, b, zeb = pcs
    patient_ops.restrict(a, admin(clock), zeb, "Disputesquux her address")
    replica.apply_pull(b, admin(clock), [_record_of(a, zeb)], [], 2)
    with b.read() as s:
        assert s.get(Patient, zeb).restriction_reason  # type: ignore[union-attr]

    patient_ops.delete(a, admin(clock), zeb)
    replica.apply_pull(b, admin(clock), [_record_of(a, zeb)], [], 3)

    for db in (a, b):
        with db.read() as s:
            row = s.get(Patient, zeb)
            assert row is not None
            assert (row.restriction_reason, row.restricted_at) == ("", None)
        assert not plainpages.holds(db.path, unlock(db.path.parent), b"Disputesquux")


def test_a_full_downloads_sweep_that_erases_her_empties_the_wal_too(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """Her tombstone purged on the endpoint past its horizon: the full download that
    follows does not bring her, and its sweep erases her here. Her bytes leave the file
    as they do when her tombstone is pulled: the WAL's older copies of her pages too."""
    a, b, zeb = pcs
    with b.read() as s:
        number = s.get(Patient, zeb).number  # type: ignore[union-attr]
    assert _in_file(b)
    replica.reset_cursor(b)  # a cursor past the horizon: downloaded again, as a whole
    rest = [p for p in everything(a) if p.record.id != zeb and p.record.entity != "consent"]
    replica.apply_pull(b, admin(clock), rest, [], 9, last=True)
    assert replica.sweep_gone(b, admin(clock)) >= 1
    _assert_wiped(b, zeb, number, clock)
    assert _in_file(b) == [], "her bytes are gone from the file"


def _her_conflict(a: Database, b: Database, zeb: str, clock: FixedClock) -> PulledConflict:
    """An edit conflict on her row: A's record and B's, both holding her values."""
    with b.write() as s:
        patients.update_patient(s, admin(clock), zeb, notes="Morningsquux, B's words")
    records = [_record_of(a, zeb).record, _record_of(b, zeb).record]
    return PulledConflict(
        "conflict-zeb",
        "edit",
        "patient",
        zeb,
        records,
        clock.now(),
        devices=("device-A", "device-B"),
    )


def test_an_open_conflict_on_her_row_shows_nothing_of_her_once_she_is_erased(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """The conflict keeps both sides' records: erased, she would still be read there
    (her name, phone, notes), here and on every PC, until someone settled it, which
    nobody could (her row is gone). Erasure closes it and forgets its records."""
    a, b, zeb = pcs
    conflict = _her_conflict(a, b, zeb, clock)
    for db in (a, b):
        replica.apply_pull(db, admin(clock), [], [conflict], 2)
        assert [c.id for c in conflicts.listing(db, admin(clock))] == [conflict.id]

    patient_ops.delete(a, admin(clock), zeb)
    replica.apply_pull(b, admin(clock), [_record_of(a, zeb)], [conflict], 3)
    replica.apply_pull(a, admin(clock), [], [conflict], 3)  # the endpoint: still open

    for db in (a, b):
        assert conflicts.listing(db, admin(clock)) == []
        assert conflicts.unsent(db) == [(conflict.id, "erased")]
        with db.read() as s:
            row = s.get(SyncConflict, conflict.id)
            assert row is not None and stored(row) == [], "no sealed copy of her kept"
        seen = conflicts.listing(db, admin(clock), "all")
        assert "Zebulonia" not in str([c.words for c in seen])


def _sent_her(db: Database, patient_id: str, clock: FixedClock) -> None:
    """A message this PC's reminder station sent her, with the address it went to."""
    at = clock.now()
    with db.write() as s:
        s.add(
            Reminder(
                appointment_id="a1", patient_id=patient_id, kind="confirmation",
                rule="confirmation", scheduled_for=at, send_at=at, appointment_start=at,
                state="sent", channel="sms", finished_at=at, sent_to="+905329998877",
                created_at=at, updated_at=at,
            )
        )  # fmt: skip


def _sent_to(db: Database) -> list[str]:
    with db.read() as s:
        return [r.sent_to for r in s.scalars(select(Reminder))]


def test_the_address_her_reminders_went_to_goes_with_her_erasure_here_and_where_pulled(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """The station keeps the number each message went to (for a lookup after a crash):
    her erasure empties it, on the PC that erases her and on the station her tombstone
    reaches; the rows stay, as the station's record of what it sent. So with the Google
    disclosure register's rows of her (issue #14): her id goes from both, her
    appointment's from the one withdrawn from Google (the other keeps it until her
    event's deletion there is recorded against it)."""
    a, b, zeb = pcs
    now = clock.now()
    for db in (a, b):
        _sent_her(db, zeb, clock)
        db.checkpoint()
        assert plainpages.holds(db.path, unlock(db.path.parent), b"905329998877")
        with db.write() as s:
            for appt, withdrawn in (("gone-appt", now), ("out-appt", None)):
                s.add(GoogleDisclosure(patient_id=zeb, appointment_id=appt, what="initials",
                                       recipient="Google Calendar c", at=now,
                                       withdrawn_at=withdrawn))  # fmt: skip

    patient_ops.delete(a, admin(clock), zeb)
    replica.apply_pull(b, admin(clock), [_record_of(a, zeb)], [], 2)

    for db in (a, b):
        assert _sent_to(db) == [""]
        db.checkpoint()
        assert not plainpages.holds(db.path, unlock(db.path.parent), b"905329998877")
        with db.read() as s:
            rows = s.scalars(select(GoogleDisclosure).order_by(GoogleDisclosure.seq)).all()
            assert [(r.patient_id, r.appointment_id) for r in rows] == [("", ""), ("", "out-appt")]


def _booked_twice_and_cancelled_once(a: Database, b: Database, ctx: Ctx, zeb: str) -> list[str]:
    """Zeb booked on A at 11:00 and 12:00 on Monday, both pulled to B; then the 11:00
    cancelled on A, and that pulled too. Her two bookings' ids."""
    with a.write() as s:
        provider, service = make_provider(s, ctx, "Dr Ayşe"), make_service(s, ctx, "Visit", 30)
        s.flush()
        booked = [
            booking.book(
                s, ctx, patient_id=zeb, provider_id=provider.id, service_id=service.id,
                start=start,
            ).id
            for start in (MON_11, MON_11 + timedelta(hours=1))
        ]  # fmt: skip
    replica.apply_pull(b, ctx, everything(a), [], 2)
    with a.write() as s:
        booking.cancel(s, ctx, booked[0], "ill")
    replica.apply_pull(b, ctx, [p for p in everything(a) if p.record.id == booked[0]], [], 3)
    return booked


def _freed(db: Database) -> list[tuple[str, str, datetime, str]]:
    """Each time freed for the waitlist: (patient, appointment, start, reason)."""
    with db.read() as s:
        return [
            (r.patient_id, r.appointment_id, r.start_utc, r.reason)
            for r in s.scalars(select(FreedSlot).order_by(FreedSlot.seq))
        ]


def test_the_times_her_bookings_freed_name_her_no_more_once_she_is_erased(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """``freed_slot`` keeps her id, her appointment's, and its time, for the waitlist.
    Her erasure deletes those written before it (offered then, or never), here and on
    the PC her tombstone reaches; the time her still-held booking frees (deleted by the
    erasure, and by the pull there) stays for the waitlist, naming nobody."""
    a, b, zeb = pcs
    ctx = admin(clock)
    booked = _booked_twice_and_cancelled_once(a, b, ctx, zeb)
    for db in (a, b):
        assert _freed(db) == [(zeb, booked[0], MON_11, "cancelled")], "the cancel freed it"

    patient_ops.delete(a, ctx, zeb)
    replica.apply_pull(b, ctx, [_record_of(a, zeb)], [], 4)

    for db in (a, b):  # the one her cancellation freed, gone; her booking's, nameless
        assert _freed(db) == [("", "", MON_11 + timedelta(hours=1), "deleted")]


def test_the_erasing_pc_deletes_her_bookings_waitlist_entries_and_consents_at_once(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """A clinic that never syncs never pulls her tombstone back: her erasure itself
    deletes her live rows (before, they stayed: her waiting-list entry was offered
    freed times under an empty name). The time her booking held is offered to the
    next on the waitlist, and nothing names her."""
    a, _, zeb = pcs
    ctx = admin(clock)
    with a.write() as s:
        provider, service = make_provider(s, ctx, "Dr Ayşe"), make_service(s, ctx, "Visit", 30)
        omar = patients.create_patient(s, ctx, given_name="Omar", family_name="Haddad").id
        s.flush()
        booked = booking.book(
            s, ctx, patient_id=zeb, provider_id=provider.id, service_id=service.id, start=MON_11
        ).id
        for who in (zeb, omar):
            waitlist.add(s, ctx, patient_id=who, service_id=service.id)
    with a.read() as s:
        mark = erasure.freed_mark(s)

    patient_ops.delete(a, ctx, zeb)

    with a.read() as s:
        for model in (Appointment, WaitlistEntry, Consent):
            live = select(model).where(model.patient_id == zeb, model.deleted_at.is_(None))
            assert s.scalars(live).all() == [], model.__tablename__
        offered, _ = reactions.offers(s, ctx, mark)
    assert [(o.slot.start_utc, o.slot.appointment_id) for o in offered] == [(MON_11, "")]
    assert [c.patient_id for c in offered[0].slot.candidates] == [omar]
    assert _freed(a) == [("", "", MON_11, "deleted")]
    assert booked not in str(_freed(a))


def test_a_full_downloads_sweep_that_erases_her_forgets_the_times_her_bookings_freed(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """Her tombstone (and her bookings') purged on the endpoint: the full download's
    sweep erases her on B. The time her cancellation freed goes; the time her booking
    still held, freed by the sweep, stays for the waitlist naming nobody."""
    a, b, zeb = pcs
    ctx = admin(clock)
    booked = _booked_twice_and_cancelled_once(a, b, ctx, zeb)
    assert _freed(b) == [(zeb, booked[0], MON_11, "cancelled")]

    replica.reset_cursor(b)
    hers = {zeb, *booked}
    rest = [p for p in everything(a) if p.record.id not in hers and p.record.entity != "consent"]
    replica.apply_pull(b, ctx, rest, [], 9, last=True)
    assert replica.sweep_gone(b, ctx) >= 1

    assert _freed(b) == [("", "", MON_11 + timedelta(hours=1), "deleted")]


def test_a_full_downloads_sweep_wipes_the_start_her_reminder_entry_named(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """Her tombstone and her booking purged on the endpoint: the full download's sweep
    erases her on B, and wipes her reminder message's log entry as her erasure does
    (``commlog.remove_all_of``): the summary and the appointment start it named. Before,
    the sweep kept the start, and the entry's tombstone carried it to every PC."""
    a, b, zeb = pcs
    ctx = admin(clock)
    with a.write() as s:
        provider, service = make_provider(s, ctx, "Dr Ayşe"), make_service(s, ctx, "Visit", 30)
        s.flush()
        booked = booking.book(
            s, ctx, patient_id=zeb, provider_id=provider.id, service_id=service.id,
            start=MON_11,
        ).id  # fmt: skip
        entry = commlog.add(
            s, ctx, zeb, channel="sms", direction="out", summary="Reminder: Morningsquux",
            appointment_id=booked, appointment_start=MON_11,
        ).id  # fmt: skip
    replica.apply_pull(b, ctx, everything(a), [], 2)
    with b.read() as s:
        assert s.get(CommunicationEntry, entry).appointment_start == MON_11  # type: ignore[union-attr]

    replica.reset_cursor(b)
    hers = {zeb, booked}
    rest = [p for p in everything(a) if p.record.id not in hers and p.record.entity != "consent"]
    replica.apply_pull(b, ctx, rest, [], 9, last=True)
    assert replica.sweep_gone(b, ctx) >= 1

    with b.read() as s:
        row = s.get(CommunicationEntry, entry)
        assert row is not None and row.deleted_at is not None
        assert (row.summary, row.appointment_start) == ("", None)


def test_a_full_downloads_sweep_empties_the_free_text_of_her_bookings_and_waitlist_entry(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """Her tombstone and her rows purged on the endpoint: the full download's sweep
    erases her on B and tombstones her bookings (A's, pulled; B's own, made offline and
    pushed as a tombstone) and her waiting-list entry, emptying their notes and reasons
    as her erasure does (``erasure.BLANKED``): no tombstone carries a person's words
    about her, here or to every PC. A row of hers the endpoint still holds (a booking,
    a document: its tombstone purged before theirs) is deleted by B as its own change,
    and its base loses her words too, keeping its version (issue #14)."""
    a, b, zeb = pcs
    ctx = admin(clock)
    with a.write() as s:
        provider, service = make_provider(s, ctx, "Dr Ayşe"), make_service(s, ctx, "Visit", 30)
        s.flush()
        theirs, held = (
            booking.book(
                s, ctx, patient_id=zeb, provider_id=provider.id, service_id=service.id,
                start=start, notes=notes,
            ).id
            for start, notes in ((MON_11, "Morningsquux only"), (MON_11 + DAY, "Bookquux"))
        )  # fmt: skip
        scan = documents.attach(s, ctx, zeb, "Scanquux.pdf", b"%PDF", note="Docnotequux").id
    replica.apply_pull(b, ctx, everything(a), [], 2)
    kept = [("appointment", held), ("patient_document", scan)]
    versions = {k: v for k, (v, _) in _bases(b, kept).items()}
    with b.write() as s:
        mine = booking.book(
            s, ctx, patient_id=zeb, provider_id=provider.id, service_id=service.id,
            start=MON_11 + timedelta(hours=1), notes="Wheelchairquux",
            override_reason="Kalamisfener",
        ).id  # fmt: skip
        waiting = waitlist.add(
            s, ctx, patient_id=zeb, service_id=service.id, note="Morningsquux calls"
        ).id  # fmt: skip

    replica.reset_cursor(b)
    hers = {zeb, theirs}
    rest = [p for p in everything(a) if p.record.id not in hers and p.record.entity != "consent"]
    replica.apply_pull(b, ctx, rest, [], 9, last=True)
    assert replica.sweep_gone(b, ctx) >= 1

    with b.read() as s:
        for booked in (theirs, mine):
            row = s.get(Appointment, booked)
            assert row is not None and row.deleted_at is not None
            assert (row.notes, row.cancellation_reason or "", row.override_reason or "") == (
                "", "", ""
            )  # fmt: skip
        entry = s.get(WaitlistEntry, waiting)
        assert entry is not None and entry.deleted_at is not None and entry.note == ""
        assert s.get(Appointment, held).deleted_at is not None  # type: ignore[union-attr]
    bases = _bases(b, kept)
    assert {k: v for k, (v, _) in bases.items()} == versions == {k: 1 for k in kept}
    assert _words_in(b) == [], "nor in their bases"


HER_WORDS = (
    b"Bookquux", b"Cancelquux", b"Overquux", b"Scanquux", b"Docnotequux", b"Callquux",
    b"Waitquux", b"Onequux", b"Onenotequux",
)  # fmt: skip


def _her_rows(db: Database, patient_id: str, clock: FixedClock) -> list[tuple[str, str]]:
    """Her booking (notes, override reason; and one cancelled, with its reason), a
    document (name, note), a log entry (summary, the start it named) and a
    waiting-list entry (note), written on ``db``: their (entity, id)."""
    ctx = admin(clock)
    with db.write() as s:
        provider, service = make_provider(s, ctx, "Dr Ayşe"), make_service(s, ctx, "Visit", 30)
        s.flush()
        booked, cancelled = (
            booking.book(
                s, ctx, patient_id=patient_id, provider_id=provider.id, service_id=service.id,
                start=start, notes="Bookquux words", override_reason="Overquux",
            ).id
            for start in (MON_11, MON_11)  # the second overrides the first
        )  # fmt: skip
        booking.cancel(s, ctx, cancelled, "Cancelquux ill")
        scan = documents.attach(
            s, ctx, patient_id, "Scanquux.pdf", b"%PDF scan", note="Docnotequux"
        ).id  # fmt: skip
        entry = commlog.add(
            s, ctx, patient_id, channel="sms", direction="out", summary="Callquux back",
            appointment_id=booked, appointment_start=MON_11,
        ).id  # fmt: skip
        waiting = waitlist.add(s, ctx, patient_id=patient_id, service_id=service.id,
                               note="Waitquux mornings").id  # fmt: skip
    return [
        ("appointment", booked), ("appointment", cancelled), ("patient_document", scan),
        ("communication_entry", entry), ("waitlist_entry", waiting),
    ]  # fmt: skip


def _bases(db: Database, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    with db.read() as s:
        found = {k: s.get(SyncBase, k) for k in keys}
    return {k: (b.version, b.payload) for k, b in found.items() if b is not None}


def _words_in(db: Database) -> list[bytes]:
    db.checkpoint()
    key = unlock(db.path.parent)
    return [w for w in HER_WORDS if plainpages.holds(db.path, key, w)]


def test_her_rows_bases_lose_her_words_at_her_erasure_and_keep_their_versions(
    pcs: tuple[Database, Database, str], clock: FixedClock
) -> None:
    """Issue #14: the bases of her bookings, document, log entry and waiting-list entry
    (each row as the endpoint last had it) kept her words after her erasure until her
    tombstones came back in a pull (for ever, in a clinic that stopped syncing). They
    are wiped with the rows, by the same rule, and keep their versions: the tombstones'
    push still says which of the endpoint's copies it replaces. A pull of her rows'
    old records (a resumed page) brings nothing of her back."""
    a, _, zeb = pcs
    ctx = admin(clock)
    keys = _her_rows(a, zeb, clock)
    old = [p for p in everything(a) if (p.record.entity, p.record.id) in keys]
    replica.apply_pull(a, ctx, old, [], 2)  # A's own come back: the bases exist
    before = _bases(a, keys)
    assert sorted(before) == sorted(keys)
    said = [w for w in HER_WORDS if w.decode() in str(before.values())]
    assert said == list(HER_WORDS[:-2]), "all but the one document's, attached next"
    # one document removed (not an erasure): its base loses its name and note at once,
    # and a pull of its old record does not bring them back
    with a.write() as s:
        one = documents.attach(s, ctx, zeb, "Onequux.pdf", b"%PDF one", note="Onenotequux").id
    again = [p for p in everything(a) if p.record.id == one]
    replica.apply_pull(a, ctx, again, [], 2)
    with a.write() as s:
        documents.remove(s, ctx, one)
    replica.apply_pull(a, ctx, again, [], 2)
    ((version, payload),) = _bases(a, [("patient_document", one)]).values()
    assert version == 1 and "Onequux" not in payload and "Onenotequux" not in payload
    with a.read() as s:
        assert s.get(PatientDocument, one).file_name == ""  # type: ignore[union-attr]

    patient_ops.delete(a, ctx, zeb)
    replica.apply_pull(a, ctx, old, [], 3)  # pulled again: the erasure wins

    after = _bases(a, keys)
    assert {k: v for k, (v, _) in after.items()} == {k: v for k, (v, _) in before.items()}
    assert [w for w in HER_WORDS if w.decode() in str(after.values())] == []
    document = json.loads(after[keys[2]][1])
    assert (document["file_name"], document["note"], document["size_bytes"]) == ("", "", 0)
    with a.read() as s:
        for entity, row_id in keys:
            row = s.get(changefeed.synced_tables()[entity], row_id)
            assert row is not None and row.deleted_at is not None, entity
            emptied = erasure.BLANKED[type(row)]
            assert {n: getattr(row, n) for n in emptied} == emptied, entity
    assert _words_in(a) == [], "her words are gone from the file"

"""Conflicts, no network and no Qt: two PCs' files sharing one clinic key, a double
booking made on both while offline, the endpoint's conflict as it is pulled; then
reading it in plain words and settling it (move, cancel, keep both, call, choose)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import (
    CLOCK_START,
    downgrade,
    make_clinic,
    make_provider,
    make_service,
    weekdays,
)
from sqlalchemy import select, text
from templates import Template, make_template

from receptionist.cli.conflictcmds import described
from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    UserError,
    ValidationError,
)
from receptionist.journal import changefeed
from receptionist.models import (
    Appointment,
    AuditEvent,
    Patient,
    Provider,
    Service,
    SyncConflict,
)
from receptionist.ops import conflicts, replica
from receptionist.ops.conflicts import Resolution
from receptionist.ops.patients import NewPatient, add
from receptionist.patients import record as patients
from receptionist.replica.apply import DeviceName, Pulled, PulledConflict
from receptionist.replica.records import Record, encode
from receptionist.replica.seal import ClinicKey
from receptionist.schedule import booking
from receptionist.store import migrate
from receptionist.store.storage import Database
from receptionist.store.vault import create, open_clinic

KEY = ClinicKey(1, bytes(range(32)))
TUE_10 = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul
NAMES = {"device-A": DeviceName("FRONT-1", "A"), "device-B": DeviceName("FRONT-2", "B")}


def admin(clock: FixedClock) -> Ctx:
    return Ctx(Actor(None, "admin", "ui"), clock)


def _pc(root: Path, clock: FixedClock, code: str, *, first: bool) -> Database:
    create(root, passphrase="correct horse battery")
    db = open_clinic(root)
    name = "FRONT-1" if first else "FRONT-2"
    joined = replica.Joined("http://127.0.0.1:9", "clinic-1", f"device-{code}", code, name)
    replica.connected(db, admin(clock), joined, b"\0" * 32, KEY, first=first)
    return db


def _everything(db: Database) -> list[Pulled]:
    with db.read() as s:
        return [
            Pulled(encode(row, "clinic-1", KEY), "device-A")
            for model in changefeed.synced_tables().values()
            for row in s.scalars(select(model))
        ]


def _record(db: Database, model: type, row_id: str) -> Record:
    with db.read() as s:
        return encode(s.get(model, row_id), "clinic-1", KEY)


@dataclass
class Clash:
    a: Database  # FRONT-1: its booking (Ayşe's) the endpoint took
    b: Database  # FRONT-2: its booking (Omar's) the endpoint refused
    ayse: str  # Ayşe's appointment
    omar: str  # Omar's appointment
    conflict: PulledConflict


def _book(db: Database, ctx: Ctx, patient: str) -> str:
    with db.write() as s:
        provider, service = s.scalar(select(Provider.id)), s.scalar(select(Service.id))
        assert provider and service
        return booking.book(
            s, ctx, patient_id=patient, provider_id=provider, service_id=service, start=TUE_10
        ).id


def _patient(db: Database, given: str) -> str:
    with db.read() as s:
        return s.scalar(select(Patient.id).where(Patient.given_name == given))  # type: ignore[return-value]


Made = tuple[str, str, PulledConflict]  # Ayşe's and Omar's appointments, the conflict


@pytest.fixture(scope="module")
def clash_template(tmp_path_factory: pytest.TempPathFactory) -> Template[Made]:
    """The two PCs as :func:`_make_clash` leaves them at the ``clock`` fixture's first
    moment, made once (tests/templates.py); each test opens its own copy."""
    root = tmp_path_factory.mktemp("clash") / "pcs"
    return make_template(root, lambda r: _make_clash(r, FixedClock(CLOCK_START)))


@pytest.fixture
def clash(tmp_path: Path, clock: FixedClock, clash_template: Template[Made]) -> Iterator[Clash]:
    """FRONT-1 in ``tmp_path / "a"``, FRONT-2 in ``tmp_path / "b"``."""
    if clock.now() == CLOCK_START:
        ayse, omar, conflict = clash_template.copy_to(tmp_path / "pcs")
        for pc in ("a", "b"):
            (tmp_path / "pcs" / pc).rename(tmp_path / pc)
    else:  # a clock set elsewhere first: made at its time
        ayse, omar, conflict = _make_clash(tmp_path, clock)
    a, b = open_clinic(tmp_path / "a"), open_clinic(tmp_path / "b")
    yield Clash(a, b, ayse, omar, conflict)
    a.close()
    b.close()


def _make_clash(root: Path, clock: FixedClock) -> Made:
    """FRONT-1 and FRONT-2 of one clinic, each with a booking of the same doctor at the
    same time; the endpoint took FRONT-1's, refused FRONT-2's, and both PCs pulled that."""
    ctx = admin(clock)
    a = _pc(root / "a", clock, "A", first=True)
    with a.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        make_provider(s, ctx, "Dr Aydın")
        make_service(s, ctx, "Check-up", 30)
    add(a, ctx, NewPatient("Ayşe", "Yılmaz", "05321234567"))
    add(a, ctx, NewPatient("Omar", "Haddad", "05339876543"))
    b = _pc(root / "b", clock, "B", first=False)
    replica.apply_pull(b, ctx, _everything(a), [], 1)
    ayse = _book(a, ctx, _patient(a, "Ayşe"))
    omar = _book(b, ctx, _patient(b, "Omar"))
    # The endpoint took FRONT-1's booking and refused FRONT-2's: both PCs pull that.
    taken = Pulled(_record(a, Appointment, ayse), "device-A")
    conflict = PulledConflict(
        "c-1", "overlap", "appointment", omar,
        [_record(b, Appointment, omar), taken.record], clock.now(),
        devices=("device-B", "device-A"),
    )  # fmt: skip
    for db in (a, b):
        replica.apply_pull(db, ctx, [taken], [conflict], 2, NAMES)
        while pushed := replica.batch(db):  # all that was pushed: the outbox is empty
            replica.answered(db, pushed[-1].seq)
    a.close()
    b.close()
    return ayse, omar, conflict


def test_a_double_booking_reads_in_plain_words_on_every_pc(clash: Clash, clock: FixedClock) -> None:
    for db in (clash.a, clash.b):
        [found] = conflicts.listing(db, admin(clock))
        assert found.kind == "overlap" and found.open and not found.called
        assert [s.label for s in found.sides] == ["A", "B"]
        assert [s.row_id for s in found.sides] == [clash.omar, clash.ayse]
        assert found.sides[0].refused and not found.sides[1].refused
        assert found.sides[1].phone == "+905321234567"
        assert found.words == (
            "Dr Aydın, Tue 03 Mar 10:00: booked for Omar Haddad on FRONT-2 and for "
            "Ayşe Yılmaz on FRONT-1 while offline"
        )
        assert found.words.template.startswith("{place}, {when}")
    assert conflicts.listing(clash.a, admin(clock), "all")[0].id == "c-1"


def _batch(db: Database) -> list[tuple[str, int]]:
    return [(c.record.id, c.base_version) for c in replica.batch(db)]


def test_moving_the_refused_booking_settles_it_and_is_pushed_as_new(
    clash: Clash, clock: FixedClock
) -> None:
    ctx = admin(clock)
    done = conflicts.resolve(
        clash.a, ctx, "c-1", Resolution("move", keep="B", start=TUE_10 + timedelta(hours=1))
    )
    assert not done.open and done.resolution == "moved" and done.sending
    with clash.a.read() as s:
        assert s.get(Appointment, clash.omar).start_utc == TUE_10 + timedelta(hours=1)
        events = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == "c-1")).all()
        assert events == ["conflict_resolve"]
    # The endpoint never took Omar's booking: it goes as a new row (no base version).
    assert _batch(clash.a) == [(clash.omar, 0)]
    assert conflicts.unsent(clash.a) == [("c-1", "moved")]
    with clash.a.read() as s:  # a state of its own, not a string convention
        assert s.execute(select(SyncConflict.resolution, SyncConflict.unsent)
                         .where(SyncConflict.id == "c-1")).one() == ("moved", True)  # fmt: skip
    assert [c.id for c in conflicts.listing(clash.a, ctx, "unsent")] == ["c-1"]
    assert [c.id for c in conflicts.listing(clash.a, ctx)] == []  # not open any more
    conflicts.sent(clash.a, "c-1")
    assert conflicts.unsent(clash.a) == []
    assert conflicts.listing(clash.a, ctx, "unsent") == []
    assert conflicts.show(clash.a, ctx, "c-1").resolution == "moved"
    assert conflicts.listing(clash.a, ctx) == []
    with pytest.raises(UserError, match="resolved already"):
        conflicts.resolve(clash.a, ctx, "c-1", Resolution("cancel", keep="A", reason="x"))


def test_keeping_the_refused_booking_sends_it_after_the_move_that_freed_its_time(
    clash: Clash, clock: FixedClock
) -> None:
    conflicts.resolve(
        clash.a,
        admin(clock),
        "c-1",
        Resolution("move", keep="A", start=TUE_10 + timedelta(hours=2)),
    )
    with clash.a.read() as s:
        ayse_version = s.get(Appointment, clash.ayse).version
    assert _batch(clash.a) == [(clash.ayse, ayse_version - 1), (clash.omar, 0)]


def test_a_move_onto_a_taken_time_is_refused_and_writes_nothing(
    clash: Clash, clock: FixedClock
) -> None:
    with pytest.raises(ConflictError):
        conflicts.resolve(clash.a, admin(clock), "c-1", Resolution("move", keep="B", start=TUE_10))
    with pytest.raises(ValidationError, match="sides A, B"):
        conflicts.resolve(clash.a, admin(clock), "c-1", Resolution("move", keep="C", start=TUE_10))
    assert conflicts.listing(clash.a, admin(clock))[0].open
    assert _batch(clash.a) == []


def test_keeping_both_is_an_override_for_managers_only(clash: Clash, clock: FixedClock) -> None:
    receptionist = Ctx(Actor(None, "receptionist", "ui"), clock)
    with pytest.raises(PermissionDenied):
        conflicts.resolve(clash.a, receptionist, "c-1", Resolution("keep_both", reason="Twins"))
    with pytest.raises(ValidationError, match="Say why"):
        conflicts.resolve(clash.a, admin(clock), "c-1", Resolution("keep_both", reason=" "))
    done = conflicts.resolve(clash.a, admin(clock), "c-1", Resolution("keep_both", reason="Twins"))
    assert done.resolution == "kept_both"
    with clash.a.read() as s:
        assert s.get(Appointment, clash.omar).override_reason == "Twins"
    [(row_id, base)] = _batch(clash.a)
    assert (row_id, base) == (clash.omar, 0)


def test_cancelling_one_keeps_the_other(clash: Clash, clock: FixedClock) -> None:
    with pytest.raises(ValidationError):
        conflicts.resolve(clash.a, admin(clock), "c-1", Resolution("cancel", keep="A"))
    conflicts.resolve(clash.a, admin(clock), "c-1", Resolution("cancel", keep="A", reason="Called"))
    with clash.a.read() as s:
        assert s.get(Appointment, clash.ayse).status == "cancelled"
    assert [r for r, _ in _batch(clash.a)] == [clash.ayse, clash.omar]


def test_keeping_one_booking_by_its_id_cancels_the_others_in_one_step(
    clash: Clash, clock: FixedClock
) -> None:
    """Keep this one, cancel the others: named by the appointment's id (or its first
    characters), the others cancelled with the reason kept, audited, and the
    resolution waiting for the next round, which closes it on every PC."""
    ctx = admin(clock)
    with pytest.raises(ValidationError, match="or its appointment's id") as unknown:
        conflicts.resolve(clash.b, ctx, "c-1", Resolution("cancel", keep="zzzzzz", reason="x"))
    assert unknown.value.field == "keep"
    done = conflicts.resolve(
        clash.b, ctx, "c-1", Resolution("cancel", keep=clash.ayse[:8].upper(), reason="Kept hers")
    )
    assert (done.open, done.resolution, done.sending) == (False, "cancelled", True)
    with clash.b.read() as s:
        kept, cancelled = s.get(Appointment, clash.ayse), s.get(Appointment, clash.omar)
        assert kept is not None and kept.status == "booked"
        assert cancelled is not None and cancelled.status == "cancelled"
        assert cancelled.cancellation_reason == "Kept hers"
        audited = s.execute(
            select(AuditEvent.action, AuditEvent.entity_id)
            .where(AuditEvent.entity_id.in_(["c-1", clash.omar, clash.ayse]))
            .order_by(AuditEvent.seq)
        ).all()
    assert audited[-2:] == [("cancel", clash.omar), ("conflict_resolve", "c-1")]
    assert conflicts.unsent(clash.b) == [("c-1", "cancelled")]


def test_a_booking_cancelled_since_is_left_as_it_is_and_the_conflict_closes(
    clash: Clash, clock: FixedClock
) -> None:
    """The patient phoned and their booking was cancelled from the schedule before
    anyone settled the conflict: "keep the other, cancel this one" has nothing left to
    cancel, and settles it (its reason stays the patient's)."""
    ctx = admin(clock)
    with clash.a.write() as s:
        booking.cancel(s, ctx, clash.omar, "Patient phoned")
    done = conflicts.resolve(clash.a, ctx, "c-1", Resolution("cancel", keep="B", reason="x"))
    assert (done.open, done.resolution) == (False, "cancelled")
    with clash.a.read() as s:
        omar, ayse = s.get(Appointment, clash.omar), s.get(Appointment, clash.ayse)
        assert omar is not None and omar.cancellation_reason == "Patient phoned"
        assert ayse is not None and ayse.status == "booked"


def _remove(db: Database, appointment_id: str, clock: FixedClock) -> None:
    with db.write() as s:
        found = s.get(Appointment, appointment_id)
        assert found is not None
        found.deleted_at = clock.now()


def test_a_booking_not_on_this_pc_is_named_and_nothing_is_written(
    clash: Clash, clock: FixedClock
) -> None:
    """A side whose booking is not on this PC (removed here, or not synced yet) cannot
    be cancelled, moved or kept from here: the conflict says which, every action that
    would change it is refused in those words, writing nothing, and what does not touch
    it still works."""
    ctx = admin(clock)
    _remove(clash.b, clash.ayse, clock)  # B: the booking the endpoint took
    [found] = conflicts.listing(clash.b, ctx)
    assert [side.here for side in found.sides] == [True, False]
    assert [side["here"] for side in described(found, UTC)["sides"]] == [True, False]
    assert conflicts.not_here(found, "cancel", "A") == (
        "Booking B is not on this PC: it was removed here, or has not arrived yet. Sync "
        "and look again, or settle this conflict on a PC that holds it."
    )
    assert conflicts.not_here(found, "move", "A") is not None
    assert conflicts.not_here(found, "cancel", "B") is None  # only A is changed
    assert conflicts.not_here(found, "keep_both") is None  # only A, the refused one
    assert conflicts.not_here(found, "call") is None
    for chosen in (
        Resolution("cancel", keep="A", reason="x"),
        Resolution("move", keep="A", start=TUE_10 + timedelta(hours=1)),
    ):
        with pytest.raises(NotFound, match="Booking B is not on this PC") as refused:
            conflicts.resolve(clash.b, ctx, "c-1", chosen)
        assert refused.value.field == "keep"
    with clash.b.read() as s:
        omar = s.get(Appointment, clash.omar)
        assert omar is not None and omar.status == "booked" and omar.start_utc == TUE_10
    assert conflicts.listing(clash.b, ctx)[0].open
    # The refused booking (A) missing: every action changes or sends it again.
    _remove(clash.a, clash.omar, clock)
    [found] = conflicts.listing(clash.a, ctx)
    assert [side.here for side in found.sides] == [False, True]
    for action, keep in (("cancel", "A"), ("cancel", "B"), ("move", "A"), ("keep_both", "")):
        assert conflicts.not_here(found, action, keep) is not None, (action, keep)
    with pytest.raises(NotFound, match="Booking A is not on this PC"):
        conflicts.resolve(clash.a, ctx, "c-1", Resolution("keep_both", reason="Twins"))


def test_a_call_is_noted_and_the_conflict_stays_open(clash: Clash, clock: FixedClock) -> None:
    done = conflicts.resolve(clash.a, admin(clock), "c-1", Resolution("call"))
    assert done.open and done.called
    assert conflicts.unsent(clash.a) == []
    # The endpoint sends the conflict again, still open: the call stays noted.
    replica.apply_pull(clash.a, admin(clock), [], [clash.conflict], 3, NAMES)
    assert conflicts.listing(clash.a, admin(clock))[0].called


def test_a_resolution_not_yet_sent_survives_the_conflict_pulled_again_open(
    clash: Clash, clock: FixedClock
) -> None:
    conflicts.resolve(clash.a, admin(clock), "c-1", Resolution("cancel", keep="B", reason="x"))
    replica.apply_pull(clash.a, admin(clock), [], [clash.conflict], 3, NAMES)
    assert conflicts.unsent(clash.a) == [("c-1", "cancelled")]
    closed = PulledConflict(
        **{**clash.conflict.__dict__, "resolved": True, "resolution": "cancelled"}
    )
    replica.apply_pull(clash.b, admin(clock), [], [closed], 3, NAMES)
    assert conflicts.listing(clash.b, admin(clock)) == []
    assert conflicts.listing(clash.b, admin(clock), "all")[0].resolution == "cancelled"


def test_the_refused_booking_moved_elsewhere_replaces_the_copy_on_the_pc_that_made_it(
    clash: Clash, clock: FixedClock
) -> None:
    conflicts.resolve(
        clash.a,
        admin(clock),
        "c-1",
        Resolution("move", keep="B", start=TUE_10 + timedelta(hours=1)),
    )
    moved = Pulled(_record(clash.a, Appointment, clash.omar), "device-A")
    applied = replica.apply_pull(clash.b, admin(clock), [moved], [], 4)
    assert applied.updated == 1 and applied.clashes == []
    with clash.b.read() as s:
        assert s.get(Appointment, clash.omar).start_utc == TUE_10 + timedelta(hours=1)


def test_two_edits_show_both_values_and_a_choice_sets_the_row(
    clash: Clash, clock: FixedClock
) -> None:
    ctx = admin(clock)
    ayse = _patient(clash.a, "Ayşe")
    with clash.a.write() as s:
        patients.update_patient(s, ctx, ayse, phone="05320000001")
    with clash.b.write() as s:
        patients.update_patient(s, ctx, ayse, phone="05320000002")
    _pull_edit(clash, ctx, "c-2", ayse, 5)
    found = conflicts.show(clash.a, ctx, "c-2")
    assert found.kind == "edit"
    assert found.words == (
        "Ayşe Yılmaz: changed on FRONT-2 and on FRONT-1 while offline; fields that differ: 1"
    )
    assert [(f.field, f.values) for f in found.fields] == [
        ("phone", ("+905320000002", "+905320000001"))
    ]
    assert (
        found.fields[0].words == "phone: “+905320000002” on FRONT-2, or “+905320000001” on FRONT-1"
    )
    with pytest.raises(ValidationError):
        conflicts.resolve(clash.a, ctx, "c-2", Resolution("move", keep="A", start=TUE_10))
    done = conflicts.resolve(clash.a, ctx, "c-2", Resolution("choose", choose="a"))
    assert done.resolution == "chose_a"
    with clash.a.read() as s:
        assert s.get(Patient, ayse).phone == "+905320000002"
    assert ayse in [r for r, _ in _batch(clash.a)]


def test_an_unknown_conflict_is_named_as_such(clash: Clash, clock: FixedClock) -> None:
    with pytest.raises(UserError, match="No conflict has that id"):
        conflicts.resolve(clash.a, admin(clock), "nope", Resolution("call"))
    with clash.a.read() as s:
        assert s.scalar(select(SyncConflict.resolution)) == ""


def test_an_older_file_keeps_its_unsent_resolutions(clash: Clash, clock: FixedClock) -> None:
    """Migration 0018 turns the old "send:<code>" convention into the ``unsent`` column,
    and its downgrade back."""
    ctx = admin(clock)
    conflicts.resolve(clash.a, ctx, "c-1", Resolution("cancel", keep="A", reason="Rebooked"))
    downgrade(clash.a, "0016")
    with clash.a.read() as s:
        assert s.execute(
            text("SELECT resolution FROM sync_conflict WHERE id = 'c-1'")
        ).scalar() == ("send:cancelled")
    migrate.upgrade(clash.a)
    assert conflicts.unsent(clash.a) == [("c-1", "cancelled")]
    assert conflicts.show(clash.a, ctx, "c-1").sending


def _edit_clash(clash: Clash, clock: FixedClock) -> str:
    """Ayşe edited on both PCs while offline: phone and notes both differ. FRONT-2's
    record is side A, FRONT-1's (this PC, ``clash.a``) side B. Her id."""
    ctx = admin(clock)
    ayse = _patient(clash.a, "Ayşe")
    with clash.a.write() as s:
        patients.update_patient(s, ctx, ayse, phone="05320000001", notes="From FRONT-1")
    with clash.b.write() as s:
        patients.update_patient(s, ctx, ayse, phone="05320000002", notes="From FRONT-2")
    _pull_edit(clash, ctx, "c-3", ayse, 5)
    return ayse


def _pull_edit(clash: Clash, ctx: Ctx, conflict_id: str, ayse: str, seq: int) -> None:
    """The endpoint's edit conflict ``conflict_id`` over Ayşe's record as each PC holds
    it (FRONT-2's side A, FRONT-1's side B), pulled into ``clash.a`` at ``seq``."""
    edit = PulledConflict(
        conflict_id, "edit", "patient", ayse,
        [_record(clash.b, Patient, ayse), _record(clash.a, Patient, ayse)], ctx.clock.now(),
        devices=("device-B", "device-A"),
    )  # fmt: skip
    replica.apply_pull(clash.a, ctx, [], [edit], seq, NAMES)


def _phone_notes(db: Database, patient_id: str) -> tuple[str | None, str | None]:
    with db.read() as s:
        row = s.get(Patient, patient_id)
        assert row is not None
        return row.phone, row.notes


def test_two_edits_settled_field_by_field(clash: Clash, clock: FixedClock) -> None:
    ctx = admin(clock)
    ayse = _edit_clash(clash, clock)
    found = conflicts.show(clash.a, ctx, "c-3")
    assert sorted(f.field for f in found.fields) == ["notes", "phone"]
    with pytest.raises(ValidationError, match="Choose a side for") as missing:
        conflicts.resolve(clash.a, ctx, "c-3", Resolution("choose", fields={"phone": "A"}))
    with pytest.raises(ValidationError, match="not a field these edits differ on") as unknown:
        conflicts.resolve(clash.a, ctx, "c-3", Resolution("choose", fields={"email": "A"}))
    with pytest.raises(ValidationError, match="sides A, B") as bad_side:
        conflicts.resolve(clash.a, ctx, "c-3", Resolution("choose", fields={"phone": "C"}))
    assert missing.value.field == unknown.value.field == bad_side.value.field == "field"
    assert _phone_notes(clash.a, ayse) == ("+905320000001", "From FRONT-1"), "nothing written"
    # This PC (FRONT-1, side B) keeps its own phone and takes FRONT-2's notes.
    done = conflicts.resolve(
        clash.a, ctx, "c-3", Resolution("choose", fields={"phone": "ours", "notes": "theirs"})
    )
    assert done.resolution == "chose_fields" and done.sending and not done.open
    assert _phone_notes(clash.a, ayse) == ("+905320000001", "From FRONT-2")
    assert ayse in [r for r, _ in _batch(clash.a)]


def _pull_edit_again(clash: Clash, clock: FixedClock, ayse: str, swapped: bool) -> None:
    """The endpoint's c-3 pulled again: FRONT-2 (``clash.b``) changed the phone since,
    or the same records come in the other order."""
    ctx = admin(clock)
    if not swapped:
        with clash.b.write() as s:
            patients.update_patient(s, ctx, ayse, phone="05320000009")
    records = [_record(clash.b, Patient, ayse), _record(clash.a, Patient, ayse)]
    devices = ("device-B", "device-A")
    if swapped:
        records, devices = records[::-1], devices[::-1]
    edit = PulledConflict("c-3", "edit", "patient", ayse, records, clock.now(), devices=devices)
    replica.apply_pull(clash.a, ctx, [], [edit], 6, NAMES)


def test_a_pick_is_kept_by_the_value_seen_not_by_the_side_letter(
    clash: Clash, clock: FixedClock
) -> None:
    ctx = admin(clock)
    ayse = _edit_clash(clash, clock)
    found = conflicts.show(clash.a, ctx, "c-3")
    picked = {"phone": "A", "notes": "A"}  # FRONT-2's values, as the screen showed them
    shown = conflicts.seen(found, picked)
    assert set(shown) == {"phone", "notes"} and "+905320000002" not in str(shown)
    _pull_edit_again(clash, clock, ayse, swapped=True)  # FRONT-2's record is side B now
    with pytest.raises(UserError, match="brought again with other values"):
        conflicts.resolve(clash.a, ctx, "c-3", Resolution("choose", fields=picked, seen=shown))
    assert _phone_notes(clash.a, ayse) == ("+905320000001", "From FRONT-1"), "nothing written"
    _pull_edit_again(clash, clock, ayse, swapped=False)  # side A: a phone nobody saw
    again = conflicts.show(clash.a, ctx, "c-3")
    assert [f.values[0] for f in again.fields if f.field == "phone"] == ["+905320000009"]
    for chosen in (
        Resolution("choose", fields=picked, seen=shown),
        Resolution("choose", choose="A", seen=shown),
    ):
        with pytest.raises(UserError, match="brought again with other values"):
            conflicts.resolve(clash.a, ctx, "c-3", chosen)
    assert _phone_notes(clash.a, ayse) == ("+905320000001", "From FRONT-1"), "nothing written"
    # What the person sees now, picked again: applied.
    done = conflicts.resolve(
        clash.a, ctx, "c-3",
        Resolution("choose", fields=picked, seen=conflicts.seen(again, picked)),
    )  # fmt: skip
    assert done.resolution == "chose_a"
    assert _phone_notes(clash.a, ayse) == ("+905320000009", "From FRONT-2")


def test_ours_and_theirs_name_nothing_on_a_pc_that_made_neither_edit(
    clash: Clash, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = admin(clock)
    _edit_clash(clash, clock)
    with clash.a.write() as s:  # as if this PC were a third one
        s.execute(text("UPDATE sync_state SET device_id = 'device-C'"))
    with pytest.raises(ValidationError, match="ours and theirs say nothing"):
        conflicts.resolve(clash.a, ctx, "c-3", Resolution("choose", fields={"phone": "ours"}))
    done = conflicts.resolve(
        clash.a, ctx, "c-3", Resolution("choose", choose="B", fields={"notes": "a"})
    )
    assert done.resolution == "chose_fields"


def _cli(db_root: Path, *args: str) -> int:
    from receptionist.cli.main import main

    resolve = ["conflicts", "resolve", "c-3-edit", *args]
    return main(["--data-dir", str(db_root), "--json", *resolve])


def test_the_cli_settles_two_edits_field_by_field(
    clash: Clash, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from receptionist.staff import accounts

    ayse = _edit_clash(clash, clock)
    with clash.a.write() as s:
        accounts.create_user(s, admin(clock), username="boss", password="admin-password-1",
                             role="admin")  # fmt: skip
        s.execute(text("UPDATE sync_conflict SET id = 'c-3-edit-conflict' WHERE id = 'c-3'"))
    clash.a.close()
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "correct horse battery")
    root = tmp_path / "a"
    for bad in (["--field", "phone"], ["--field", "phone=maybe"], ["--field", "fax=ours"],
                ["--field", "phone=ours"], ["--field", "phone=ours", "--field", "phone=theirs"],
                ["--keep", "A", "--field", "phone=ours"], []):  # fmt: skip
        capsys.readouterr()
        assert _cli(root, *bad) == 2, bad
        said = capsys.readouterr().err
        assert "(field)" in said or "(choose)" in said, (bad, said)
    assert _cli(root, "--field", "phone=ours", "--field", "notes=theirs") == 0
    done = json.loads(capsys.readouterr().out)
    assert (done["resolution"], done["sent"], done["state"]) == ("chose_fields", False, "resolved")
    reopened = open_clinic(root)
    try:
        assert _phone_notes(reopened, ayse) == ("+905320000001", "From FRONT-2")
    finally:
        reopened.close()


def test_a_conflict_is_found_by_its_id_prefix_in_sql_with_like_characters_taken_literally(
    clash: Clash, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's conflict id prefix: found by the database, without opening (decrypting)
    any conflict; ``%`` and ``_`` in what was typed match only themselves."""
    from receptionist.ops import conflictwords, lookup

    with clash.a.write() as s:
        s.execute(text("UPDATE sync_conflict SET id = 'ab_cd-1111' WHERE id = 'c-1'"))
        s.add(SyncConflict(id="abXcd-2222", kind="overlap", entity="appointment", row_id="r",
                           records="[]", created_at=clock.now()))  # fmt: skip
        s.add(SyncConflict(id="abXcd-3333", kind="overlap", entity="appointment", row_id="r",
                           records="[]", created_at=clock.now()))  # fmt: skip

    def never(*_args: object) -> None:
        raise AssertionError("a lookup by id opens no conflict")

    monkeypatch.setattr(conflictwords, "_opened", never)
    monkeypatch.setattr(conflicts, "view", never)
    assert lookup.conflict(clash.a, "ab_cd-") == "ab_cd-1111", "_ is not a wildcard"
    assert lookup.conflict(clash.a, " AB_CD-1 ") == "ab_cd-1111"
    assert lookup.conflict(clash.a, "abXcd-2222") == "abXcd-2222"
    with pytest.raises(UserError, match="More than one conflict") as many:
        lookup.conflict(clash.a, "abXcd-")
    with pytest.raises(UserError, match="No conflict has that id") as none:
        lookup.conflict(clash.a, "ab%cd-")  # % is not a wildcard either
    with pytest.raises(ValidationError, match="at least 6 characters") as short:
        lookup.conflict(clash.a, "ab_cd")
    assert many.value.field == none.value.field == short.value.field == "id"


def test_one_side_chosen_on_a_screen_is_refused_when_a_field_nobody_saw_differs_now(
    clash: Clash, clock: FixedClock
) -> None:
    """The card showed phone and notes; pulled again since, FRONT-2's side changed her
    e-mail too. Its phone and notes are as seen, but choosing that side would write an
    e-mail no one was shown: refused, nothing written, as for a value changed."""
    ctx = admin(clock)
    ayse = _edit_clash(clash, clock)
    found = conflicts.show(clash.a, ctx, "c-3")
    shown = conflicts.seen(found, {f.field: "A" for f in found.fields})
    with clash.b.write() as s:
        patients.update_patient(s, ctx, ayse, email="unseen@example.org")
    _pull_edit(clash, ctx, "c-3", ayse, 6)
    again = conflicts.show(clash.a, ctx, "c-3")
    assert sorted(f.field for f in again.fields) == ["email", "notes", "phone"]
    with pytest.raises(UserError, match="brought again with other values"):
        conflicts.resolve(clash.a, ctx, "c-3", Resolution("choose", choose="A", seen=shown))
    with clash.a.read() as s:
        assert s.get(Patient, ayse).email != "unseen@example.org"  # type: ignore[union-attr]
    # What the person sees now, chosen again: applied.
    now_seen = conflicts.seen(again, {f.field: "A" for f in again.fields})
    conflicts.resolve(clash.a, ctx, "c-3", Resolution("choose", choose="A", seen=now_seen))
    with clash.a.read() as s:
        assert s.get(Patient, ayse).email == "unseen@example.org"  # type: ignore[union-attr]


def test_an_anonymised_patient_s_kept_visit_reads_so_in_the_words_and_the_cli(
    clash: Clash, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Ayşe (side B, the booking the endpoint took) since anonymised by the retention
    sweep, as the sweep leaves the conflict (``close_erased``: open, her record emptied).
    The headline says "an anonymised patient" as one phrase (a translator sees it whole,
    not "for anonymised"), and ``conflicts list`` tells each side's ``anonymised``, in
    JSON and in its text (session 17: the headline read "for anonymised on FRONT-1",
    and the flag was not output)."""
    from receptionist.cli.main import main
    from receptionist.ops.conflicterasure import close_erased
    from receptionist.staff import accounts

    with clash.a.write() as s:
        visit = s.get(Appointment, clash.ayse)
        patient = s.get(Patient, visit.patient_id) if visit is not None else None
        assert patient is not None
        patient.given_name, patient.family_name = "", ""
        patient.number, patient.anonymised_at = "ANON-TESTTESTTES", clock.now()
        close_erased(s, clock.now())
    [found] = conflicts.listing(clash.a, admin(clock))
    assert found.open and [s.anonymised for s in found.sides] == [False, True]
    assert found.words == (
        "Dr Aydın, Tue 03 Mar 10:00: booked for Omar Haddad on FRONT-2 and for "
        "an anonymised patient on FRONT-1 while offline"
    )
    assert found.words.params["second"].template == "an anonymised patient"  # type: ignore[union-attr]
    assert [side["anonymised"] for side in described(found, UTC)["sides"]] == [False, True]
    with clash.a.write() as s:
        accounts.create_user(s, admin(clock), username="boss", password="admin-password-1",
                             role="admin")  # fmt: skip
    clash.a.close()
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "correct horse battery")
    root = ["--data-dir", str(tmp_path / "a")]
    capsys.readouterr()
    assert main([*root, "--json", "conflicts", "list"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert [(s["label"], s["anonymised"]) for s in listed["sides"]] == [("A", False), ("B", True)]
    assert "for an anonymised patient on FRONT-1" in listed["words"]
    assert main([*root, "conflicts", "list"]) == 0
    said = capsys.readouterr().out.splitlines()
    [side_b] = [line for line in said if line.startswith("  B: ")]
    assert side_b.startswith("  B: anonymised, ") and "kept for statistics" in side_b, said
    [side_a] = [line for line in said if line.startswith("  A: ")]
    assert "statistics" not in side_a


def test_a_conflict_prefix_naming_several_lists_them(clash: Clash, clock: FixedClock) -> None:
    """#14, session 18: "give more of its id" now names the conflicts it found, each by
    as much of its id as tells them apart and when it was made here (clinic time)."""
    from receptionist.ops import lookup

    with clash.a.write() as s:
        for made in ("abXcd-2222", "abXcd-3333"):
            s.add(SyncConflict(id=made, kind="overlap", entity="appointment", row_id="r",
                               records="[]", created_at=clock.now()))  # fmt: skip
    with pytest.raises(UserError, match="More than one conflict starts with that") as many:
        lookup.conflict(clash.a, "abXcd-")
    said = str(many.value)
    assert "abXcd-22 (made " in said and "abXcd-33 (made " in said, said
    assert said.endswith("; give more of its id."), said

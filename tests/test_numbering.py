"""Patient numbers: "<device code>-<counter>", unique, growing, found in any case."""

from __future__ import annotations

from factories import make_patient
from sqlalchemy import func, select

from receptionist.clock import FixedClock
from receptionist.models import Device
from receptionist.patients.numbering import (
    next_patient_number,
    normalise_number,
    this_device,
)
from receptionist.store.storage import Database


def test_device_row_created_once(db: Database, clock: FixedClock) -> None:
    with db.write() as s:
        first = this_device(s, clock)
        again = this_device(s, clock)
        assert first is again
        assert (first.code, first.patient_counter, first.created_at) == ("A", 0, clock.now())
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == 1
        assert this_device(s, clock).id == first.id


def test_numbers_increment_and_never_repeat(db: Database, clock: FixedClock) -> None:
    with db.write() as s:
        numbers = [next_patient_number(s, clock) for _ in range(25)]
    assert numbers[:3] == ["A-1", "A-2", "A-3"]
    assert len(set(numbers)) == 25
    with db.write() as s:  # the counter survives the transaction
        assert next_patient_number(s, clock) == "A-26"


def test_each_device_numbers_with_its_own_code(db: Database, clock: FixedClock) -> None:
    with db.write() as s:
        s.add(Device(id="dev-b", code="B", patient_counter=41, created_at=clock.now()))
    with db.write() as s:
        assert next_patient_number(s, clock) == "B-42"


def test_a_number_already_on_a_patient_is_skipped(db: Database, clock: FixedClock) -> None:
    now = clock.now()
    with db.write() as s:
        make_patient(s, now, 1, "x", "y", number="A-1")
    with db.write() as s:
        assert next_patient_number(s, clock) == "A-2"


def test_numbers_already_handed_out_are_jumped_in_one_go(db: Database, clock: FixedClock) -> None:
    now = clock.now()
    with db.write() as s:
        for i in (1, 2, 3, 9, 10):
            make_patient(s, now, i, "x", "y", number=f"A-{i}")
        make_patient(s, now, 99, "x", "y", number="B-500")
    with db.write() as s:
        assert [next_patient_number(s, clock) for _ in range(2)] == ["A-11", "A-12"]


def test_normalise_number() -> None:
    assert normalise_number("a-12") == "A-12"
    assert normalise_number(" ab - 007 ") == "AB-7"
    assert normalise_number("A12") is None
    assert normalise_number("ali") is None
    assert normalise_number("12-A") is None

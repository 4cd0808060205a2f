"""Rows' ids lead with the week they were made in: an index on an id, or on a reference
to another row, then grows at one end, and the retention sweep, which deletes rows in
the order they were written, changes a few neighbouring pages of it where random ids
had it change a page for nearly every row. Their first eight characters (the short
id the CLI shows and takes) stay mostly random."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from receptionist.clock import FixedClock
from receptionist.errors import Ambiguous
from receptionist.models import Appointment, Provider, Service, base, new_id, new_ids
from receptionist.models.base import ID_EPOCH_MS, WEEK_MS, WEEKS, id_week, ordered_id
from receptionist.ops import lookup
from receptionist.store.storage import Database
from tests.factories import actor_ctx, make_clinic, make_patient

DEC_2026 = 1_796_000_000_000  # 2026-11-29, ms since the epoch


def test_an_id_is_a_uuid_holding_the_week_it_was_made_and_random_bits() -> None:
    bits = (1 << 112) - 12345
    made = ordered_id(DEC_2026, bits)
    as_uuid = uuid.UUID(made)
    assert str(as_uuid) == made and lookup.UUID.match(made)
    assert as_uuid.version == 8 and as_uuid.variant == uuid.RFC_4122
    week = (DEC_2026 - ID_EPOCH_MS) // WEEK_MS % WEEKS
    assert as_uuid.int >> 118 == id_week(DEC_2026) == week  # the first ten bits
    random_part = (
        ((as_uuid.int >> 80) & ((1 << 38) - 1)) << 74
        | ((as_uuid.int >> 64) & 0xFFF) << 62
        | as_uuid.int & ((1 << 62) - 1)
    )
    assert random_part == bits  # every random bit kept, none lost to the layout
    # Counted round every 1,024 weeks (19.6 years): a week's ids stay neighbours.
    assert id_week(ID_EPOCH_MS + WEEKS * WEEK_MS) == 0 == id_week(ID_EPOCH_MS)
    assert id_week(ID_EPOCH_MS - WEEK_MS) == WEEKS - 1
    for wrong in (-1, 1 << 112):
        with pytest.raises(ValueError, match="112 bits"):
            ordered_id(DEC_2026, wrong)


def test_ids_of_a_later_week_sort_later(monkeypatch: pytest.MonkeyPatch) -> None:
    weeks: list[list[str]] = []
    for ms in (DEC_2026, DEC_2026 + WEEK_MS, DEC_2026 + 60 * WEEK_MS):
        monkeypatch.setattr(base, "_now_ms", lambda ms=ms: ms)
        weeks.append([new_id() for _ in range(200)])
    made = [i for week in weeks for i in week]
    assert sorted(made) == [i for week in weeks for i in sorted(week)]
    assert len(set(made)) == len(made) and {uuid.UUID(i).version for i in made} == {8}


def test_the_short_ids_of_a_week_stay_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """22 of the bits of an id's first eight characters are random: the rows of one
    minute (a series booked at once) do not share their short ids, as
    millisecond-ordered ids (UUID version 7) would."""
    monkeypatch.setattr(base, "_now_ms", lambda: DEC_2026)
    made = [new_id() for _ in range(50)]
    assert len({i[:2] for i in made}) == 1  # the week's first eight bits
    assert len({i[:8] for i in made}) >= 49  # a shared pair once in some 3,000 weeks


def test_a_bulk_of_ids_is_in_the_order_of_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "_now_ms", lambda: DEC_2026)
    bulk = new_ids(2000)
    assert bulk == sorted(bulk) and len(set(bulk)) == 2000
    assert {uuid.UUID(m).version for m in bulk} == {8}
    assert new_ids(0) == []
    monkeypatch.setattr(base, "_now_ms", lambda: DEC_2026 + WEEK_MS)
    assert min(new_ids(3)) > max(bulk)  # a later week's bulk sorts after


def test_rows_written_take_ordered_ids(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row the app writes (here patients, through the model's default) gets its id
    from ``new_id``: made in a later week, it sorts later in the primary-key index."""
    now = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    ids = []
    for n, ms in enumerate((DEC_2026, DEC_2026 + WEEK_MS, DEC_2026 + 2 * WEEK_MS), 1):
        monkeypatch.setattr(base, "_now_ms", lambda ms=ms: ms)
        with db.write() as s:
            ids.append(make_patient(s, now, n).id)
    assert ids == sorted(ids) and {uuid.UUID(i).version for i in ids} == {8}
    with db.read() as s:
        in_index = s.execute(
            text("SELECT id FROM patient WHERE id IN (:a, :b, :c) ORDER BY id"),
            dict(zip("abc", ids, strict=True)),
        ).scalars()
        assert list(in_index) == ids


def test_a_prefix_naming_several_appointments_lists_them_without_patient_data(
    db: Database, clock: FixedClock
) -> None:
    """#14, session 18: six typed characters hold 14 random bits among a week's rows, so
    "type more" comes some ten times as often as with random ids (3.7 % of lookups of a
    week of 600 appointments: benchmarks/bench_id_prefixes.py). The refusal now names
    the candidates, each by its short id (longer where eight characters do not tell
    them apart) and its start in the clinic's time: no name, no number."""
    now = clock.now()
    stamp = {"created_at": now, "updated_at": now}
    with db.write() as s:
        make_clinic(s, actor_ctx("admin", clock))  # Istanbul
        patient = make_patient(s, now, 1, "Zeynep", "Kaya", number="A-77")
        dr = Provider(name="Dr Ada", **stamp)
        check = Service(name="Check-up", duration_minutes=30, **stamp)
        s.add_all([dr, check])
        s.flush()
        at = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # 10:30 in Istanbul
        tails = ("3d-0000-8000-8000-000000000001", "3d-9000-8000-8000-000000000002",
                 "77-0000-8000-8000-000000000003")  # fmt: skip
        ids = [f"0a1b2c{tail}" for tail in tails] + ["0a1b2d00-0000-8000-8000-000000000004"]
        for n, made in enumerate(ids):
            s.add(Appointment(id=made, patient_id=patient.id, provider_id=dr.id,
                              service_id=check.id, start_utc=at + timedelta(days=n),
                              end_utc=at + timedelta(days=n, minutes=30), **stamp))  # fmt: skip
    with pytest.raises(Ambiguous) as many:
        lookup.appointment(db, "0a1b2c")
    said = str(many.value)
    assert "More than one appointment id starts with 0a1b2c" in said, said
    # the first two share eight characters: shown with as many as tell them apart
    for short, when in (("0a1b2c3d-0", "Mon 07 Dec 10:30"), ("0a1b2c3d-9", "Tue 08 Dec 10:30"),
                        ("0a1b2c77", "Wed 09 Dec 10:30")):  # fmt: skip
        assert f"{short} ({when})" in said, said
    assert "0a1b2d00" not in said and "type more of it" in said
    assert "Zeynep" not in said and "Kaya" not in said and "A-77" not in said
    assert many.value.field == "appointment"
    assert lookup.appointment(db, "0a1b2c77") == ids[2]

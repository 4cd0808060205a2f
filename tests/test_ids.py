"""Rows' ids lead with the week they were made in: an index on an id, or on a reference
to another row, then grows at one end, and the retention sweep, which deletes rows in
the order they were written, changes a few neighbouring pages of it where random ids
had it change a page for nearly every row. Their first eight characters (the short
id the CLI shows and takes) stay mostly random."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from receptionist.models import base, new_id, new_ids
from receptionist.models.base import ID_EPOCH_MS, WEEK_MS, WEEKS, id_week, ordered_id
from receptionist.ops import lookup
from receptionist.store.storage import Database
from tests.factories import make_patient

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

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import actor_ctx, make_service, make_small_clinic, weekdays
from sqlalchemy import func, select

from receptionist.context import Ctx
from receptionist.errors import PermissionDenied, ValidationError
from receptionist.models import Appointment, AuditEvent
from receptionist.schedule import blocked, booking, catalog, clinic, series
from receptionist.schedule.drafts import Draft
from receptionist.store.storage import Database

WEEKDAYS = weekdays(("09:00", "17:00"))
MON = datetime(2026, 3, 2, 7, tzinfo=UTC)  # Monday 10:00 in Istanbul


@pytest.fixture
def ids(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        return make_small_clinic(s, ctx, WEEKDAYS) | {
            "physio": make_service(s, ctx, "Physio", 45).id
        }


def weekly(ids: dict[str, str], start: datetime = MON, patient: str = "p1") -> Draft:
    return Draft(patient, ids["ayse"], ids["physio"], start)


def appointment_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Appointment)) or 0)


def test_all_clean(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        result = series.book_series(s, ctx, weekly(ids), count=6, notes="knee")
        assert len(result.booked) == 6 and result.skipped == []
        booked = series.series_appointments(s, result.series_id)
        assert [a.start_utc for a in booked] == [MON + timedelta(weeks=i) for i in range(6)]
        assert {(a.end_utc - a.start_utc, a.notes) for a in booked} == {
            (timedelta(minutes=45), "knee")
        }
        events = s.scalars(select(AuditEvent.entity_type).where(AuditEvent.action == "create"))
        assert list(events).count("series") == 1


def test_conflicting_occurrences_are_reported(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        clash = booking.book_draft(s, ctx, weekly(ids, MON + timedelta(weeks=2), "p2"))
        blocked.add_blocked_time(
            s,
            ctx,
            start=MON + timedelta(weeks=3, hours=-1),
            end=MON + timedelta(weeks=3, hours=3),
            provider_id=ids["ayse"],
            kind="time_off",
        )
    with db.write() as s:
        result = series.book_series(s, ctx, weekly(ids), count=5)
    assert [o.index for o in result.booked] == [0, 1, 4]
    second, third = result.skipped
    assert (second.index, [c.kind for c in second.conflicts]) == (2, ["provider_busy"])
    assert second.conflicts[0].other_id == clash.id
    assert (third.index, [c.kind for c in third.conflicts]) == (3, ["blocked_provider"])
    assert appointment_count(db) == 4


def test_width_and_interval(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    first = Draft("p1", ids["ayse"], ids["physio"], MON, MON + timedelta(minutes=20))
    with db.write() as s:
        result = series.book_series(s, ctx, first, count=3, every_weeks=2)
    assert [o.start for o in result.booked] == [MON + timedelta(weeks=w) for w in (0, 2, 4)]
    assert {o.end - o.start for o in result.booked if o.start and o.end} == {timedelta(minutes=20)}


def test_plan_books_nothing(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        booking.book_draft(s, ctx, weekly(ids, MON + timedelta(weeks=1), "p2"))
    with db.read() as s:
        plan = series.plan_series(s, ctx, weekly(ids), count=3)
    assert [o.clean for o in plan] == [True, False, True]
    assert appointment_count(db) == 1


def test_london_series_keeps_wall_time(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        clinic.update_clinic(s, ctx, timezone="Europe/London")
        first = weekly(ids, datetime(2026, 3, 16, 9, tzinfo=UTC))  # 09:00 GMT
        result = series.book_series(s, ctx, first, count=4)
    assert [o.start.hour for o in result.booked if o.start] == [9, 9, 8, 8]  # 09:00 BST


def test_skipped_wall_time(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        clinic.update_clinic(s, ctx, timezone="Europe/London")
        catalog.update_provider(s, ctx, ids["ayse"], working_hours={})
        first = weekly(ids, datetime(2026, 3, 15, 1, 30, tzinfo=UTC))  # Sunday 01:30 GMT
        result = series.book_series(s, ctx, first, count=3)
    assert [o.index for o in result.skipped] == [2]
    assert "clocks go forward" in result.skipped[0].problem
    assert result.skipped[0].start is None


def test_limits_and_roles(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    doctor = actor_ctx("provider", ctx.clock, "d")
    with db.write() as s:
        with pytest.raises(ValidationError):
            series.book_series(s, ctx, weekly(ids), count=0)
        with pytest.raises(ValidationError):
            series.book_series(s, ctx, weekly(ids), count=200)
        with pytest.raises(ValidationError):
            series.plan_series(s, ctx, weekly(ids), count=2, every_weeks=0)
        with pytest.raises(PermissionDenied):
            series.book_series(s, doctor, weekly(ids), count=2)
    assert appointment_count(db) == 0

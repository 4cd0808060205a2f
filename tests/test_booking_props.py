"""Property tests of the booking rules against an independent oracle.

Random sequences of book / reschedule / cancel attempts (some by a manager with an
override reason) run on one clinic in Europe/London across the spring 2026 clock
change. Each attempt is compared with a plain re-statement of the rules (wall-clock
hours, padded overlaps, blocked time): accepted exactly when the oracle finds nothing,
refused with exactly the oracle's kinds of conflict otherwise. At the end, no two
active appointments that were not overridden overlap for a provider, room or patient,
and each lies inside working hours and outside blocked time.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import (
    actor_ctx,
    audit_created,
    make_clinic,
    make_patients,
    make_provider,
    make_room,
    make_service,
    weekdays,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from receptionist.context import Ctx
from receptionist.errors import ConflictError, IllegalTransition
from receptionist.journal import audit
from receptionist.models import Appointment, BlockedTime, Service
from receptionist.schedule import blocked, booking, lifecycle, slots
from receptionist.store.storage import Database

LONDON = ZoneInfo("Europe/London")
FIRST_DAY = date(2026, 3, 26)  # Thursday; the clocks go forward on Sunday 29 March
PROVIDER_HOURS = [
    weekdays(("09:00", "12:00"), ("13:00", "17:00")),
    weekdays(("08:00", "14:00"), days=("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
]
OPENING = weekdays(("08:30", "16:30"), days=("mon", "tue", "wed", "thu", "fri", "sat"))
SERVICES = [(15, 0, 0), (30, 5, 10), (45, 0, 15)]  # duration, before, after


def local(day: int, minute: int) -> datetime:
    wall = datetime.combine(FIRST_DAY + timedelta(days=day), time()) + timedelta(minutes=minute)
    return wall.replace(tzinfo=LONDON).astimezone(UTC)


@dataclass(repr=False)
class Env:
    db: Database
    desk: Ctx
    manager: Ctx
    providers: list[str]
    rooms: list[str]
    services: list[str]
    patients: list[str]
    buffers: dict[str, tuple[timedelta, timedelta]]
    hours: dict[str, dict[str, list[list[str]]]]
    blocks: list[BlockedTime]


@pytest.fixture
def env(db: Database, ctx: Ctx) -> Env:
    # After every day booked: statuses wait for an appointment's time (no-show after
    # its start, arrival from its day), and these rules are about the schedule.
    ctx.clock.set(datetime.combine(FIRST_DAY + timedelta(days=6), time(), tzinfo=UTC))  # type: ignore[attr-defined]
    now = ctx.clock.now()
    with db.write() as s:
        make_clinic(s, ctx, name="C", tz="Europe/London", region="GB", hours=OPENING)
        providers = [make_provider(s, ctx, f"P{i}", h).id for i, h in enumerate(PROVIDER_HOURS)]
        rooms = [make_room(s, ctx, f"R{i}").id for i in range(2)]
        services = [
            make_service(s, ctx, f"S{d}", d, buffer_before_minutes=b, buffer_after_minutes=a).id
            for d, b, a in SERVICES
        ]
        patients = make_patients(s, now, range(3))
        audit_created(s, ctx, "patient", patients)
        blocks = [
            blocked.add_blocked_time(s, ctx, start=local(0, 720), end=local(0, 780)),
            blocked.add_blocked_time(
                s,
                ctx,
                start=local(1, 600),
                end=local(4, 660),
                provider_id=providers[1],
                kind="time_off",
            ),
            blocked.add_blocked_time(
                s, ctx, start=local(5, 540), end=local(5, 600), room_id=rooms[0]
            ),
        ]
        rows = s.scalars(select(Service)).all()
        buffers = {
            r.id: (
                timedelta(minutes=r.buffer_before_minutes),
                timedelta(minutes=r.buffer_after_minutes),
            )
            for r in rows
        }
        for block in blocks:
            s.expunge(block)
    return Env(
        db,
        actor_ctx("receptionist", ctx.clock, "desk"),
        actor_ctx("manager", ctx.clock, "boss"),
        providers,
        rooms,
        services,
        patients,
        buffers,
        dict(zip(providers, PROVIDER_HOURS, strict=True)),
        blocks,
    )


# -- the oracle ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spot:
    id: str | None
    patient: str
    provider: str
    service: str
    room: str | None
    start: datetime
    end: datetime


def _inside(week: dict[str, list[list[str]]], start: datetime, end: datetime) -> bool:
    lo, hi = start.astimezone(LONDON), end.astimezone(LONDON)
    if lo.date() != hi.date():
        return False
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[lo.weekday()]
    return any(
        time.fromisoformat(a) <= lo.time() and hi.time() <= time.fromisoformat(b)
        for a, b in week.get(day, [])
    )


def _padded(env: Env, spot: Spot) -> tuple[datetime, datetime]:
    before, after = env.buffers[spot.service]
    return spot.start - before, spot.end + after


def oracle(env: Env, spot: Spot, others: list[Spot]) -> set[str]:
    found = set()
    lo, hi = _padded(env, spot)
    for other in others:
        if other.id == spot.id:
            continue
        olo, ohi = _padded(env, other)
        if olo < hi and ohi > lo:
            found |= {
                f"{kind}_busy"
                for kind, a, b in (
                    ("provider", spot.provider, other.provider),
                    ("room", spot.room, other.room),
                    ("patient", spot.patient, other.patient),
                )
                if a is not None and a == b
            }
    if not _inside(env.hours[spot.provider], spot.start, spot.end):
        found.add("outside_provider_hours")
    if not _inside(OPENING, spot.start, spot.end):
        found.add("outside_clinic_hours")
    for block in env.blocks:
        if block.start_utc < spot.end and block.end_utc > spot.start:
            if block.provider_id is None and block.room_id is None:
                found.add("blocked_clinic")
            elif block.provider_id == spot.provider:
                found.add("blocked_provider")
            elif block.room_id is not None and block.room_id == spot.room:
                found.add("blocked_room")
    return found


def active(env: Env) -> list[tuple[Spot, bool]]:
    """Every active appointment, with whether it is overridden."""
    with env.db.read() as s:
        rows = s.scalars(
            select(Appointment).where(Appointment.status.not_in(("cancelled", "no_show")))
        ).all()
        return [
            (
                Spot(
                    a.id,
                    a.patient_id,
                    a.provider_id,
                    a.service_id,
                    a.room_id,
                    a.start_utc,
                    a.end_utc,
                ),
                booking.is_overridden(a),
            )
            for a in rows
        ]


# -- the attempts --------------------------------------------------------------------------

# Mostly 09:00-11:55 on a few days (so attempts clash often), sometimes 07:00-17:55.
minutes = st.one_of(st.integers(9 * 12, 12 * 12 - 1), st.integers(7 * 12, 18 * 12 - 1)).map(
    lambda m: m * 5
)
days = st.sampled_from([0, 3, 4])  # Thursday (GMT), Sunday (the change), Monday (BST)
overrides = st.sampled_from([False, False, False, True])  # by a manager, with a reason
lengths = st.one_of(st.none(), st.integers(1, 24).map(lambda m: m * 5))
book_op = st.tuples(
    st.just("book"),
    st.integers(0, 2),
    st.integers(0, 1),
    st.integers(0, 2),
    st.sampled_from([None, 0, 1]),
    days,
    minutes,
    lengths,
    overrides,
)
move_op = st.tuples(
    st.just("move"),
    st.integers(0, 50),
    st.one_of(st.none(), st.integers(0, 1)),
    st.sampled_from(["keep", None, 0, 1]),
    days,
    minutes,
    lengths,
    overrides,
)
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 50))
status_op = st.tuples(
    st.just("status"),
    st.integers(0, 50),
    st.sampled_from(["confirmed", "arrived", "no_show", "in_room", "completed"]),
)
operations = st.lists(
    st.one_of(book_op, book_op, move_op, cancel_op, status_op), min_size=4, max_size=14
)


def attempt_book(env: Env, op: tuple[Any, ...]) -> None:
    _, patient, provider, service, room, day, minute, length, override = op
    start = local(day, minute)
    duration = timedelta(minutes=length or SERVICES[service][0])
    spot = Spot(
        None,
        env.patients[patient],
        env.providers[provider],
        env.services[service],
        None if room is None else env.rooms[room],
        start,
        start + duration,
    )
    expected = oracle(env, spot, [s for s, _ in active(env)])
    kwargs = dict(
        patient_id=spot.patient,
        provider_id=spot.provider,
        service_id=spot.service,
        room_id=spot.room,
        start=start,
        end=None if length is None else spot.end,
    )
    settle(
        env,
        expected,
        override,
        lambda ctx, reason: booking.book(ctx[0], ctx[1], override_reason=reason, **kwargs),
    )


def pick_appointment(env: Env, pick: int) -> Appointment | None:
    """The ``pick``-th appointment ever booked (counting round), or None before any."""
    with env.db.read() as s:
        every = s.scalars(select(Appointment).order_by(Appointment.created_at, Appointment.id))
        every = list(every)
    return every[pick % len(every)] if every else None


def attempt_move(env: Env, op: tuple[Any, ...]) -> None:
    _, pick, provider, room, day, minute, length, override = op
    appt = pick_appointment(env, pick)
    if appt is None:
        return
    start = local(day, minute)
    end = start + (timedelta(minutes=length) if length else appt.end_utc - appt.start_utc)
    new_room = appt.room_id if room == "keep" else (None if room is None else env.rooms[room])
    new_provider = appt.provider_id if provider is None else env.providers[provider]
    spot = Spot(appt.id, appt.patient_id, new_provider, appt.service_id, new_room, start, end)
    if appt.status in ("cancelled", "no_show", "completed"):
        with pytest.raises(IllegalTransition), env.db.write() as s:
            booking.reschedule(s, env.desk, appt.id, start=start)
        return
    expected = oracle(env, spot, [s for s, _ in active(env)])
    settle(
        env,
        expected,
        override,
        lambda ctx, reason: booking.reschedule(
            ctx[0],
            ctx[1],
            appt.id,
            start=start,
            end=end,
            provider_id=None if provider is None else new_provider,
            room_id=booking.KEEP if room == "keep" else new_room,
            override_reason=reason,
        ),
    )


def settle(env: Env, expected: set[str], override: bool, call: Any) -> None:
    """Run ``call`` and check it did what the oracle says it must."""
    ctx = env.manager if override else env.desk
    try:
        with env.db.write() as s:
            appt = call((s, ctx), "manager's call" if override else None)
            overridden = booking.is_overridden(appt)
    except ConflictError as exc:
        assert not override, "an override is never refused for a conflict"
        assert {c.kind for c in exc.conflicts} == expected
        event("refused")
        return
    assert expected == set() or override, f"accepted despite {expected}"
    assert overridden == bool(expected)
    event("overridden" if overridden else "accepted")


def attempt_cancel(env: Env, op: tuple[Any, ...]) -> None:
    change_status(
        env,
        op[1],
        "cancelled",
        lambda s, appt_id: booking.cancel(s, env.desk, appt_id, "changed plans"),
    )


def attempt_status(env: Env, op: tuple[Any, ...]) -> None:
    change_status(
        env, op[1], op[2], lambda s, appt_id: booking.set_status(s, env.desk, appt_id, op[2])
    )


def change_status(env: Env, pick: int, status: str, call: Any) -> None:
    """Run ``call`` on a picked appointment; refused exactly when the move is illegal."""
    appt = pick_appointment(env, pick)
    if appt is None:
        return
    try:
        with env.db.write() as s:
            call(s, appt.id)
    except IllegalTransition:
        assert not lifecycle.can_move(appt.status, status)


def check_invariants(env: Env) -> None:
    clean = [spot for spot, overridden in active(env) if not overridden]
    for spot in clean:
        assert oracle(env, spot, []) == set(), "an accepted appointment breaks the hours"
    for a, b in itertools.combinations(clean, 2):
        (alo, ahi), (blo, bhi) = _padded(env, a), _padded(env, b)
        if alo < bhi and blo < ahi:
            assert a.provider != b.provider
            assert a.patient != b.patient
            assert a.room is None or a.room != b.room
    with env.db.read() as s:
        assert audit.verify(s).ok


def reset(env: Env) -> None:
    with env.db.write() as s:
        # The log goes on: emptied, it would no longer begin with the clinic's creation
        # nor cover the catalogue, and verify would rightly call that tampering.
        s.execute(delete(Appointment))


PROPS = settings(
    max_examples=35,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPS
@given(ops=operations)
def test_random_bookings_keep_the_rules(env: Env, ops: list[tuple[Any, ...]]) -> None:
    reset(env)
    actions = {
        "book": attempt_book,
        "move": attempt_move,
        "cancel": attempt_cancel,
        "status": attempt_status,
    }
    for op in ops:
        actions[op[0]](env, op)
    check_invariants(env)


@PROPS
@given(
    ops=st.lists(book_op, max_size=8),
    service=st.integers(0, 2),
    provider=st.one_of(st.none(), st.integers(0, 1)),
    day=st.integers(0, 5),
    minute=minutes,
    patient=st.integers(0, 2),
)
def test_offered_slots_are_free(
    env: Env,
    ops: list[tuple[Any, ...]],
    service: int,
    provider: int | None,
    day: int,
    minute: int,
    patient: int,
) -> None:
    reset(env)
    for op in ops:
        attempt_book(env, op)
    with env.db.read() as s:
        found = slots.find_slots(
            s,
            env.desk,
            service_id=env.services[service],
            start_from=local(day, minute),
            provider_id=None if provider is None else env.providers[provider],
            patient_id=env.patients[patient],
            count=6,
            horizon_days=14,
        )
    current = [spot for spot, _ in active(env)]
    for slot in found:
        spot = Spot(
            None,
            env.patients[patient],
            slot.provider_id,
            env.services[service],
            None,
            slot.start,
            slot.end,
        )
        assert oracle(env, spot, current) == set()
        assert slot.start >= local(day, minute)
    assert found == sorted(found, key=lambda x: (x.start, env.providers.index(x.provider_id)))

"""Planning in a dispatch round looks only at what changed (``reminders.planscope``), and
the first planning is done in one round, in short transactions: what it writes is what
planning everything would write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from reminderclinic import Clinic, at, make

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.journal import changefeed
from receptionist.models import Appointment
from receptionist.ops import patients as patient_ops
from receptionist.ops import templates
from receptionist.patients import commlog
from receptionist.reminders import config, dispatch, planscope
from receptionist.reminders import plan as planning
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic


def _spy(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[int]]:
    """The appointments each plan looked at, and the rows each plan call wrote (the
    functions themselves run unchanged)."""
    looked: list[str] = []
    written: list[int] = []
    one, plan = planning._one, planning.plan

    def looking(appt: Any, *args: Any) -> None:
        looked.append(appt.id)
        one(appt, *args)

    def counting(*args: Any, **kwargs: Any) -> planning.Planned:
        done = plan(*args, **kwargs)
        written.append(done.added)
        return done

    monkeypatch.setattr(planning, "_one", looking)
    monkeypatch.setattr(dispatch, "plan", counting)
    return looked, written


def _planning_everything_changes_nothing(clinic: Clinic) -> None:
    """A plan of every appointment (no memo) finds nothing to add or withdraw: the
    rounds' plans left what planning everything would have."""
    with clinic.db.write() as s:
        done = planning.plan(s, clinic.clock.now(), config.load(s))
    assert (done.added, done.withdrawn) == (0, 0)


def test_a_round_plans_what_changed_and_the_first_planning_in_one_round(
    db: Database, ctx: Ctx, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic = make(db, ctx, clock)
    patients = [clinic.patient(n) for n in range(3)]
    booked = [clinic.book(patients[n % 3], at(1 + n // 3, 9 + n)) for n in range(6)]
    monkeypatch.setattr(planning, "MAX_ADDS", 4)  # several batches for six appointments
    looked, written = _spy(monkeypatch)
    run: Callable[[], dispatch.Round] = lambda: dispatch.run(db, clock, {})  # noqa: E731

    first = run()  # a confirmation, a 24h and a 2h reminder each: 24h of the first passed
    assert first.planned == 17 and sorted(set(looked)) == sorted(booked)
    assert written == [5, 6, 6], "three transactions, each stopped once past MAX_ADDS rows"
    _planning_everything_changes_nothing(clinic)

    looked.clear()
    clock.advance(minutes=1)
    assert run().planned == 0 and looked == [], "nothing changed: nothing planned again"

    clinic.move(booked[4], at(2, 16))
    clock.advance(minutes=1)
    moved = run()
    assert looked == [booked[4]], "only the moved appointment"
    assert (moved.planned, moved.withdrawn) == (3, 2)  # 24h, 2h, a reschedule message
    _planning_everything_changes_nothing(clinic)

    looked.clear()
    with db.write() as s:  # another PC told the patient of another start (the log syncs)
        commlog.add(
            s, ctx, patients[0], channel="sms", direction="out", summary="Reminder",
            occurred_at=clock.now(), appointment_id=booked[0], appointment_start=at(1, 8),
        )  # fmt: skip
    clock.advance(minutes=1)
    assert run().planned == 1 and looked == [booked[0]]  # its reschedule message
    _planning_everything_changes_nothing(clinic)

    looked.clear()
    clinic.set(offsets="24h,2h,1h")  # the rules changed: every appointment again
    clock.advance(minutes=1)
    assert run().planned == 6 and sorted(set(looked)) == sorted(booked)
    _planning_everything_changes_nothing(clinic)

    looked.clear()
    clock.set(clock.now() - timedelta(minutes=2))  # put back: planned afresh
    assert run().planned == 0 and sorted(set(looked)) == sorted(booked)

    # Booked while this PC was off for a day, beyond the horizon (24h + a day): planned
    # when the horizon reaches it, in a round that plans nothing else.
    monkeypatch.setattr(planscope, "FULL_EVERY", timedelta(days=30))  # no hourly pass
    far = clinic.book(patients[1], at(6, 12))
    looked.clear()
    clock.advance(days=1, hours=1)
    run()
    assert far not in looked
    _planning_everything_changes_nothing(clinic)
    clock.set(at(4, 11, 30))
    run()
    looked.clear()
    clock.set(at(4, 12, 30))  # the horizon (2 days) reaches Sunday 12:00
    # Its confirmation (booked since reminders were switched on) and 24h, 2h and 1h.
    assert run().planned == 4 and looked == [far]
    _planning_everything_changes_nothing(clinic)

    # More changed than one batch writes: the round goes on with a full pass.
    two = [clinic.book(patients[n], at(5, 15 + n)) for n in (0, 1)]
    looked.clear()
    clock.advance(minutes=1)
    assert run().planned == 8 and set(looked) == {far, *two}  # 4 each
    _planning_everything_changes_nothing(clinic)


def test_what_changes_a_plan_without_a_booking_of_its_own_is_planned_in_the_next_round(
    db: Database, ctx: Ctx, clock: FixedClock, data_dir: Path
) -> None:
    """Each change below reaches planning another way than a booking, move or
    cancellation made here: after each, the very next round leaves what a plan of
    everything would (nothing for it to add or withdraw)."""
    clinic = make(db, ctx, clock)
    clinic.set(cancellation=True)
    patients = [clinic.patient(n) for n in range(3)]
    booked = [clinic.book(patients[n], at(1, 9 + n)) for n in range(3)]
    dispatch.run(db, clock, {})
    steps: dict[str, tuple[int, int]] = {}

    def step(name: str, on: Database = db) -> None:
        clock.advance(minutes=1)
        done = dispatch.run(on, clock, {})
        steps[name] = (done.planned, done.withdrawn)
        if not done.active:  # not the station: nothing planned, nothing to compare
            return
        with db.write() as s:
            full = planning.plan(s, clock.now(), config.load(s))
        assert (full.added, full.withdrawn) == (0, 0), name

    with db.write() as s, changefeed.applying(s, "PC-B"):  # another PC's move, pulled
        moved = s.get(Appointment, booked[0])
        assert moved is not None
        moved.start_utc, moved.end_utc = at(2, 10), at(2, 10, 30)
        moved.version, moved.updated_at = moved.version + 1, clock.now()
    step("pulled move")
    with db.write() as s, changefeed.applying(s, "PC-B"):  # its station told of another start
        commlog.add(
            s, ctx, patients[1], channel="sms", direction="out", summary="Reminder",
            occurred_at=clock.now(), appointment_id=booked[1], appointment_start=at(1, 8),
        )  # fmt: skip
    step("pulled told")
    clinic.set(service_rules={clinic.service: {"offsets": "3h"}})  # a service's own rules
    step("service rules")
    templates.set_template(db, ctx, "en", "sms", "reminder", "See you {time}.")
    step("template")
    other = open_clinic(data_dir)  # another connection to the file (a scheduler's)
    try:
        clinic.cancel(booked[2])
        step("round of another connection", other)
        clinic.set(station="B")  # this PC is A: not the station for a round there
        step("role lost there", other)
        clinic.set(station="")
    finally:
        other.close()
    step("role back")
    patient_ops.delete(db, ctx, patients[1])  # erased: her bookings go
    step("erasure")
    clock.set(at(1, 9, 30))  # past the first reminders' times and a booking's start
    step("time passed")
    assert steps["pulled move"] == (3, 1)  # its 24h, 2h and reschedule; the old 2h
    assert steps["pulled told"] == (1, 0)  # a reschedule message: told another start
    # The service's own 3h replaces the clinic's 24h,2h: its queued 24h and 2h reminders
    # are withdrawn (``plan.RULE_OFF``; before #14 they stayed queued and went too).
    assert steps["service rules"] == (3, 5) and steps["role back"] == (2, 0)

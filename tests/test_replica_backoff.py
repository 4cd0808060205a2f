"""The app's sync schedule: the interval after a success; after failures a wait that
doubles, with jitter, never more than five minutes (a fixed clock, a seeded random)."""

from __future__ import annotations

import random
from datetime import timedelta

from receptionist.clock import FixedClock
from receptionist.replica.backoff import CAP_SECONDS, Schedule, delay


def test_after_a_success_the_interval() -> None:
    assert delay(0, 30.0, random.Random(1)) == 30.0


def test_failures_double_the_wait_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    for failures in range(1, 40):
        step = min(CAP_SECONDS, 5.0 * 2 ** (failures - 1))
        waits = [delay(failures, 30.0, rng) for _ in range(50)]
        assert all(step / 2 <= w <= step for w in waits), failures
        assert len(set(waits)) > 1, "jittered: PCs do not all come back in the same second"
    assert max(delay(1000, 30.0, rng) for _ in range(50)) <= CAP_SECONDS


def test_the_same_seed_gives_the_same_schedule() -> None:
    def waits(seed: int) -> list[float]:
        rng = random.Random(seed)
        return [delay(n, 30.0, rng) for n in range(1, 8)]

    assert waits(3) == waits(3) and waits(3) != waits(4)


def test_a_schedule_against_a_clock(clock: FixedClock) -> None:
    plan = Schedule(clock, 30.0, random.Random(5))
    assert plan.seconds_left() == 0.0, "nothing planned: due now"
    assert plan.succeeded() == clock.now() + timedelta(seconds=30)
    clock.advance(seconds=10)
    assert plan.seconds_left() == 20.0
    first = plan.failed() - clock.now()
    second = plan.failed() - clock.now()
    third = plan.failed() - clock.now()
    assert timedelta(seconds=2.5) <= first <= timedelta(seconds=5)
    assert timedelta(seconds=5) <= second <= timedelta(seconds=10)
    assert timedelta(seconds=10) <= third <= timedelta(seconds=20)
    clock.advance(seconds=60)
    assert plan.seconds_left() == 0.0, "overdue: at once"
    plan.succeeded()
    assert plan.failures == 0 and plan.seconds_left() == 30.0

"""When the app's next sync round is due: the interval after a success, an exponential
wait with jitter after failures. Pure (no Qt, no network): a clock and a random source
are handed in, so tests drive it with a ``FixedClock`` and a seeded ``Random``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from receptionist.clock import Clock

BASE_SECONDS = 5.0  # the first wait after a failure is 2.5 to 5 seconds
CAP_SECONDS = 300.0  # never more than five minutes between two tries


def delay(
    failures: int,
    interval: float,
    rng: random.Random,
    *,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
) -> float:
    """Seconds to the next round: ``interval`` after a success; after ``failures`` in a
    row, half of ``base * 2**(failures-1)`` (at most ``cap``) plus a random part of the
    other half ("equal jitter"), so PCs that lost the network together do not all
    come back in the same second, and none waits less than half its step."""
    if failures <= 0:
        return interval
    ceiling = min(cap, base * 2.0 ** min(failures - 1, 30))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass
class Schedule:
    """The next round's time, kept against ``clock``."""

    clock: Clock
    interval: float
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0
    due: datetime | None = None
    base: float = BASE_SECONDS
    cap: float = CAP_SECONDS

    def succeeded(self) -> datetime:
        self.failures = 0
        return self._next()

    def failed(self) -> datetime:
        self.failures += 1
        return self._next()

    def _next(self) -> datetime:
        wait = delay(self.failures, self.interval, self.rng, base=self.base, cap=self.cap)
        self.due = self.clock.now() + timedelta(seconds=wait)
        return self.due

    def seconds_left(self) -> float:
        """How long until the round is due (0 when it is, or nothing was planned)."""
        if self.due is None:
            return 0.0
        return max(0.0, (self.due - self.clock.now()).total_seconds())

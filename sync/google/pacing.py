"""Quota pacing: requests spaced so one account stays within Google's per-user quota.

Google allows 600 requests a minute per user and project, counted over a sliding
minute. A bucket of :data:`BURST` requests refilled at :data:`RATE` a second (the
generic cell rate algorithm: each request is given the next free moment) never
sends more than ``BURST + RATE`` = 10 in any second, nor ``BURST + 60 * RATE`` = 482
in any minute, leaving room for retries and for the provider's own apps.
When Google still says "rate limit" (another program on the account, a stricter
limit), the rate halves, not below :data:`MIN_RATE`, and creeps back by
:data:`EASE` a second with each request that goes through. The clock and the sleep
are injected: tests and the benchmark pace in virtual time, without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

RATE = 8.0  # requests a second, at most
BURST = 2  # requests sent at once after a pause: BURST + RATE <= 10 in any second
MIN_RATE = 0.5
EASE = 0.01  # requests a second regained with each request that goes through


@dataclass
class Pacer:
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.monotonic
    rate: float = RATE  # 0: no pacing at all
    burst: int = BURST
    waited: float = 0.0  # seconds slept for pacing, in all
    ceiling: float = field(init=False)
    _free_at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.ceiling = self.rate

    def before(self) -> None:
        """Wait, if need be, for the next request's moment."""
        if self.rate <= 0:
            return
        at, gap = self.now(), 1.0 / self.rate
        earliest = at - self.burst * gap  # an idle bucket holds ``burst`` requests, no more
        self._free_at = max(self._free_at if self._free_at is not None else earliest, earliest)
        self._free_at += gap
        wait = self._free_at - at
        if wait > 0:
            self.waited += wait
            self.sleep(wait)

    def slow_down(self) -> None:
        """Google said "rate limit": half the rate, and no burst after the pause."""
        if self.rate > 0:
            self.rate = max(MIN_RATE, self.rate / 2)
            self._free_at = self.now()

    def went_through(self) -> None:
        if self.rate > 0:
            self.rate = min(self.ceiling, self.rate + EASE)


def unpaced() -> Pacer:
    """No pacing (tests of other things, where each sleep is counted)."""
    return Pacer(rate=0)

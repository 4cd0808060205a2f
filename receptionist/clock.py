"""Injected time: everything that asks "what time is it" asks a Clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests and benchmarks: it moves only when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **kwargs: float) -> datetime:
        self._at += timedelta(**kwargs)
        return self._at


class Shifted:
    """Another clock's time moved by ``by``: a PC's clock read as the endpoint's (the
    reminders' lease measures its windows in the endpoint's time; ``reminders.dispatch``)."""

    def __init__(self, clock: Clock, by: timedelta) -> None:
        self.clock, self.by = clock, by

    def now(self) -> datetime:
        return self.clock.now() + self.by

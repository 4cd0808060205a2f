"""The jobs: each a name, its work, and its trigger.

The core registers its own (``CORE``: the retention sweep and the daily backup);
front ends add theirs as ``extra`` (``sync/`` adds cloud sync, and the reminders
their dispatch), the way the CLI's ``main(argv, extra=...)`` takes the network's
commands: the core never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from receptionist.clock import Clock
from receptionist.settings.registry import Setting
from receptionist.store.storage import Database

# A job's work: bounded, argument-free beyond the database and the clock; it returns
# what it counted (numbers only: these are shown and stored, never patient data).
Work = Callable[[Database, Clock], Mapping[str, int]]
# Whether a finished run's counts say it did nothing (nothing due, not connected): the
# record keeps such runs for a shorter while than those that did something.
Quiet = Callable[[Mapping[str, int]], bool]


def counted_nothing(*standing: str) -> Quiet:
    """A run did nothing when every count but ``standing`` (counts that say how things
    stand, such as ``connected`` or ``active``, not what was done) is 0."""

    def quiet(counts: Mapping[str, int]) -> bool:
        return not any(n for kind, n in counts.items() if kind not in standing)

    return quiet


@dataclass(frozen=True)
class Every:
    """Due when ``minutes`` have passed since the last run began."""

    minutes: int

    def describe(self) -> str:
        return f"every {self.minutes} min"


@dataclass(frozen=True)
class Daily:
    """Due once a day, from the hour (clinic time) that ``hour`` (a whole-number
    clinic setting, 0-23) says."""

    hour: Setting

    def describe(self) -> str:
        return f"daily at {self.hour.key}"


Trigger = Every | Daily


@dataclass(frozen=True)
class Job:
    name: str
    work: Work
    trigger: Trigger
    # How long a runner's claim holds if it dies without letting go.
    lease_minutes: int = 60
    # Whether a run's counts say it did nothing (``runner.KEEP_RUNS``).
    quiet: Quiet = field(default=counted_nothing(), compare=False)


def registry(core: Iterable[Job], extra: Iterable[Job] = ()) -> tuple[Job, ...]:
    """``core`` then ``extra``; a name used twice is a bug, found here."""
    jobs = (*core, *extra)
    names = [job.name for job in jobs]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise ValueError(f"job names used twice: {', '.join(doubled)}")
    return jobs


def named(jobs: Iterable[Job], name: str) -> Job | None:
    return next((job for job in jobs if job.name == name), None)

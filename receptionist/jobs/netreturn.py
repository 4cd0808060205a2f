"""The network coming back: which jobs run at once, and how often at most.

Issue #14 asks for cloud and Google sync "every few minutes and when the network
returns"; reminders waiting for the network go out then too. The app hears of it from
the platform (``ui/cloudsync/network.py``: Qt's reachability), the headless service
looks at the network at each of its wake-ups (``sync/service.py``); both ask this
module which jobs to run (:func:`on_return`) and whether to run them now
(:class:`NetworkReturn`: reachability may flap, so not twice within ``BACK_GAP``
seconds), and run them through :func:`run_back`: before the reminders' round, the
messages whose last try never reached the provider are made due now
(``dispatch.network_back``: their next try cleared, so a PC whose clock is ahead of
the endpoint's does not wait), not left to their next try up to 15 minutes on; those a
provider asked to wait (a rate limit, its Retry-After) keep waiting. The jobs are named,
not imported: they are the network's (``sync/jobs.py``), which the core never imports.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from receptionist.clock import Clock
from receptionist.jobs.registry import Job
from receptionist.jobs.runner import Ran, Runner
from receptionist.reminders import dispatch
from receptionist.store import lookcopy
from receptionist.store.storage import Database

# The jobs that run at once when the network returns, in the registry's order (cloud
# sync first: what it pulls may change what the others send).
DISPATCH = "reminders.dispatch"
ON_RETURN = frozenset({"cloud.sync", DISPATCH, "google.sync"})
BACK_GAP = 10.0  # seconds: a return within this of the last one runs nothing


def on_return(jobs: Iterable[Job]) -> tuple[Job, ...]:
    """The jobs of ``jobs`` that run when the network returns, in their order."""
    return tuple(job for job in jobs if job.name in ON_RETURN)


def run_back(runner: Runner, db: Database, clock: Clock, names: Iterable[str]) -> list[Ran]:
    """Run the jobs ``names`` (:func:`on_return`'s) now, the network being back, one
    after the other: what each did (none for a job another runner holds). The
    reminders waiting for the network go in this very round."""
    ran = []
    for name in names:
        if name == DISPATCH:
            lookcopy.refuse(db.path.parent, lookcopy.NO_JOBS)  # a copy to look at: no write
            # Due at once, whatever the round's time (the endpoint's): this PC's time
            # is only the change's (``dispatch.network_back``).
            dispatch.network_back(db, clock.now())
        done = runner.run_now(db, clock, name)
        if done is not None:
            ran.append(done)
    return ran


class NetworkReturn:
    """Decides when the network's return runs the jobs: on a platform's "back" signal
    (:meth:`back`) or on a look that finds it up after a look that found it down
    (:meth:`seen`); never twice within ``gap`` seconds of ``monotonic`` time."""

    def __init__(
        self, monotonic: Callable[[], float] = time.monotonic, gap: float = BACK_GAP
    ) -> None:
        self.monotonic, self.gap = monotonic, gap
        self._ran_at: float | None = None
        self._up: bool | None = None  # at the last look; None: not looked yet

    def back(self) -> bool:
        """The network is back: whether to run the jobs now (not within the gap)."""
        now = self.monotonic()
        if self._ran_at is not None and now - self._ran_at < self.gap:
            return False
        self._ran_at = now
        return True

    def seen(self, up: bool) -> bool:
        """A look at the network found it ``up`` (or not): whether it has just come
        back, and the jobs run now. The first look only notes the state (the first
        tick runs what is owed anyway)."""
        was, self._up = self._up, up
        return was is False and up and self.back()

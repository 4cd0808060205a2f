"""The network coming back: which jobs run at once, and how often at most.

Issue #14 asks for cloud and Google sync "every few minutes and when the network
returns"; reminders waiting for the network go out then too. The app hears of it from
the platform (``ui/cloudsync/network.py``: Qt's reachability), the headless service
looks at the network at each of its wake-ups (``sync/service.py``); both ask this
module which jobs to run (:func:`on_return`) and whether to run them now
(:class:`NetworkReturn`: reachability may flap, so not twice within ``BACK_GAP``
seconds). The jobs are named, not imported: they are the network's (``sync/jobs.py``),
which the core never imports.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from receptionist.jobs.registry import Job

# The jobs that run at once when the network returns, in the registry's order (cloud
# sync first: what it pulls may change what the others send).
ON_RETURN = frozenset({"cloud.sync", "reminders.dispatch", "google.sync"})
BACK_GAP = 10.0  # seconds: a return within this of the last one runs nothing


def on_return(jobs: Iterable[Job]) -> tuple[Job, ...]:
    """The jobs of ``jobs`` that run when the network returns, in their order."""
    return tuple(job for job in jobs if job.name in ON_RETURN)


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

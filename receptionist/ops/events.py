"""Following a clinic: the change feed's events and the core's reactions to them.

Any front end that stays open (the app, the headless service) calls :func:`follow`
once the clinic is open and someone is signed in; it gets back a :class:`Following`
whose :meth:`~Following.poll` it calls now and then (the app: every second, on its
database worker) to notice writes by other processes. Writes made through this
database are noticed at once, after their commit.
"""

from __future__ import annotations

from collections.abc import Callable

from receptionist.context import Ctx
from receptionist.journal.feed import Changes, Follower
from receptionist.schedule.reactions import WaitlistOffer, WaitlistReaction
from receptionist.store.storage import Database

__all__ = ["Changes", "Following", "WaitlistOffer", "follow"]


class Following:
    def __init__(self, db: Database, ctx: Callable[[], Ctx]) -> None:
        self.follower = Follower(db)
        self.reactions = [WaitlistReaction(db, ctx)]

    def poll(self) -> Changes | None:
        """Publish what other processes committed since the last look."""
        return self.follower.poll()

    def close(self) -> None:
        for reaction in self.reactions:
            reaction.close()
        self.follower.close()


def follow(db: Database, ctx: Callable[[], Ctx]) -> Following:
    """Start publishing ``db``'s changes and reacting to them; ``ctx`` gives the acting
    user (the reactions read with their permissions)."""
    return Following(db, ctx)

"""One Google sync round: queue what the change feed says, read every mapped
calendar, then push what waits. Counts come back; the state row says how it went.

A revoked token ("needs reconnect"), Google's daily quota or no network stops the
round with that status: the queue (the links) stays as it was and nothing local is
touched, so the next round carries on. Asked to stop (``run``'s ``stop``: the app
closing), the round ends before its next request (``STOPPED``): the pages read and
the pushes answered so far are written, the rest is the next round's, and the state
row keeps the last round's status (a round stopped is not one that went, or failed).
Call :func:`run` from the Google thread (``worker.on_google_thread``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from receptionist.clock import Clock
from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.google import inbound, station, steps
from receptionist.store import lookcopy
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import service
from .calls import Caller, Failed, Halted, Sleep, Stop
from .pacing import Pacer
from .pull import pull
from .push import Pushed, push

Connect = Callable[[dict[str, str]], Any]  # authorized-user info -> the Calendar service

NOT_CONNECTED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "No Google account is connected; run `receptionist google connect` first.",
    )
)


def not_station(here: station.Station) -> Text:
    if here.named:
        return Text(
            QT_TRANSLATE_NOOP(
                "core",
                "This PC ({here}) is not the Google station: PC {station} runs Google sync "
                "(the setting google.station).",
            ),
            here=here.here,
            station=here.named,
        )
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "No PC is the Google station yet: name the one that runs Google sync, like "
            "`receptionist settings set google.station {here}` to make it this one.",
        ),
        here=here.here,
    )


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    blocked: int = 0
    conflicts: int = 0
    errors: int = 0
    requests: int = 0
    retries: int = 0


STOPPED = Halted.status  # the round's status when asked to stop (never kept)


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | needs_reconnect | quota | offline | error | stopped
    counts: Counts


def run(
    db: Database,
    clock: Clock,
    *,
    connect: Connect = service.build,
    sleep: Sleep = time.sleep,
    pacer: Pacer | None = None,
    stop: Callable[[], bool] | None = None,
) -> Outcome:
    """One round; ``pacer`` spaces the requests (default: :class:`Pacer` with ``sleep``).
    Refused in a copy restored to look at (``store/lookcopy.py``). ``stop`` is asked
    before each request (``calls.Caller``): once it says so, the round ends there
    (:data:`STOPPED`)."""
    lookcopy.refuse(db.path.parent, lookcopy.NO_SYNC)
    ctx = Ctx(inbound.SYNC_ACTOR, clock)
    here = station.station(db)
    if not here.is_here:
        raise ValidationError("google.station", not_station(here))
    begun = steps.begin(db, clock)
    if not begun.credentials:
        raise ValidationError("google", NOT_CONNECTED)
    counts, caller, done = Counts(), Caller(sleep, pacer, stop), Pushed()
    status, error = "ok", ""
    api = None
    try:
        api = connect(service.checked_info(begun.credentials))
        events = api.events()
        for provider_id in begun.providers:
            try:
                tally = pull(db, events, caller, ctx, provider_id)
            except Failed as exc:
                counts.errors += 1
                error = str(exc)
                continue
            counts.blocked += tally.blocked
            counts.conflicts += tally.conflicts
        push(db, events, caller, clock, done)
    except Stop as exc:
        status, error = exc.status, str(exc)
    finally:
        if api is not None:
            api.close()  # the connections of this round's thread
    for name in ("created", "updated", "deleted", "conflicts", "errors"):
        setattr(counts, name, getattr(counts, name) + getattr(done, name))
    counts.requests, counts.retries = caller.requests, caller.retries
    if status != STOPPED:  # stopped: the last round's status stands
        steps.finish(db, clock, status, error, asdict(counts), begun.credentials)
    return Outcome(status, counts)


def as_json(outcome: Outcome) -> str:
    return json.dumps({"status": outcome.status, **asdict(outcome.counts)})

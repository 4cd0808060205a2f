"""The reminder station's lease through the cloud endpoint (``POST /v1/leases/reminders``;
docs/sync-protocol.md, "Leases"), as ``receptionist.reminders.dispatch`` asks for it.

Each dispatch round claims the lease for ``reminders.takeover_hours``: the named
station as the preferred holder, a stand-by as a plain one (it gets the lease only
once the station has not renewed it for that long). What the endpoint last confirmed
is remembered in this process: while the endpoint cannot be reached, the station that
held the lease keeps sending until the lease it was given runs out (nobody else can
take it before then), and any other PC sends nothing: a stand-by's lease is the
station's to take back at its first round, which a stand-by cut off cannot hear. An
endpoint older than leases (404) leaves it to the setting: the named station sends, a
stand-by does not.

The lease's times are the endpoint's: its answer says its time (``now``), and the
holder's renewal, the lease's end and the cutoff are taken from the answer as it says
them, never counted from this PC's clock; the difference between the two clocks
(``Hold.skew``) is taken from when this PC asked (the endpoint answered no earlier), so
a slow answer makes this PC's reading of the endpoint's time early, never late. An
endpoint that does not say its time (older than session 17): this PC's, the cutoff
counted back from when the answer arrived (the age was measured no earlier).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from receptionist.clock import Clock
from receptionist.context import Ctx
from receptionist.errors import ReceptionistError, UserError
from receptionist.ops import reminders, replica
from receptionist.reminders import handover
from receptionist.reminders.settings import TAKEOVER_HOURS
from receptionist.reminders.station import Hold
from receptionist.safelog import describe
from receptionist.settings import registry
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import cloud
from .client import Client, Refused
from .round import Unreachable

log = logging.getLogger("receptionist.sync")  # under the logged one (cli.log, app.log)
NAME = "reminders"


@dataclass(frozen=True)
class _Known:
    renewed: datetime  # the endpoint's time of the renewal it granted (``Hold.skew``)
    until: datetime  # the endpoint's time when that lease runs out
    holder: str
    cutoff: datetime | None
    preferred: bool  # claimed as the station: no other PC takes it before ``until``
    skew: timedelta  # the endpoint's time less this PC's
    doubted: datetime | None = None  # ``Hold.doubted``


@dataclass(frozen=True)
class Seen:
    """Who held the lease when the endpoint last said (``code`` "": nobody); ``name``
    is that device's name as it joined the clinic; ``here``: this PC. No patient data."""

    code: str
    name: str
    here: bool
    at: datetime  # this PC's time of the answer


_known: dict[str, _Known] = {}  # by the clinic file's path
_seen: dict[str, Seen] = {}  # by the clinic file's path: what the status bar shows
_lock = threading.Lock()
PEEK_EVERY = timedelta(minutes=5)  # a PC that does not claim asks who holds it this often


def seen(db: Database) -> Seen | None:
    """Who this process last heard holds the lease (None: never asked, or no cloud)."""
    with _lock:
        return _seen.get(str(db.path))


def sending(heard: Seen | None) -> bool | None:
    """Whether this PC sends, by what was last heard of the lease, for
    ``reminders.status`` (None: not known, or no holder heard of: the settings decide)."""
    return heard.here if heard is not None and heard.code else None


def _note(key: str, answer: dict[str, object], at: datetime) -> None:
    holder = answer.get("holder")
    if isinstance(holder, dict):
        code, name = str(holder.get("code", "")), str(holder.get("name") or "")
    else:
        code, name = "", ""
    with _lock:
        _seen[key] = Seen(code, name or code, bool(answer.get("held")), at)


class EndpointLease:
    """``station.Lease`` through this PC's endpoint."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self.key = str(db.path)

    def __call__(self, preferred: bool, ttl: timedelta) -> Hold:
        asked = self.clock.now()
        try:
            with cloud.client_for(self.db) as client:
                answer = client.lease(NAME, int(ttl.total_seconds()), preferred=preferred)
        except Refused as exc:
            if _status(exc) == 404:  # an endpoint older than leases: the setting decides
                return Hold(preferred, "", None, "" if preferred else "no_lease")
            log.info("the reminders' lease was refused: %s", describe(exc))
            return self._remembered(asked)
        except (Unreachable, ReceptionistError) as exc:
            log.info("the reminders' lease could not be claimed: %s", describe(exc))
            return self._remembered(asked)
        return self._keep(answer, asked, preferred)

    def release(self) -> None:
        """Let go of the lease if this PC holds it (the station was renamed away: the
        new one need not wait for it to run out); never raises for the network (it
        runs out all the same)."""
        now = self.clock.now()
        with _lock:
            _known.pop(self.key, None)
        try:
            with cloud.client_for(self.db) as client:
                answer = client.lease(NAME, 60, release=True)
        except (Refused, Unreachable, ReceptionistError) as exc:
            log.info("the reminders' lease could not be let go of: %s", describe(exc))
            return
        _note(self.key, answer, now)

    def let_go(self) -> None:
        """Let go of the lease if this PC was last heard to hold it (asked again if
        that was over ``PEEK_EVERY`` ago): once a round at most, not a release each."""
        heard = self.peek(unless_newer_than=PEEK_EVERY)
        if heard is not None and heard.here:
            self.release()

    def peek(self, *, unless_newer_than: timedelta | None = None) -> Seen | None:
        """Ask who holds the lease, claiming nothing (a PC that does not send), unless
        an answer newer than ``unless_newer_than`` is known; never raises for the
        network (what was known stays)."""
        now = self.clock.now()
        known = seen(self.db)
        if known is not None and unless_newer_than and now - known.at < unless_newer_than:
            return known
        try:
            with cloud.client_for(self.db) as client:
                answer = client.lease_holder(NAME)
        except (Refused, Unreachable, ReceptionistError) as exc:
            log.info("the reminders' lease holder could not be asked: %s", describe(exc))
            return known
        _note(self.key, answer, now)
        return seen(self.db)

    def _keep(self, answer: dict[str, object], asked: datetime, preferred: bool) -> Hold:
        return _kept(self.key, self.clock, answer, asked, preferred)

    def _remembered(self, now: datetime) -> Hold:
        with _lock:
            known = _known.get(self.key)
        # Only the station's: the station takes a stand-by's lease back at once (the
        # endpoint's ``preferred``), and a stand-by cut off would not hear it. Its end
        # is the endpoint's time: read there with the difference last heard.
        if known is not None and known.preferred and now + known.skew < known.until:
            return Hold(
                True, known.holder, known.cutoff, renewed=known.renewed, until=known.until,
                skew=known.skew, doubted=known.doubted,
            )  # fmt: skip
        return Hold(False, "", None, "lease_unreachable")


def _kept(
    key: str, clock: Clock, answer: dict[str, object], asked: datetime, preferred: bool
) -> Hold:
    """The endpoint's ``answer`` to a claim asked at ``asked`` (this PC's time), kept in
    this process for the clinic file ``key`` (``seen``, and what the endpoint confirmed:
    ``EndpointLease._remembered``): the lease as this PC holds it now. No database."""
    _note(key, answer, asked)
    holder = answer.get("holder")
    code = str(holder.get("code", "")) if isinstance(holder, dict) else ""
    said = _when(answer.get("now"))
    if not answer.get("held") or not isinstance(holder, dict):
        with _lock:
            _known.pop(key, None)
        if not code or not isinstance(holder, dict):
            return Hold(False, code, None, "")
        # A stand-by's round watches the holder's renewal on the endpoint's time too.
        skew = said - asked if said is not None else timedelta(0)
        return Hold(False, code, None, "lease_elsewhere", renewed=_time(holder), skew=skew)
    renewed, until = _when(holder.get("renewed_at")), _when(holder.get("expires_at"))
    if said is not None and renewed is not None and until is not None:
        now, skew = said, said - asked  # the endpoint's time, as it said it
    else:  # an endpoint that does not say its time: this PC's
        now, skew = clock.now(), timedelta(0)  # the answer's arrival
        left = until - renewed if renewed is not None and until is not None else None
        renewed, until = asked, asked + (left or timedelta(0))
    age = answer.get("handover_age_seconds")
    cutoff = doubted = None
    if isinstance(age, int | float):
        # The previous holder's round may still have been sending a minute after
        # it renewed: what was due up to then is its own too.
        cutoff = now - timedelta(seconds=float(age)) + handover.SENDING_AFTER
        doubted = _doubted(answer.get("forced"), cutoff) if said is not None else None
    with _lock:
        _known[key] = _Known(renewed, until, code, cutoff, preferred, skew, doubted)
    return Hold(True, code, cutoff, renewed=renewed, until=until, skew=skew, doubted=doubted)


@dataclass(frozen=True)
class Taken:
    """A person's "take over now" done: the device whose lease it ended (code "": the
    lease was free, or this PC's already) and the endpoint's time of it."""

    from_code: str
    from_name: str
    at: datetime


OLD_ENDPOINT = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The cloud endpoint must be updated to take over now: it does not know this "
        "request. Nothing was taken over; this PC sends once the old station's lease runs "
        "out ({setting}).",
    ),
    setting=registry.where(TAKEOVER_HOURS),
)
NOT_REACHED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The cloud endpoint could not be reached, so nothing was taken over. Check this "
        "PC's network and try again.",
    )
)


@dataclass(frozen=True)
class Asking:
    """What a take-over asks the endpoint, read from the clinic file (``prepare``): the
    file it is for (what this process keeps of the lease is by it), the endpoint's
    address, this PC's device token (never shown), the CA file to trust, the lease's
    length and who asks. The network part (``force``) needs no database."""

    key: str
    url: str
    token: str = field(repr=False)
    ca: str
    ttl: timedelta
    by: str


def prepare(db: Database, ctx: Ctx) -> Asking:
    """A take-over's checks and what it asks with, read from the file (the app: on the
    database worker). Refused (nothing asked) for another role, on a PC that is not the
    station, in a copy restored to look at (``reminders.may_take_over``), and on a PC
    not connected to a cloud (``replica.endpoint``)."""
    asks = reminders.may_take_over(db, ctx)
    url, token = replica.endpoint(db)
    return Asking(str(db.path), url, token, replica.ca_file(), asks.lease, asks.by)


def force(asking: Asking, clock: Clock) -> Taken:
    """The endpoint ends the holder's lease now and gives it to this PC (``force``),
    what fell due before now being the old holder's (the cutoff; what fell due after its
    last renewal it may or may not have sent: "unknown", for a person, ``Hold.doubted``,
    ``dispatch._leave``). The network only, no database (the app runs it off the
    database worker: a slow endpoint holds no other work up). Refused by an endpoint out
    of reach or older than ``force`` (``UserError``, nothing taken)."""
    asked = clock.now()
    try:
        with Client(
            asking.url, asking.token, ca_file=Path(asking.ca) if asking.ca else None
        ) as client:
            before = client.lease_holder(NAME)  # a stand-by's or lapsed: no force needed
            answer = client.lease(
                NAME, int(asking.ttl.total_seconds()), preferred=True, force_by=asking.by
            )
    except Refused as exc:
        log.info("the reminders' lease could not be taken over: %s", describe(exc))
        if _status(exc) in (404, 422):  # older than leases, or than ``force``
            raise UserError(OLD_ENDPOINT) from None
        raise
    except (Unreachable, ReceptionistError) as exc:
        log.info("the reminders' lease could not be taken over: %s", describe(exc))
        raise UserError(NOT_REACHED) from None
    if not _kept(asking.key, clock, answer, asked, True).held:
        # An endpoint that knows ``force`` always gives the lease; an older one ignored
        # it and left the lease with the station holding it.
        raise UserError(OLD_ENDPOINT)
    forced = answer.get("forced")
    if isinstance(forced, dict) and forced.get("at") == answer.get("now"):  # by this claim
        code, name = str(forced.get("from_code", "")), str(forced.get("from_name") or "")
        at = _when(forced.get("at")) or asked
    else:  # free, lapsed, a stand-by's (taken as the station takes it), or this PC's
        held = before.get("holder")
        other = isinstance(held, dict) and not before.get("held")
        code = str(held.get("code", "")) if isinstance(held, dict) and other else ""
        name = str(held.get("name") or "") if isinstance(held, dict) and other else ""
        at = _when(answer.get("now")) or asked
    return Taken(code, name or code, at)


def record(db: Database, ctx: Ctx, taken: Taken) -> Taken:
    """A take-over the endpoint granted, audited with the device it was taken from (the
    app: on the database worker)."""
    reminders.record_take_over(db, ctx, taken.from_code)
    return taken


def take_over(db: Database, ctx: Ctx) -> Taken:
    """An administrator on the named reminder station says the old one is off: its
    checks (``prepare``), the endpoint's ``force`` (``force``), the audit (``record``),
    one after the other (the command line's; the app runs the network part apart)."""
    return record(db, ctx, force(prepare(db, ctx), ctx.clock))


def _doubted(forced: object, cutoff: datetime) -> datetime | None:
    """A lease taken by a person's "take over now": the old holder's last renewal before
    it as the endpoint said it (``forced.renewed_at``), a minute after, as ``cutoff``
    is: what that holder answered for after it, up to the cutoff (the force), it may
    or may not have sent (``Hold.doubted``). None: not forced, or said by an endpoint
    older than session 18 (nothing known: the force is the cutoff, as it was)."""
    if not isinstance(forced, dict):
        return None
    renewed = _when(forced.get("renewed_at"))
    if renewed is None:
        return None
    doubted = renewed + handover.SENDING_AFTER
    return doubted if doubted < cutoff else None


def _time(holder: dict[str, object]) -> datetime | None:
    """The holder's last renewal as the endpoint said it (None: not said, or not a time)."""
    return _when(holder.get("renewed_at"))


def _when(said: object) -> datetime | None:
    """A time the endpoint said (None: not said, or not a time; UTC where it names no
    zone)."""
    if not isinstance(said, str):
        return None
    try:
        at = datetime.fromisoformat(said)
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _status(exc: Refused) -> int | None:
    said = exc.args[0] if exc.args else None
    status = said.params.get("status") if isinstance(said, Text) else None
    return status if isinstance(status, int) else None


def forget() -> None:
    """Forget what the endpoint confirmed (tests: a PC restarted)."""
    with _lock:
        _known.clear()
        _seen.clear()

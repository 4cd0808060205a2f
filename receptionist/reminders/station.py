"""Only the reminder station sends: the PC whose device code the clinic setting
``reminders.station`` names, or, where the clinic has no cloud (one file, one PC),
this PC when the setting is empty. Every other PC plans and sends nothing.

With a cloud, sending also needs the **lease** held at the endpoint (``Lease``: the
network side is ``sync/reminderlease.py``): the station claims it every round as the
preferred holder; a PC named in ``reminders.standby`` claims it too, and gets it only
when the station has not renewed it for ``reminders.takeover_hours`` (off for a day),
until the station comes back and takes it again. A holder that took the lease from
another device leaves alone what that device answered for (``Hold.cutoff``, its last
renewal; ``handover``): the other may have sent it, and its reminder rows are its own.
What a PC sends on the lease is measured in the endpoint's time (``Hold.skew``), so
two PCs whose clocks are apart do not both send what falls due near a cutoff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from receptionist.patients import numbering
from receptionist.patients.numbering import this_code


def is_station(session: Session, named: str) -> bool:
    """This PC sends (the rule is every station's: ``numbering.is_station``)."""
    return numbering.is_station(session, named)


Role = Literal["station", "standby", "none"]


def role(session: Session, named: str, standby: str) -> Role:
    """Whether this PC sends as the station, stands by (with a cloud only), or not."""
    return place(session, named, standby)[0]


def place(session: Session, named: str, standby: str) -> tuple[Role, bool]:
    """This PC's role and whether it syncs with a cloud, from one look at its device
    code (a dispatch round asks every minute: once, not three times)."""
    code, cloud = this_code(session)
    if numbering.runs_here(named, code, cloud):
        return "station", cloud
    codes = {c.strip().upper() for c in standby.split(",") if c.strip()}
    return ("standby" if cloud and code in codes else "none"), cloud


@dataclass(frozen=True)
class Hold:
    """What the endpoint said of the lease. ``holder``: the code of the PC holding it
    ("" nobody, or unknown: ``reason`` "unreachable"); ``cutoff`` (this PC holds it,
    taken from another): messages due up to then were the other's. Times are the
    endpoint's (``skew``): PCs whose clocks are minutes apart still agree on them."""

    held: bool
    holder: str = ""
    cutoff: datetime | None = None
    reason: str = ""
    # The holder's last renewal. Another PC's: a stand-by tells from it whether the
    # holder is still renewing (``handover.watch``). This PC's own, the one the endpoint
    # last granted it, with ``until``, when that lease runs out (the same while the
    # endpoint is out of reach and the station sends on what it remembers): what this
    # PC may send is bounded by them (``dispatch._sends_until``).
    renewed: datetime | None = None
    until: datetime | None = None
    # The endpoint's time less this PC's, as the answer said it: a round adds it to its
    # clock, so its windows are the endpoint's too (zero: an endpoint that does not say
    # its time; then the times above are this PC's).
    skew: timedelta = timedelta(0)
    # Taken by a person's "take over now" (``cutoff``: the force): the old holder's last
    # renewal before it, a minute after (the endpoint's time). What it answered for
    # after this and up to the cutoff, it may or may not have sent (``handover``).
    doubted: datetime | None = None


class Lease(Protocol):
    def __call__(self, preferred: bool, ttl: timedelta) -> Hold:
        """Claim (or renew) the lease for ``ttl``; never raises for the network."""
        ...

    def let_go(self) -> None:
        """This PC neither sends nor stands by (the clinic named another station): let
        go of the lease if it still holds it, so the new station need not wait for it
        to run out; never raises for the network."""
        ...

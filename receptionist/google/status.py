"""How Google sync stands, for the status bar and ``google status``: connected or
not, the last round, what waits, and what the desk has to decide; on the other PCs,
the state the Google station shared (``shared``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.models import GoogleLink, GoogleState
from receptionist.schedule.clinic import clinic_id
from receptionist.settings import secretstore
from receptionist.settings.google import CREDENTIALS
from receptionist.store.storage import Database

from . import calendars, outbox
from . import shared as sharing
from . import station as stations


@dataclass(frozen=True)
class Decision:
    """An appointment the desk has to decide on: ``kind`` deleted_in_google (cancel
    it, or put the event back) or moved_in_google (move it to Google's time, or not)."""

    appointment_id: str
    kind: str
    proposed_start: datetime | None
    proposed_end: datetime | None


@dataclass(frozen=True)
class GoogleStatus:
    connected: bool
    status: str  # never | connected | ok | needs_reconnect | quota | offline | error
    last_error: str
    last_round_at: datetime | None
    last_counts: dict[str, int]
    calendars: list[calendars.Mapping]
    waiting: int
    decisions: list[Decision] = field(default_factory=list)
    account: str = ""  # the connected account's address, when known
    station: stations.Station = field(default_factory=lambda: stations.Station("", "", False))
    shared: sharing.Shared | None = None  # the station's state, when it is another PC


def credentials(session: Session) -> str | None:
    """The connected account's authorized-user JSON, or None."""
    namespace = clinic_id(session)
    return secretstore.read(session, namespace, CREDENTIALS) if namespace else None


def linked(row: GoogleState | None) -> bool:
    """An account is connected here, as the state row caches it (connect, disconnect
    and each round write it): no keychain read, so the status bar may ask every minute."""
    return row is not None and row.status != calendars.NOT_CONNECTED


@dataclass(frozen=True)
class Brief:
    """What the status bar says: cheap to read every minute, and no secret read."""

    connected: bool
    status: str
    last_round_at: datetime | None
    mapped: bool  # a provider is mapped to a calendar
    station: stations.Station
    shared: sharing.Shared | None = None  # the station's state, when it is another PC


def brief(db: Database) -> Brief:
    with db.read() as s:
        row = s.get(GoogleState, 1)
        return Brief(
            connected=linked(row),
            status=row.status if row else "never",
            last_round_at=row.last_round_at if row else None,
            mapped=bool(calendars.calendar_of(s)),
            station=stations.of(s),
            shared=sharing.of(s),
        )


def status(db: Database) -> GoogleStatus:
    with db.read() as s:
        row = s.get(GoogleState, 1)
        waiting = len(outbox.work(s)) if row is not None else 0
        flagged = s.scalars(
            select(GoogleLink)
            .where(GoogleLink.state.in_(("deleted_in_google", "moved_in_google")))
            .order_by(GoogleLink.updated_at)
        )
        decisions = [
            Decision(f.appointment_id, f.state, f.proposed_start, f.proposed_end) for f in flagged
        ]
        kept = credentials(s)
        return GoogleStatus(
            connected=bool(kept),
            status=row.status if row else "never",
            last_error=row.last_error if row else "",
            last_round_at=row.last_round_at if row else None,
            last_counts=json.loads(row.last_counts) if row else {},
            calendars=calendars.mappings(s),
            waiting=waiting,
            decisions=decisions,
            account=account_of(kept),
            station=stations.of(s),
            shared=sharing.of(s),
        )


def account_of(kept: str | None) -> str:
    """The account's address as kept with its credentials ("" when unknown)."""
    try:
        found = json.loads(kept) if kept else None
    except ValueError:
        return ""
    account = found.get("account") if isinstance(found, dict) else None
    return account if isinstance(account, str) else ""

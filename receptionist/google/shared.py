"""The Google station's state, shared with the clinic's other PCs through cloud sync.

Google's own state (the link, the tokens, the last round) is local to the station's
file. So that the other PCs can show how it stands, the station writes a small record
into the clinic setting ``google.shared`` (kept by the app itself, synced like every
clinic setting): its code, whether an account is connected, the last round's status
and time, and its counts. Never patient data, the account, its tokens or an error's
text.

It is written after a round and when the link changes (connected, disconnected), and
only where there are other PCs to read it (the station syncs with a cloud). A quiet
round (same status and counts as shared) is shared at most every
:data:`QUIET_MINUTES`, so an idle clinic's audit log and sync do not grow every five
minutes; the time shown elsewhere is then up to that old.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import GoogleState
from receptionist.settings import clinicstore
from receptionist.settings.google import SHARED, SHARED_COUNTS

from . import station as stations

QUIET_MINUTES = 30
CHANGES = ("created", "updated", "deleted", "blocked")


@dataclass(frozen=True)
class Shared:
    station: str  # the code of the PC that wrote it
    connected: bool
    status: str  # as ``GoogleStatus.status``
    last_round_at: datetime | None
    counts: dict[str, int]

    @property
    def changes(self) -> int:
        """Events created, updated, deleted in Google and blocked time read from it."""
        return sum(self.counts.get(name, 0) for name in CHANGES)

    @property
    def errors(self) -> int:
        return self.counts.get("errors", 0)

    def as_value(self) -> dict[str, object]:
        at = self.last_round_at.isoformat() if self.last_round_at else None
        return {
            "station": self.station,
            "connected": self.connected,
            "status": self.status,
            "at": at,
            "counts": dict(self.counts),
        }


def from_value(value: object) -> Shared | None:
    """The record as the setting holds it (None: nothing shared yet, or unreadable)."""
    if not isinstance(value, dict) or not value:
        return None
    try:
        at = datetime.fromisoformat(value["at"]) if value["at"] else None
    except ValueError:
        return None
    counts = {str(k): int(n) for k, n in value["counts"].items()}
    return Shared(str(value["station"]), bool(value["connected"]), str(value["status"]), at, counts)


def of(session: Session) -> Shared | None:
    """The station's state, when the station is another PC and the record is its own
    (a station renamed since shows nothing until the new one shares)."""
    here = stations.of(session)
    if not here.elsewhere:
        return None
    found = from_value(clinicstore.value(session, SHARED))
    return found if found is not None and found.station == here.elsewhere else None


def share(session: Session, ctx: Ctx, connected: bool) -> bool:
    """Write this PC's Google state for the others, when this PC is the station and
    syncs with a cloud; whether it was written."""
    here = stations.of(session)
    if not (here.is_here and here.cloud):
        return False
    row = session.get(GoogleState, 1)
    made = Shared(
        station=here.here,
        connected=connected,
        status=row.status if row else "never",
        last_round_at=row.last_round_at if row else None,
        counts=_counts(row),
    )
    if _quiet(from_value(clinicstore.value(session, SHARED)), made):
        return False
    clinicstore.write(session, ctx, SHARED, made.as_value())
    return True


def _counts(row: GoogleState | None) -> dict[str, int]:
    found = json.loads(row.last_counts) if row else {}
    return {name: int(found.get(name, 0)) for name in SHARED_COUNTS}


def _quiet(old: Shared | None, new: Shared) -> bool:
    """Nothing to tell: the same state as shared, shared less than QUIET_MINUTES ago."""
    if old is None or (old.station, old.connected, old.status, old.counts) != (
        new.station, new.connected, new.status, new.counts,
    ):  # fmt: skip
        return False
    if old.last_round_at is None or new.last_round_at is None:
        return old.last_round_at == new.last_round_at
    return new.last_round_at - old.last_round_at < timedelta(minutes=QUIET_MINUTES)

"""Where this PC's network jobs go, as the database says (read for the service's
network look, ``sync/netroute.py``): the cloud endpoint this PC joined, and whether a
Google account is linked here."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.google.status import linked
from receptionist.models import GoogleState
from receptionist.ops import replica
from receptionist.store.storage import Database


@dataclass(frozen=True)
class Places:
    endpoint: str | None  # the cloud endpoint's address; None when not joined
    google: bool  # a Google account is linked on this PC


def places(db: Database) -> Places:
    """The endpoint's address (``ops.replica.status``) and whether Google is linked
    (``status.linked``: the state row, no keychain read)."""
    sync = replica.status(db)
    with db.read() as s:
        google = linked(s.get(GoogleState, 1))
    return Places(sync.server_url if sync.connected else None, google)

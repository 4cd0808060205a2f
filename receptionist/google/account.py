"""The connected Google account: kept (a secret: the keychain, or the encrypted file;
never a plain file), forgotten, and named.

What is kept is the authorized-user JSON (client id and secret, refresh token) and,
when known, the account's address (the id of its primary calendar). Connecting again
after "needs reconnect" lets the next round carry on with the queue as it was;
disconnecting keeps the mapping and the queue, so connecting again carries on too.
On the Google station, either is shared with the other PCs (``shared``).
"""

from __future__ import annotations

import json

from receptionist.context import Ctx
from receptionist.ops import settings as settings_ops
from receptionist.settings.google import CREDENTIALS
from receptionist.store.storage import Database

from . import calendars, shared
from .events import GoogleChanged
from .status import credentials

RECONNECTED = "connected"  # the state after a (re)connect, until the next round


def connect(db: Database, ctx: Ctx, info: dict[str, str]) -> None:
    """Keep ``info`` (authorized-user fields, and ``account`` if known), audited."""
    settings_ops.set_value(db, ctx, CREDENTIALS.key, json.dumps(info, sort_keys=True))
    with db.write() as s:
        row = calendars.state(s)
        if row.status == "needs_reconnect":
            row.status, row.last_error = RECONNECTED, ""
        shared.share(s, ctx, connected=True)
    db.events.publish(GoogleChanged("connected"))


def disconnect(db: Database, ctx: Ctx) -> None:
    """Forget the account here (Google keeps its grant until revoked in the account's
    security page); the mapping and what waits are kept."""
    settings_ops.set_value(db, ctx, CREDENTIALS.key, "")
    with db.write() as s:
        shared.share(s, ctx, connected=False)
    db.events.publish(GoogleChanged("disconnected"))


def kept(db: Database) -> str | None:
    """The kept authorized-user JSON (for the Google thread's calls), or None."""
    with db.read() as s:
        return credentials(s)

"""The connected Google account: kept (a secret: the keychain, or the encrypted file;
never a plain file), forgotten, and named.

What is kept is the authorized-user JSON (client id and secret, refresh token) and,
when known, the account's address (the id of its primary calendar), kept apart too so
that it outlives a disconnect. Connecting again after "needs reconnect" lets the next
round carry on with the queue as it was; disconnecting keeps the mapping and the
queue, so connecting the same account again carries on too. Connecting a different
account lets go of the mapping and the event map (the calendars were the old
account's); the appointments here are not touched.
On the Google station, either is shared with the other PCs (``shared``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import NotFound
from receptionist.models import GoogleState
from receptionist.ops import settings as settings_ops
from receptionist.schedule.clinic import clinic_id
from receptionist.settings import secretstore
from receptionist.settings.google import ACCOUNT, CREDENTIALS
from receptionist.store.storage import Database

from . import calendars, shared
from .calendars import CONNECTED, NOT_CONNECTED
from .events import GoogleChanged
from .status import account_of, credentials, linked


@dataclass(frozen=True)
class Connected:
    account: str  # the address connected ("" when Google did not say)
    previous: str  # the address connected before ("" when none was known)
    unmapped: int  # providers whose calendars were let go: they were another account's

    @property
    def switched(self) -> bool:
        """A different account than the one connected before."""
        return bool(self.account and self.previous) and self.account != self.previous


def connect(db: Database, ctx: Ctx, info: dict[str, str]) -> Connected:
    """Keep ``info`` (authorized-user fields, and ``account`` if known), audited. When
    ``account`` differs from the address connected before, the providers' mapping and
    the event map go (the old account's calendars); appointments are not touched.
    One transaction, the credentials kept last (the keychain is no part of it): a
    failure on the way leaves the old account with its mapping, and no round ever
    reads the new credentials with the old account's calendars."""
    text = str(CREDENTIALS.check(json.dumps(info, sort_keys=True)))
    now = info.get("account", "").strip().lower()
    with db.write() as s:
        namespace = clinic_id(s)
        if namespace is None:  # as the settings say it when there is no clinic yet
            raise NotFound(settings_ops.NO_CLINIC)
        done = Connected(now, _address(s), 0)
        if done.switched:
            done = Connected(now, done.previous, calendars.forget_all(s, ctx))
        row = calendars.state(s)  # what the last round said was of the old link
        row.status, row.last_error = CONNECTED, ""
        shared.share(s, ctx, connected=True)
        if now and now != done.previous:
            secretstore.write(s, ctx, namespace, ACCOUNT, now)
        secretstore.write(s, ctx, namespace, CREDENTIALS, text)
    db.events.publish(GoogleChanged("connected"))
    return done


def _address(s: Session) -> str:
    """The address connected last (kept past a disconnect), else the credentials'."""
    namespace = clinic_id(s)
    kept = secretstore.read(s, namespace, ACCOUNT) if namespace else None
    return (kept or account_of(credentials(s))).strip().lower()


def disconnect(db: Database, ctx: Ctx) -> None:
    """Forget the account here (Google keeps its grant until revoked in the account's
    security page); the mapping and what waits are kept."""
    settings_ops.set_value(db, ctx, CREDENTIALS.key, "")
    with db.write() as s:
        row = calendars.state(s)
        row.status, row.last_error = NOT_CONNECTED, ""  # the last round's time stays
        shared.share(s, ctx, connected=False)
    db.events.publish(GoogleChanged("disconnected"))


def recheck(db: Database) -> bool:
    """Whether an account is connected, as its credentials say; the state row's cached
    "connected" (what the status bar reads) is corrected when it says otherwise."""
    with db.read() as s:
        connected = bool(credentials(s))
        agrees = linked(s.get(GoogleState, 1)) == connected
    if not agrees:
        with db.write() as s:
            calendars.cache_link(s, connected)
        db.events.publish(GoogleChanged("connected" if connected else "disconnected"))
    return connected


def paused(db: Database) -> bool:
    """Whether Google refused this link's token ("needs reconnect"): the scheduled
    rounds wait for a person to connect again (which clears it), rather than ask
    Google every few minutes with a token it refused. A round a person asks for
    (``sync --google``) still tries."""
    with db.read() as s:
        row = s.get(GoogleState, 1)
        return row is not None and row.status == calendars.NEEDS_RECONNECT


def kept(db: Database) -> str | None:
    """The kept authorized-user JSON (for the Google thread's calls), or None."""
    with db.read() as s:
        return credentials(s)

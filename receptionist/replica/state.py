"""This PC's sync state, kept in its encrypted file: the endpoint, the device, the
clinic keys, how far pushes and pulls got."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.errors import UserError
from receptionist.models import SyncKey, SyncState
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .seal import ClinicKey

NOT_CONNECTED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "This PC is not connected to a cloud endpoint; run `receptionist cloud connect` "
        "(the clinic's first PC) or `receptionist join` (another PC).",
    )
)


def state(session: Session) -> SyncState | None:
    return session.get(SyncState, 1)


# A PC whose sync state is kept but not its device token: the endpoint revoked it
# (``sync.cloud.sync_once`` forgets the token then) or the keychain lost it.
NO_TOKEN = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "This PC keeps no device token for its cloud endpoint any more (the endpoint "
        "revoked it, or the keychain lost it); it keeps working alone. To sync again, "
        "an administrator makes an invitation on another PC, and this PC joins with it "
        "into a new data folder (`receptionist --data-dir NEW join`).",
    )
)


def required(session: Session) -> SyncState:
    found = state(session)
    if found is None:
        raise UserError(NOT_CONNECTED)
    return found


def keys(session: Session) -> dict[int, ClinicKey]:
    """Every generation of the clinic key this PC holds."""
    return {
        row.generation: ClinicKey(row.generation, row.key)
        for row in session.scalars(select(SyncKey))
    }


def current_key(session: Session) -> ClinicKey:
    held = keys(session)
    if not held:
        raise UserError(NOT_CONNECTED)
    return held[max(held)]


def keep_key(session: Session, key: ClinicKey) -> None:
    session.merge(SyncKey(generation=key.generation, key=key.key))

"""The device behind a request's bearer token; every query after is scoped to its clinic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from .credentials import digest
from .problems import revoked, unauthorized
from .schema import device
from .store import Store

# A token is 43 characters; anything much longer is not one (and is not hashed).
MAX_TOKEN = 200


@dataclass(frozen=True)
class Caller:
    """The device making the request."""

    id: str
    clinic_id: str
    code: str
    last_seen_at: datetime | None


def caller(store: Store, token: str | None) -> Caller:
    """The device holding ``token``; ApiError 401 for none, an unknown or a revoked one."""
    if not token or len(token) > MAX_TOKEN:
        raise unauthorized()
    with store.read() as conn:
        row = conn.execute(select(device).where(device.c.token_hash == digest(token))).first()
    if row is None:
        raise unauthorized()
    check_active(row)
    return Caller(row.id, row.clinic_id, row.code, row.last_seen_at)


def check_active(row: Row[Any]) -> None:
    if row.revoked_at is not None:
        raise revoked()


def locked_device(conn: Connection, who: Caller) -> Row[Any]:
    """The caller's row, read again under its clinic's lock (it may have been revoked
    since its token was checked); ApiError 401 if it was."""
    row = conn.execute(select(device).where(device.c.id == who.id)).one()
    check_active(row)
    return row

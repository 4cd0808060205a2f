"""Spent credentials let go of (issue #14: authentication tokens kept only as long as a
session needs). The endpoint keeps only SHA-256 hashes of device tokens, connect codes
and invitation ids, and an invitation's clinic key as the inviting PC wrapped it.

- An invitation past its time: its wrapped clinic key is emptied at the next run (a
  used one's is emptied when used, ``devices.join``).
- Used or expired invitations and connect codes: the rows go :data:`GRACE` after, so a
  code typed again within that time is still told "used" or "expired".
- A device revoked :data:`GRACE` ago: its token's hash is replaced by a mark
  (``revoked:<device id>``); the row stays (its code is never handed out again, and
  records name it). Within that time its PC is told "revoked" (and forgets its token,
  ``sync.cloud.sync_once``); after it, an unknown token.

Run in the same transaction as each write that hands out or takes back a credential
(connect, invite, join, revoke), for that clinic, and for every clinic when the
endpoint starts. What goes is added to the day's destruction records (``destroyed.py``),
and those past three years go then too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, literal, or_, select, update

from . import destroyed
from .schema import clinic, connect_code, device, invitation

GRACE = timedelta(days=7)
REVOKED = "revoked:"
# Under which rule each kind goes (the destruction records name it).
RULES = {
    destroyed.INVITATION_KEY: "invitation expired",
    destroyed.INVITATION: f"used or expired, {GRACE.days} days on",
    destroyed.CONNECT_CODE: f"used or expired, {GRACE.days} days on",
    destroyed.DEVICE_TOKEN: f"device revoked, {GRACE.days} days on",
}
USED_KEY = "invitation used"  # its key is emptied by the join that uses it


def forget_spent(conn: Connection, clinic_id: str, now: datetime) -> dict[str, int]:
    """Let go of the clinic's spent credentials; how many of each kind."""
    before = now - GRACE
    emptied = conn.execute(
        update(invitation)
        .where(invitation.c.clinic_id == clinic_id, invitation.c.expires_at <= now)
        .where(invitation.c.wrapped_key != "")
        .values(wrapped_key="")
    ).rowcount
    invites = conn.execute(
        delete(invitation).where(
            invitation.c.clinic_id == clinic_id,
            or_(invitation.c.used_at <= before, invitation.c.expires_at <= before),
        )
    ).rowcount
    codes = conn.execute(
        delete(connect_code).where(
            connect_code.c.clinic_id == clinic_id,
            or_(connect_code.c.used_at <= before, connect_code.c.expires_at <= before),
        )
    ).rowcount
    devices = conn.execute(
        update(device)
        .where(device.c.clinic_id == clinic_id, device.c.revoked_at <= before)
        .where(device.c.token_hash.not_like(REVOKED + "%"))
        .values(token_hash=literal(REVOKED) + device.c.id)
    ).rowcount
    counts = {
        destroyed.INVITATION_KEY: emptied, destroyed.INVITATION: invites,
        destroyed.CONNECT_CODE: codes, destroyed.DEVICE_TOKEN: devices,
    }  # fmt: skip
    for kind, count in counts.items():
        destroyed.note(conn, clinic_id, now, kind, count, RULES[kind])
    destroyed.prune(conn, clinic_id, now)
    return counts


def forget_all(conn: Connection, now: datetime) -> None:
    """:func:`forget_spent` for every clinic (when the endpoint starts)."""
    for clinic_id in list(conn.scalars(select(clinic.c.id))):
        forget_spent(conn, clinic_id, now)

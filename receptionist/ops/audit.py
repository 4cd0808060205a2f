"""Operations on the audit log: verify it (against an anchor kept off this PC, when
given) and take an anchor of it, for a manager or an administrator; and the two
steps sync takes each round to keep the log's head on the cloud endpoint.

The log itself, its checks and the anchor's format are in ``receptionist.journal``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from receptionist.clock import Clock
from receptionist.context import Ctx, require
from receptionist.errors import ReceptionistError
from receptionist.journal import anchor as anchors
from receptionist.journal import audit, notary
from receptionist.journal.anchor import Anchor
from receptionist.journal.audit import VerifyResult
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = [
    "Anchor", "LogTampered", "VerifyResult", "accept_break", "head", "log_holds",
    "read_anchor", "take_anchor", "verify",
]  # fmt: skip

CANNOT_READ = Text(
    QT_TRANSLATE_NOOP("core", "Only a manager or an administrator can check the audit log.")
)


class LogTampered(ReceptionistError):
    """An anchor asked of a log that does not verify (exit 1, as a failed verify)."""


def read_anchor(path: Path) -> Anchor:
    """The anchor kept in the file at ``path`` (bad input on field "anchor" if none)."""
    return anchors.read_file(path)


def verify(db: Database, ctx: Ctx, anchor: Anchor | None = None) -> VerifyResult:
    """Check the log's chain, its end, its start and length against the file's rows
    and, given ``anchor``, that it still holds the event the anchor recorded."""
    require(ctx, "audit.read", CANNOT_READ)
    with db.read() as s:
        return audit.verify(s, anchor=anchor, now=ctx.clock.now())


def log_holds(db: Database, anchor: Anchor, now: datetime | None = None) -> Text | None:
    """Why this PC's log no longer holds ``anchor`` (kept on the cloud endpoint), or
    None. For sync, which acts for no user: it reads no patient data."""
    with db.read() as s:
        return audit.holds(s, anchor, now)


def head(db: Database, clock: Clock) -> Anchor:
    """The log's head now, for sync to hand the cloud endpoint."""
    with db.read() as s:
        return audit.anchor(s, clock)


def take_anchor(db: Database, ctx: Ctx) -> Anchor:
    """The log's head now, to keep outside this PC; a log that does not verify gets
    no anchor (:class:`LogTampered`): it would vouch for a tampered log."""
    require(ctx, "audit.read", CANNOT_READ)
    with db.read() as s:
        found = audit.verify(s, now=ctx.clock.now())
        if not found.ok:
            raise LogTampered(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "{finding} No anchor was taken: it would vouch for a tampered log.",
                    ),
                    finding=found.message,
                )
            )
        return audit.anchor(s, ctx.clock)


CANNOT_ACCEPT = Text(
    QT_TRANSLATE_NOOP(
        "core", "Only an administrator can accept a break in the audit log's anchors."
    )
)


def accept_break(db: Database, ctx: Ctx) -> Anchor:
    """An administrator accepts that the log no longer holds the anchor kept off this
    PC (it was restored from a backup): the acceptance is itself an audit event, and
    the anchor taken after it (of a log that verifies) is what to keep from now on."""
    require(ctx, "keys.manage", CANNOT_ACCEPT)
    with db.write() as s:
        audit.record(s, ctx, "audit.anchor_break_accepted", "audit_log", None)
    return take_anchor(db, ctx)


def pin_endpoint(db: Database, ctx: Ctx, public_key: str, *, again: bool = False) -> bool:
    """Pin the cloud endpoint's key (the first one seen: trust on first use); False when
    another key is pinned already (never replaced silently). ``again``: a person
    connects or joins this PC to an endpoint, which pins its key after the others."""
    with db.write() as s:
        return notary.pin(s, ctx, public_key, again=again)


def owe_endpoint(db: Database, ctx: Ctx) -> None:
    """A person's connect or join could not fetch the endpoint's key: the next sync
    round that can pins it (``journal.notary.owe``; audited)."""
    with db.write() as s:
        notary.owe(s, ctx)


def endpoint_owed(db: Database) -> bool:
    """Whether a connect or join still owes the pinning of the endpoint's key."""
    with db.read() as s:
        return notary.owed(s)


def saw_endpoint(db: Database, ctx: Ctx, public_key: str) -> bool:
    """A sync round saw the endpoint's key: whether it is the pinned one (a change
    either way is recorded in the log: ``journal.notary.saw``)."""
    with db.read() as s:
        same, action = notary.seen(s, public_key)
    if action is None:
        return same
    with db.write() as s:
        return notary.saw(s, ctx, public_key)


def pinned_endpoint(db: Database) -> str | None:
    """The cloud endpoint's key this PC pinned (base64), if it did."""
    with db.read() as s:
        held = notary.pinned(s)
        return held.public_key if held is not None else None

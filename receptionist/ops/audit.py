"""Operations on the audit log: verify it (against an anchor kept off this PC, when
given) and take an anchor of it. Both are for a manager or an administrator.

The log itself, its checks and the anchor's format are in ``receptionist.journal``.
"""

from __future__ import annotations

from pathlib import Path

from receptionist.context import Ctx, require
from receptionist.errors import ReceptionistError
from receptionist.journal import anchor as anchors
from receptionist.journal import audit
from receptionist.journal.anchor import Anchor
from receptionist.journal.audit import VerifyResult
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = ["Anchor", "LogTampered", "VerifyResult", "read_anchor", "take_anchor", "verify"]

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
        return audit.verify(s, anchor=anchor)


def take_anchor(db: Database, ctx: Ctx) -> Anchor:
    """The log's head now, to keep outside this PC; a log that does not verify gets
    no anchor (:class:`LogTampered`): it would vouch for a tampered log."""
    require(ctx, "audit.read", CANNOT_READ)
    with db.read() as s:
        found = audit.verify(s)
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

"""Upkeep of the clinic file: check it, repair its schedule copies, compact it.

``check`` asks for no acting user: it only reads, and it must say what is wrong with
a file too damaged to say who is acting. ``repair`` and ``compact`` are for an
administrator or a manager, and are audited. ``compact`` rewrites the whole file, so
it takes the clinic's folder and key rather than an open database (the desktop app
and every other user of the file must be closed); the acting user's ``Ctx`` is read
beforehand from the open clinic. The key's own upkeep (``rekey``, the admin
passphrase) is in :mod:`receptionist.ops.encryption`.

Long work takes a ``progress`` callback, told a :class:`Step` before each part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from receptionist.context import Ctx, require
from receptionist.errors import NotOurFile, ReceptionistError
from receptionist.journal import audit
from receptionist.store import compact as store_compact
from receptionist.store import integrity
from receptionist.store.integrity import CheckReport
from receptionist.store.storage import Database
from receptionist.store.vault import open_unlocked
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

__all__ = ["CheckReport", "Compacted", "Progress", "Repaired", "Step", "check", "compact"]


@dataclass(frozen=True)
class Step:
    """Part ``number`` (from 1) of ``steps`` of a long operation begins: ``what``."""

    number: int
    steps: int
    what: Text


Progress = Callable[[Step], None]

CANNOT_REPAIR = Text(
    QT_TRANSLATE_NOOP("core", "Only an administrator or manager can repair the clinic file.")
)
CANNOT_COMPACT = Text(
    QT_TRANSLATE_NOOP("core", "Only an administrator or manager can compact the clinic file.")
)
NOT_REPAIRABLE = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The clinic file is damaged, and a repair only rebuilds the schedule copies; "
        "restore the latest backup.",
    )
)
REBUILDING = Text(QT_TRANSLATE_NOOP("core", "rebuilding the schedule copies"))
COMPACTING = Text(QT_TRANSLATE_NOOP("core", "writing a compact copy of the clinic"))


def tell(progress: Progress | None, number: int, steps: int, what: Text) -> None:
    if progress is not None:
        progress(Step(number, steps, what))


def check(db: Database, *, progress: Progress | None = None) -> CheckReport:
    """Every page's authentication, the database's structure, its references and the
    schedule's copies (about a minute on a large clinic)."""

    def phase(i: int, name: Text) -> None:
        what = Text(QT_TRANSLATE_NOOP("core", "checking {what}"), what=name)
        tell(progress, i + 1, len(integrity.PHASES), what)

    return integrity.check(db, phase)


@dataclass(frozen=True)
class Repaired:
    """How many appointments had their schedule copies rebuilt, and the check after."""

    rebuilt: int
    report: CheckReport


def repair(
    db: Database, ctx: Ctx, found: CheckReport, *, progress: Progress | None = None
) -> Repaired:
    """Rebuild the schedule copies that ``found`` (the report of :func:`check`) says
    disagree with their appointments, then check again. Local copies only: no row
    version changes, nothing is synced. A damaged file is refused: only a backup
    puts it right."""
    require(ctx, "clinic.configure", CANNOT_REPAIR)
    if found.damaged:
        raise NotOurFile(NOT_REPAIRABLE)
    if not found.stale_cards:
        return Repaired(0, found)
    tell(progress, 1, 1, REBUILDING)
    with db.write() as s:
        rebuilt = integrity.repair_cards(s)
        audit.record(s, ctx, "repair", "clinic", None)
    return Repaired(rebuilt, check(db, progress=progress))


@dataclass(frozen=True)
class Compacted:
    """The bytes of the clinic's files before and after, the seconds it took, and, if
    the compaction's audit event could not be written, why (the file is compacted)."""

    before: int
    after: int
    seconds: float
    audit_warning: Text | None = None


def compact(root: Path, key: bytes, ctx: Ctx, *, progress: Progress | None = None) -> Compacted:
    """Give the file's free pages back to the disk; nothing else changes. The desktop
    app must be closed (``InstanceLocked`` otherwise), and nothing else may have the
    file open."""
    require(ctx, "clinic.configure", CANNOT_COMPACT)
    done = store_compact.compact(root, key, on_copy=lambda: tell(progress, 1, 1, COMPACTING))
    warning = audit_rewrite(root, key, ctx, "compact", COMPACT_UNAUDITED)
    return Compacted(done.before, done.after, done.seconds, warning)


COMPACT_UNAUDITED = QT_TRANSLATE_NOOP(
    "core", "The clinic file is compacted, but its audit event could not be written: {error}"
)


def audit_rewrite(root: Path, key: bytes, ctx: Ctx, action: str, unaudited: str) -> Text | None:
    """The audit event of a whole-file rewrite, written once it is done (in the file as
    it is now). If it cannot be written, the rewrite still stands: say exactly that,
    with ``unaudited`` (a template with ``{error}``)."""
    try:
        db = open_unlocked(root, key)
        try:
            with db.write() as s:
                audit.record(s, ctx, action, "clinic", None)
        finally:
            db.close()
    except ReceptionistError as exc:
        return Text(unaudited, error=message(exc))
    return None

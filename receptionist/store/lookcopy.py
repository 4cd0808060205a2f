"""A copy restored to look at: a backup restored into a folder that held no clinic.

The backup restore suggests a spare folder to look at an old state of the clinic. Such a
copy is the clinic's twin (same clinic id, same key, same queued messages, the same
PC's backup folder), so on its own it would send the reminders a second time, sync,
write backups among the clinic's (whose anchors the clinic's log does not hold, so the
clinic's ``backup verify`` would say its log was tampered with), and sweep the clinic's
expired backups by its own policy. So a restore into an empty folder marks the folder
(``restored-copy.json`` beside ``clinic.db``, written before the backup's files are
put in place, so no crash leaves an unmarked copy), and while the mark is there
nothing of it reaches outside its folder: the jobs do not run (``jobs.runner``), and
a backup, a sweep, a reminders' dispatch or a sync round started by hand is refused
(:func:`refuse`), and so are a resend and a new booking (one made in the copy is not the
clinic's: nobody at the clinic sees it, and adopted, its messages would go). Nor does it
take any other change: every write of the core is refused in one place
(``Database.write``, with :data:`NO_WRITES`), but for what opening it needs (its mark
carried into the file, a restore into it again, a sign-in and its audit) and adopting
it; throwing it away is deleting its folder, no write. The app
shows a banner (:data:`BANNER`, with the backup's time). A person lifts the mark by
saying the copy replaces the clinic (``receptionist backup adopt``, or the question in the app:
``ops.backups.adopt``). The mark is kept in the folder, read without unlocking
anything, and a restore into the copy again keeps it; the same mark is kept in the
file too (``store/copymark.py``), and every opening puts it back beside a file that
holds it: the copy's files copied by hand, or its folder moved without the mark, are
still a copy until adopted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.errors import UserError
from receptionist.store import copymark
from receptionist.store.folder import RESTORED_COPY
from receptionist.texts import QT_TRANSLATE_NOOP, Text

MARKER = RESTORED_COPY
BANNER = Text(QT_TRANSLATE_NOOP("core", "This is a copy restored to look at; it sends nothing."))
# What a copy does not do, each said in :func:`refuse`'s sentence.
NO_BACKUP = QT_TRANSLATE_NOOP("core", "makes no backups")
NO_SWEEP = QT_TRANSLATE_NOOP("core", "runs no retention sweep")
NO_REMINDERS = QT_TRANSLATE_NOOP("core", "sends no reminders")
NO_SYNC = QT_TRANSLATE_NOOP("core", "does not sync")
NO_JOBS = QT_TRANSLATE_NOOP("core", "runs no background jobs")
# Every write of the core (``Database.write``): an edit made in a copy is lost when the
# copy is thrown away, and, adopted later, mixed in with what was done thinking it a copy.
NO_WRITES = QT_TRANSLATE_NOOP("core", "takes no changes")


class LookOnlyCopy(UserError):
    """Something that reaches outside the folder, asked of a copy restored to look at."""


@dataclass(frozen=True)
class RestoredCopy:
    backup_made_at: datetime | None  # None: the mark could not be read (still a copy)
    restored_at: datetime | None
    backup_folder: Path | None  # where the backup restored was (its newer siblings)
    zone: str = ""  # the clinic's time zone, from the backup's manifest ("": not kept)


def mark(
    root: Path, backup_made_at: datetime, backup_folder: Path, now: datetime, zone: str = ""
) -> None:
    """Mark the data folder ``root`` as holding a copy restored to look at (beside
    the file: the file itself gets the mark when it is next opened, ``copymark``).
    ``zone``: the clinic's time zone as the backup's manifest kept it ("": not kept),
    in which :func:`refuse` tells the backup's time without opening anything."""
    data: dict[str, str] = {
        "backup_made_at": backup_made_at.astimezone(UTC).isoformat(),
        "restored_at": now.astimezone(UTC).isoformat(),
        "backup_folder": os.path.abspath(backup_folder),
    }
    if zone:
        data["zone"] = zone
    copymark.put_beside(Path(root), json.dumps(data, indent=2).encode("utf-8"))


def unmark(session: Session, root: Path) -> Callable[[], None]:
    """Lift the mark of the copy in ``root``: from the file, in the caller's write
    (``session``); the function returned lifts it from beside the file, called once
    that write is committed or just before it commits (``backups.adopt``: a mark that
    cannot be lifted then writes nothing). A crash between the two leaves one of the
    marks, which marks the folder again at its next opening (``copymark.carry``):
    still a copy."""
    copymark.keep_in_file(session, None)
    return lambda: copymark.put_beside(Path(root), None)


def kept(root: Path) -> bytes | None:
    """The mark as it is beside the file (None: none), to put back with :func:`put_back`."""
    return copymark.beside(Path(root))


def put_back(root: Path, mark_bytes: bytes | None) -> None:
    """The mark as :func:`kept` read it (a restore that failed after re-marking)."""
    copymark.put_beside(Path(root), mark_bytes)


def restored_copy(root: Path) -> RestoredCopy | None:
    """The mark of the copy in ``root``, or None when ``root`` holds no such copy. A mark
    that cannot be read still marks a copy (what it sends is the risk, not what it says)."""
    path = Path(root) / MARKER
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return RestoredCopy(None, None, None)
    if not isinstance(raw, dict):
        return RestoredCopy(None, None, None)
    folder = raw.get("backup_folder")
    zone = raw.get("zone")
    return RestoredCopy(
        _when(raw.get("backup_made_at")),
        _when(raw.get("restored_at")),
        Path(folder) if isinstance(folder, str) and folder else None,
        zone if isinstance(zone, str) else "",
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def adopt_command(root: Path) -> str:
    return f"receptionist --data-dir {root} backup adopt"


def refused_write(root: Path) -> LookOnlyCopy | None:
    """What ``Database.write`` would raise in ``root`` (None: it takes changes): for a
    front end that would otherwise open a form (a cancellation's reason, a waitlist
    entry) only to be refused when it is saved."""
    try:
        refuse(root, NO_WRITES)
    except LookOnlyCopy as exc:
        return exc
    return None


def refuse(root: Path, doing: str) -> None:
    """:class:`LookOnlyCopy` when ``root`` holds a copy restored to look at; ``doing``
    (one of ``NO_*``) says what it does not do."""
    copy = restored_copy(root)
    if copy is None:
        return
    # The clinic's time (a mark made before the zone was kept in it: UTC, said).
    made = zones.told(copy.backup_made_at, copy.zone) if copy.backup_made_at else "?"
    why = (
        # a change: it would be lost with the copy, or mixed into the clinic adopted
        QT_TRANSLATE_NOOP(
            "core",
            "This is a copy restored to look at (from the backup of {made}); it {doing}: "
            "nothing changed in it would reach the clinic. If this copy is to replace the "
            "clinic (the clinic's PC is lost), run `{command}` first.",
        )
        if doing == NO_WRITES
        else QT_TRANSLATE_NOOP(
            "core",
            "This is a copy restored to look at (from the backup of {made}); it "
            "{doing}, so the clinic's own reminders, backups and sync are not "
            "disturbed. If this copy is to replace the clinic (the clinic's PC is "
            "lost), run `{command}` first.",
        )
    )
    raise LookOnlyCopy(
        Text(
            why,
            made=made,
            doing=Text(doing),
            command=adopt_command(Path(root)),
        )
    )

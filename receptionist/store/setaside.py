"""The full copies of the clinic set aside beside its file: what a restore replaced
(``clinic.db.before-restore-<UTC time>[_<n>]``, with its WAL files and key file) and what an
upgrade copied first (``clinic.db.before-<revision>-<UTC time>Z``).

Each is a whole clinic of its day, patients since swept or erased included, so the
retention sweep deletes it once a backup of its age would go
(``receptionist.ops.backupplaces``). This module only finds them: by name, each copy
with its side files, and the time its name carries (the file's own time when the
name has none: a restored file keeps the time it was last written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# clinic.db, its WAL files or the key file, ".before-", then the restore's time (the
# second restore of that second: "_2", ...) or the revision and time of the upgrade (a
# copy an upgrade left half-written: ".partial").
_NAME = re.compile(
    r"^(?:clinic\.db(?:-wal|-shm|-journal)?|clinic\.keys)\.before-"
    r"(?P<tag>restore-(?P<restored>\d{8}-\d{6})(?:_(?P<number>\d+))?"
    r"|.+?-(?P<upgraded>\d{8}T\d{6}Z))"
    r"(?:\.partial)?$"
)


@dataclass(frozen=True)
class SetAside:
    """One copy: its main file (the database, else the first file), when it was set
    aside, and every file of it."""

    path: Path
    made_at: datetime
    files: tuple[Path, ...]
    # A restore's: the UTC second in its name and which copy of that second it is (1,
    # 2, ...: restores in one second, set aside in that order); an upgrade's: "", 1.
    stamp: str = ""
    number: int = 1


def set_aside(root: Path) -> list[SetAside]:
    """The copies set aside in the data folder ``root``, oldest first."""
    groups: dict[str, list[Path]] = {}
    stamps: dict[str, str] = {}
    restored: dict[str, tuple[str, int]] = {}
    try:
        entries = sorted(Path(root).iterdir())
    except OSError:
        return []
    for entry in entries:
        found = _NAME.match(entry.name)
        if found is None or not entry.is_file():
            continue
        groups.setdefault(found["tag"], []).append(entry)
        stamps[found["tag"]] = found["restored"] or found["upgraded"]
        if found["restored"]:
            restored[found["tag"]] = (found["restored"], int(found["number"] or 1))
    copies = [
        _copy(paths, stamps[tag], *restored.get(tag, ("", 1))) for tag, paths in groups.items()
    ]
    return sorted(copies, key=lambda c: (c.made_at, c.number))


def _copy(paths: list[Path], stamp: str, restored: str, number: int) -> SetAside:
    main = next((p for p in paths if p.name.startswith("clinic.db.")), paths[0])
    return SetAside(main, _when(stamp, main), tuple(paths), restored, number)


def _when(stamp: str, path: Path) -> datetime:
    for form in ("%Y%m%d-%H%M%S", "%Y%m%dT%H%M%SZ"):
        try:
            return datetime.strptime(stamp, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)  # a date that is none

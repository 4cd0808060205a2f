"""Where this clinic's copies are, for the retention sweep: every folder this PC wrote
a backup in, and the copies set aside beside the clinic file.

A backup written with ``backup create --to DIR``, or in a folder the setting named
before, is still a copy of the clinic: the folders are remembered in the data folder
(``backup-places.json``: folder names only), so the sweep finds an expired backup
wherever it was written. A folder that cannot be reached now (a share offline, a
disk unplugged) is counted as "not reachable", never forgotten; a folder reached and
left with none of this clinic's backups is forgotten (unless it is the current one).
Backups a restore moved to ``superseded-<time>`` inside a folder are found too.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from receptionist.store import backup as files
from receptionist.store.keyfile import atomic_write
from receptionist.store.setaside import set_aside

PLACES = "backup-places.json"  # in the data folder: store/folder.OUR_NAMES
SUPERSEDED = "superseded-*"


@dataclass(frozen=True)
class Copy:
    """A copy of the clinic the sweep may delete: a backup, or a set-aside copy."""

    path: Path
    made_at: datetime
    files: tuple[Path, ...]
    set_aside: bool


@dataclass(frozen=True)
class Found:
    copies: list[Copy]  # oldest first
    unreachable: list[Path]  # remembered folders this PC cannot reach now
    empty: list[Path]  # reached folders holding none of this clinic's backups


def _file(root: Path) -> Path:
    return Path(root) / PLACES


def remembered(root: Path) -> list[Path]:
    """The folders this PC wrote the clinic's backups in (as written down)."""
    try:
        raw = json.loads(_file(root).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    folders = raw.get("folders") if isinstance(raw, dict) else None
    return [Path(f) for f in folders if isinstance(f, str)] if isinstance(folders, list) else []


def _write(root: Path, folders: list[Path]) -> None:
    data = json.dumps({"folders": [str(f) for f in folders]}, indent=2).encode("utf-8")
    atomic_write(_file(root), data)


def remember(root: Path, folder: Path) -> None:
    """Write ``folder`` down as one this PC wrote a backup in (once)."""
    kept = remembered(root)
    where = Path(os.path.abspath(folder))
    if where not in kept:
        _write(root, [*kept, where])


def forget(root: Path, folders: list[Path]) -> None:
    gone = {Path(os.path.abspath(f)) for f in folders}
    kept = remembered(root)
    if any(f in gone for f in kept):
        _write(root, [f for f in kept if f not in gone])


def places(root: Path, current: Path) -> list[Path]:
    """The current folder, the default one, and every remembered one (each once)."""
    found: list[Path] = []
    for folder in (current, Path(root) / "backups", *remembered(root)):
        where = Path(os.path.abspath(folder))
        if where not in found:
            found.append(where)
    return found


def search(root: Path, current: Path, clinic: str) -> Found:
    """This clinic's copies: its backups in every place (``superseded-*`` included)
    and the copies set aside in the data folder ``root``; and the places unreachable."""
    copies = [Copy(c.path, c.made_at, c.files, True) for c in set_aside(root)]
    unreachable, empty = [], []
    written = set(remembered(root))
    for folder in places(root, current):
        try:
            ours = _backups_in(folder, clinic) if reachable(folder) else None
        except OSError:  # went away while read, or unreadable
            ours = None
        if ours is None:
            if folder in written:
                unreachable.append(folder)
            continue
        copies.extend(ours)
        if not ours:
            empty.append(folder)
    return Found(sorted(_once(copies), key=lambda c: c.made_at), unreachable, empty)


def _once(copies: list[Copy]) -> list[Copy]:
    """Each copy once, though two remembered paths name one folder (a link)."""
    seen: dict[str, Copy] = {}
    for copy in copies:
        seen.setdefault(os.path.realpath(copy.path), copy)
    return list(seen.values())


def reachable(folder: Path) -> bool:
    """Whether ``folder`` is a folder this PC can read now (a share offline, a disk
    unplugged or a folder it may not enter: not)."""
    try:
        return folder.is_dir() and os.access(folder, os.R_OK | os.X_OK)
    except OSError:
        return False


def _backups_in(folder: Path, clinic: str) -> list[Copy]:
    found = []
    for sub in (folder, *sorted(p for p in folder.glob(SUPERSEDED) if p.is_dir())):
        for path in files.found_in(sub):
            with contextlib.suppress(files.NotABackup, files.BrokenBackup):
                made = files.read_manifest(path)
                if made.clinic_id == clinic:
                    found.append(Copy(path, made.created_at, (path,), False))
    return found


def delete(copy: Copy) -> None:
    """The copy's files deleted (a file already gone is no error)."""
    for path in copy.files:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    if copy.path.parent.match(SUPERSEDED):
        with contextlib.suppress(OSError):  # the restore's folder, once it holds nothing
            copy.path.parent.rmdir()

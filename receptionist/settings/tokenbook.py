"""The cloud device tokens this PC put in the OS keychain, and which data folder uses
which: a small JSON file beside the preferences (``pcstore.config_dir``).

A keychain cannot be listed, and one keychain serves every data folder of this PC's
user. A PC that joined again (in its folder, or in a new one) leaves its old device's
token there under the old device's name. This book is how the retention sweep finds
it (``retention.tokens``): every name written here, less the ones a folder that still
exists uses now; only names this book holds are ever removed, so another app's
entries, and another clinic's, are never touched. Names only (clinic and device ids),
never a token; readable by its owner only. A damaged file reads as an empty book, and
one that cannot be written is logged and left (see :func:`_write`).

A folder that is not there is not always gone: one on a USB stick or a network share
that is not mounted at the sweep's time comes back, and needs its token. So the book
also keeps the volume each folder lived on (``st_dev``); a folder missing from its path
counts as gone only when that path leads to its own volume still (the folder was
deleted there), never when it leads elsewhere (an empty mount point) or nowhere (a
drive letter not mapped), nor when the book does not know its volume.

A folder missing from its path on its own volume may also have been moved (same
clinic, a new path): its token is still in use there. So a folder counts as gone only
once sweeps have missed it for :data:`GRACE` (the first sweep that misses it notes
when: ``gone_since``; one that finds it again forgets that), and a data folder that
syncs names itself here at every round (``ops.replica.token``): a moved folder opened
within that time is known under its new path, and keeps its token for good.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from receptionist.store.keyfile import atomic_write

from .pcstore import config_dir

log = logging.getLogger(__name__)
FILE_NAME = "device-tokens.json"
# How long sweeps must have missed a data folder before it counts as deleted (a moved
# one that syncs names its new path at its first round: see the module's docstring).
GRACE = timedelta(days=30)


@dataclass
class Book:
    written: set[str] = field(default_factory=set)  # every name put in the keychain
    in_use: dict[str, str] = field(default_factory=dict)  # data folder -> its name now
    volumes: dict[str, int] = field(default_factory=dict)  # data folder -> its st_dev
    # data folder -> when a sweep first missed it (see the module's docstring)
    gone_since: dict[str, datetime] = field(default_factory=dict)


def kept(folder: Path, name: str) -> None:
    """The data folder ``folder`` keeps its device token under ``name`` now."""
    book = _read()
    book.written.add(name)
    book.in_use[_key(folder)] = name
    volume = _volume(Path(_key(folder)))
    if volume is not None:
        book.volumes[_key(folder)] = volume
    _write(book)


def released(folder: Path, name: str) -> None:
    """``folder``'s token ``name`` was forgotten (the PC was revoked): it uses none."""
    book = _read()
    book.written.discard(name)
    if book.in_use.get(_key(folder)) == name:
        del book.in_use[_key(folder)]
    _write(book)


def unused(folder: Path, current: str | None, prefix: str, now: datetime) -> list[str]:
    """The names starting with ``prefix`` that no data folder of this PC uses at
    ``now``: ``folder`` uses ``current`` (None: none), any other its last one until it
    is gone (deleted, and missed by sweeps for :data:`GRACE`)."""
    book = _read()
    using = {current} if current else set()
    for other, name in book.in_use.items():
        if other != _key(folder) and not _long_gone(book, other, now):
            using.add(name)
    return sorted(n for n in book.written if n.startswith(prefix) and n not in using)


def missed(now: datetime) -> None:
    """A sweep looked at ``now``: each data folder the book names that is not there
    (see :func:`_gone`) is noted as missed since then, unless it was already; one that
    is there again is no longer."""
    book = _read()
    book.gone_since = {
        f: book.gone_since.get(f, now) for f in book.in_use if _gone(Path(f), book.volumes.get(f))
    }
    _write(book)


def _long_gone(book: Book, folder: str, now: datetime) -> bool:
    since = book.gone_since.get(folder)
    return (
        since is not None and now - since >= GRACE and _gone(Path(folder), book.volumes.get(folder))
    )


def forgotten(names: Collection[str]) -> None:
    """``names`` are gone from the keychain: out of the book too."""
    if not names:
        return
    book = _read()
    book.written -= set(names)
    book.in_use = {f: n for f, n in book.in_use.items() if n not in names}
    _write(book)


def _key(folder: Path) -> str:
    return str(folder.resolve())


def _volume(folder: Path) -> int | None:
    """The volume (``st_dev``) ``folder`` is on: its nearest ancestor's that is there;
    None when none is (a drive letter not mapped) or cannot be read."""
    for there in (folder, *folder.parents):
        try:
            return there.stat().st_dev
        except FileNotFoundError:
            continue
        except OSError:
            return None
    return None


def _gone(folder: Path, volume: int | None) -> bool:
    """``folder`` was deleted: not there, though its path leads to the volume it lived
    on (see the module's docstring). A folder the system cannot look at (a share whose
    credentials lapsed, a stale handle) may be alive: not gone."""
    try:
        if folder.is_dir() or volume is None:
            return False
    except OSError:
        return False
    return _volume(folder) == volume


def _read() -> Book:
    try:
        data = json.loads((config_dir() / FILE_NAME).read_text("utf-8"))
    except FileNotFoundError:
        return Book()
    except (OSError, ValueError) as exc:
        log.warning("device token book unreadable (%s); starting a new one", type(exc).__name__)
        return Book()
    if not isinstance(data, dict):
        return Book()
    written = data.get("written", [])
    in_use = data.get("in_use", {})
    volumes = data.get("volumes", {})
    gone = data.get("gone_since", {})
    return Book(
        {n for n in written if isinstance(n, str)} if isinstance(written, list) else set(),
        {str(f): n for f, n in in_use.items() if isinstance(n, str)}
        if isinstance(in_use, dict)
        else {},
        {str(f): v for f, v in volumes.items() if isinstance(v, int)}
        if isinstance(volumes, dict)
        else {},
        _times(gone),
    )


def _times(data: object) -> dict[str, datetime]:
    """``gone_since`` as written; an entry that is no aware time is left out (its
    folder is then missed afresh: later, never sooner)."""
    found: dict[str, datetime] = {}
    for folder, at in data.items() if isinstance(data, dict) else ():
        try:
            when = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            when = None
        if when is not None and when.tzinfo is not None:
            found[str(folder)] = when
    return found


def _write(book: Book) -> None:
    """Write ``book``; one that cannot be written is logged, not raised: a join that
    kept its token, or a sweep whose keychain entries are gone, is not undone for an
    index (a name it misses is swept later, or never: never one in use). A book the
    file holds already, byte for byte, is not written again."""
    try:
        _write_file(book)
    except OSError as exc:
        log.warning("device token book not written (%s)", type(exc).__name__)


def _write_file(book: Book) -> None:
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    volumes = {f: v for f, v in sorted(book.volumes.items()) if f in book.in_use}
    gone = {f: at.isoformat() for f, at in sorted(book.gone_since.items()) if f in book.in_use}
    data = {
        "written": sorted(book.written),
        "in_use": dict(sorted(book.in_use.items())),
        "volumes": volumes,
        "gone_since": gone,
    }
    text = json.dumps(data, indent=2).encode("utf-8")
    if _held(folder / FILE_NAME) == text:
        return  # nothing changed: every sweep looks at the book, few change it
    atomic_write(folder / FILE_NAME, text)


def _held(path: Path) -> bytes | None:
    """The book's bytes as the file holds them now (None: none, or unreadable)."""
    try:
        return path.read_bytes()
    except OSError:
        return None

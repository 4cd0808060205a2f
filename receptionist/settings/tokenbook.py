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

Several processes change the book (the app's sweep and its sync rounds, a
``receptionist sweep``, another data folder's app): each change reads, changes and
writes it holding a lock file beside it (``store.lock.waited``: ``flock``, or
``msvcrt.locking`` on Windows, let go of explicitly before the file is closed), so none
is lost and no old ``gone_since`` comes back. A sweep notes the names it is about to delete
from the keychain, and under which sweep (``pending``), before it deletes them: one
killed before its destruction record was written leaves them there, and the next
sweep counts them (``retention.tokens``). A book that cannot be read or written is
logged once while that lasts, not at every round.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from receptionist.store.keyfile import atomic_write
from receptionist.store.lock import waited

from .pcstore import config_dir

log = logging.getLogger(__name__)
FILE_NAME = "device-tokens.json"
LOCK_NAME = "device-tokens.lock"  # held through each change of the book
_THREADS = threading.Lock()  # the same between this process's threads
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
    # name -> the sweep about to delete it from the keychain (see :class:`Pending`)
    pending: dict[str, Pending] = field(default_factory=dict)


@dataclass(frozen=True)
class Pending:
    """A keychain entry a sweep of ``folder`` is deleting: ``sweep`` (its id) ends
    with an audit event after event ``after`` of that folder's log."""

    folder: str
    sweep: str
    after: int


@contextmanager
def _changing() -> Iterator[Book]:
    """The book, read, changed by the block and written back, with no other change
    (another process's or thread's) in between: it holds the lock file beside the
    book (one that cannot be had is logged once, and the change goes on unlocked)."""
    folder = config_dir()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    with _THREADS, waited(folder / LOCK_NAME) as locked:
        _trouble("locked", None if locked else "not held")
        book = _read()
        yield book
        _write(book)


def kept(folder: Path, name: str) -> None:
    """The data folder ``folder`` keeps its device token under ``name`` now."""
    key = _key(folder)
    volume = _volume(Path(key))  # asked holding no lock (see :func:`forgotten`)
    with _changing() as book:
        book.written.add(name)
        book.in_use[key] = name
        if volume is not None:
            book.volumes[key] = volume


def released(folder: Path, name: str) -> None:
    """``folder``'s token ``name`` was forgotten (the PC was revoked): it uses none."""
    with _changing() as book:
        book.written.discard(name)
        if book.in_use.get(_key(folder)) == name:
            del book.in_use[_key(folder)]


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


def missed(book: Book, now: datetime, looked: Mapping[str, bool]) -> None:
    """A sweep looked at ``now``: each data folder ``book`` names that is not there
    (see :func:`_gone`; ``looked``: what :func:`looked_at` found of each) is noted as
    missed since then, unless it was already; one that is there again is no longer."""
    book.gone_since = {
        f: book.gone_since.get(f, now)
        for f in book.in_use
        if (looked[f] if f in looked else _gone(Path(f), book.volumes.get(f)))
    }


def looked_at(book: Book) -> dict[str, bool]:
    """Whether each data folder ``book`` names is gone (:func:`_gone`)."""
    return {f: _gone(Path(f), book.volumes.get(f)) for f in book.in_use}


def _long_gone(book: Book, folder: str, now: datetime) -> bool:
    since = book.gone_since.get(folder)
    return (
        since is not None and now - since >= GRACE and _gone(Path(folder), book.volumes.get(folder))
    )


def note(folder: Path, sweep: str, after: int) -> Pending:
    """The note a sweep ``sweep`` of ``folder`` leaves (:func:`deleting`)."""
    return Pending(_key(folder), sweep, after)


def written() -> set[str]:
    """Every name the book holds as put in the keychain."""
    return _read().written


def pending(folder: Path) -> dict[str, Pending]:
    """The names sweeps of ``folder`` noted as being deleted (:func:`deleting`)."""
    return {n: p for n, p in _read().pending.items() if p.folder == _key(folder)}


def deleting(folder: Path, pend: Pending, names: Collection[str], done: Collection[str]) -> None:
    """A sweep of ``folder`` (``pend``) is about to delete ``names`` from the keychain
    (noted first: a sweep killed before its record is written leaves them for the
    next one to count); ``done``, noted by earlier sweeps, need no note any more."""
    with _changing() as book:
        for name in done:
            if name in book.pending and book.pending[name].folder == pend.folder:
                del book.pending[name]
        book.pending.update(dict.fromkeys(names, pend))


def forgotten(names: Collection[str], now: datetime) -> None:
    """A sweep at ``now`` found ``names`` gone from the keychain (or deleted them):
    out of the book too; and the data folders it missed are noted (:func:`missed`).
    The folders are looked at before the book's lock is taken: one on a share that
    does not answer may take long, and every other change of the book (a sync
    round's, a lease check's, in this process or another) would wait for it."""
    looked = looked_at(_read())
    with _changing() as book:
        book.written -= set(names)
        book.in_use = {f: n for f, n in book.in_use.items() if n not in names}
        missed(book, now, looked)


def settled(folder: Path, sweep: str) -> None:
    """The sweep ``sweep`` of ``folder`` wrote its destruction record: its notes go."""
    with _changing() as book:
        key = _key(folder)
        book.pending = {
            n: p for n, p in book.pending.items() if (p.folder, p.sweep) != (key, sweep)
        }


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
        _trouble("read", None)
        return Book()
    except (OSError, ValueError) as exc:
        _trouble("read", type(exc).__name__)
        return Book()
    _trouble("read", None)
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
        _pending(data.get("pending", {})),
    )


def _pending(data: object) -> dict[str, Pending]:
    """``pending`` as written; an entry not in its form is left out (uncounted)."""
    found: dict[str, Pending] = {}
    for name, entry in data.items() if isinstance(data, dict) else ():
        if not isinstance(entry, dict):
            continue
        folder, sweep, after = entry.get("folder"), entry.get("sweep"), entry.get("after")
        if isinstance(folder, str) and isinstance(sweep, str) and isinstance(after, int):
            found[str(name)] = Pending(folder, sweep, after)
    return found


# What of the book (read, written, locked) last failed, and why: logged once while it
# lasts (a sync loop's every round met it again), and its end once.
_failing: dict[str, str] = {}


def _trouble(what: str, why: str | None) -> None:
    if why is None:
        if _failing.pop(what, None) is not None:
            log.info("device token book %s again", what)
        return
    if _failing.get(what) != why:
        log.warning("device token book not %s (%s); said once while it lasts", what, why)
    _failing[what] = why


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
    """Write ``book``; one that cannot be written is logged (once while that lasts),
    not raised: a join that kept its token, or a sweep whose keychain entries are
    gone, is not undone for an index (a name it misses is swept later, or never:
    never one in use). A book the file holds already, byte for byte, is not written
    again."""
    try:
        _write_file(book)
    except OSError as exc:
        _trouble("written", type(exc).__name__)
    else:
        _trouble("written", None)


def _write_file(book: Book) -> None:
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    volumes = {f: v for f, v in sorted(book.volumes.items()) if f in book.in_use}
    gone = {f: at.isoformat() for f, at in sorted(book.gone_since.items()) if f in book.in_use}
    data: dict[str, object] = {
        "written": sorted(book.written),
        "in_use": dict(sorted(book.in_use.items())),
        "volumes": volumes,
        "gone_since": gone,
    }
    if book.pending:  # only while a sweep deletes (or one was killed doing so)
        data["pending"] = {
            n: {"folder": p.folder, "sweep": p.sweep, "after": p.after}
            for n, p in sorted(book.pending.items())
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

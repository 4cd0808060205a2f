"""Backup files: an encrypted copy of the clinic, its key file, and a manifest.

A backup is one file, ``<clinic>-<UTC time>.rcbackup``: a zip archive (stored, not
compressed: encrypted pages do not compress) of three members:

- ``clinic.db``: the clinic exported under the same data key (``sqlcipher_export``
  inside one read transaction, so it is a consistent copy while the desk works on);
- ``clinic.keys``: the key file of that moment (its slots are wrapped under the
  recovery code and the passphrase: a backup restores on a new PC with either);
- ``manifest.json``: clinic id, time, schema revision, the copy's size and SHA-256,
  the audit log's anchor, the data key's fingerprint (``storage.key_id``, not the
  key) and the clinic's time zone setting (no patient data).

The archive is written beside its final name, synced, and renamed into place, so a
backup is whole or absent. Nothing here knows what an audit log or a patient is:
``receptionist.ops.backups`` makes the manifest and checks what a backup holds.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import sqlcipher3

from receptionist.errors import Damaged, UserError
from receptionist.store.storage import (
    create_private,
    fsync_dir,
    is_damage,
    key_pragma_value,
    raw_connect,
)
from receptionist.texts import QT_TRANSLATE_NOOP, Text

FORMAT = "receptionist-backup"
VERSION = 1
SUFFIX = ".rcbackup"
DB, KEYS, MANIFEST = "clinic.db", "clinic.keys", "manifest.json"
MAX_MANIFEST = 64 * 1024
CHUNK = 1024 * 1024


class NotABackup(UserError):
    """A file that is not a Receptionist backup (or not one this version reads)."""


class BrokenBackup(Damaged):
    """A backup whose copy does not match its manifest, or does not open whole."""


@dataclass(frozen=True)
class Manifest:
    clinic_id: str
    created_at: datetime
    revision: str
    db_bytes: int
    db_sha256: str
    anchor: dict[str, Any] | None
    app_version: str
    log_problem: str = ""  # the audit log's problem when the backup was made
    # The data key's fingerprint (``storage.key_id``; "" in backups made before it was
    # kept): a backup made before a rekey is told as such when the key of now fails.
    key_id: str = ""
    # The clinic's time zone setting (an IANA name; "" in backups made before it was
    # kept): what a refusal tells the time of the backup in when no clinic is open.
    zone: str = ""
    # Who made it: "job" (the scheduled backup, or its "Run now"), "person" (``backup
    # create``, a rekey's); "" in backups made before it was kept.
    made_by: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "clinic_id": self.clinic_id,
            "created_at": self.created_at.isoformat(),
            "revision": self.revision,
            "db_bytes": self.db_bytes,
            "db_sha256": self.db_sha256,
            "anchor": self.anchor,
            "app_version": self.app_version,
            "log_problem": self.log_problem or None,
            "key_id": self.key_id or None,
            "zone": self.zone or None,
            "made_by": self.made_by or None,
        }


def _not_a_backup(path: Path) -> NotABackup:
    return NotABackup(
        Text(
            QT_TRANSLATE_NOOP(
                "core", "{path} is not a Receptionist backup (or one this version cannot read)."
            ),
            path=str(path),
        )
    )


def manifest_of(data: bytes, path: Path) -> Manifest:
    """The manifest in ``data`` (the member's bytes), checked; NotABackup if not one."""
    try:
        raw = json.loads(data)
        if raw.get("format") != FORMAT or raw.get("version") != VERSION:
            raise ValueError("format")
        created = datetime.fromisoformat(raw["created_at"])
        anchor = raw.get("anchor")
        found = Manifest(
            clinic_id=str(raw["clinic_id"]),
            created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
            revision=str(raw["revision"]),
            db_bytes=int(raw["db_bytes"]),
            db_sha256=str(raw["db_sha256"]),
            anchor=anchor if isinstance(anchor, dict) else None,
            app_version=str(raw.get("app_version", "")),
            log_problem=str(raw.get("log_problem") or ""),
            key_id=str(raw.get("key_id") or ""),
            zone=str(raw.get("zone") or ""),
            made_by=str(raw.get("made_by") or ""),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _not_a_backup(path) from None
    return found


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup at ``path``; NotABackup for any other file."""
    with _archive(path) as zf:
        return _manifest(zf, path)


@contextlib.contextmanager
def _archive(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError):
        if _cut_short(path):
            raise _broken(path, "it is incomplete: cut short while written or copied") from None
        raise _not_a_backup(path) from None
    with zf:
        names = set(zf.namelist())
        if not {DB, KEYS, MANIFEST} <= names:
            raise _not_a_backup(path)
        yield zf


def _cut_short(path: Path) -> bool:
    """Whether ``path`` begins as a backup does (a zip member ``manifest.json`` first:
    ``write_archive`` writes it first) though it does not read as an archive: the
    start of a backup whose end is missing."""
    try:
        with path.open("rb") as fh:
            head = fh.read(30 + len(MANIFEST))
    except OSError:
        return False
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return False
    size = int.from_bytes(head[26:28], "little")
    return size == len(MANIFEST) and head[30:] == MANIFEST.encode("ascii")


def _manifest(zf: zipfile.ZipFile, path: Path) -> Manifest:
    info = zf.getinfo(MANIFEST)
    if info.file_size > MAX_MANIFEST:
        raise _not_a_backup(path)
    try:
        return manifest_of(zf.read(MANIFEST), path)
    except (zipfile.BadZipFile, OSError):
        raise _not_a_backup(path) from None


class Stopped(Exception):
    """The copy was given up at its ``stop``'s word (the app closing): nothing of it
    is left."""


# How many of SQLite's steps the export takes between two looks at its ``stop``.
STOP_STEPS = 10_000


def export_copy(
    connect: Callable[[], Any],
    key: bytes | str,
    dest: Path,
    *,
    stop: Callable[[], bool] | None = None,
) -> str:
    """The clinic copied to ``dest`` under the same key, in one read transaction (a
    consistent copy while others write); returns the copy's SHA-256. ``connect``
    gives a keyed connection to the clinic (``Database.connect``). ``stop`` is asked
    every ``STOP_STEPS`` of SQLite's steps while it copies: once it says so, the copy
    is interrupted and removed (:class:`Stopped`)."""
    create_private(dest)
    clause = _clause(key)
    try:
        conn = connect()
        try:
            if stop is not None:
                conn.set_progress_handler(lambda: int(stop()), STOP_STEPS)
            conn.execute(f"ATTACH DATABASE ? AS copy KEY {clause}", (str(dest),))
            conn.execute("BEGIN")
            version = conn.execute("PRAGMA main.user_version").fetchone()[0]
            conn.execute("SELECT sqlcipher_export('copy')")
            conn.execute(f"PRAGMA copy.user_version = {int(version)}")
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE copy")
        except sqlcipher3.OperationalError as exc:
            if stop is not None and stop():  # interrupted by the handler: given up
                raise Stopped() from exc
            if is_full(exc):  # the copy's disk: an OS error on its folder, as it is
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dest.parent)) from exc
            raise
        finally:
            conn.close()
        check_copy(dest, key)
        with dest.open("rb+") as fh:
            os.fsync(fh.fileno())
        return sha256_of(dest)
    except BaseException:
        with contextlib.suppress(OSError):
            dest.unlink()
        raise


def is_full(exc: Exception) -> bool:
    """Whether SQLite's error says a disk (or its quota) is full: SQLITE_FULL, whose
    sentence ``sqlcipher_export`` passes on under a plain SQLITE_ERROR."""
    return "database or disk is full" in str(exc)


def _clause(key: bytes | str) -> str:
    return key_pragma_value(key) if isinstance(key, bytes) else key


def check_copy(path: Path, key: bytes | str) -> None:
    """Open the copy at ``path`` and read every page of it (``quick_check``: each
    page is decrypted and its HMAC checked); BrokenBackup if it is not whole."""
    conn = sqlcipher3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_clause(key)}")
        found = conn.execute("PRAGMA quick_check").fetchall()
    except sqlcipher3.DatabaseError as exc:
        raise _broken(path, "its copy does not open whole") from exc
    finally:
        conn.close()
    if found != [("ok",)]:
        raise _broken(path, "its copy fails the database's own check")


def copy_revision(path: Path, key: bytes | str) -> str | None:
    """The schema revision the copy at ``path`` holds (its ``alembic_version``), read
    without changing it; None when it holds none."""
    conn = sqlcipher3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_clause(key)}")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlcipher3.DatabaseError:
        return None
    finally:
        conn.close()
    return None if row is None else str(row[0])


def _broken(path: Path, why: str) -> BrokenBackup:
    return BrokenBackup(
        Text(
            QT_TRANSLATE_NOOP("core", "The backup {path} is damaged ({why}); use another backup."),
            path=str(path),
            why=why,
        )
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(dest: Path, copy: Path, keyfile: Path, manifest: Manifest) -> Path:
    """The backup at ``dest``: written beside it, synced, renamed into place."""
    partial = dest.with_name(f".{dest.name}.partial")
    create_private(partial)
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest.to_json(), indent=2, sort_keys=True))
            zf.write(keyfile, KEYS)
            zf.write(copy, DB)
        with partial.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, dest)
        fsync_dir(dest.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return dest


def extract(path: Path, into: Path) -> tuple[Manifest, Path, Path]:
    """The backup's manifest, and its database and key file written into ``into``
    (owner-only); BrokenBackup if the database is not the one the manifest names."""
    with _archive(path) as zf:
        manifest = _manifest(zf, path)
        db, keys = into / DB, into / KEYS
        needs = sum(zf.getinfo(member).file_size for member in (DB, KEYS))
        try:
            for member, target in ((DB, db), (KEYS, keys)):
                _make(target, into, needs)
                with zf.open(member) as src, _written(target, into, needs) as out:
                    while chunk := src.read(CHUNK):
                        _write(out, into, needs, chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _broken(path, "it cannot be read to its end") from exc
    if db.stat().st_size != manifest.db_bytes or sha256_of(db) != manifest.db_sha256:
        raise _broken(path, "its copy is not the one it was made with")
    return manifest, db, keys


# The OS's reasons a folder has no room for what is written in it: its disk (or the
# person's quota on it) full.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})


class CannotUnpack(UserError):
    """The folder a backup is unpacked into cannot take it (its disk full, read-only,
    not writable): the backup itself may be whole. Never a :class:`BrokenBackup`."""


def cannot_unpack(into: Path, needs: int, exc: OSError) -> CannotUnpack:
    """What a write error while unpacking ``needs`` bytes into ``into`` tells a person.
    ``into`` is a temporary folder made for it (gone once told): the folder named is
    the one it was made in (the data folder restored into; ``backup verify``'s TMPDIR)."""
    if exc.errno in NO_ROOM:
        return CannotUnpack(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "There is not enough free space in {folder} to unpack the backup (needs "
                    "about {mb} MB); free some space on that disk, or unpack it on another "
                    "disk (another data folder; for `backup verify`, TMPDIR), then try again. "
                    "The backup itself is not damaged by this.",
                ),
                folder=str(into.parent),
                mb=str(max(1, -(-needs // (1024 * 1024)))),
            )
        )
    return CannotUnpack(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The backup could not be unpacked in {folder}: {reason}. Choose a folder "
                "that can be written to (another data folder; for `backup verify`, TMPDIR), "
                "then try again. The backup itself is not damaged by this.",
            ),
            folder=str(into.parent),
            reason=exc.strerror or type(exc).__name__,
        )
    )


@contextlib.contextmanager
def _written(target: Path, into: Path, needs: int) -> Iterator[BinaryIO]:
    """``target`` open for writing; a write error on it (its closing flushes) is the
    folder's (:func:`cannot_unpack`), not the backup's."""
    try:
        out = target.open("wb")
    except OSError as exc:
        raise cannot_unpack(into, needs, exc) from exc
    try:
        yield out
    finally:
        try:
            out.close()
        except OSError as exc:
            raise cannot_unpack(into, needs, exc) from exc


def _make(target: Path, into: Path, needs: int) -> None:
    """``target`` made, owner-only; an OS error is the folder's (:func:`cannot_unpack`)."""
    try:
        create_private(target)
    except OSError as exc:
        raise cannot_unpack(into, needs, exc) from exc


def _write(out: BinaryIO, into: Path, needs: int, chunk: bytes) -> None:
    """``chunk`` written to ``out``; an OS error is the folder's (:func:`cannot_unpack`):
    only read errors are the backup's."""
    try:
        out.write(chunk)
    except OSError as exc:
        raise cannot_unpack(into, needs, exc) from exc


def opens_with(db: Path, key: bytes) -> bool:
    """Whether ``key`` opens the database at ``db`` (and it is not damaged)."""
    try:
        raw_connect(db, key).close()
    except sqlcipher3.DatabaseError as exc:
        if is_damage(exc):
            raise
        return False
    except Exception:
        return False
    return True


def backup_name(clinic_id: str, when: datetime, number: int = 1) -> str:
    """The name of a backup made at ``when``: its time to the second (UTC), and for the
    ``number``-th made in that second (2, 3, ...) ``_<number>`` after it, so the names
    of one clinic's backups sort as they were made (``.`` sorts before ``_``)."""
    after = f"_{number}" if number > 1 else ""
    return f"clinic-{clinic_id[:8]}-{when.astimezone(UTC):%Y%m%d-%H%M%S}{after}{SUFFIX}"


def number_of(path: Path) -> int:
    """Which of the backups made in one second ``path`` is by its name (1, 2, ...):
    what orders backups whose manifests give one time (a clock that stood still)."""
    stem = path.name.removesuffix(SUFFIX)
    _, sep, after = stem.rpartition("_")
    return int(after) if sep and after.isdigit() else 1


def copy_path(dest: Path) -> Path:
    """Where the clinic's copy is written before it goes into the backup ``dest``."""
    return dest.with_name(f".{dest.name}.db")


def reserve_name(folder: Path, clinic_id: str, when: datetime) -> Path:
    """A path in ``folder`` for a backup made at ``when`` that no backup there has nor
    one being written: :func:`backup_name`, numbered after every backup of that second
    there (never a number freed by the rotation: the one made last sorts last).
    Reserved by creating its :func:`copy_path` exclusively (two processes never take
    one name); the caller writes the copy there and removes it."""
    first = backup_name(clinic_id, when)
    stem = first.removesuffix(SUFFIX)
    taken = [
        number_of(Path(name.lstrip(".").split(SUFFIX)[0] + SUFFIX))
        for name in (os.listdir(folder) if folder.is_dir() else [])
        if name.lstrip(".").startswith(stem) and SUFFIX in name
    ]
    number = max(taken, default=0) + 1
    while True:
        dest = folder / backup_name(clinic_id, when, number)
        try:
            fd = os.open(copy_path(dest), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            number += 1
            continue
        os.close(fd)
        if not dest.exists():  # one finished between the listing and the reserving
            return dest
        copy_path(dest).unlink(missing_ok=True)
        number += 1


def found_in(folder: Path) -> list[Path]:
    """The backup files in ``folder`` (by name; a partial one is not a backup)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"*{SUFFIX}") if not p.name.startswith("."))

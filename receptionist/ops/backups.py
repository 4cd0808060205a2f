"""Backups: make, list, check and restore them; rotate the old ones away.

A backup (``store/backup.py``) holds the clinic's encrypted copy, its key file and a
manifest carrying the audit log's anchor at that moment. Every backup made also
checks the clinic's log against the anchor of the newest backup before it, so a log
rewritten since, even by someone who holds the key, is found at the next backup
(issue #11, item 7). Restoring replaces the clinic's files with the backup's (the
current ones are kept beside them) and needs the app closed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from receptionist import __version__, zones
from receptionist.clock import Clock
from receptionist.context import SYSTEM, Actor, Ctx, require
from receptionist.errors import (
    Busy,
    DiskFull,
    NotOurFile,
    ReceptionistError,
    UnlockError,
    UserError,
)
from receptionist.journal import anchor as anchors
from receptionist.journal import audit, checkpoint
from receptionist.journal.coverage import clinic_id as clinic_id_of
from receptionist.ops import backupplaces as places
from receptionist.ops import restorecarry
from receptionist.reminders import handover
from receptionist.retention.policy import BACKUP_DAYS
from receptionist.settings import backups as settings
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore, pcstore, registry
from receptionist.store import backup as files
from receptionist.store import copymark, keystore, lookcopy, migrate, setaside
from receptionist.store.backup import Manifest
from receptionist.store.backup import Stopped as Stopped  # the backup given up at its stop
from receptionist.store.folder import make_private_dir
from receptionist.store.lock import InstanceLock, exclusive_use
from receptionist.store.migrate import current_revision
from receptionist.store.storage import Database, db_files, fsync_dir, key_id
from receptionist.store.vault import AskSecret, DataDir, clinic_id, open_unlocked, unlock
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

CANNOT = Text(QT_TRANSLATE_NOOP("core", "Only a manager or an administrator can manage backups."))


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    clinic_id: str
    created_at: datetime
    size: int
    revision: str
    this_clinic: bool
    # The audit anchor its manifest holds (None: none), read with the listing, so the
    # checks against the clinic's log open no archive again.
    anchor: Mapping[str, object] | None = None
    made_by: str = ""  # "job", "person", or "" (made before it was kept): the manifest's


@dataclass(frozen=True)
class Made:
    path: Path
    size: int
    seconds: float
    removed: list[Path]
    log_problem: str  # "" when the log verified (and held the last backup's anchor)
    same_disk: bool  # the backup is on the disk that holds the clinic


@dataclass(frozen=True)
class Checked:
    path: Path
    ok: bool
    problem: str  # "" when whole and its log verifies against its own anchor
    created_at: datetime | None
    events: int
    # The exit code the problem calls for: 2 not a backup at all, 3 damaged or
    # incomplete, not opened by the key given, or its log not verifying (0 when ok).
    exit_code: int = 0


def folder_for(root: Path, given: Path | None = None) -> Path:
    """Where backups go: ``given``, else this PC's setting, else ``<data>/backups``."""
    if given is not None:
        return given.expanduser()
    chosen = str(pcstore.value(settings.FOLDER))
    return Path(chosen).expanduser() if chosen else Path(root) / "backups"


def _same_disk(a: Path, b: Path) -> bool:
    """Whether ``a`` (or, not made yet, the nearest folder above it) is on ``b``'s disk."""
    here = Path(os.path.abspath(a))
    while not here.exists() and here != here.parent:
        here = here.parent
    try:
        return here.stat().st_dev == b.stat().st_dev
    except OSError:
        return False


def same_disk_warning(folder: Path) -> Text:
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The backups go to {folder}, on the disk that holds the clinic: a failed or "
            "stolen disk takes both. Set the backup folder ({where}) to a second disk or a "
            "network share.",
        ),
        folder=str(folder),
        where=registry.section(settings.FOLDER),
    )


def placement(root: Path) -> Text | None:
    """A warning when this PC's backup folder is on the disk that holds the clinic in
    ``root`` (the default folder always is), else None. Reads no database."""
    folder = folder_for(root)
    return same_disk_warning(folder) if _same_disk(folder, Path(root)) else None


# -- making one ----------------------------------------------------------------------


FOLDER_FAILED = QT_TRANSLATE_NOOP(
    "core",
    "The backup could not be written in {folder}: {reason}. Check that the folder can be "
    "reached and written to and that its disk has room (a disk plugged in, a network share "
    "connected), or choose another backup folder ({where}); "
    "then make the backup again.",
)


NO_ROOM = QT_TRANSLATE_NOOP(
    "core",
    "There is not enough free space in {folder} for the backup (it needs about {mb} MB): "
    "nothing was left there. Free some space on that disk, or choose another backup folder "
    "({where}); then make the backup again.",
)


def _folder_failed(folder: Path, exc: OSError, needs: int = 0) -> UserError:
    """What an OS error while making a backup in ``folder`` tells a person: its disk
    full (about ``needs`` bytes wanted), or the reason the system gives."""
    where = registry.section(settings.FOLDER)
    if exc.errno in files.NO_ROOM:
        mb = str(max(1, -(-needs // (1024 * 1024))))
        return UserError(Text(NO_ROOM, folder=str(folder), mb=mb, where=where))
    return UserError(Text(FOLDER_FAILED, folder=str(folder), reason=_reason(exc), where=where))


def _reason(exc: OSError) -> str:
    """The system's reason for an OS error on a backup folder, with the path it names."""
    reason = exc.strerror or type(exc).__name__
    if exc.filename:
        reason = f"{reason} ({exc.filename})"
    return reason


def create(
    db: Database,
    ctx: Ctx,
    root: Path,
    *,
    to: Path | None = None,
    stop: Callable[[], bool] | None = None,
    by_person: bool = False,
) -> Made:
    """:func:`_create`; an OS error (the folder out of reach, not writable, its disk
    full) is a :class:`UserError` naming the folder, the reason and what to do.
    ``stop`` (``jobs.runner.stop_asked``: the app closing) is asked until the backup
    is in place: once it says so, the backup is given up (:class:`Stopped`, re-raised
    from ``store.backup``): its unfinished files removed, nothing on the list, no
    ``backup`` audit event, the rotation not run. The backup is "by hand" (``made_by``
    ``person``) when a person's context makes it, or ``by_person``: the backup job run
    now by a person (``jobs.runner.asked_by_person``: Back up now, ``jobs run``)."""
    try:
        return _create(db, ctx, root, to=to, stop=stop or _going_on, by_person=by_person)
    except OSError as exc:
        raise _folder_failed(folder_for(root, to), exc, _size(db.path)) from exc


def _size(path: Path) -> int:
    """The bytes of the file at ``path`` (0 when it cannot be read): what a backup of
    it needs, about."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _going_on() -> bool:
    return False


def _create(
    db: Database,
    ctx: Ctx,
    root: Path,
    *,
    to: Path | None,
    stop: Callable[[], bool],
    by_person: bool = False,
) -> Made:
    """A backup of the open clinic in its backup folder, checked after writing; then
    the rotation. The log is checked against the newest earlier backup's anchor:
    a problem is returned (and the backup is made all the same: it keeps the data)."""
    require(ctx, "backup.manage", CANNOT)
    # A copy restored to look at shares this PC's backup folder with the clinic: its
    # backups there would carry anchors the clinic's log never held (store/lookcopy.py).
    lookcopy.refuse(root, lookcopy.NO_BACKUP)
    started = time.monotonic()
    folder = folder_for(root, to)
    make_private_dir(folder)
    places.remember(root, folder)  # first: the sweep finds what is written there
    clinic = clinic_id(root)  # the data folder's (its key file's): what a restore checks
    problem = log_against_backups(db, folder, clinic, ctx.clock.now())
    with db.read() as s:
        problem = problem or _log_problem(audit.verify(s, now=ctx.clock.now()))
        taken = audit.anchor(s, ctx.clock)
        zone = str(clinicstore.value(s, clinic_settings.TIMEZONE))
    revision = current_revision(db) or ""
    if stop():  # the checks took their time: nothing is written yet
        raise Stopped()
    # A name of its own, even beside one made in the same second (never replaced).
    dest = files.reserve_name(folder, clinic, ctx.clock.now())
    copy = files.copy_path(dest)
    try:
        digest = files.export_copy(db.connect, db.key_pragma(), copy, stop=stop)
        if stop():  # the copy is checked, not in place: removed below, as is all of it
            raise Stopped()
        manifest = Manifest(
            clinic_id=clinic,
            created_at=ctx.clock.now(),
            revision=revision,
            db_bytes=copy.stat().st_size,
            db_sha256=digest,
            anchor=taken.to_json(),
            app_version=__version__,
            log_problem=problem,
            key_id=db.key_id(),
            zone=zone,
            made_by="job" if ctx.actor.source == SYSTEM.source and not by_person else "person",
        )
        path = files.write_archive(dest, copy, DataDir(root).keyfile, manifest)
    finally:
        with contextlib.suppress(OSError):
            copy.unlink()
    with db.write() as s:
        audit.record(s, ctx, "backup", "clinic", clinic_id_of(s))
    # A log found rewritten keeps every backup: the older ones are the evidence.
    removed = [] if problem else rotate(db, folder, clinic, ctx.clock.now())
    return Made(
        path, path.stat().st_size, time.monotonic() - started, removed, problem,
        _same_disk(folder, Path(root)),
    )  # fmt: skip


def _log_problem(result: audit.VerifyResult) -> str:
    return "" if result.ok else str(result.message)


def log_against_backups(db: Database, folder: Path, clinic: str, now: datetime) -> str:
    """The clinic's log held to the anchors kept in its backups in ``folder``: a
    sentence when it no longer holds one of them (rewritten since), else "".

    The newest anchor is checked with the whole chain; since the chain is whole up to
    it, an older anchor holds when its event still has the hash it recorded. ``now``
    (this PC's clock) refuses an anchor whose event is gone from the log though it is
    too young for the retention sweep to have removed it (a cut made by hand)."""
    return log_against(db, _listing(folder, clinic), now)


def log_against(db: Database, found: Sequence[BackupInfo], now: datetime) -> str:
    """:func:`log_against_backups`, for the backups a listing ``found`` already (each
    archive read once: the anchors came with the listing)."""
    kept = _anchors(found)
    if not kept:
        return ""
    with db.read() as s:
        zone = str(clinicstore.value(s, clinic_settings.TIMEZONE))  # the time told in it
        result = audit.verify(s, anchor=kept[0], now=now)
        if not result.ok:
            return str(result.message)
        for older in kept[1:]:
            # The event itself, or (when the sweep removed it) the checkpoint past it.
            if older.head_seq and audit.holds(s, older, now) is not None:
                return Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The audit log no longer holds the event the backup of {taken} "
                        "anchored: it was rewritten since that backup.",
                    ),
                    taken=zones.told(older.taken_at, zone),
                )
    return ""


def unchecked_anchors(db: Database, found: Sequence[BackupInfo]) -> list[anchors.Anchor]:
    """The anchors of this clinic's backups among ``found`` (a listing) that can no
    longer be checked: the retention sweep removed the event each recorded, and no
    checkpoint kept its hash (the sweep did not know the backup). :func:`log_against`
    passes them (an old anchor's event may have gone); this says so rather than
    "verified"."""
    kept = _anchors(found)
    with db.read() as s:
        return [a for a in kept if checkpoint.unchecked(s, a.head_seq)]


def _anchors(found: Sequence[BackupInfo]) -> list[anchors.Anchor]:
    """The anchors of this clinic's backups among ``found``, in its order."""
    return [
        anchors.parse(_json_bytes(b.anchor))
        for b in found
        if b.this_clinic and b.anchor is not None
    ]


def _json_bytes(data: Mapping[str, object]) -> bytes:
    return json.dumps(dict(data)).encode("utf-8")


# -- listing and rotating ------------------------------------------------------------


def listing(db: Database, ctx: Ctx, root: Path, *, folder: Path | None = None) -> list[BackupInfo]:
    """The backups in the folder, newest first (other clinics' too, marked). A folder
    found holding this clinic's backups is remembered: the sweep deletes them there
    when they expire (a folder used before the list was kept, ``backupplaces``)."""
    require(ctx, "backup.manage", CANNOT)
    where = folder_for(root, folder)
    found = _listing(where, clinic_id(root))
    if any(b.this_clinic for b in found):
        places.remember(root, where)
    return found


def newest(root: Path) -> BackupInfo | None:
    """The newest backup of the clinic in ``root`` in its backup folder (read without
    opening the clinic: for a file too damaged to open)."""
    found = [b for b in _listing(folder_for(root), clinic_id(root)) if b.this_clinic]
    return found[0] if found else None


def _listing(folder: Path, clinic: str) -> list[BackupInfo]:
    found: list[BackupInfo] = []
    for path in files.found_in(folder):
        try:
            m = files.read_manifest(path)
        except (files.NotABackup, files.BrokenBackup):
            continue
        size = path.stat().st_size
        ours = m.clinic_id == clinic
        found.append(
            BackupInfo(path, m.clinic_id, m.created_at, size, m.revision, ours, m.anchor, m.made_by)
        )
    return sorted(found, key=made_order, reverse=True)


def made_order(info: BackupInfo) -> tuple[datetime, int]:
    """What orders backups as they were made: the time in the manifest, then (made at
    one time, by a clock that stood still) the number in the name (``files.number_of``)."""
    return info.created_at, files.number_of(info.path)


def to_keep(
    made: list[datetime], keep_daily: int, keep_weekly: int, zone: tzinfo = UTC
) -> set[datetime]:
    """Which backup times to keep: the newest, the newest of each of the last
    ``keep_daily`` days that have one, and the newest of each of the ``keep_weekly``
    weeks before those; days and weeks as the clinic counts them (``zone``)."""
    return set(kept_as(made, keep_daily, keep_weekly, zone))


DAILY, WEEKLY, BY_HAND = "daily", "weekly", "by_hand"


def kept_as(
    made: list[datetime], keep_daily: int, keep_weekly: int, zone: tzinfo = UTC
) -> dict[datetime, str]:
    """The times :func:`to_keep` keeps, each with what the rotation keeps it as:
    :data:`DAILY` (the newest, and the newest of each of the daily days) or
    :data:`WEEKLY`."""
    newest_first = sorted(made, reverse=True)
    keep: dict[datetime, str] = dict.fromkeys(newest_first[:1], DAILY)
    days: dict[date, datetime] = {}
    for at in newest_first:
        days.setdefault(at.astimezone(zone).date(), at)
    daily = list(days.items())[:keep_daily]
    keep.update((at, DAILY) for _, at in daily)
    oldest_daily = daily[-1][0] if daily else None
    weeks: dict[tuple[int, int], datetime] = {}
    for day, at in days.items():
        if oldest_daily is not None and day >= oldest_daily:
            continue
        iso = day.isocalendar()
        weeks.setdefault((iso.year, iso.week), at)
    keep.update((at, WEEKLY) for at in list(weeks.values())[:keep_weekly])
    return keep


def kinds(db: Database, found: Sequence[BackupInfo]) -> dict[Path, str]:
    """What each of this clinic's backups among ``found`` (a listing) is: :data:`BY_HAND`
    when a person made it (``backup create``, a rekey's); else (the backup job's, or one
    made before its maker was kept) :data:`WEEKLY` when the rotation keeps it as a
    week's under the clinic's settings (:func:`kept_as`), else :data:`DAILY`."""
    with db.read() as s:
        daily = int(clinicstore.value(s, settings.KEEP_DAILY))  # type: ignore[call-overload]
        weekly = int(clinicstore.value(s, settings.KEEP_WEEKLY))  # type: ignore[call-overload]
        zone = zones.zone(str(clinicstore.value(s, clinic_settings.TIMEZONE)))
    ours = [b for b in found if b.this_clinic]
    kept = kept_as([b.created_at for b in ours], daily, weekly, zone)
    return {
        b.path: BY_HAND if b.made_by == "person" else kept.get(b.created_at, DAILY) for b in ours
    }


def rotate(db: Database, folder: Path, clinic: str, now: datetime) -> list[Path]:
    """Delete this clinic's backups the rotation does not keep; never another's."""
    with db.read() as s:
        daily = int(clinicstore.value(s, settings.KEEP_DAILY))  # type: ignore[call-overload]
        weekly = int(clinicstore.value(s, settings.KEEP_WEEKLY))  # type: ignore[call-overload]
        zone = zones.zone(str(clinicstore.value(s, clinic_settings.TIMEZONE)))
    ours = [b for b in _listing(folder, clinic) if b.this_clinic]  # newest first
    keep = to_keep([b.created_at for b in ours], daily, weekly, zone)
    removed, seen = [], set()
    for info in ours:
        # Of backups made at one time, the last made is the one kept (as the newest of
        # a day is): the listing gives it first.
        kept = info.created_at in keep and info.created_at not in seen
        seen.add(info.created_at)
        if not kept and info.created_at <= now:
            with contextlib.suppress(FileNotFoundError):
                info.path.unlink()
            removed.append(info.path)
    return removed


@dataclass(frozen=True)
class Removed:
    gone: list[Path]  # the removed copies (each by its main file), oldest first
    unreachable: list[Path]  # folders out of reach: left for a later sweep


def remove_older(root: Path, before: datetime) -> list[Path]:
    """The copies :func:`remove_expired` removed."""
    return remove_expired(root, before).gone


def remove_expired(root: Path, before: datetime) -> Removed:
    """Delete this clinic's copies made before ``before`` (the retention sweep's
    "expired backups"; the rotation alone may keep weekly ones for years): its backups
    in every folder this PC wrote one in, and the copies a restore or an upgrade set
    aside beside the clinic file (``backupplaces``); never another clinic's. Folders
    out of reach are left for a later sweep, and told (as :func:`unreachable` would,
    from the same search: the sweep reads every manifest once)."""
    current = folder_for(root)
    found = places.search(root, current, clinic_id(root))
    gone = [c for c in found.copies if c.made_at < before]
    for copy in gone:
        places.delete(copy)
    kept = {_place_of(c.path) for c in found.copies if c not in gone and not c.set_aside}
    emptied = {*found.empty, *(_place_of(c.path) for c in gone if not c.set_aside)}
    places.forget(root, sorted(emptied - kept - {Path(os.path.abspath(current))}))
    return Removed([c.path for c in gone], found.unreachable)


def _place_of(backup: Path) -> Path:
    """The backup folder of ``backup`` (the one above a restore's ``superseded-*``)."""
    folder = backup.parent
    return folder.parent if folder.match(places.SUPERSEDED) else folder


def expired(root: Path, before: datetime) -> list[Path]:
    """This clinic's copies made before ``before`` (what ``remove_older`` deletes)."""
    found = places.search(root, folder_for(root), clinic_id(root))
    return [c.path for c in found.copies if c.made_at < before]


def held_in_copies(db: Database, root: Path, now: datetime) -> Text | None:
    """What a person erasing a patient is told of the copies that may still hold her
    (an erasure changes no backup): how many, and the day the sweep deletes the last
    of them (retention.backup_days after it was made); None when there are none."""
    found = places.search(root, folder_for(root), clinic_id(root))
    made = [c.made_at for c in found.copies if c.made_at <= now]
    if not made:
        return None
    with db.read() as s:
        days = int(clinicstore.value(s, BACKUP_DAYS))  # type: ignore[call-overload]
        zone = zones.zone(str(clinicstore.value(s, clinic_settings.TIMEZONE)))
    until = (max(made) + timedelta(days=days)).astimezone(zone)
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "{count} backup(s) or copies of the clinic kept beside it may still hold the "
            "patient: an erasure does not change them. The retention sweep deletes each "
            "{days} days after it was made, the last on {until}. A restore over the "
            "clinic from one of them erases the patient again; one restored elsewhere, "
            "as a copy to look at, still holds her until it is deleted.",
        ),
        count=len(made),
        days=days,
        until=f"{until:%Y-%m-%d}",
    )


@dataclass(frozen=True)
class Place:
    folder: Path
    reachable: bool
    current: bool  # this PC's backup folder now
    written: bool  # this PC wrote a backup there (the current folder may have none yet)


def known_places(db: Database, ctx: Ctx, root: Path) -> list[Place]:
    """The folders this PC wrote backups in (and the current one), each reachable or
    not: where the sweep looks for expired backups."""
    require(ctx, "backup.manage", CANNOT)
    current = Path(os.path.abspath(folder_for(root)))
    written = places.remembered(root)
    return [
        Place(f, places.reachable(f), f == current, f in written)
        for f in places.places(root, current)
        if f in written or f == current
    ]


def forget_place(db: Database, ctx: Ctx, root: Path, folder: Path) -> None:
    """Stop looking in ``folder`` for expired backups (a disk gone for good): whatever
    it still holds is then for a person to delete. Refused for the current folder and
    for a folder not on the list."""
    require(ctx, "backup.manage", CANNOT)
    where = Path(os.path.abspath(folder))
    if where == Path(os.path.abspath(folder_for(root))):
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{folder} is this PC's backup folder now: choose another backup folder "
                    "({where}) first, then forget it.",
                ),
                folder=str(where),
                where=registry.where(settings.FOLDER),
            )
        )
    if where not in places.remembered(root):
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{folder} is not a former backup folder of this PC (see `backup "
                    "places`; the current folder cannot be forgotten); nothing was changed.",
                ),
                folder=str(where),
            )
        )
    places.forget(root, [where])


def unreachable(root: Path) -> list[Path]:
    """The folders this PC wrote backups in that it cannot reach now: the sweep could
    not delete the expired backups there (counted, and told, as "not reachable")."""
    return places.search(root, folder_for(root), clinic_id(root)).unreachable


def kept_anchors(root: Path) -> list[anchors.Anchor]:
    """The audit anchors in this clinic's backups, newest first: copies of the log's
    head kept outside the file (the retention sweep's warrant to cut the log, and the
    events its checkpoints keep). From every folder this PC wrote backups in that it
    reaches now (``backupplaces``), so a backup made with ``--to`` stays checkable; not
    from ``superseded-*`` (a history a restore undid)."""
    clinic, listed = clinic_id(root), []
    for folder in places.places(root, folder_for(root)):
        with contextlib.suppress(OSError):  # out of reach, or gone while read
            listed += _listing(folder, clinic) if places.reachable(folder) else []
    found = []
    for info in sorted(listed, key=made_order, reverse=True):
        if info.this_clinic and info.anchor is not None:
            with contextlib.suppress(UserError):
                found.append(anchors.parse(_json_bytes(info.anchor)))
    return found


# -- checking one --------------------------------------------------------------------


@contextlib.contextmanager
def _unpacked(path: Path) -> Iterator[tuple[Manifest, DataDir]]:
    """The backup's database and key file in a private temporary data folder."""
    with tempfile.TemporaryDirectory(prefix="receptionist-backup-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o700)
        manifest, _, _ = files.extract(path, folder)
        yield manifest, DataDir(folder)


def _log_in(path: Path, problem: str) -> Text:
    return Text(
        QT_TRANSLATE_NOOP(
            "core", "The backup {path} is whole, but its audit log does not verify: {problem}"
        ),
        path=path.name,
        problem=problem,
    )


def verify(
    path: Path,
    *,
    ask: AskSecret | None = None,
    env: Mapping[str, str] | None = None,
    current_key: str | None = None,
    zone: str | None = None,
) -> Checked:
    """Whether the backup at ``path`` is whole: its copy matches its manifest, opens
    (with this PC's key, or the secret of the time it was made), reads whole, and
    its audit log verifies and still holds the anchor it was made with.
    ``current_key``: the fingerprint of the clinic's key now (``Database.key_id``;
    default: of the key in this PC's keychain), so a backup made under an earlier key
    is told as such; ``zone``: the clinic's time zone, in which that refusal tells the
    backup's time (default: the one its manifest kept, else UTC, said)."""
    try:
        with _unpacked(path) as (manifest, ddir):
            env = os.environ if env is None else env
            key = _unlock_backup(
                ddir.root, manifest, path, ask=ask, env=env, current=current_key, zone=zone
            )
            files.check_copy(ddir.db, key)
            copy = Database(ddir.db, key)
            try:
                kept = anchors.parse(_json_bytes(manifest.anchor)) if manifest.anchor else None
                with copy.read() as s:
                    result = audit.verify(s, anchor=kept, now=manifest.created_at)
            finally:
                copy.close()
            problem = _log_problem(result)
            if problem:
                problem = _log_in(path, problem)
            return Checked(
                path, not problem, problem, manifest.created_at, result.events, 3 if problem else 0
            )
    except ReceptionistError as exc:
        return Checked(path, False, str(exc), None, 0, exc.exit_code)


EARLIER_KEY = QT_TRANSLATE_NOOP(
    "core",
    "The backup {path} of {made} was made under an earlier key of this clinic (before a "
    "rekey): the key, passphrase and recovery code of now do not open it. Use the "
    "recovery code (or the admin passphrase) that was current on {made}: type it when "
    "asked, or set RECEPTIONIST_PASSPHRASE to it.",
)
MAYBE_EARLIER_KEY = QT_TRANSLATE_NOOP(
    "core",
    "{problem} If the clinic's key was changed (rekey) after {made}, when the backup "
    "{path} was made, use the recovery code (or the admin passphrase) that was current "
    "then.",
)


def _unlock_backup(
    folder: Path,
    manifest: Manifest,
    path: Path,
    *,
    ask: AskSecret | None,
    env: Mapping[str, str],
    current: str | None = None,
    zone: str | None = None,
) -> bytes:
    """The key of the backup unpacked in ``folder`` (``vault.unlock``). When nothing
    offered opens it, and its manifest's key fingerprint is not the clinic's key of now
    (``current``, else the key in this PC's keychain), the refusal says it was made
    under an earlier key and which secret opens it, telling the backup's time in the
    clinic's time (``zone``, else the zone its manifest kept; UTC, said, without one)."""
    try:
        return unlock(folder, ask=ask, env=env)
    except NotOurFile:
        raise
    except UnlockError as exc:
        made = zones.told(manifest.created_at, zone or manifest.zone)
        if current is None:
            stored = keystore.load_key(manifest.clinic_id)
            current = key_id(stored) if stored is not None else None
        if manifest.key_id and current is not None and manifest.key_id != current:
            raise UnlockError(Text(EARLIER_KEY, path=path.name, made=made)) from None
        if not manifest.key_id or current is None:  # no fingerprint, or no key to compare
            raise UnlockError(
                Text(MAYBE_EARLIER_KEY, problem=message(exc), path=path.name, made=made)
            ) from None
        raise


# -- restoring one -------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    root: Path
    created_at: datetime
    kept_aside: list[Path]
    superseded: list[Path]
    # Restored into a folder that held no clinic: a copy to look at (store/lookcopy.py),
    # which sends nothing until adopted; the clinic's backups were left as they were.
    look_only: bool = False
    # The restore is done, but the newer backups could not be moved aside: the sentence
    # naming their folder, the reason and what to do ("" when they moved, or none).
    not_superseded: str = ""
    # The restored clinic's time zone (its setting), in which its times are told.
    zone: str = "UTC"
    # What it carried over from the clinic it replaced (``ops.restorecarry``): erasures
    # re-applied, destruction records kept, the review (None: it replaced no clinic).
    carried: restorecarry.Carried | None = None


CARRY_LOCKED = QT_TRANSLATE_NOOP(
    "core",
    "The clinic this backup would replace cannot be opened with the keys at hand (it was "
    "rekeyed after the backup, its key in another PC's keychain, or the file damaged), so the "
    "erasures "
    "and destruction records made after the backup could not be carried over: erased "
    "patients would come back. Give the clinic's current passphrase too "
    "(RECEPTIONIST_PASSPHRASE_FILE, the backup's staying in RECEPTIONIST_PASSPHRASE), or "
    "restore on the PC whose keychain holds it; to restore anyway, knowing that, add "
    "--without-carry. Nothing was changed.",
)


def restore(
    root: Path,
    path: Path,
    clock: Clock,
    *,
    ask: AskSecret | None = None,
    env: Mapping[str, str] | None = None,
    holding_lock: bool = False,
    confirm: Callable[[bool], None] | None = None,
    without_carry: bool = False,
) -> Restored:
    """Put the backup at ``path`` in place of the clinic in ``root`` (or into an empty
    ``root``). The app must be closed. The clinic's current files are kept beside as
    ``*.before-restore-<time>``. Refused, changing nothing, for another clinic's
    backup, a backup that is not whole, or one made by a newer version (its schema
    unknown here). A failure at any step once the folder begins to change (a copy's
    mark, the set-aside, the restoring marker, the swap, the restored file's opening)
    puts everything back as it was; an OS error is then a :class:`UserError` naming the
    folder ("nothing was changed"), and what could not be put back, if anything, is
    named instead (:func:`_undo_restore`). ``holding_lock``: the caller (the app,
    offering a backup for a damaged file) holds the folder's app lock already.

    Only a restore over the clinic itself replaces it: the backups made after the one
    restored move aside then (``superseded``). A restore into a folder that held no
    clinic (or into a copy restored to look at) makes a copy to look at: marked, its
    jobs off, the clinic's backups untouched, until a person adopts it (:func:`adopt`).
    ``confirm`` is called, once every check passed and before anything moves, with
    whether the restore replaces the clinic (False: it makes a copy to look at, a copy's
    files copied by hand included); it raises to stop, and nothing is changed.

    Once the restored file opened, the restore is done: when the newer backups cannot
    then be moved aside (their folder out of reach or not writable), it is not undone;
    ``not_superseded`` says so, naming the folder and what to do.

    The clinic replaced is read for what it destroyed after the backup
    (``ops.restorecarry``). When none of the keys at hand opens it (rekeyed since, its
    key in another PC's keychain), the restore is refused, nothing changed, unless
    ``without_carry`` (the person knows erasures made since will have to be made again;
    the app's restore over a damaged file, whose reading may fail as a key's would)."""
    ddir = DataDir(Path(root))
    env = os.environ if env is None else env
    make_private_dir(ddir.root)
    replacing = replaces_clinic(ddir.root)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=ddir.root) as tmp:
        manifest, db_copy, keys_copy = files.extract(path, Path(tmp))
        if ddir.exists():
            _refuse_other_clinic(ddir, manifest, path)
        # The clinic's key as this PC holds it, before unlocking the backup may store the
        # backup's in its place: to read what the restore carries over (a rekey since).
        held = restorecarry.stored_key(ddir.root) if ddir.exists() else None
        key = _unlock_backup(Path(tmp), manifest, path, ask=ask, env=env)
        files.check_copy(db_copy, key)
        # Before anything is moved: a file this version cannot open must not replace one
        # it can (the clinic's own files would be left aside, the newer backups moved).
        _refuse_newer(path, manifest, files.copy_revision(db_copy, key))
        if replacing and copymark.in_file_at(ddir.db, key) is not None:
            # A copy's files copied by hand and not opened since: its mark is in the
            # file only (``store/copymark.py``). It stays a copy; the clinic is elsewhere.
            replacing = False
        if confirm is not None:
            confirm(replacing)
        app_lock = contextlib.nullcontext() if holding_lock else InstanceLock(ddir.lock)
        with app_lock:
            # What the clinic destroyed after the backup, read (only) before its files move:
            # written into the restored file with the restore (``ops.restorecarry``).
            found = restorecarry.read(ddir.root, key, stored=held, env=env) if replacing else None
            if isinstance(found, restorecarry.Carried) and found.locked and not without_carry:
                raise UserError(Text(CARRY_LOCKED))
            with exclusive_use(ddir.db):
                before = lookcopy.kept(ddir.root)
                aside: list[Path] = []  # filled as the clinic's files move aside
                swapping = False  # every file of the clinic's is aside: the rest is ours
                # From the first change on, a failure at any step puts back what was done:
                # the folder is as it was, byte for byte (_undo_restore).
                try:
                    if not replacing:  # before the files: no crash leaves an unmarked twin
                        # (a copy restored again: the mark names the backup it holds now)
                        lookcopy.mark(
                            ddir.root, manifest.created_at, path.parent, clock.now(), manifest.zone
                        )
                    _set_aside(ddir, clock.now(), aside)
                    swapping = True
                    # Kept until the restore is written in the file: a restore cut short
                    # after the swap still keeps the station from sending again
                    # (reminders/handover.py).
                    handover.restoring(ddir.root, clock.now())
                    os.replace(keys_copy, ddir.keyfile)
                    os.replace(db_copy, ddir.db)
                    fsync_dir(ddir.root)
                except BaseException as exc:
                    left = _undo_restore(ddir, aside, swapping, replacing, before)
                    failed = _restore_failed(ddir.root, exc, left)
                    if failed is None:
                        raise
                    raise failed from exc
            try:
                zone, carried = _write_restored(ddir.root, key, clock, replacing, found)
            except BaseException as exc:
                # Nothing half-written: the clinic's own files go back in place.
                with exclusive_use(ddir.db):
                    left = _undo_restore(ddir, aside, True, replacing, before)
                failed = _restore_failed(ddir.root, exc, left)
                if failed is None:
                    raise
                raise failed from exc
    # The restore is written in the file: a marker that cannot be removed now is harmless
    # (the next opening writes the same handover again and removes it: handover.cut_short).
    with contextlib.suppress(OSError):
        handover.restore_written(ddir.root)
    # Only once the restored file opened: its newer backups hold a history it undid.
    superseded: list[Path] = []
    not_moved = ""
    if replacing:
        try:
            _supersede_newer(
                path.parent, manifest.clinic_id, manifest.created_at, clock.now(), superseded
            )
        except OSError as exc:  # the restore is done and stays done: say what is left
            not_moved = Text(NOT_SUPERSEDED, folder=str(path.parent), reason=_reason(exc))
    return Restored(
        ddir.root, manifest.created_at, aside, superseded, not replacing, not_moved, zone,
        carried,
    )  # fmt: skip


NOT_SUPERSEDED = QT_TRANSLATE_NOOP(
    "core",
    "The restore is done, but this clinic's backups made after the one restored could not "
    "be moved out of {folder}: {reason}. They hold a history the restored clinic does not "
    "have, so the next backup's check may say the audit log was rewritten. Make the "
    "folder reachable and writable, then move them by hand into a folder of their own "
    "inside it named superseded-<date> (the retention sweep still deletes them there).",
)


NEWER_BACKUP = QT_TRANSLATE_NOOP(
    "core",
    "The backup {path} was made by a newer version of Receptionist, whose data this version "
    "cannot read; nothing was changed. Install that version (or a newer one) on this PC, "
    "then restore the backup again.",
)


def _refuse_newer(path: Path, manifest: Manifest, revision: str | None) -> None:
    """Refuse, changing nothing, a backup whose schema (its manifest's, or its copy's
    own) is not one this version knows: a newer version of Receptionist made it."""
    for found in (manifest.revision, revision):
        if found and not migrate.known(found):
            raise NotOurFile(Text(NEWER_BACKUP, path=path.name))


def _write_restored(
    root: Path,
    key: bytes,
    clock: Clock,
    replacing: bool,
    found: restorecarry.Found | restorecarry.Carried | None = None,
) -> tuple[str, restorecarry.Carried | None]:
    """The restored file opened (migrated, if older) with the key that unlocked the
    backup, and the restore written in it, with what it carries over from the clinic it
    replaced (``found``: ``restorecarry.read``); its clinic's time zone returned, and
    what was carried over."""
    db = open_unlocked(root, key)
    lift: Callable[[], None] | None = None
    try:
        with db.write(in_copy=True) as s:  # a restore into a copy again: still a copy
            zone = str(clinicstore.value(s, clinic_settings.TIMEZONE))
            audit.record(s, Ctx(Actor(None, "admin", "cli"), clock), "restore", "clinic", None)
            # What the clinic destroyed after the backup stays destroyed, and recorded.
            carried = restorecarry.apply(s, clock, found)
            # What the reminder station sent after the backup was taken is not in the
            # file: it does not go again (reminders/handover.py).
            handover.restored(s, clock.now())
            # Restored over the clinic, it is the clinic, whatever mark its file held
            # (a copy's mark there is carried beside it at every opening, lookcopy).
            if replacing:
                lift = lookcopy.unmark(s, root)
        if carried is not None and carried.erasures_reapplied:
            db.checkpoint()  # the erased bytes' older copies leave the WAL, as at an erasure
    finally:
        db.close()
    if lift is not None:
        lift()
    return zone, carried


def _undo_restore(
    ddir: DataDir, aside: list[Path], swapped: bool, replacing: bool, mark: bytes | None
) -> list[Path]:
    """A restore that failed once it changed something: the files it put in place
    removed (``swapped``: every file of the clinic's was set aside, so the ones in place
    are the restore's; before that, none is), the clinic's own (``aside``) put back, the
    restoring marker removed, a copy's mark as it was (``mark``: :func:`lookcopy.kept`
    before the restore). Every step is tried; what could not be put back is returned
    (empty: the folder is as it was)."""
    left: list[Path] = []
    if swapped:
        for placed in [*db_files(ddir.db), ddir.keyfile]:
            try:
                placed.unlink(missing_ok=True)
            except OSError:
                left.append(placed)
    back = _put_back(aside)
    returned = {_original(m) for m in aside if m not in back}
    left = [p for p in left if p not in returned] + back  # a file put back replaced it
    try:
        handover.restore_written(ddir.root)
    except OSError:
        left.append(ddir.root / handover.RESTORING)
    if not replacing:
        try:
            if lookcopy.kept(ddir.root) != mark:
                lookcopy.put_back(ddir.root, mark)
        except OSError:
            left.append(ddir.root / lookcopy.MARKER)
    with contextlib.suppress(OSError):
        fsync_dir(ddir.root)
    return left


RESTORE_FAILED = QT_TRANSLATE_NOOP(
    "core",
    "The backup could not be restored into {folder}: {reason}. Nothing was changed: the "
    "files there are as they were. Make sure the folder is writable, its disk has room "
    "and no other program (an antivirus, a backup tool) holds its files, then restore again.",
)
RESTORE_LEFT = QT_TRANSLATE_NOOP(
    "core",
    "The backup could not be restored into {folder} ({reason}), and these files could not "
    "be put back as they were: {left}. Do not open the clinic there yet. In that folder, "
    "a file named <name>.before-restore-<time> is the clinic's own: delete any file named "
    "<name> beside it and rename it back to <name>; delete reminders-restoring if it is "
    "there. Then open the clinic, or restore again.",
)


def _restore_failed(root: Path, exc: BaseException, left: list[Path]) -> BaseException | None:
    """What a failed restore tells a person, once it put back what it could (``left``:
    what it could not). None: the error as it is (it says what to do and nothing was
    changed, or it is a bug, or the person stopped the program)."""
    if not isinstance(exc, Exception):
        return None
    if left:
        return _not_put_back(RESTORE_LEFT, exc, left, folder=str(root))
    if isinstance(exc, OSError):
        return UserError(Text(RESTORE_FAILED, folder=str(root), reason=_reason(exc)))
    return None


def _not_put_back(
    template: str, exc: Exception, left: list[Path], **where: str
) -> ReceptionistError:
    """The error of a restore or an adoption that failed (``exc``, its reason said
    safely) and could not put back the files ``left``: ``template`` (``RESTORE_LEFT``,
    ``ADOPT_LEFT``) says where (``where``: the folder or the copy) and what to do by hand."""
    reason = _why(exc)
    if isinstance(exc, DiskFull | Busy):
        # Their sentence goes on "Nothing was changed; ...": not so here, files were left.
        reason = reason.split(". ", 1)[0]
    joined = ", ".join(str(p) for p in left)
    return ReceptionistError(Text(template, reason=reason, left=joined, **where))


def _why(exc: Exception) -> str:
    """The reason a step failed, said safely (a bug's own words are not shown)."""
    if isinstance(exc, OSError):
        return _reason(exc)
    if isinstance(exc, ReceptionistError):
        return str(exc)
    return type(exc).__name__


@dataclass(frozen=True)
class Adopted:
    root: Path
    superseded: list[Path]  # the clinic's backups newer than the copy, moved aside


def replaces_clinic(root: Path) -> bool:
    """Whether a restore into ``root`` replaces the clinic there (else it makes a copy
    to look at: :func:`restore`)."""
    return DataDir(Path(root)).exists() and lookcopy.restored_copy(root) is None


def adopt(db: Database, ctx: Ctx, root: Path) -> Adopted:
    """The copy restored to look at in ``root`` becomes the clinic: a person said it
    replaces it (the clinic's PC is lost, say). From now on its jobs run: it sends the
    reminders, syncs, makes backups and sweeps. The clinic's backups made after the one
    it came from hold a history it does not have: they move aside (``superseded-*``,
    kept), as a restore over the clinic moves them. Refused for a folder that is not
    such a copy. A failure at any step puts the backups moved back and writes nothing:
    the copy is still a copy (an OS error: a :class:`UserError` naming the folders)."""
    require(ctx, "backup.manage", CANNOT)
    copy = lookcopy.restored_copy(root)
    if copy is None:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{path} is not a copy restored to look at: it is a clinic already, and "
                    "its jobs run. Nothing was changed.",
                ),
                path=str(root),
            )
        )
    clinic = clinic_id(root)
    superseded: list[Path] = []  # filled as they move
    mark = lookcopy.kept(root)
    seen: list[Path] = []
    # A failure at any step puts back what was done: the backups moved, the mark.
    try:
        if copy.backup_made_at is not None:
            for folder in (copy.backup_folder, folder_for(root)):
                if folder is None or not places.reachable(folder):
                    continue
                where = Path(os.path.abspath(folder))
                if where not in seen:
                    seen.append(where)
                    _supersede_newer(
                        where, clinic, copy.backup_made_at, ctx.clock.now(), superseded
                    )
        with db.write(in_copy=True) as s:  # the one write that makes it the clinic
            audit.record(s, ctx, "adopt_restored_copy", "clinic", clinic_id_of(s))
            # The clinic's PC went on sending after the restore, until now: what fell due
            # up to the adoption was its to send (reminders/handover.py), not this copy's.
            handover.restored(s, ctx.clock.now())
            # The mark beside the file lifted before the write is committed: if it cannot
            # be, nothing is written. A crash in between leaves the file's mark, which
            # marks the folder again at the next opening (copymark.carry): still a copy.
            lookcopy.unmark(s, root)()
    except BaseException as exc:
        left = _unsupersede(superseded)
        with contextlib.suppress(OSError):
            if lookcopy.kept(root) != mark:
                lookcopy.put_back(root, mark)
        failed = _adopt_failed(Path(root), exc, left, seen)
        if failed is None:
            raise
        raise failed from exc
    return Adopted(Path(root), superseded)


ADOPT_FAILED = QT_TRANSLATE_NOOP(
    "core",
    "The copy in {path} could not be made the clinic: {reason}. Nothing was changed: it is "
    "still a copy restored to look at. Make sure its folder is writable and its disk has "
    "room, then adopt it again.",
)
ADOPT_FAILED_BACKUPS = QT_TRANSLATE_NOOP(
    "core",
    "The copy in {path} could not be made the clinic: {reason}. Nothing was changed: it is "
    "still a copy restored to look at, and the clinic's backups in {folders} are where they "
    "were. Make sure that folder is reachable and writable, and the copy's disk has room, "
    "then adopt it again.",
)
ADOPT_LEFT = QT_TRANSLATE_NOOP(
    "core",
    "The copy in {path} could not be made the clinic ({reason}); it is still a copy "
    "restored to look at. These backups of the clinic were moved aside and could not be "
    "put back: {left}. Move each back into the folder above its superseded-<time> folder, "
    "then adopt the copy again.",
)


def _adopt_failed(
    root: Path, exc: BaseException, left: list[Path], folders: list[Path]
) -> BaseException | None:
    """What a failed adoption tells a person, once it put back what it could (``left``:
    the backups it could not). None: the error as it is (it says what to do and that
    nothing was changed, or it is a bug, or the person stopped the program)."""
    if not isinstance(exc, Exception):
        return None
    if left:
        return _not_put_back(ADOPT_LEFT, exc, left, path=str(root))
    if not isinstance(exc, OSError):
        return None
    if folders:
        where = ", ".join(str(f) for f in folders)
        return UserError(
            Text(ADOPT_FAILED_BACKUPS, path=str(root), reason=_reason(exc), folders=where)
        )
    return UserError(Text(ADOPT_FAILED, path=str(root), reason=_reason(exc)))


def _unsupersede(moved: list[Path]) -> list[Path]:
    """Backups moved aside (``superseded-<time>``) put back where they were, the
    folders they emptied removed; those that could not be returned."""
    left: list[Path] = []
    for target in moved:
        try:
            os.replace(target, target.parent.parent / target.name)
        except OSError:
            left.append(target)
    for aside in {t.parent for t in moved}:
        with contextlib.suppress(OSError):
            aside.rmdir()  # only when emptied
    return left


def _supersede_newer(
    folder: Path,
    clinic: str,
    made_at: datetime,
    now: datetime,
    moved: list[Path] | None = None,
) -> list[Path]:
    """The clinic's backups made after the one restored hold a history that the restore
    undid; their anchors would no longer be held. They move to a folder of their own
    (``superseded-<time>``), kept, and out of the checks and the rotation. ``moved``
    (given: filled as they move) keeps what moved before an OS error stopped it."""
    newer = [b for b in _listing(folder, clinic) if b.this_clinic and b.created_at > made_at]
    if not newer:
        return []
    aside = folder / f"superseded-{now.astimezone(UTC):%Y%m%d-%H%M%S}"
    make_private_dir(aside)
    moved = [] if moved is None else moved
    try:
        for info in newer:
            target = aside / info.path.name
            os.replace(info.path, target)
            moved.append(target)
    except OSError:
        with contextlib.suppress(OSError):
            aside.rmdir()  # only when nothing moved into it
        raise
    return moved


def _refuse_other_clinic(ddir: DataDir, manifest: Manifest, path: Path) -> None:
    current = clinic_id(ddir.root)
    if current != manifest.clinic_id:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{path} is a backup of another clinic; nothing was changed. Restore it "
                    "into an empty folder (--data-dir) to open it beside this one.",
                ),
                path=str(path),
            )
        )


def _put_back(aside: list[Path]) -> list[Path]:
    """The clinic's files set aside put back under their names; those that could not
    be returned (still aside)."""
    left: list[Path] = []
    for moved in aside:
        try:
            os.replace(moved, _original(moved))
        except OSError:
            left.append(moved)
    return left


def _original(moved: Path) -> Path:
    """The name a file set aside (``<name>.before-restore-<time>``) had."""
    return moved.with_name(moved.name.split(".before-restore-")[0])


def _set_aside(ddir: DataDir, now: datetime, moved: list[Path]) -> list[Path]:
    """The clinic's files moved aside as ``<name>.before-restore-<UTC time>``: a name
    no file there has (a second restore in the same second: ``..._2``, ``_3``..., as
    backups made in one second are numbered), so no earlier set-aside copy is replaced.
    The caller holds the folder's app lock and exclusive use: no one else sets aside.
    ``moved`` is filled as they move: when one cannot be moved (a program holds it open
    on Windows), the caller puts back those that did (:func:`_put_back`)."""
    present = [f for f in [*db_files(ddir.db), ddir.keyfile] if f.exists()]
    stamp = _aside_stamp(ddir.root, now)
    for current in present:
        target = current.with_name(f"{current.name}.before-restore-{stamp}")
        shutil.move(str(current), target)
        moved.append(target)
    return moved


def _aside_stamp(root: Path, now: datetime) -> str:
    """The tag of a restore's set-aside copy made at ``now``: its UTC second, numbered
    after every copy of that second in ``root`` (``setaside.set_aside`` orders them)."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    taken = {c.number for c in setaside.set_aside(root) if c.stamp == stamp}
    if not taken:
        return stamp
    return f"{stamp}_{max(taken) + 1}"

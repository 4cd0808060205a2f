"""``init``: a new clinic - encrypted store, clinic row, first administrator.

Validates everything before touching the disk; if a later step fails, what it made is
removed again, so a failed ``init`` leaves nothing behind; and one killed half-way
leaves a folder marked unfinished, which holds no clinic and which the next ``init``
starts over in.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

from receptionist import zones
from receptionist.clock import Clock
from receptionist.context import Actor, Ctx
from receptionist.errors import ReceptionistError, UserError, ValidationError
from receptionist.freetext import clean_text, controls_message, has_controls
from receptionist.schedule.clinic import create_clinic
from receptionist.staff import accounts as staff
from receptionist.store import keystore
from receptionist.store.folder import make_private_dir, refuse_unfit, remove_made_dirs
from receptionist.store.keyfile import read_keyfile
from receptionist.store.lock import InstanceLock, use_file
from receptionist.store.storage import Database, create_private, db_files, fsync_dir
from receptionist.store.vault import (
    Created,
    DataDir,
    already_a_clinic,
    check_passphrase_strength,
    create,
)
from receptionist.texts import QT_TRANSLATE_NOOP, Text

log = logging.getLogger(__name__)
UNFINISHED_NOTE = (
    "Receptionist was setting up a clinic in this folder and did not finish (the\n"
    "recovery code was never kept). Until it does, the folder holds no clinic: running\n"
    "'receptionist init' or the app again starts the set-up over.\n"
)
DEFAULT_HOURS = {
    "mon": [["09:00", "18:00"]],
    "tue": [["09:00", "18:00"]],
    "wed": [["09:00", "18:00"]],
    "thu": [["09:00", "18:00"]],
    "fri": [["09:00", "18:00"]],
    "sat": [["09:00", "13:00"]],
    "sun": [],
}


@dataclass(frozen=True)
class ClinicSpec:
    name: str
    timezone: str
    region: str
    admin_user: str
    admin_password: str
    locale: str = "en"
    slot_minutes: int = 15


def validate_spec(spec: ClinicSpec) -> ClinicSpec:
    name = spec.name.strip()
    if not name or len(name) > 200:
        raise ValidationError(
            "clinic-name",
            Text(QT_TRANSLATE_NOOP("core", "Give the clinic a name of 1-200 characters.")),
        )
    if has_controls(name):
        raise ValidationError("clinic-name", controls_message("clinic_name", lines=False))
    try:
        zones.zone(spec.timezone)
    except ValidationError as exc:  # also a folder of the zone database ("Europe")
        raise ValidationError(
            "timezone",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The time zone is not known; use an IANA name such as Europe/Istanbul."
                )
            ),
        ) from exc
    locale = clean_text(spec.locale, "locale", 16, lines=False)
    region = spec.region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            "region",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The phone region must be a two-letter country code such as TR or GB."
                )
            ),
        )
    if spec.slot_minutes not in (5, 10, 15, 20, 30, 60):
        raise ValidationError(
            "slot-minutes",
            Text(QT_TRANSLATE_NOOP("core", "The slot size must be 5, 10, 15, 20, 30 or 60.")),
        )
    return ClinicSpec(
        name,
        spec.timezone,
        region,
        spec.admin_user,
        spec.admin_password,
        locale,
        spec.slot_minutes,
    )


def _first_rows(db: Database, spec: ClinicSpec, clock: Clock) -> None:
    """The clinic row and the first administrator, audited, in one transaction."""
    try:
        with db.write() as session:
            ctx = Ctx(Actor(None, "admin", "cli"), clock)
            create_clinic(
                session,
                ctx,
                name=spec.name,
                timezone=spec.timezone,
                phone_region=spec.region,
                locale=spec.locale,
                slot_minutes=spec.slot_minutes,
                opening_hours=DEFAULT_HOURS,
            )
            staff.create_user(
                session,
                ctx,
                username=spec.admin_user,
                password=spec.admin_password,
                role="admin",
                full_name="Administrator",
                bootstrap=True,
            )
    finally:
        db.close()


def initialise(
    root: Path,
    spec: ClinicSpec,
    clock: Clock,
    *,
    passphrase: str | None = None,
    last_step: Callable[[Created], None] | None = None,
    finished: bool = True,
    holding_lock: bool = False,
) -> Created:
    """A new clinic in ``root``, made all or nothing.

    From its first write to its last, the folder holds the marker ``setup.unfinished``:
    a clinic with it opens nowhere, and the next ``initialise`` into the folder removes
    it and starts over, so a set-up killed at any point leaves nothing that counts.
    ``last_step`` runs just before the marker goes: the CLI shows the recovery code
    there, the demo fills its clinic; if it fails, nothing is kept (a clinic whose code
    nobody saw would be one lost keychain away from being lost). ``finished=False``
    leaves the marker for :func:`finish_setup`, which the app's wizard calls once the
    person has kept the code.

    Only a folder holding nothing of anyone else's takes a clinic; one that is missing
    is made owner-only, one that exists keeps its mode. Set-ups into one folder never
    overlap: the folder's app lock is taken here, unless the caller already holds it
    (``holding_lock``: the desktop app does, from its start)."""
    spec = validate_spec(spec)
    staff._check_new(spec.admin_user.strip().lower(), spec.admin_password, "admin")
    if passphrase is not None:
        check_passphrase_strength(passphrase)
    return _in_own_folder(
        Path(root),
        holding_lock,
        lambda ddir: _make(ddir, spec, clock, passphrase, last_step, finished),
    )


def initialise_empty(
    root: Path,
    clock: Clock,
    *,
    passphrase: str | None = None,
    last_step: Callable[[Created], None] | None = None,
    finished: bool = True,
    holding_lock: bool = False,
) -> Created:
    """An empty clinic file in ``root`` for a PC joining a clinic, made all or nothing
    as :func:`initialise` makes one: ``last_step`` joins and downloads the clinic and
    shows the new file's recovery code; if it fails, nothing is kept. ``finished`` and
    ``holding_lock`` as for :func:`initialise` (the app's wizard)."""
    if passphrase is not None:
        check_passphrase_strength(passphrase)
    return _in_own_folder(
        Path(root),
        holding_lock,
        lambda ddir: _make(ddir, None, clock, passphrase, last_step, finished),
    )


def _in_own_folder(root: Path, holding_lock: bool, make: Callable[[DataDir], Created]) -> Created:
    """``make`` run in ``root`` (made owner-only if missing), under the folder's app
    lock unless the caller holds it; a folder holding anything else is refused, before
    the lock and again under it. If ``make`` fails, what this made is removed."""
    ddir = DataDir(root)
    _refuse_taken(ddir)
    lock_was_there = ddir.lock.exists()
    made = make_private_dir(ddir.root)
    lock = None if holding_lock else InstanceLock(ddir.lock)
    try:
        if lock is not None:
            lock.acquire()
    except BaseException:
        remove_made_dirs(made)
        raise
    try:
        _refuse_taken(ddir)  # again, now that no other set-up can be under way
        return make(ddir)
    except BaseException:
        if lock is not None:
            lock.release()
            lock = None
            _remove_own_lock(ddir, made, lock_was_there)
        remove_made_dirs(made)
        raise
    finally:
        if lock is not None:
            lock.release()


def finish_setup(root: Path) -> None:
    """The clinic in ``root`` counts as made: its recovery code has been kept."""
    ddir = DataDir(Path(root))
    if ddir.unfinished.exists():
        ddir.unfinished.unlink()
        fsync_dir(ddir.root)


def _refuse_taken(ddir: DataDir) -> None:
    if ddir.exists():
        raise UserError(already_a_clinic(ddir.root))
    refuse_unfit(ddir.root)


def _make(
    ddir: DataDir,
    spec: ClinicSpec | None,
    clock: Clock,
    passphrase: str | None,
    last_step: Callable[[Created], None] | None,
    finished: bool,
) -> Created:
    """The clinic, under the marker; on any failure none of it is left."""
    _remove_unfinished(ddir)
    _mark_unfinished(ddir)
    created: Created | None = None
    try:
        created = create(ddir.root, passphrase=passphrase)
        if spec is not None:  # a PC joining a clinic gets its rows from the endpoint
            _first_rows(Database(ddir.db, created.key), spec, clock)
        if last_step is not None:
            last_step(created)
        if finished:
            finish_setup(ddir.root)
    except BaseException:
        _remove_clinic(ddir, created.clinic_id if created is not None else None)
        raise
    return created


def _mark_unfinished(ddir: DataDir) -> None:
    """The marker, on disk before any other file of the clinic is."""
    create_private(ddir.unfinished)
    ddir.unfinished.write_text(UNFINISHED_NOTE, encoding="utf-8")
    with ddir.unfinished.open("rb+") as fh:
        os.fsync(fh.fileno())
    fsync_dir(ddir.root)


def _remove_unfinished(ddir: DataDir) -> None:
    """A set-up that was stopped (killed, or the machine went down): start over."""
    if not ddir.unfinished.exists():
        return
    clinic_id = None
    with contextlib.suppress(ReceptionistError, OSError):
        clinic_id = read_keyfile(ddir.keyfile).clinic_id
    log.info("removing a clinic whose set-up did not finish")
    _remove_clinic(ddir, clinic_id)


def _remove_clinic(ddir: DataDir, clinic_id: str | None) -> None:
    """An unfinished clinic's files and keychain entry, the marker last. The app lock
    stays: this set-up (or the app) holds it. ``clinic.db.inuse`` can go: nothing
    else has an unfinished clinic open (``unlock`` refuses it)."""
    if clinic_id is not None:
        keystore.forget_key(clinic_id)
    ours = [*db_files(ddir.db), Path(f"{ddir.db}-journal"), use_file(ddir.db), ddir.keyfile]
    ours += ddir.root.glob(f".{ddir.keyfile.name}.*")  # a killed key file write's temp
    for path in ours:
        path.unlink(missing_ok=True)
    ddir.unfinished.unlink(missing_ok=True)


def _remove_own_lock(ddir: DataDir, made: list[Path], lock_was_there: bool) -> None:
    """After a failed set-up: the folder this call made goes whole; in a folder that
    was there before, the lock file goes if this call made it."""
    if ddir.root in made:
        shutil.rmtree(ddir.root, ignore_errors=True)
    elif not lock_was_there:
        ddir.lock.unlink(missing_ok=True)

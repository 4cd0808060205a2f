"""``init``: a new clinic - encrypted store, clinic row, first administrator.

Validates everything before touching the disk; if a later step fails, the folder it
made is removed again, so a failed ``init`` leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

from receptionist import zones
from receptionist.clock import Clock
from receptionist.context import Actor, Ctx
from receptionist.errors import UserError, ValidationError
from receptionist.freetext import clean_text, controls_message, has_controls
from receptionist.schedule.clinic import create_clinic
from receptionist.staff import accounts as staff
from receptionist.store import keystore
from receptionist.store.lock import use_file
from receptionist.store.storage import Database, db_files
from receptionist.store.vault import (
    Created,
    DataDir,
    already_a_clinic,
    check_passphrase_strength,
    create,
)
from receptionist.texts import QT_TRANSLATE_NOOP, Text

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


def _undo(ddir: DataDir, mode: int | None, created: Created | None) -> None:
    """Remove what a failed init made, so a retry starts clean: the folder, if it made
    it (``mode`` None); in a folder that was there before, only our own files (a
    ``clinic.xlsx`` beside them stays), and the folder gets its ``mode`` back."""
    if created is not None:
        keystore.forget_key(created.clinic_id)
    if mode is None:
        shutil.rmtree(ddir.root, ignore_errors=True)
        return
    for path in [*db_files(ddir.db), Path(f"{ddir.db}-journal"), use_file(ddir.db), ddir.keyfile]:
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(ddir.root, mode)


def initialise(
    root: Path,
    spec: ClinicSpec,
    clock: Clock,
    *,
    passphrase: str | None = None,
    show_code: Callable[[Created], None] | None = None,
) -> Created:
    """A new clinic in ``root``. ``show_code`` shows its recovery code once; if that
    fails (the output is a closed pipe, a full disk), nothing is kept: a clinic whose
    code nobody saw would be one lost keychain away from being lost."""
    spec = validate_spec(spec)
    staff._check_new(spec.admin_user.strip().lower(), spec.admin_password, "admin")
    if passphrase is not None:
        check_passphrase_strength(passphrase)
    ddir = DataDir(Path(root))
    if ddir.exists():
        raise UserError(already_a_clinic(ddir.root))
    mode = stat.S_IMODE(ddir.root.stat().st_mode) if ddir.root.exists() else None
    created: Created | None = None
    try:
        created = create(ddir.root, passphrase=passphrase)
        _first_rows(Database(ddir.db, created.key), spec, clock)
        if show_code is not None:
            show_code(created)
    except BaseException:
        _undo(ddir, mode, created)
        raise
    return created

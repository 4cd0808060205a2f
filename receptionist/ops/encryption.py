"""The clinic's encryption: a new data key (``rekey``) and the admin passphrase.

Both are for an administrator and are audited. They take the clinic's folder and its
key (from :func:`receptionist.store.vault.unlock`) and the acting user's ``Ctx``, read
beforehand from the open clinic: ``rekey`` rewrites the whole file, so the desktop app
and every other user of the file must be closed. A new secret is asked for through a
callable, only once the acting user is known to be allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from receptionist import zones
from receptionist.context import Ctx, require
from receptionist.errors import ReceptionistError, UserError
from receptionist.journal import audit
from receptionist.ops import backups
from receptionist.ops.maintenance import Progress, audit_rewrite, tell
from receptionist.retention.policy import BACKUP_DAYS
from receptionist.settings import backups as backup_settings
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.store import rekey as store_rekey
from receptionist.store import vault
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

__all__ = ["Rekeyed", "change_passphrase", "keep_old_code", "rekey"]

CANNOT_REKEY = Text(
    QT_TRANSLATE_NOOP("core", "Only an administrator can change the encryption key.")
)
CANNOT_SET_PASSPHRASE = Text(
    QT_TRANSLATE_NOOP("core", "Only an administrator can change the admin passphrase.")
)
NO_PASSPHRASE = Text(QT_TRANSLATE_NOOP("core", "No passphrase given; nothing was changed."))
COPYING = Text(QT_TRANSLATE_NOOP("core", "writing a copy of the clinic under the new key"))
REKEY_UNAUDITED = QT_TRANSLATE_NOOP(
    "core",
    "The data is encrypted under the new key, but its audit event could not be written: {error}",
)
REKEY_UNBACKED = QT_TRANSLATE_NOOP(
    "core",
    "The data is encrypted under the new key, but no backup under it could be written: "
    "{error} Make one now (`receptionist backup create`).",
)
KEEP_OLD_CODE = QT_TRANSLATE_NOOP(
    "core",
    "Keep the old recovery code (and the old admin passphrase) until {until}: the backups "
    "made before this rekey open only with them. The retention sweep deletes every backup "
    "older than {days} days (retention.backup_days); the rotation (backup.keep_daily "
    "{daily} days, backup.keep_weekly {weekly} weeks) removes most of them sooner.",
)
# A secret asked for once it is needed: None (or "") when none is given.
AskNew = Callable[[], str | None]


@dataclass(frozen=True)
class Rekeyed:
    """Whether the new key is in this computer's keychain (if not, the passphrase or
    the new recovery code unlocks the clinic), and why the rekey's audit event could
    not be written, if it could not (the new key is in use regardless)."""

    in_keychain: bool
    audit_warning: Text | None = None
    # The backup written under the new key right after (``ops.backups.create``, as the
    # daily job makes it), or None and why not (``backup_warning``; also a log problem).
    backup: Path | None = None
    backup_warning: Text | None = None


def rekey(
    root: Path,
    key: bytes,
    ctx: Ctx,
    *,
    new_passphrase: AskNew,
    show_code: Callable[[str], None],
    progress: Progress | None = None,
) -> Rekeyed:
    """Re-encrypt the clinic under a new key with a new recovery code.

    ``new_passphrase`` gives the admin passphrase of the new key (required when the
    clinic has one). ``show_code`` is given the new recovery code once the new key is
    in use and stored, before the old slots are dropped (see ``store.rekey``)."""
    require(ctx, "keys.manage", CANNOT_REKEY)
    passphrase = new_passphrase() or None
    done = store_rekey.rekey(
        root,
        key,
        passphrase=passphrase,
        show_code=show_code,
        on_copy=lambda: tell(progress, 1, 1, COPYING),
    )
    warning = audit_rewrite(root, done.key, ctx, "rekey", REKEY_UNAUDITED)
    backup, backup_warning = _backup_after(root, done.key, ctx)
    return Rekeyed(done.in_keychain, warning, backup, backup_warning)


def keep_old_code(db: Database, now: datetime) -> Text:
    """What to do with the recovery code a rekey replaces: keep it until the day the
    retention sweep has deleted every backup made before ``now`` (they open only with
    the secrets of their time)."""
    with db.read() as s:
        days = int(clinicstore.value(s, BACKUP_DAYS))  # type: ignore[call-overload]
        daily = int(clinicstore.value(s, backup_settings.KEEP_DAILY))  # type: ignore[call-overload]
        weekly = int(clinicstore.value(s, backup_settings.KEEP_WEEKLY))  # type: ignore[call-overload]
        zone = zones.zone(str(clinicstore.value(s, clinic_settings.TIMEZONE)))
    until = (now + timedelta(days=days)).astimezone(zone)
    return Text(KEEP_OLD_CODE, until=f"{until:%Y-%m-%d}", days=days, daily=daily, weekly=weekly)


def _backup_after(root: Path, key: bytes, ctx: Ctx) -> tuple[Path | None, Text | None]:
    """A backup under the new key at once, made as the daily job makes it
    (``ops.backups.create``): the older ones open only with the old secrets, so the
    clinic is never without a backup that the new ones open."""
    try:
        db = vault.open_unlocked(root, key)
        try:
            made = backups.create(db, ctx, root)
        finally:
            db.close()
    except (ReceptionistError, OSError) as exc:  # the folder out of reach, say
        return None, Text(REKEY_UNBACKED, error=message(exc))
    return made.path, (Text(made.log_problem) if made.log_problem else None)


def change_passphrase(root: Path, key: bytes, ctx: Ctx, new_passphrase: AskNew) -> None:
    """Set or replace the admin passphrase (the recovery code stays as it is)."""
    require(ctx, "keys.manage", CANNOT_SET_PASSPHRASE)
    new = new_passphrase()
    if not new:
        raise UserError(NO_PASSPHRASE)
    vault.check_passphrase_strength(new)
    db = vault.open_unlocked(root, key)
    try:
        with db.write() as s:
            # The audit event first: it takes the write lock, so a busy clinic is
            # refused before the key file changes; a failed key file write rolls the
            # event back.
            audit.record(s, ctx, "set_passphrase", "clinic", None)
            vault.set_passphrase(root, key, new)
    finally:
        db.close()

"""A clinic's data folder: create it, unlock it, open it, change its keys.

Files in the folder: ``clinic.db`` (SQLCipher), ``clinic.keys`` (wrapped key slots),
``app.lock`` (held by the running desktop app), and ``setup.unfinished`` while a clinic
is being set up (a folder holding it holds no clinic yet). Unlocking tries, in order: the OS
keychain, ``RECEPTIONIST_PASSPHRASE`` / ``RECEPTIONIST_PASSPHRASE_FILE``, then asks
(dialog or terminal) for the admin passphrase or the recovery code. Nothing is
written until a key has been proven to open the database.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlcipher3

from receptionist.errors import NotOurFile, UnlockError, UserError
from receptionist.store import copymark, keystore, migrate, sidecopy
from receptionist.store.folder import UNFINISHED, make_private_dir
from receptionist.store.keyfile import KeyFile, read_keyfile, successor_key, write_keyfile
from receptionist.store.keys import (
    new_data_key,
    new_recovery_code,
    normalize_recovery_code,
    unwrap,
    wrap,
)
from receptionist.store.secretfile import check_secret, read_secret_file
from receptionist.store.storage import (
    Database,
    create_private,
    fsync_dir,
    key_pragma_value,
    raw_connect,
)
from receptionist.texts import QT_TRANSLATE_NOOP, Text

# Called with a prompt; returns the typed secret, or None when the person gives up.
AskSecret = Callable[[str], str | None]
MIN_PASSPHRASE = 10
UNLOCK_PROMPT = Text(
    QT_TRANSLATE_NOOP(
        "core", "Enter the admin passphrase or the recovery code to unlock this clinic"
    )
)


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / "clinic.db"

    @property
    def keyfile(self) -> Path:
        return self.root / "clinic.keys"

    @property
    def lock(self) -> Path:
        return self.root / "app.lock"

    @property
    def unfinished(self) -> Path:
        """The marker of a set-up under way, or stopped before it finished."""
        return self.root / UNFINISHED

    def exists(self) -> bool:
        """Whether the folder holds a clinic: one whose set-up finished."""
        return self.has_files() and not self.unfinished.exists()

    def has_files(self) -> bool:
        """Whether a clinic's files are here, finished or not."""
        return self.db.exists() or self.keyfile.exists()


@dataclass(frozen=True)
class Created:
    clinic_id: str
    recovery_code: str = field(repr=False)
    in_keychain: bool
    key: bytes = field(repr=False)


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("RECEPTIONIST_DATA_DIR"):
        return Path(env["RECEPTIONIST_DATA_DIR"]).expanduser()
    if os.name == "nt":
        base = Path(env.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        return base / "Receptionist"
    if os.uname().sysname == "Darwin":
        return Path.home() / "Library" / "Application Support" / "Receptionist"
    xdg = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "receptionist"


def check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The admin passphrase must be at least {limit} characters; "
                    "a few unrelated words work well.",
                ),
                limit=MIN_PASSPHRASE,
            )
        )


def already_a_clinic(root: Path) -> Text:
    """The refusal to make a clinic in a folder that already holds one."""
    return Text(
        QT_TRANSLATE_NOOP("core", "{path} already holds a clinic; choose an empty folder."),
        path=str(root),
    )


def not_finished(root: Path) -> Text:
    """What a command meets in a folder whose set-up never finished."""
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The clinic in {path} was never finished: its set-up stopped before the "
            "recovery code was kept, so it holds no data. Run 'receptionist init' (or "
            "open the app) to set it up again.",
        ),
        path=str(root),
    )


def create(root: Path, *, passphrase: str | None = None) -> Created:
    """A new, empty, migrated clinic database with its key file and keychain entry.

    The folder is made owner-only if it is missing; one that exists keeps its mode
    (``receptionist.ops.setup.initialise`` decides which folders may take a clinic)."""
    ddir = DataDir(Path(root))
    if ddir.has_files():
        raise UserError(already_a_clinic(ddir.root))
    if passphrase is not None:
        check_passphrase_strength(passphrase)
    make_private_dir(ddir.root)
    clinic_id = str(uuid.uuid4())
    key = new_data_key()
    code = new_recovery_code()
    slots = [wrap(key, code, kind="recovery", clinic_id=clinic_id, generation=1)]
    if passphrase:
        slots.append(wrap(key, passphrase, kind="passphrase", clinic_id=clinic_id, generation=1))
    write_keyfile(ddir.keyfile, KeyFile(clinic_id, slots))
    create_private(ddir.db)
    conn = sqlcipher3.connect(str(ddir.db))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {key_pragma_value(key)}")
        # Before the first table, or never: the retention sweep gives freed pages
        # back with `incremental_vacuum` (older files get it from `compact`).
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE _init(x)")
        conn.execute("DROP TABLE _init")
        conn.commit()
    finally:
        conn.close()
    fsync_dir(ddir.root)
    db = Database(ddir.db, key)
    try:
        migrate.upgrade(db)
    finally:
        db.close()
    in_keychain = keystore.save_key(clinic_id, key)
    return Created(clinic_id, code, in_keychain, key)


def _key_opens(ddir: DataDir, key: bytes) -> bool:
    try:
        raw_connect(ddir.db, key).close()
    except UnlockError:
        return False
    return True


def _follow_successor(ddir: DataDir, keyfile: KeyFile, key: bytes) -> bytes | None:
    """``key`` if it opens the database, else the new key of an interrupted rekey."""
    if _key_opens(ddir, key):
        return key
    newer = successor_key(keyfile, key)
    if newer is not None and _key_opens(ddir, newer):
        return newer
    return None


def keys_from_env(root: Path, env: Mapping[str, str]) -> Iterator[bytes]:
    """The keys the environment's secrets (``RECEPTIONIST_PASSPHRASE[_FILE]``) give for
    the clinic in ``root``, lazily; none is checked against the file or stored (a
    restore reads the clinic it replaces with them: ``ops.restorecarry``)."""
    ddir = DataDir(Path(root))
    keyfile = read_keyfile(ddir.keyfile)
    for secret in _secrets_from_env(env):
        with contextlib.suppress(UnlockError):
            yield key_from_secret(ddir, keyfile, secret)


def _secrets_from_env(env: Mapping[str, str]) -> list[str]:
    found = []
    if env.get("RECEPTIONIST_PASSPHRASE"):
        found.append(check_secret("RECEPTIONIST_PASSPHRASE", env["RECEPTIONIST_PASSPHRASE"]))
    if env.get("RECEPTIONIST_PASSPHRASE_FILE"):
        path = Path(env["RECEPTIONIST_PASSPHRASE_FILE"])
        found.append(read_secret_file("RECEPTIONIST_PASSPHRASE_FILE", path))
    return found


def _offered_secrets(env: Mapping[str, str], ask: AskSecret | None, attempts: int) -> Iterator[str]:
    """The environment's secrets, then up to ``attempts`` typed ones (lazily asked)."""
    yield from _secrets_from_env(env)
    if ask is None:
        return
    for _ in range(attempts):
        typed = ask(UNLOCK_PROMPT)
        if typed is None:
            return
        yield typed


def key_from_secret(ddir: DataDir, keyfile: KeyFile, secret: str) -> bytes:
    """Try a typed secret as the recovery code, then as the admin passphrase."""
    candidates = []
    code = normalize_recovery_code(secret)
    if code is not None:
        candidates += [(s, code) for s in keyfile.slots_of("recovery")]
    candidates += [(s, secret) for s in keyfile.slots_of("passphrase")]
    if not candidates:
        raise UnlockError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "That is not a recovery code, and this clinic has no admin passphrase set.",
                )
            )
        )
    unwrapped = False
    for slot, text in candidates:
        try:
            key = unwrap(slot, text, clinic_id=keyfile.clinic_id)
        except UnlockError:
            continue
        unwrapped = True
        opened = _follow_successor(ddir, keyfile, key)
        if opened is not None:
            return opened
    if unwrapped:
        # The secret is right (its slot's AES-GCM tag verified), so the file is at fault.
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The secret is correct but {path} does not open: the file is damaged, "
                    "truncated or replaced. Restore it from a backup.",
                ),
                path=str(ddir.db),
            )
        )
    raise UnlockError(
        Text(
            QT_TRANSLATE_NOOP(
                "core", "That passphrase or recovery code does not unlock this clinic."
            )
        )
    )


def unlock(
    root: Path,
    *,
    ask: AskSecret | None = None,
    env: Mapping[str, str] | None = None,
    attempts: int = 3,
) -> bytes:
    """The data key, proven to open the database. Raises UnlockError when it can't."""
    ddir = DataDir(Path(root))
    env = os.environ if env is None else env
    if ddir.unfinished.exists():
        raise UserError(not_finished(ddir.root))
    if not ddir.db.exists():
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "There is no clinic in {path}; check --data-dir, or run 'receptionist init'.",
                ),
                path=str(ddir.root),
            )
        )
    if ddir.db.stat().st_size == 0:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{path} is empty; restore it from a backup of the data folder."
                ),
                path=str(ddir.db),
            )
        )
    keyfile = read_keyfile(ddir.keyfile)
    stored = keystore.load_key(keyfile.clinic_id)
    if stored is not None:
        key = _follow_successor(ddir, keyfile, stored)
        if key is not None:
            return key
    last_error: UnlockError | None = None
    for secret in _offered_secrets(env, ask, attempts):
        try:
            key = key_from_secret(ddir, keyfile, secret)
        except UnlockError as exc:
            last_error = exc
            continue
        keystore.save_key(keyfile.clinic_id, key)
        return key
    if last_error is not None:
        raise last_error
    if stored is not None:
        # Without a secret we cannot tell a damaged file from an out-of-date keychain
        # entry; the secret can (key_from_secret says which).
        raise UnlockError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The key in this computer's keychain does not open {path}: the file may "
                    "be damaged, truncated or replaced, or the keychain entry is out of "
                    "date. Set RECEPTIONIST_PASSPHRASE or enter the admin passphrase or "
                    "recovery code to find out which.",
                ),
                path=str(ddir.db),
            )
        )
    raise UnlockError(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The key is not in this computer's keychain. Set RECEPTIONIST_PASSPHRASE or "
                "enter the admin passphrase or recovery code.",
            )
        )
    )


def open_clinic(
    root: Path,
    *,
    ask: AskSecret | None = None,
    env: Mapping[str, str] | None = None,
    on_step: migrate.Step | None = None,
) -> Database:
    """Unlock and open a clinic's database, migrating it (with a copy first) if old;
    ``on_step`` follows (and may stop, between steps) a long upgrade."""
    return open_unlocked(root, unlock(root, ask=ask, env=env), on_step=on_step)


def open_unlocked(root: Path, key: bytes, *, on_step: migrate.Step | None = None) -> Database:
    """Open a clinic's database with the key :func:`unlock` gave, migrating it if old;
    the mark of a copy restored to look at, in the file or beside it, is then in both
    (``copymark.carry``): a copy of the file made by hand is such a copy too."""
    db = Database(DataDir(Path(root)).db, key)
    try:
        sidecopy.remove_leftovers(db.path)
        migrate.upgrade(db, allow_new=False, on_step=on_step)
        copymark.carry(db, Path(root))
    except BaseException:
        db.close()
        raise
    return db


def clinic_id(root: Path) -> str:
    return read_keyfile(DataDir(Path(root)).keyfile).clinic_id


def set_passphrase(root: Path, key: bytes, passphrase: str) -> None:
    """Add or replace the admin-passphrase slot (the recovery slot is kept)."""
    check_passphrase_strength(passphrase)
    ddir = DataDir(Path(root))
    keyfile = read_keyfile(ddir.keyfile)
    if not _key_opens(ddir, key):
        raise UnlockError(
            Text(QT_TRANSLATE_NOOP("core", "The key does not open this clinic's database."))
        )
    gen = keyfile.generation
    slots = [s for s in keyfile.slots if s.kind != "passphrase"]
    slots.append(
        wrap(key, passphrase, kind="passphrase", clinic_id=keyfile.clinic_id, generation=gen)
    )
    write_keyfile(ddir.keyfile, KeyFile(keyfile.clinic_id, slots))

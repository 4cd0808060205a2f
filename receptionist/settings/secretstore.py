"""Secret settings (passwords, tokens): the OS keychain, or the encrypted database.

Where the OS has a keychain, a secret goes there under the clinic's id, and nothing
of it is in the database. Where it has none (a headless server), the secret goes into
``local_secret``, a table of the encrypted file that is never synced. Secrets are
never shown: reading one says only whether it is set.

A keychain that is there but refuses to be read (locked, its service not answering)
is not a missing secret: :func:`held` says "locked" then, when the file holds none, so
the words can say to unlock it rather than to type the secret again. Reading a locked
keychain may show an unlock prompt (Linux's Secret Service), so a reader that asks on
its own every minute (the status) asks it again only once :func:`answers` tells that
some read got an answer since (a round that sends, Settings, a command), or rarely. A PC with no
keychain at all (``NoKeyringError``: a headless server) keeps its secrets in the file,
so one not there is missing.
"""

from __future__ import annotations

import logging
from typing import Literal

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import PermissionDenied
from receptionist.journal import audit
from receptionist.models import LocalSecret, setting_id

from .registry import Setting, may_change, refusal

SERVICE = "Receptionist settings"
log = logging.getLogger(__name__)
_FAILURES = (KeyringError, RuntimeError, OSError)
# Whether a secret is on this PC: kept (the keychain or the file), none, or not known
# because the keychain refused to be read (and the file holds none).
Held = Literal["kept", "none", "locked"]


def _name(namespace: str, setting: Setting) -> str:
    return f"{namespace}:{setting.key}"


def stored_name(namespace: str, setting: Setting) -> str:
    """The name a secret is kept under (a ``LocalSecret`` key, a keychain entry)."""
    return _name(namespace, setting)


def read(session: Session, namespace: str, setting: Setting) -> str | None:
    """The secret, or None when it is not set (or the keychain refused: :func:`lookup`)."""
    return lookup(session, namespace, setting)[0]


def held(session: Session, namespace: str, setting: Setting) -> Held:
    """Whether the secret is on this PC, its value unread by the caller."""
    found, locked = lookup(session, namespace, setting)
    return "kept" if found else "locked" if locked else "none"


# How many keychain reads in this process got an answer (a secret or none): one that
# moved past the count a reader noted when the keychain refused tells it was unlocked.
_answered = 0


def answers() -> int:
    """How many keychain reads in this process got an answer so far (never goes back)."""
    return _answered


def lookup(session: Session, namespace: str, setting: Setting) -> tuple[str | None, bool]:
    """The secret (None: not found), and whether the keychain refused to be read, so
    that it may be there: True only when the file holds none either."""
    name = _name(namespace, setting)
    # The file first: :func:`write` drops its row on every write, so a row is there only
    # when the newest write went to the file (the keychain refused it). An older entry
    # the keychain kept then (locked: it could not be deleted) must not win once the
    # keychain is unlocked.
    row = session.get(LocalSecret, name)
    if row is not None and row.value:
        return row.value, False
    try:
        found = keyring.get_password(SERVICE, name)
    except NoKeyringError:  # no keychain on this PC: the file is where secrets are
        return None, False
    except _FAILURES as exc:
        log.info("keychain not read (%s)", type(exc).__name__)
        return None, True
    global _answered
    _answered += 1
    return found or None, False


def write(session: Session, ctx: Ctx, namespace: str, setting: Setting, secret: str) -> None:
    """Keep ``secret`` (an empty one forgets it); audited without its value."""
    if not may_change(setting, ctx.actor.role):
        raise PermissionDenied(refusal(setting))
    name = _name(namespace, setting)
    row = session.get(LocalSecret, name)
    if row is not None:
        session.delete(row)
    _forget(name)
    if secret and not _to_keychain(name, secret):
        session.add(LocalSecret(key=name, value=secret))
    session.flush()
    # Audited by the setting's id, never the value: a channel's sender made before is
    # made again (``ops.reminders.channels_saved``).
    action = "set_secret" if secret else "clear_secret"
    audit.record(session, ctx, action, "setting", setting_id(setting.key))


def in_keychain(name: str) -> bool | None:
    """Whether this app's keychain holds an entry ``name`` (its value is not kept);
    None when the keychain cannot say (locked, or none in this session)."""
    try:
        return keyring.get_password(SERVICE, name) is not None
    except _FAILURES as exc:
        log.info("keychain not read (%s)", type(exc).__name__)
        return None


def drop_from_keychain(name: str) -> bool:
    """Delete this app's keychain entry ``name``; False when there was none or the
    keychain refused (a locked collection: the next sweep tries again)."""
    try:
        keyring.delete_password(SERVICE, name)
    except PasswordDeleteError:
        return False
    except _FAILURES as exc:
        log.info("keychain entry not deleted (%s)", type(exc).__name__)
        return False
    return True


def _to_keychain(name: str, secret: str) -> bool:
    try:
        keyring.set_password(SERVICE, name, secret)
        return keyring.get_password(SERVICE, name) == secret
    except _FAILURES as exc:
        log.info("keychain not written (%s); kept in the encrypted file", type(exc).__name__)
        return False


def _forget(name: str) -> None:
    try:
        keyring.delete_password(SERVICE, name)
    except (PasswordDeleteError, *_FAILURES):
        pass

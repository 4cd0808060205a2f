"""Secret settings (passwords, tokens): the OS keychain, or the encrypted database.

Where the OS has a keychain, a secret goes there under the clinic's id, and nothing
of it is in the database. Where it has none (a headless server), the secret goes into
``local_secret``, a table of the encrypted file that is never synced. Secrets are
never shown: reading one says only whether it is set.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError, PasswordDeleteError
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.journal import audit
from receptionist.models import LocalSecret, setting_id

from .clinicstore import CANNOT_CONFIGURE
from .registry import Setting

SERVICE = "Receptionist settings"
log = logging.getLogger(__name__)
_FAILURES = (KeyringError, RuntimeError, OSError)


def _name(namespace: str, setting: Setting) -> str:
    return f"{namespace}:{setting.key}"


def stored_name(namespace: str, setting: Setting) -> str:
    """The name a secret is kept under (a ``LocalSecret`` key, a keychain entry)."""
    return _name(namespace, setting)


def read(session: Session, namespace: str, setting: Setting) -> str | None:
    """The secret, or None when it is not set."""
    try:
        found = keyring.get_password(SERVICE, _name(namespace, setting))
    except _FAILURES:
        found = None
    if found:
        return found
    row = session.get(LocalSecret, _name(namespace, setting))
    return row.value if row else None


def write(session: Session, ctx: Ctx, namespace: str, setting: Setting, secret: str) -> None:
    """Keep ``secret`` (an empty one forgets it); audited without its value."""
    if setting.permission:
        require(ctx, setting.permission, CANNOT_CONFIGURE)
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

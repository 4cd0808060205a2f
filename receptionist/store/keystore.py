"""The OS keychain (Windows Credential Manager, macOS Keychain, Secret Service).

Any keychain failure - no backend on a headless Linux, a locked collection, a
deleted entry - reads as "no key here", and unlocking falls back to a passphrase or
the recovery code.
"""

from __future__ import annotations

import contextlib
import logging

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

SERVICE = "Receptionist clinic data key"
log = logging.getLogger(__name__)
_said: set[str] = set()  # a headless PC without a keychain says so once, not per open


def _once(message: str) -> None:
    if message not in _said:
        _said.add(message)
        log.info("%s", message)


def load_key(clinic_id: str) -> bytes | None:
    try:
        value = keyring.get_password(SERVICE, clinic_id)
    except (KeyringError, RuntimeError, OSError) as exc:
        _once(f"keychain unavailable ({type(exc).__name__})")
        return None
    if not value:
        return None
    try:
        key = bytes.fromhex(value)
    except ValueError:
        log.warning("keychain entry is not a key; ignoring it")
        return None
    return key if len(key) == 32 else None


def save_key(clinic_id: str, key: bytes) -> bool:
    """Store the key; False when there is no usable keychain (not an error)."""
    try:
        keyring.set_password(SERVICE, clinic_id, key.hex())
    except (KeyringError, RuntimeError, OSError) as exc:
        _once(f"keychain not written ({type(exc).__name__})")
        return False
    # Some backends (the null one, a locked collection) accept and forget: read it back.
    return load_key(clinic_id) == key


def forget_key(clinic_id: str) -> None:
    with contextlib.suppress(PasswordDeleteError, KeyringError, RuntimeError, OSError):
        keyring.delete_password(SERVICE, clinic_id)

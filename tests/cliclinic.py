"""One small clinic made through the CLI, shared by the tests of a module.

Making a clinic costs seconds; tests that only feed the CLI input share one per
module (:func:`shared_clinic`) and point the environment at it for each test
(:func:`use_clinic`). It is made with the fast key derivation and password hashing of
the tests and no keychain (as on a headless server); each test then unlocks it with the
passphrase.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest
from keyring.backends.null import Keyring as NoKeychain
from templates import FAST_KDF as FAST_KDF  # kept for tests that import it from here
from templates import fast_crypto

from receptionist.cli.main import main

PASSPHRASE = "a long enough passphrase"
ENV = {
    "RECEPTIONIST_ADMIN_PASSWORD": "admin-password-1",
    "RECEPTIONIST_PASSPHRASE": PASSPHRASE,
}


def use_clinic(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """The CLI acts on the clinic in ``root``, unlocked by its passphrase."""
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("RECEPTIONIST_PASSPHRASE_FILE", "RECEPTIONIST_USER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@contextmanager
def shared_clinic(root: Path) -> Iterator[Path]:
    """A clinic in ``root``: a provider working weekdays, a service, a room, a patient."""
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeychain())
    try:
        with pytest.MonkeyPatch.context() as mp:
            fast_crypto(mp)  # as every test signs in: no rehash of the admin's password
            use_clinic(mp, root)
            for argv in (
                ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"],
                ["provider", "add", "Dr. Elif Aksoy", "--hours", "mon-fri 09:00-17:00"],
                ["service", "add", "Check-up", "--minutes", "30", "--category", "General"],
                ["room", "add", "Room 1"],
                ["patient", "add", "--given-name", "Ayşe", "--family-name", "Yılmaz"],
            ):  # fmt: skip
                assert main(argv) == 0, argv
    finally:
        keyring.set_keyring(previous)
    yield root

"""One small clinic made through the CLI, shared by the tests of a module.

Making a clinic costs seconds; tests that only feed the CLI input share one per
module (:func:`shared_clinic`) and point the environment at it for each test
(:func:`use_clinic`). It is made with the fast key derivation and password hashing of
the tests and no keychain (as on a headless server); each test then unlocks it with the
passphrase. It is made once a process (templates.py) and each module gets its own copy:
seven modules made the same clinic through the same five commands each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest
from keyring.backends.null import Keyring as NoKeychain
from templates import FAST_KDF as FAST_KDF  # kept for tests that import it from here
from templates import Template, fast_crypto, make_template

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


_MADE: list[Template[None]] = []  # the one clinic of this process, once made


@contextmanager
def shared_clinic(root: Path) -> Iterator[Path]:
    """A clinic in ``root``: a provider working weekdays, a service, a room, a patient.
    A copy of one made the first time a module asks, in a folder beside that module's
    (in pytest's base folder: ``root`` is ``BASE/NAME/clinic``)."""
    if not _MADE:
        _MADE.append(make_template(root.parent.parent / "cliclinic" / "clinic", _made_by_cli))
    _MADE[0].copy_to(root)
    yield root


def _made_by_cli(root: Path) -> None:
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

"""Ready clinics made once and copied for each test that asks for one.

Making a clinic costs a key derivation, a fresh SQLCipher file and every migration (a
third of a second of CPU or more), and hundreds of tests want one. A template is made
once, by the very code a test's fixture would have run, in a folder of its own; each
test then gets its own copy of the files and the keychain entries the making left
behind, so it starts from exactly what a fresh clinic would be, and nothing one test
writes can reach another.

Tests whose subject is the making itself (``vault.create``, ``init``, the migrations,
the upgrade of an old file) keep making their own clinics.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import keyring
import pytest
from argon2 import PasswordHasher
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from receptionist.cli.main import main
from receptionist.staff import accounts
from receptionist.store import keys

T = TypeVar("T")
# The same algorithms as in use (Argon2id for the data key's slots and for staff
# passwords), at half a millisecond instead of a quarter of a second a time (1 MiB: an
# unlock and a sign-in come with almost every CLI command a test runs). The real cost
# is paid by the tests that run the CLI in a process of its own.
FAST_KDF = keys.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
FAST_PASSWORDS = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
FAST_DUMMY_HASH = FAST_PASSWORDS.hash("timing-equaliser")
# What the ``cli_env`` fixture puts in the environment besides the data folder.
CLI_ENV = {
    "RECEPTIONIST_ADMIN_PASSWORD": "admin-password-1",
    "RECEPTIONIST_PASSPHRASE": "a long enough passphrase",
}
MADE: list[Template[object]] = []  # every template of the session, checked at its end
# Files a database leaves beside itself while it is open; a template holds none.
OPEN_FILE_SUFFIXES = ("-wal", "-shm", "-journal")


class MemoryKeyring(KeyringBackend):
    """A keychain held in memory: a real keyring backend, just not the OS one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


def fast_crypto(patch: pytest.MonkeyPatch) -> None:
    """Cheap key derivation and password hashing, for the rest of ``patch``'s life.

    The unknown-user path of a sign-in verifies a dummy hash made the same way, so it
    still costs what a known user's does."""
    patch.setattr(keys, "DEFAULT_KDF", FAST_KDF)
    patch.setattr(accounts, "_hasher", FAST_PASSWORDS)
    patch.setattr(accounts, "_DUMMY_HASH", FAST_DUMMY_HASH)


@dataclass(frozen=True)
class Template(Generic[T]):
    """A clinic's folder as its making left it, the keychain entries it wrote, and
    what the making returned (ids, the ``Created`` record, ...)."""

    root: Path
    made: T
    keychain: Mapping[tuple[str, str], str] = field(repr=False)
    digest: str = field(repr=False, default="")

    def untouched(self) -> bool:
        """Whether the template's files are still as made (no test wrote to them)."""
        return _digest(self.root) == self.digest

    def copy_to(self, dest: Path) -> T:
        """The template's files copied into ``dest`` (which must not exist yet) and its
        keychain entries written to the current keychain, as the making would have.
        Returns a copy of what the making returned, for the test to keep."""
        shutil.copytree(self.root, dest, copy_function=shutil.copy)  # keeps the modes
        for (service, username), secret in self.keychain.items():
            # A keychain that refuses takes nothing, as keystore.save_key allows.
            with contextlib.suppress(KeyringError, RuntimeError, OSError):
                keyring.set_password(service, username, secret)
        return copy.deepcopy(self.made)


def make_template(
    root: Path, build: Callable[[Path], T], *, env: Mapping[str, str] | None = None
) -> Template[T]:
    """Run ``build(root)`` as a test's fixture would: with the tests' fast key derivation
    and password hashing, an empty in-memory keychain, and no ``RECEPTIONIST_*``
    variable but the log folder and ``env``. ``build`` must close every connection it
    opens (this checks it)."""
    keychain = MemoryKeyring()
    with _making(keychain, env or {}):
        made = build(root)
    left_open = [p.name for p in root.iterdir() if p.name.endswith(OPEN_FILE_SUFFIXES)]
    assert not left_open, f"a template's database is still open: {left_open}"
    template = Template(root, made, dict(keychain.store), _digest(root))
    MADE.append(template)
    return template


def touched_templates() -> list[Path]:
    """The templates of this session some test wrote to (each test must use a copy)."""
    return [t.root for t in MADE if not t.untouched()]


def _digest(root: Path) -> str:
    """The names, modes and contents of the files under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(f"{path.relative_to(root)}:{path.stat().st_mode:o}".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cli_env_for(root: Path) -> dict[str, str]:
    """The environment ``cli_env`` gives a test, for a template made in ``root``."""
    return {"RECEPTIONIST_DATA_DIR": str(root), **CLI_ENV}


def cli_commands(*commands: list[str]) -> Callable[[Path], None]:
    """A template's making: run each command line through the CLI, each succeeding."""

    def build(_root: Path) -> None:
        for argv in commands:
            assert main(argv) == 0, argv

    return build


@contextlib.contextmanager
def _making(keychain: MemoryKeyring, env: Mapping[str, str]) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keychain)
    try:
        with pytest.MonkeyPatch.context() as patch:
            fast_crypto(patch)
            for name in list(os.environ):
                if name.startswith("RECEPTIONIST_") and name != "RECEPTIONIST_LOG_DIR":
                    patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            yield
    finally:
        keyring.set_keyring(previous)

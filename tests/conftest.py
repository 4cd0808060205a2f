"""Shared fixtures: a fresh encrypted clinic per test, an in-memory keychain, a clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from factories import actor_ctx
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.store import keys
from receptionist.store.storage import Database
from receptionist.store.vault import create, open_clinic

FAST_KDF = keys.KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()) or "/ui/" in str(item.fspath):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True, scope="session")
def log_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The CLI's and the app's log files go here, never into the home folder."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("logs")
        patch.setenv("RECEPTIONIST_LOG_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(keys, "DEFAULT_KDF", FAST_KDF)
    monkeypatch.delenv("RECEPTIONIST_PASSPHRASE", raising=False)
    monkeypatch.delenv("RECEPTIONIST_PASSPHRASE_FILE", raising=False)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))  # a Monday, 10:00 in Istanbul


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "clinic"
    create(root, passphrase="correct horse battery")
    return root


@pytest.fixture
def db(data_dir: Path) -> Iterator[Database]:
    database = open_clinic(data_dir)
    yield database
    database.close()


@pytest.fixture
def ctx(clock: FixedClock) -> Ctx:
    return actor_ctx("admin", clock, source="cli")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A data folder for CLI tests, chosen and unlocked through the environment."""
    root = tmp_path / "clinic"
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    monkeypatch.setenv("RECEPTIONIST_ADMIN_PASSWORD", "admin-password-1")
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "a long enough passphrase")
    return root

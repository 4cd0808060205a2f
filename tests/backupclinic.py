"""The clinic the backup and restore tests work on: a genuine clinic
(``tamper.genuine_clinic``) made once a module, each test's own copy of it open, with
the passphrase in the environment as the CLI reads it, this test's own config folder
and, where the test asks, this PC's backup folder; and the administrator who makes
and restores the backups.

A test module takes the fixtures by name::

    genuine = genuine_fixture()                      # the module's template
    clinic = clinic_fixture(backup_folder="nas")     # (root, db), this PC's folder set
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from tamper import PASSPHRASE, genuine_template
from templates import Template

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.settings import backups as settings
from receptionist.settings import pcstore
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic


def admin(clock: FixedClock) -> Ctx:
    """The administrator, at the command line."""
    return Ctx(Actor(None, "admin", "cli"), clock)


def open_copy(
    genuine: Template[datetime],
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    *,
    backup_folder: Path | None = None,
) -> Iterator[tuple[Path, Database]]:
    """For a fixture to ``yield from``: this test's own copy of ``genuine`` in
    ``tmp_path/clinic``, open; ``clock`` where the making left it. ``backup_folder``:
    this PC's backup folder setting (else the default, beside the clinic)."""
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path / "config"))
    if backup_folder is not None:
        pcstore.write(settings.FOLDER, str(backup_folder))
    root = tmp_path / "clinic"
    clock.set(genuine.copy_to(root))
    db = open_clinic(root)
    try:
        yield root, db
    finally:
        db.close()


def genuine_fixture() -> Callable[..., Template[datetime]]:
    """The module-scoped fixture ``genuine``: a genuine clinic made once for the module
    (``tamper.genuine_template``); the time its making left the clock at."""

    @pytest.fixture(scope="module")
    def genuine(tmp_path_factory: pytest.TempPathFactory) -> Template[datetime]:
        return genuine_template(tmp_path_factory)

    return genuine


def clinic_fixture(
    backup_folder: str | None = None,
) -> Callable[..., Iterator[tuple[Path, Database]]]:
    """The fixture ``clinic``: this test's own copy of the module's ``genuine``, open
    (:func:`open_copy`), as (root, db); ``backup_folder``: this PC's backup folder, a
    folder of that name in the test's own ``tmp_path``."""

    @pytest.fixture
    def clinic(
        tmp_path: Path,
        clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch,
        genuine: Template[datetime],
    ) -> Iterator[tuple[Path, Database]]:
        folder = tmp_path / backup_folder if backup_folder else None
        yield from open_copy(genuine, tmp_path, clock, monkeypatch, backup_folder=folder)

    return clinic

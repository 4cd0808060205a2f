"""A write by another process on the same clinic file (the CLI beside the app, later
the sync service) reaches the open app's views within two seconds, with no reload."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pytestqt.qtbot import QtBot
from uiseed import PASSPHRASE, USER, Seeded

from ui.mainwindow import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def _cli(seeded: Seeded, *words: str) -> None:
    env = dict(os.environ)
    env.update(
        RECEPTIONIST_PASSPHRASE=PASSPHRASE,
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(ROOT),
    )
    argv = [sys.executable, "-m", "receptionist.cli.main", "--data-dir", str(seeded.root)]
    done = subprocess.run([*argv, "--user", USER, *words], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def test_a_cancel_from_the_cli_leaves_the_open_schedule_within_two_seconds(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    gone = seeded.ids["a1"]
    assert gone in {p.item.id for p in window.model.items()}
    _cli(seeded, "appointment", "cancel", gone, "--reason", "Called from home")
    committed = time.monotonic()
    qtbot.waitUntil(lambda: gone not in {p.item.id for p in window.model.items()}, timeout=2000)
    assert time.monotonic() - committed < 2.0


def test_a_status_from_the_cli_shows_on_the_card(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    card = seeded.ids["a2"]

    def status() -> str | None:
        return next((p.item.status for p in window.model.items() if p.item.id == card), None)

    assert status() == "arrived"
    _cli(seeded, "appointment", "status", card, "in_room")
    qtbot.waitUntil(lambda: status() == "in_room", timeout=2000)

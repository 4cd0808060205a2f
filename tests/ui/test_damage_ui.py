"""A damaged clinic file in the app (issue #11, item 4), and what the app logs (#12, 8).

Met at open, the clinic is not opened and the person is told the one sentence; met
during work, the sentence is shown in a dialog and the database writes nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from uiseed import PASSPHRASE, PASSWORD, USER, Seeded

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import Damaged
from receptionist.ops import backups
from receptionist.ops.backups import BackupInfo
from receptionist.store import vault
from receptionist.store.storage import DAMAGED, Database, key_pragma_value
from ui import messages
from ui.desk import Desk
from ui.idle import IdleWatcher
from ui.launch import parse_args
from ui.mainwindow import MainWindow
from ui.restoreoffer import RestoreOffer
from ui.signin import SignInDialog
from ui.startup import Startup
from ui.tasks import TaskManager
from ui.unlock import UnlockDialog

PAGE = 4096


def flip_pages(db_path: Path, first: int, last: int) -> None:
    """One bit flipped in each page from ``first`` to ``last`` (counted from 1)."""
    data = bytearray(db_path.read_bytes())
    for page in range(first, last + 1):
        data[(page - 1) * PAGE + 300] ^= 0x01
    db_path.write_bytes(bytes(data))


@pytest.fixture
def startup(qtbot: QtBot, seeded: Seeded, tasks: TaskManager, clock: FixedClock) -> Iterator[Any]:
    made: list[Startup] = []
    sign_ins: list[SignInDialog] = []

    def sign_in(parent: QWidget | None, name: str, **kwargs: Any) -> SignInDialog:
        sign_ins.append(SignInDialog(parent, name, **kwargs))
        return sign_ins[-1]

    def make() -> tuple[Startup, list[SignInDialog]]:
        idle = IdleWatcher(300, poll_ms=60_000)
        started = Startup(
            seeded.root,
            tasks,
            idle,
            clock=clock,
            env={},
            unlock_factory=UnlockDialog,
            sign_in_factory=sign_in,
        )
        started.windowReady.connect(qtbot.addWidget)
        made.append(started)
        return started, sign_ins

    yield make
    for started in made:
        started.quit()


def test_a_damaged_clinic_is_not_opened_and_the_sentence_says_why(
    qtbot: QtBot, seeded: Seeded, startup: Any, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = vault.DataDir(seeded.root).db
    pages = db_path.stat().st_size // PAGE
    flip_pages(db_path, pages, pages)  # the last page: a bad last sector
    before = db_path.read_bytes()
    opening, _sign_ins = startup()
    with (
        caplog.at_level(logging.INFO, logger="receptionist"),
        qtbot.waitSignal(opening.failed, timeout=10_000) as failed,
    ):
        opening.start()
    # what launch.fatal shows in its box; with no backup to offer, it says so
    assert failed.args[0].startswith(DAMAGED + " No backup of this clinic was found in ")
    assert db_path.read_bytes() == before
    said = [r.getMessage() for r in caplog.records]
    assert "opening the clinic did not finish: Damaged" in said


def test_a_damaged_clinic_unlocked_by_passphrase_is_not_asked_for_it_again(
    qtbot: QtBot, seeded: Seeded, startup: Any, memory_keyring: Any
) -> None:
    memory_keyring.store.clear()  # a PC whose keychain lost the key
    db_path = vault.DataDir(seeded.root).db
    flip_pages(db_path, db_path.stat().st_size // PAGE, db_path.stat().st_size // PAGE)
    opening, _sign_ins = startup()
    opening.start()
    qtbot.waitUntil(lambda: opening.unlock_dialog is not None, timeout=10_000)
    dialog = opening.unlock_dialog
    assert dialog is not None
    with qtbot.waitSignal(opening.failed, timeout=10_000) as failed:
        qtbot.keyClicks(dialog.secret, PASSPHRASE)
        qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    assert failed.args[0].startswith(DAMAGED)


def test_damage_met_during_work_is_told_in_a_dialog_and_nothing_more_is_written(
    qtbot: QtBot, seeded: Seeded, window: MainWindow, desk: Desk, told: list[messages.Message]
) -> None:
    db = desk.tasks.db
    assert db is not None
    db_path = vault.DataDir(seeded.root).db
    key = vault.unlock(seeded.root)
    # Another program writes beside the app, so the app's next read goes to the file
    # again (its cache is dropped), and then the file goes bad under it.
    other = sqlcipher3.connect(str(db_path))
    other.execute(f"PRAGMA key = {key_pragma_value(key)}")
    other.execute("PRAGMA user_version = 7")
    other.close()
    flip_pages(db_path, 2, db_path.stat().st_size // PAGE)
    damaged_bytes = db_path.read_bytes()

    window.model.reload()
    qtbot.waitUntil(lambda: any(m.text == DAMAGED for m in told), timeout=10_000)
    assert [m.level for m in told if m.text == DAMAGED] == [messages.Level.ERROR]
    box = window.dialogs.current
    assert box is not None and box.isVisible() and box.text() == DAMAGED
    assert box.icon() == box.Icon.Critical
    assert db.damaged

    def write(database: Database) -> None:
        with database.write() as session:
            session.execute(text("UPDATE provider SET name = name"))

    refused = desk.tasks.run(lambda: write(db)).exception(timeout=30)
    assert isinstance(refused, Damaged) and str(refused) == DAMAGED
    assert db_path.read_bytes() == damaged_bytes, "nothing more reached the file"
    qtbot.keyClick(box, Qt.Key.Key_Escape)


def test_the_app_logs_unlock_and_sign_in_outcomes_without_names(
    qtbot: QtBot, startup: Any, caplog: pytest.LogCaptureFixture
) -> None:
    opening, sign_ins = startup()
    with caplog.at_level(logging.INFO, logger="receptionist"):
        opening.start()
        qtbot.waitUntil(lambda: bool(sign_ins), timeout=10_000)
        dialog = sign_ins[0]
        qtbot.keyClicks(dialog.username, USER)
        qtbot.keyClicks(dialog.password, "not the password")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
        with qtbot.waitSignal(opening.windowReady, timeout=10_000):
            dialog.password.clear()
            qtbot.keyClicks(dialog.password, PASSWORD)
            qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    said = [r.getMessage() for r in caplog.records if r.name.startswith("receptionist")]
    assert said == [
        "the clinic is open and unlocked",
        "a sign-in was refused: UnlockError",
        "signed in, as a receptionist",
    ]
    assert not any(USER in s or PASSWORD in s for s in said), said


def test_the_app_takes_verbose() -> None:
    assert parse_args(["--verbose"]).verbose and not parse_args([]).verbose


def test_a_damaged_clinic_is_offered_its_newest_backup_and_opens_from_it(
    qtbot: QtBot, seeded: Seeded, tasks: TaskManager, clock: FixedClock, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, told: list[messages.Message],
) -> None:  # fmt: skip
    """#11, item 4: the app says the sentence and offers the backups; restoring one
    opens the clinic as it was then, the damaged file kept beside it."""
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path / "config"))
    db = vault.open_clinic(seeded.root)
    try:
        made = backups.create(db, Ctx(Actor(None, "admin", "cli"), clock), seeded.root)
    finally:
        db.close()
    db_path = vault.DataDir(seeded.root).db
    flip_pages(db_path, db_path.stat().st_size // PAGE, db_path.stat().st_size // PAGE)
    offers: list[RestoreOffer] = []

    def offer(sentence: str, backup: BackupInfo, parent: QWidget | None) -> RestoreOffer:
        offers.append(RestoreOffer(sentence, backup, parent))
        return offers[-1]

    opening = Startup(
        seeded.root, tasks, IdleWatcher(300, poll_ms=60_000), clock=clock, env={},
        restore_factory=offer,
    )  # fmt: skip
    opening.windowReady.connect(qtbot.addWidget)
    try:
        opening.start()
        qtbot.waitUntil(lambda: bool(offers) and offers[0].isVisible(), timeout=10_000)
        box = offers[0]
        assert box.text() == DAMAGED and made.path.name in box.informativeText()
        assert box.defaultButton() is box.quit_button, "never one stray Enter away"
        box.restore_button.click()
        qtbot.waitUntil(lambda: opening.sign_in_dialog is not None, timeout=20_000)
        kept = sorted(p.name for p in seeded.root.glob("clinic.db.before-restore-*"))
        assert kept and kept[0].startswith("clinic.db.before-restore-")
        # It says what it carried over from the damaged file, or that it could not
        # (ops/restorecarry.py): counts, or what is left to do.
        (said,) = [m.text for m in told if m.text.startswith("The backup was restored")]
        assert "Carried over from the clinic" in said or "Nothing could be carried" in said
        with qtbot.waitSignal(opening.windowReady, timeout=20_000):
            opening._sign_in(USER, PASSWORD)
    finally:
        opening.quit()

"""The set-up wizard's "Join an existing clinic", against a real endpoint on loopback:
a server that cannot be reached and a code the endpoint does not take are one sentence
each and leave no clinic behind; the right code makes this PC's clinic, downloads it,
and leads to sign-in with an account made on the first PC."""

from __future__ import annotations

import base64
import importlib
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget, QWizard
from pytestqt.qtbot import QtBot

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.ops.patients import NewPatient, add
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.store import vault
from receptionist.store.vault import open_clinic
from sync import cloud
from sync.server.commands import add_clinic
from ui.idle import IdleWatcher
from ui.mainwindow import MainWindow
from ui.signin import SignInDialog
from ui.startup import Startup
from ui.tasks import TaskManager
from ui.wizard import SetupWizard

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
serverkit: Any = importlib.import_module("serverkit")  # the endpoint's test harness

A_PASSPHRASE = "a long enough passphrase"
B_PASSPHRASE = "the second desk's words"
BOSS, BOSS_PASSWORD = "boss", "admin-password-1"


@dataclass
class FirstPc:
    url: str
    code: str  # an invitation for the new PC


@pytest.fixture
def first_pc(tmp_path: Path, clock: FixedClock, memory_keyring: Any) -> Iterator[FirstPc]:
    """The clinic's first PC (its administrator "boss"), connected, with an invitation."""
    database = f"sqlite:///{tmp_path / 'endpoint.db'}"
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", BOSS, BOSS_PASSWORD)
    initialise(tmp_path / "a", spec, clock, passphrase=A_PASSPHRASE)
    db = open_clinic(tmp_path / "a", env={"RECEPTIONIST_PASSPHRASE": A_PASSPHRASE})
    ctx = Ctx(Actor(None, "admin", "ui"), clock)
    add(db, ctx, NewPatient("Ayşe", "Yılmaz"))
    with serverkit.endpoint_at(database, clock) as served:
        try:
            code = add_clinic(database, "Moda Dental", clock=clock, out=None).code
            cloud.connect(db, ctx, served.url, code, "FRONT-1")
            cloud.sync_once(db, clock)
            yield FirstPc(served.url, cloud.invite(db, ctx).code)
        finally:
            db.close()


def _nowhere() -> str:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _type(qtbot: QtBot, line: Any, text: str) -> None:
    line.selectAll()
    qtbot.keyClicks(line, text)


def test_join_an_existing_clinic_then_sign_in_with_its_account(
    qtbot: QtBot,
    tmp_path: Path,
    tasks: TaskManager,
    clock: FixedClock,
    first_pc: FirstPc,
    memory_keyring: Any,
) -> None:
    root = tmp_path / "second pc"
    wizards: list[SetupWizard] = []
    sign_ins: list[SignInDialog] = []

    def make_wizard(parent: QWidget | None, root_: Path, tasks_: TaskManager, clock_: Any) -> Any:
        wizards.append(SetupWizard(parent, root_, tasks_, clock_, zone="UTC", region=""))
        return wizards[-1]

    def sign_in(parent: QWidget | None, name: str, **kwargs: Any) -> SignInDialog:
        sign_ins.append(SignInDialog(parent, name, **kwargs))
        return sign_ins[-1]

    idle = IdleWatcher(300, poll_ms=60_000)
    startup = Startup(
        root, tasks, idle, clock=clock, env={}, sign_in_factory=sign_in, wizard_factory=make_wizard
    )
    startup.windowReady.connect(qtbot.addWidget)
    startup.start()
    qtbot.waitUntil(lambda: bool(wizards), timeout=10_000)
    wizard = wizards[0]
    page = wizard.join
    qtbot.keyClick(wizard.start.new, Qt.Key.Key_Down)  # the radio buttons: to "Join"
    assert wizard.start.join.isChecked()
    qtbot.keyClick(wizard.start.join, Qt.Key.Key_Return)
    assert wizard.currentPage() is page and page.server.hasFocus()

    # A server nobody answers at: one sentence, no clinic made, the form as typed.
    _type(qtbot, page.server, _nowhere())
    _type(qtbot, page.code, first_pc.code)
    _type(qtbot, page.pc_name, "FRONT-2")
    qtbot.keyClick(page.pc_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.error.isVisible(), timeout=20_000)
    assert "cannot be reached" in page.error.text() and "\n" not in page.error.text()
    assert wizard.currentPage() is page and page.form.isEnabled()
    assert not vault.DataDir(root).exists() and not root.exists(), "nothing half-made is left"

    # A code the endpoint does not know (well formed): one sentence, nothing left.
    _type(qtbot, page.server, first_pc.url)
    bogus = base64.urlsafe_b64encode(bytes(16)).decode().rstrip("=")
    _type(qtbot, page.code, f"NOPE42.{bogus}")
    qtbot.keyClick(page.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.error.isVisible(), timeout=20_000)
    assert "does not take that code" in page.error.text()
    assert not vault.DataDir(root).exists()
    wizard.grab().save(str(tmp_path / "join-refused.png"))

    # The right code, and a passphrase for this PC's file (short first: refused).
    _type(qtbot, page.passphrase, "short")
    _type(qtbot, page.passphrase_again, "short")
    qtbot.keyClick(page.passphrase_again, Qt.Key.Key_Return)
    assert "at least 10" in page.form.errors["passphrase"].text()
    assert wizard.currentPage() is page and not root.exists()
    _type(qtbot, page.passphrase, B_PASSPHRASE)
    _type(qtbot, page.passphrase_again, B_PASSPHRASE)
    # This PC's clinic is made, joined and downloaded, with progress.
    seen: list[int] = []
    shown = page.show_pulled
    page.show_pulled = lambda done, total=0: (seen.append(done), shown(done, total))  # type: ignore[method-assign]
    _type(qtbot, page.code, first_pc.code)
    qtbot.keyClick(page.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery, timeout=30_000)
    assert "Moda Dental" in wizard.recovery.sheet()
    assert seen and seen[-1] >= 5, "the page said how many records had come"
    qtbot.keyClick(wizard.recovery.kept, Qt.Key.Key_Space)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: bool(sign_ins), timeout=20_000)
    assert not shiboken6.isValid(wizard)
    dialog = sign_ins[0]
    assert dialog.username.text() == ""
    with qtbot.waitSignal(startup.windowReady, timeout=20_000) as ready:
        _type(qtbot, dialog.username, BOSS)
        qtbot.keyClicks(dialog.password, BOSS_PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    window: MainWindow = ready.args[0]
    assert window.desk.clinic.name == "Moda Dental" and window.desk.actor.role == "admin"
    loop = window.cloud_sync
    qtbot.waitUntil(lambda: window.desk.sync.snapshot.online is True, timeout=20_000)
    assert loop.connected and window.sync_status.network.text() == "Online"
    startup.quit()
    memory_keyring.store.clear()  # the keychain lost: this PC's passphrase opens its file
    db = vault.open_clinic(root, ask=lambda _p: B_PASSPHRASE, env={})
    db.close()


def test_the_join_page(qtbot: QtBot, tmp_path: Path, tasks: TaskManager, clock: Any) -> None:
    wizard = SetupWizard(None, tmp_path / "c", tasks, clock, zone="UTC", region="")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.start.join.setChecked(True)
    wizard.next()
    page = wizard.join
    assert wizard.currentPage() is page
    page.server.setText("https://cloud.example.com")
    page.code.setText("not a code")
    wizard.next()
    assert "not an invitation code" in page.form.errors["code"].text()
    assert not page.busy and not (tmp_path / "c").exists()
    QApplication.processEvents()  # the error line laid out before the picture
    wizard.grab().save(str(tmp_path / "join-page.png"))

"""The set-up wizard's "Join an existing clinic", against a real endpoint on loopback:
a server that cannot be reached and a code the endpoint does not take are one sentence
each and leave no clinic behind; the right code makes this PC's clinic, downloads it,
and leads to sign-in with an account made on the first PC."""

from __future__ import annotations

import base64
import importlib
import json
import os
import shutil
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from factories import CLOCK_START
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import update
from templates import Template, make_template

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import SyncState
from receptionist.ops.patients import NewPatient, add, find
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.settings import tokenbook
from receptionist.store import vault
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic
from sync import cloud
from sync.server.commands import add_clinic
from ui.idle import IdleWatcher
from ui.mainwindow import MainWindow
from ui.signin import SignInDialog
from ui.startup import Startup
from ui.tasks import TaskManager
from ui.wizard import SetupWizard
from ui.wizard.joining import JoinCancelled, Request, join_clinic
from ui.wizard.preview import join_downloading

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
serverkit: Any = importlib.import_module("serverkit")  # the endpoint's test harness

A_PASSPHRASE = "a long enough passphrase"
B_PASSPHRASE = "the second desk's words"
BOSS, BOSS_PASSWORD = "boss", "admin-password-1"


@dataclass
class FirstPc:
    url: str
    code: str  # an invitation for the new PC
    invite: Callable[[], str]  # another invitation
    devices: Callable[[], list[dict[str, Any]]]  # the clinic's devices, as the endpoint says


@pytest.fixture(scope="module")
def first_pc_made(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """The clinic's first PC as :func:`first_pc` had it before its invitation: set up
    (its administrator "boss"), a patient added, connected as FRONT-1 and synced once,
    on the clock's first moment. Made once for the module; the endpoint's database is
    ``endpoint.db`` beside it, and the token book the connect wrote is in ``config``."""
    folder = tmp_path_factory.mktemp("first-pc")

    def build(root: Path) -> None:
        clock = FixedClock(CLOCK_START)
        database = f"sqlite:///{folder / 'endpoint.db'}"
        spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", BOSS, BOSS_PASSWORD)
        initialise(root, spec, clock, passphrase=A_PASSPHRASE)
        db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": A_PASSPHRASE})
        ctx = Ctx(Actor(None, "admin", "ui"), clock)
        try:
            add(db, ctx, NewPatient("Ayşe", "Yılmaz"))
            with serverkit.endpoint_at(database, clock) as served:
                code = add_clinic(database, "Moda Dental", clock=clock, out=None).code
                cloud.connect(db, ctx, served.url, code, "FRONT-1")
                cloud.sync_once(db, clock)
        finally:
            db.close()

    config = {"RECEPTIONIST_CONFIG_DIR": str(folder / "config")}
    return make_template(folder / "a", build, env=config)


@pytest.fixture
def first_pc(
    tmp_path: Path, clock: FixedClock, memory_keyring: Any, first_pc_made: Template[None]
) -> Iterator[FirstPc]:
    """The clinic's first PC (its administrator "boss"), connected, with an invitation:
    this test's copy of :func:`first_pc_made` and of its endpoint's database, pointed at
    this test's endpoint, its device token in the token book as the connect wrote it."""
    assert clock.now() == CLOCK_START, "the first PC was made on the clock's first moment"
    root = tmp_path / "a"
    first_pc_made.copy_to(root)
    shutil.copy(first_pc_made.root.parent / "endpoint.db", tmp_path / "endpoint.db")
    book = first_pc_made.root.parent / "config" / tokenbook.FILE_NAME
    (token_name,) = json.loads(book.read_text("utf-8"))["in_use"].values()
    tokenbook.kept(root, token_name)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": A_PASSPHRASE})
    ctx = Ctx(Actor(None, "admin", "ui"), clock)
    try:
        with serverkit.endpoint_at(f"sqlite:///{tmp_path / 'endpoint.db'}", clock) as served:
            with db.write() as s:  # the endpoint listens elsewhere now
                s.execute(update(SyncState).values(server_url=served.url))
            yield FirstPc(
                served.url, cloud.invite(db, ctx).code, lambda: cloud.invite(db, ctx).code,
                lambda: _devices(db),
            )  # fmt: skip
    finally:
        db.close()


def _devices(db: Any) -> list[dict[str, Any]]:
    with cloud.client_for(db) as client:
        return client.devices()  # type: ignore[no-any-return]


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


def test_a_cancelled_join_keeps_nothing_withdraws_its_device_and_can_be_tried_again(
    tmp_path: Path, clock: FixedClock, first_pc: FirstPc
) -> None:
    root = tmp_path / "second pc"
    stop = threading.Event()
    seen: list[int] = []

    def pulled(count: int) -> None:  # Cancel pressed as the first page came down
        seen.append(count)
        stop.set()

    asked = Request(first_pc.url, first_pc.code, "FRONT-2")
    with pytest.raises(JoinCancelled):
        join_clinic(root, clock, asked, pulled, stop)
    assert seen, "it stopped during the download"
    assert not root.exists(), "no half-joined clinic is left"
    front_2 = [d for d in first_pc.devices() if d["name"] == "FRONT-2"]
    assert len(front_2) == 1 and front_2[0]["revoked_at"] is not None, "withdrawn"
    again = join_clinic(
        root, clock, Request(first_pc.url, first_pc.invite(), "FRONT-2"), seen.append
    )
    assert again.clinic_name == "Moda Dental" and again.pulled >= 5
    db = Database(vault.DataDir(root).db, again.created.key)
    try:
        assert [
            p.display_name for p in find(db, Ctx(Actor(None, "admin", "ui"), clock), "ayse")
        ] == ["Ayşe Yılmaz"]
    finally:
        db.close()


def test_cancel_during_the_wizards_join_stops_it_and_leaves_the_page_to_try_again(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager, clock: FixedClock, first_pc: FirstPc
) -> None:
    root = tmp_path / "second pc"
    wizard = SetupWizard(None, root, tasks, clock, zone="UTC", region="")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.start.join.setChecked(True)
    wizard.next()
    page = wizard.join
    page.server.setText(first_pc.url)
    page.code.setText(first_pc.code)
    page.pc_name.setText("FRONT-2")
    quits: list[bool] = []
    wizard.quitRequested.connect(lambda: quits.append(True))
    wizard.next()  # Join clinic: the worker starts
    cancel = wizard.button(QWizard.WizardButton.CancelButton)
    assert page.busy and cancel.isEnabled(), "a join under way may be cancelled"
    cancel.click()
    assert "Cancelling" in page.status.text()
    qtbot.waitUntil(lambda: page.error.isVisible(), timeout=30_000)
    assert "Join cancelled" in page.error.text() and "new one" in page.error.text()
    assert not root.exists() and not quits, "nothing kept, and the app did not quit"
    assert wizard.currentPage() is page and page.form.isEnabled() and not page.busy
    # A new invitation, and the same page joins.
    page.code.setText(first_pc.invite())
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery, timeout=30_000)
    assert "Moda Dental" in wizard.recovery.sheet()


def test_the_join_page_while_downloading(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager, clock: Any
) -> None:
    picture = join_downloading(tasks, clock, tmp_path / "not made")
    assert not picture.isNull() and not (tmp_path / "not made").exists()
    picture.save(str(tmp_path / "join-downloading.png"))
    folder = os.environ.get("CONFLICT_SHOTS")
    if folder:
        picture.save(str(Path(folder) / "join-downloading.png"))

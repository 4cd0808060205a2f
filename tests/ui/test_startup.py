"""From start to the schedule: unlock, sign in, the demo, the idle lock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from factories import downgrade
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QSpinBox, QWidget
from pytestqt.qtbot import QtBot
from uiseed import PASSPHRASE, PASSWORD, USER, Seeded

from receptionist.clock import FixedClock
from receptionist.context import Actor
from receptionist.store import migrate, vault
from receptionist.store.storage import Database
from ui.idle import IdleWatcher
from ui.mainwindow import MainWindow
from ui.progress import ProgressDialog
from ui.settings import Settings
from ui.signin import SignInDialog
from ui.startup import DemoLogin, Startup
from ui.tasks import Progress, TaskManager
from ui.unlock import UnlockDialog
from ui.wizard import SetupWizard


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Made:
    """Dialog factories that remember what they made."""

    def __init__(self) -> None:
        self.unlocks: list[UnlockDialog] = []
        self.sign_ins: list[SignInDialog] = []

    def unlock(self, parent: QWidget | None, folder: str) -> UnlockDialog:
        self.unlocks.append(UnlockDialog(parent, folder))
        return self.unlocks[-1]

    def sign_in(self, parent: QWidget | None, name: str, **kwargs: Any) -> SignInDialog:
        self.sign_ins.append(SignInDialog(parent, name, **kwargs))
        return self.sign_ins[-1]


@pytest.fixture
def mono() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def made() -> Made:
    return Made()


@pytest.fixture
def make_startup(
    qtbot: QtBot, tasks: TaskManager, clock: FixedClock, mono: FakeMonotonic, made: Made
) -> Iterator[Any]:
    started: list[Startup] = []

    def make(root: Path, **kwargs: Any) -> Startup:
        idle = IdleWatcher(300, monotonic=mono, poll_ms=60_000)
        factories = {"unlock_factory": made.unlock, "sign_in_factory": made.sign_in}
        startup = Startup(root, tasks, idle, clock=clock, env={}, **factories, **kwargs)
        startup.windowReady.connect(qtbot.addWidget)
        started.append(startup)
        return startup

    yield make
    for startup in started:
        startup.quit()


def _gone(widget: QWidget) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()


def _submit(qtbot: QtBot, field: QWidget, text: str) -> None:
    field.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _signed_in(qtbot: QtBot, startup: Startup, dialog: SignInDialog) -> MainWindow:
    with qtbot.waitSignal(startup.windowReady, timeout=10_000) as ready:
        qtbot.keyClicks(dialog.username, USER)
        _submit(qtbot, dialog.password, PASSWORD)
    window: MainWindow = ready.args[0]
    qtbot.waitUntil(lambda: bool(window.model.columns), timeout=10_000)
    return window


def test_unlock_wrong_then_right_then_sign_in(
    qtbot: QtBot,
    seeded: Seeded,
    memory_keyring: Any,
    thread_spy: Any,
    made: Made,
    make_startup: Any,
) -> None:
    memory_keyring.store.clear()  # a PC whose keychain lost the key
    startup = make_startup(seeded.root)
    startup.start()
    qtbot.waitUntil(lambda: bool(made.unlocks), timeout=10_000)
    unlock = made.unlocks[0]
    assert unlock.objectName() == "unlockDialog" and unlock.isVisible()

    _submit(qtbot, unlock.secret, "not the passphrase")
    qtbot.waitUntil(lambda: unlock.error.isVisible(), timeout=10_000)
    assert "does not unlock" in unlock.error.text()
    assert not unlock.is_busy() and unlock.secret.isEnabled()

    _submit(qtbot, unlock.secret, PASSPHRASE)
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=10_000)
    sign_in = made.sign_ins[0]
    assert sign_in.objectName() == "signInDialog" and _gone(unlock)
    assert memory_keyring.store, "the key unlocked by passphrase goes back into the keychain"

    qtbot.keyClicks(sign_in.username, USER)
    _submit(qtbot, sign_in.password, "wrong password")
    qtbot.waitUntil(lambda: sign_in.error.isVisible(), timeout=10_000)
    assert sign_in.error.text() == "The user name or password is not correct."

    with qtbot.waitSignal(startup.windowReady, timeout=10_000) as ready:
        _submit(qtbot, sign_in.password, PASSWORD)
    window = ready.args[0]
    qtbot.waitUntil(lambda: bool(window.model.items()), timeout=10_000)
    assert window.desk.username == USER and window.desk.actor.role == "receptionist"
    assert thread_spy.calls, "the spy saw the database work"
    assert thread_spy.on_gui_thread() == [], "no key derivation or SQL on the GUI thread"


def test_keychain_key_goes_straight_to_sign_in(
    qtbot: QtBot, seeded: Seeded, made: Made, make_startup: Any
) -> None:
    startup = make_startup(seeded.root)
    startup.start()
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=10_000)
    assert made.unlocks == []
    window = _signed_in(qtbot, startup, made.sign_ins[0])
    assert window.findChild(QWidget, "scheduleView") is window.schedule


def test_demo_opens_without_questions(
    qtbot: QtBot, seeded: Seeded, memory_keyring: Any, made: Made, make_startup: Any
) -> None:
    memory_keyring.store.clear()
    prepared: list[str] = []
    demo = DemoLogin(PASSPHRASE, USER, PASSWORD)
    startup = make_startup(seeded.root, demo=demo, prepare=lambda: prepared.append("yes"))
    with qtbot.waitSignal(startup.windowReady, timeout=10_000) as ready:
        startup.start()
    assert prepared == ["yes"] and made.unlocks == [] and made.sign_ins == []
    assert "demo" in ready.args[0].windowTitle()


def test_a_folder_without_a_clinic_offers_the_set_up_wizard(
    qtbot: QtBot, tmp_path: Path, make_startup: Any
) -> None:
    wizards: list[SetupWizard] = []

    def wizard(parent: QWidget | None, root: Path, tasks_: TaskManager, clock_: Any) -> Any:
        wizards.append(SetupWizard(parent, root, tasks_, clock_))
        return wizards[-1]

    startup = make_startup(tmp_path / "empty", wizard_factory=wizard)
    startup.start()
    qtbot.waitUntil(lambda: bool(wizards), timeout=10_000)
    assert wizards[0].objectName() == "setupWizard" and wizards[0].isVisible()
    with qtbot.waitSignal(startup.finished, timeout=10_000):
        qtbot.keyClick(wizards[0], Qt.Key.Key_Escape)  # giving up before creating quits
    assert not (tmp_path / "empty").exists(), "nothing was made"
    wizards[0].deleteLater()


def test_a_folder_with_a_broken_clinic_fails_plainly(
    qtbot: QtBot, tmp_path: Path, make_startup: Any
) -> None:
    root = tmp_path / "half"
    root.mkdir()
    (root / "clinic.keys").write_text("{}")  # a key file without its database
    startup = make_startup(root)
    with qtbot.waitSignal(startup.failed, timeout=10_000) as failed:
        startup.start()
    assert "There is no clinic in" in failed.args[0]


def test_idle_lock_keeps_state(
    qtbot: QtBot, seeded: Seeded, made: Made, make_startup: Any, mono: FakeMonotonic
) -> None:
    startup = make_startup(seeded.root)
    startup.start()
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=10_000)
    window = _signed_in(qtbot, startup, made.sign_ins[0])
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        window.actions_.week_view.trigger()
    window.schedule.set_cursor(3, 40)
    window.status_ops.ask_cancel(seeded.ids["a3"])
    reason = window.status_ops.dialog
    assert reason is not None
    qtbot.keyClicks(reason.reason.lineEdit(), "half-typed reas")
    before = (window.model.day, window.model.mode, window.schedule.slot_cursor)

    mono.now += 299
    startup.idle.check()
    assert not window.is_locked()
    mono.now += 2
    startup.idle.check()
    assert window.is_locked() and startup.is_locked()
    assert window.stack.currentWidget() is window.lock_screen
    assert not window.schedule.isVisible() and not reason.isVisible()
    assert not window.actions_.next.isEnabled()
    lock_dialog = made.sign_ins[-1]
    assert lock_dialog.locked and lock_dialog.username.text() == USER
    assert "locked while nobody used it" in _words(lock_dialog)
    assert not window.user_label.isVisible()
    assert "Signed in" not in " ".join(w.text() for w in window.statusBar().findChildren(QLabel)
                                       if w.isVisible())  # fmt: skip
    qtbot.keyClick(lock_dialog, Qt.Key.Key_Escape)
    assert lock_dialog.isVisible(), "Escape does not dismiss the lock"

    _submit(qtbot, lock_dialog.password, PASSWORD)
    qtbot.waitUntil(lambda: not window.is_locked(), timeout=10_000)
    assert (window.model.day, window.model.mode, window.schedule.slot_cursor) == before
    assert reason.isVisible() and reason.reason.currentText() == "half-typed reas"
    assert window.actions_.next.isEnabled() and startup.idle.armed
    assert window.user_label.isVisible() and window.user_label.text().startswith("Signed in")


def test_a_lock_time_saved_in_settings_applies_at_once(
    qtbot: QtBot,
    seeded: Seeded,
    made: Made,
    make_startup: Any,
    mono: FakeMonotonic,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path / "config"))
    startup = make_startup(seeded.root)
    startup.start()
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=10_000)
    window = _signed_in(qtbot, startup, made.sign_ins[0])
    # The idle lock is a manager's since session 18 (the seeded user is a receptionist).
    window.desk.actor = Actor(user_id=window.desk.actor.user_id, role="manager", source="ui")
    controller = window.findChild(Settings)
    assert controller is not None
    dialog = controller.show_dialog()
    page = dialog.this_pc
    qtbot.waitUntil(lambda: page._snapshot is not None, timeout=10_000)
    minutes = page.editor("desk.lock_after_minutes")
    assert isinstance(minutes, QSpinBox)
    minutes.setValue(1)
    with qtbot.waitSignal(controller.preferencesSaved, timeout=10_000):
        page.save()
    assert startup.idle.timeout_s == 60
    mono.now += 59
    startup.idle.check()
    assert not window.is_locked()
    mono.now += 2
    startup.idle.check()
    assert window.is_locked()


def test_larger_text_saved_in_settings_applies_at_once(
    qtbot: QtBot,
    seeded: Seeded,
    made: Made,
    make_startup: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path / "config"))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font = QFont(app.font())
    startup = make_startup(seeded.root)
    startup.start()
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=10_000)
    window = _signed_in(qtbot, startup, made.sign_ins[0])
    controller = window.findChild(Settings)
    assert controller is not None
    page = controller.show_dialog().this_pc
    qtbot.waitUntil(lambda: page._snapshot is not None, timeout=10_000)
    larger = page.editor("desk.larger_text")
    assert isinstance(larger, QCheckBox)
    before = window.schedule.font().pointSizeF()
    try:
        larger.setChecked(True)
        with qtbot.waitSignal(controller.preferencesSaved, timeout=10_000):
            page.save()
        assert window.schedule.font().pointSizeF() == pytest.approx(before * 1.25)
    finally:
        app.setFont(font)
        app.setProperty("receptionistBasePoints", None)


def test_lock_from_the_menu(qtbot: QtBot, seeded: Seeded, made: Made, make_startup: Any) -> None:
    startup = make_startup(seeded.root)
    startup.start()
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=10_000)
    window = _signed_in(qtbot, startup, made.sign_ins[0])
    assert window.actions_.lock.shortcut().toString() == "Ctrl+L"
    window.actions_.lock.trigger()
    assert window.is_locked() and len(made.sign_ins) == 2
    words = _words(made.sign_ins[-1])
    assert "The desk is locked." in words and "nobody used it" not in words
    assert not window.user_label.isVisible()


def _words(dialog: QWidget) -> str:
    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def test_quit_with_unsaved_edits_asks_and_waits_for_sign_in_when_locked(
    qtbot: QtBot, seeded: Seeded, made: Made, make_startup: Any
) -> None:
    asked: list[str] = []
    answer = {"quit": False}

    def confirm(text: str) -> bool:
        asked.append(text)
        return answer["quit"]

    startup = make_startup(seeded.root, confirm_quit=confirm)
    startup.start()
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=10_000)
    window = _signed_in(qtbot, startup, made.sign_ins[0])
    from sqlalchemy import select

    from receptionist.models import Patient
    from ui.patients import Patients

    def first_patient(db: Any) -> str:
        with db.read() as s:
            return str(s.scalar(select(Patient.id).limit(1)))

    pid = startup.tasks.run(lambda: first_patient(startup.tasks.database())).result(timeout=10)
    controller = window.findChild(Patients)
    shown = controller.open_patient(pid)
    qtbot.waitUntil(
        lambda: shown.record is not None or "could not" in shown.heading.text(), timeout=10_000
    )
    assert shown.record is not None, shown.note.text()
    qtbot.keyClicks(shown.form.editors["address"], "Moda Cd. 5")
    startup.quit()
    assert not startup.quitting and asked, "asked, and 'no' keeps the app"
    window.actions_.lock.trigger()
    startup.quit()
    assert not startup.quitting and "sign in" in made.sign_ins[-1].error.text()
    assert len(asked) == 1, "a locked desk is not asked: the edits may not be the quitter's"
    answer["quit"] = True
    window.unlock()
    startup.quit()
    assert startup.quitting


def _take_down_to_0001(root: Path) -> None:
    """The clinic as the first release left it (the revisions' own downgrades)."""
    db = vault.open_clinic(root, env={})
    try:
        downgrade(db, "0001")
    finally:
        db.close()


class Box(ProgressDialog):
    """The opening box, shown at once, remembering what it said; may cancel at once."""

    def __init__(self, cancel: bool = False) -> None:
        super().__init__("Receptionist", "Opening the clinic…", delay_ms=0)
        self.said: list[str] = []
        self.cancel_at_start = cancel

    def start(self, progress: Progress) -> None:
        super().start(progress)
        if self.cancel_at_start:
            progress.cancel()

    def set_text(self, text: str, *, cancellable: bool = True) -> None:
        self.said.append(text)
        super().set_text(text, cancellable=cancellable)


def test_an_old_clinic_is_upgraded_with_progress_shown(
    qtbot: QtBot, seeded: Seeded, made: Made, make_startup: Any
) -> None:
    _take_down_to_0001(seeded.root)
    boxes: list[Box] = []

    def box_factory() -> Box:
        boxes.append(Box())
        return boxes[-1]

    startup = make_startup(seeded.root, progress_factory=box_factory)
    startup.start()
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=20_000)
    (box,) = boxes
    assert any("encrypted copy" in t for t in box.said)
    steps = [t for t in box.said if "Upgrading the clinic's data" in t]
    total = len(steps) + 1  # the copy is the first step
    assert "step 2 of" in steps[0] and f"step {total} of {total}." in steps[-1]
    assert box.said[-1] == "Opening the clinic…"
    assert box.finished_ and startup.opening is None, "the box goes once the clinic is open"
    db = vault.open_clinic(seeded.root, env={})
    try:
        assert migrate.current_revision(db) == migrate.head_revision()
    finally:
        db.close()


def test_cancelling_an_upgrade_quits_and_leaves_the_file_as_it_was(
    qtbot: QtBot, seeded: Seeded, made: Made, make_startup: Any
) -> None:
    _take_down_to_0001(seeded.root)
    before = (seeded.root / "clinic.db").read_bytes()
    startup = make_startup(seeded.root, progress_factory=lambda: Box(cancel=True))
    with qtbot.waitSignal(startup.failed, timeout=20_000) as stopped:
        startup.start()
    assert "carries on the next time" in stopped.args[0]
    assert made.sign_ins == [] and startup.window is None
    key = vault.unlock(seeded.root, env={})
    db = Database(vault.DataDir(seeded.root).db, key)
    try:
        assert migrate.current_revision(db) == "0001"
    finally:
        db.close()
    assert (seeded.root / "clinic.db").read_bytes()[:4096] == before[:4096]
    assert not list(seeded.root.glob("clinic.db.before-*")), "not even the copy was begun"

"""The first-run wizard: a clinic, its first admin, the recovery code kept; then sign-in."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QWidget, QWizard
from pytestqt.qtbot import QtBot

from receptionist.clock import Clock, FixedClock
from receptionist.ops import setup
from receptionist.schedule import agenda
from receptionist.store import vault
from ui.idle import IdleWatcher
from ui.signin import SignInDialog
from ui.startup import Startup
from ui.tasks import TaskManager
from ui.wizard import SetupWizard

NAME, USER, PASSWORD, PASSPHRASE = "Sifa Dental", "admin", "first-admin-pass", "tulip river lamp"
CODE = re.compile(r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$")


class Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Dialogs:
    """Injected file and print dialogs: real Qt dialogs, never native, never blocking."""

    def __init__(self, tmp_path: Path) -> None:
        self.saves: list[QFileDialog] = []
        self.prints: list[QPrintDialog] = []
        self.pdf = tmp_path / "printed.pdf"

    def save(self, parent: QWidget, suggested: str) -> QFileDialog:
        dialog = QFileDialog(parent, "Save", suggested)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.saves.append(dialog)
        return dialog

    def print_(self, parent: QWidget, printer: QPrinter) -> QPrintDialog:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.pdf))
        self.prints.append(QPrintDialog(printer, parent))
        return self.prints[-1]


@pytest.fixture
def dialogs(tmp_path: Path) -> Dialogs:
    return Dialogs(tmp_path)


@pytest.fixture
def make_wizard(
    qtbot: QtBot, tasks: TaskManager, clock: FixedClock, dialogs: Dialogs
) -> Iterator[Any]:
    made: list[SetupWizard] = []

    def make(parent: QWidget | None, root: Path, tasks_: TaskManager, clock_: Clock) -> SetupWizard:
        wizard = SetupWizard(
            parent,
            root,
            tasks_,
            clock_,
            save_factory=dialogs.save,
            print_factory=dialogs.print_,
            zone="Europe/Istanbul",
            region="",
            language="en",
        )
        made.append(wizard)
        return wizard

    make.made = made  # type: ignore[attr-defined]
    yield make
    for wizard in made:  # the app deletes its wizard when done; close what is left
        if shiboken6.isValid(wizard):
            wizard.hide()
            wizard.deleteLater()


def _here(wizard: QWidget) -> QWidget:
    widget = wizard.focusWidget()
    assert widget is not None, "something has the keyboard focus"
    return widget


def _type(qtbot: QtBot, wizard: QWidget, text: str, then: Qt.Key = Qt.Key.Key_Tab) -> None:
    qtbot.keyClick(_here(wizard), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(_here(wizard), text)
    qtbot.keyClick(_here(wizard), then)


def _fill_clinic(qtbot: QtBot, wizard: SetupWizard, zone: str = "Europe/Istanbul") -> None:
    if wizard.currentPage() is wizard.start:  # a new clinic is the choice made already
        assert _here(wizard) is wizard.start.new and wizard.start.new.isChecked()
        qtbot.keyClick(_here(wizard), Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.clinic and _here(wizard) is wizard.clinic.name
    _type(qtbot, wizard, NAME)
    _type(qtbot, wizard, zone)
    _type(qtbot, wizard, "tr")
    qtbot.keyClick(_here(wizard), Qt.Key.Key_Tab)  # language: English
    assert _here(wizard) is wizard.clinic.slot
    qtbot.keyClick(_here(wizard), Qt.Key.Key_Down)  # 15 -> 20 minutes
    qtbot.keyClick(_here(wizard), Qt.Key.Key_Return)


def _fill_admin(qtbot: QtBot, wizard: SetupWizard, password: str = PASSWORD) -> None:
    assert wizard.currentPage() is wizard.admin and _here(wizard) is wizard.admin.username
    _type(qtbot, wizard, "Admin")
    _type(qtbot, wizard, password)
    _type(qtbot, wizard, password)
    _type(qtbot, wizard, PASSPHRASE)
    _type(qtbot, wizard, PASSPHRASE, then=Qt.Key.Key_Return)


def _to_recovery(qtbot: QtBot, wizard: SetupWizard) -> str:
    _fill_clinic(qtbot, wizard)
    _fill_admin(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery, timeout=10_000)
    return wizard.recovery.code.text()


def _finish(wizard: SetupWizard) -> QWidget:
    return wizard.button(QWizard.WizardButton.FinishButton)


def test_whole_wizard_by_keyboard_then_sign_in(
    qtbot: QtBot,
    tmp_path: Path,
    tasks: TaskManager,
    clock: FixedClock,
    make_wizard: Any,
    memory_keyring: Any,
    thread_spy: Any,
) -> None:
    logged = Logged()
    logging.getLogger().addHandler(logged)
    logging.getLogger().setLevel(logging.DEBUG)
    root = tmp_path / "new clinic"
    sign_ins: list[SignInDialog] = []

    def sign_in(parent: QWidget | None, name: str, **kwargs: Any) -> SignInDialog:
        sign_ins.append(SignInDialog(parent, name, **kwargs))
        return sign_ins[-1]

    idle = IdleWatcher(300, poll_ms=60_000)
    startup = Startup(
        root, tasks, idle, clock=clock, env={}, sign_in_factory=sign_in, wizard_factory=make_wizard
    )
    startup.windowReady.connect(qtbot.addWidget)
    startup.start()
    qtbot.waitUntil(lambda: bool(make_wizard.made), timeout=10_000)
    wizard: SetupWizard = make_wizard.made[0]
    assert wizard.objectName() == "setupWizard" and wizard.isVisible()

    code = _to_recovery(qtbot, wizard)
    assert CODE.match(code), "the code is shown, whole"
    assert wizard.admin.password.text() == "", "the password is not kept once used"
    assert not _finish(wizard).isEnabled()
    qtbot.keyClick(wizard.recovery.kept, Qt.Key.Key_Space)
    assert _finish(wizard).isEnabled()
    qtbot.keyClick(_here(wizard), Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: bool(sign_ins), timeout=10_000)
    dialog = sign_ins[0]
    assert dialog.username.text() == USER and not shiboken6.isValid(wizard)
    with qtbot.waitSignal(startup.windowReady, timeout=10_000) as ready:
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    window = ready.args[0]
    assert window.desk.actor.role == "admin" and window.desk.clinic.name == NAME
    assert window.desk.clinic.slot_minutes == 20
    assert thread_spy.on_gui_thread() == [], "key derivation and SQL stay off the GUI thread"
    startup.quit()

    logging.getLogger().removeHandler(logged)
    assert logged.lines and not any(code in line for line in logged.lines), "never logged"
    db = vault.open_clinic(root, env={})  # the keychain holds the key
    db.close()
    memory_keyring.store.clear()
    db = vault.open_clinic(root, ask=lambda _p: PASSPHRASE, env={})
    try:
        with db.read() as s:
            info = agenda.clinic_info(s)
    finally:
        db.close()
    assert (info.name, info.timezone) == (NAME, "Europe/Istanbul")


def test_bad_time_zone_and_short_password_are_shown_by_the_field(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager, clock: FixedClock, make_wizard: Any
) -> None:
    root = tmp_path / "new"
    wizard = make_wizard(None, root, tasks, clock)
    wizard.show()
    _fill_clinic(qtbot, wizard, zone="Mars/Olympus")
    error = wizard.clinic.form.errors["timezone"]
    assert wizard.currentPage() is wizard.clinic and error.isVisible()
    assert "time zone is not known" in error.text()
    assert _here(wizard) is wizard.clinic.zone, "the field at fault has the keyboard"

    _type(qtbot, wizard, "europe/ist", then=Qt.Key.Key_Down)  # the search finds it
    qtbot.keyClick(_here(wizard), Qt.Key.Key_Return)
    assert wizard.clinic.zone.currentText() == "Europe/Istanbul"
    qtbot.keyClick(_here(wizard), Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.admin and not error.isVisible()
    _fill_admin(qtbot, wizard, password="short")
    password_error = wizard.admin.form.errors["password"]
    assert password_error.isVisible() and "at least 8 characters" in password_error.text()
    assert wizard.currentPage() is wizard.admin and not root.exists()

    wizard.admin.password.setText(PASSWORD)
    wizard.admin.password_again.setText(PASSWORD + "x")
    qtbot.keyClick(wizard.admin.password_again, Qt.Key.Key_Return)
    assert wizard.admin.form.errors["password-again"].isVisible()
    wizard.admin.password_again.setText(PASSWORD)
    wizard.admin.passphrase.setText("short")
    wizard.admin.passphrase_again.setText("short")
    qtbot.keyClick(wizard.admin.passphrase_again, Qt.Key.Key_Return)
    assert "at least 10" in wizard.admin.form.errors["passphrase"].text()
    assert wizard.currentPage() is wizard.admin and not root.exists(), "nothing was created"


def test_a_failure_while_creating_leaves_nothing_and_keeps_the_form(
    qtbot: QtBot,
    tmp_path: Path,
    tasks: TaskManager,
    clock: FixedClock,
    make_wizard: Any,
    memory_keyring: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(db: Any, *_args: Any) -> None:
        db.close()
        raise OSError("disk full")

    monkeypatch.setattr(setup, "_first_rows", broken)
    root = tmp_path / "new"
    wizard = make_wizard(None, root, tasks, clock)
    wizard.show()
    _fill_clinic(qtbot, wizard)
    _fill_admin(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.admin.error.isVisible(), timeout=10_000)
    assert "Something went wrong" in wizard.admin.error.text()
    assert "Traceback" not in wizard.admin.error.text()
    assert wizard.currentPage() is wizard.admin and wizard.admin.form.isEnabled()
    assert wizard.admin.username.text() == "Admin" and wizard.admin.password.text() == PASSWORD
    assert not root.exists() and memory_keyring.store == {}, "nothing is left behind"
    assert wizard.button(QWizard.WizardButton.CommitButton).isEnabled()


def test_finish_waits_for_the_confirmation_and_escape_cannot_lose_the_code(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager, clock: FixedClock, make_wizard: Any
) -> None:
    wizard = make_wizard(None, tmp_path / "new", tasks, clock)
    wizard.show()
    _to_recovery(qtbot, wizard)
    finish = _finish(wizard)
    assert not finish.isEnabled()
    assert not wizard.button(QWizard.WizardButton.BackButton).isVisible()
    assert not wizard.button(QWizard.WizardButton.CancelButton).isVisible()
    with qtbot.assertNotEmitted(wizard.setupFinished):
        qtbot.keyClick(wizard.recovery.code, Qt.Key.Key_Return)
        qtbot.keyClick(wizard.recovery.code, Qt.Key.Key_Escape)
    assert wizard.isVisible() and wizard.currentPage() is wizard.recovery
    wizard.recovery.kept.setChecked(True)
    assert finish.isEnabled()
    wizard.recovery.kept.setChecked(False)
    assert not finish.isEnabled()


def test_save_to_file_writes_the_code_owner_only(
    qtbot: QtBot,
    tmp_path: Path,
    tasks: TaskManager,
    clock: FixedClock,
    make_wizard: Any,
    dialogs: Dialogs,
) -> None:
    wizard = make_wizard(None, tmp_path / "new", tasks, clock)
    wizard.show()
    code = _to_recovery(qtbot, wizard)
    qtbot.keyClick(wizard.recovery.save_button, Qt.Key.Key_Space)
    assert len(dialogs.saves) == 1 and dialogs.saves[0].isVisible()
    target = tmp_path / "usb" / "code.txt"
    target.parent.mkdir()
    dialogs.saves[0].fileSelected.emit(str(target))
    dialogs.saves[0].done(QFileDialog.DialogCode.Accepted)
    text = target.read_text(encoding="utf-8")
    assert code in text and NAME in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["code.txt"], "no temporary left"
    assert "Saved to" in wizard.recovery.status.text()
    assert not wizard.recovery.kept.isChecked(), "saving is not the person's confirmation"


def test_print_sends_the_sheet_to_the_chosen_printer(
    qtbot: QtBot,
    tmp_path: Path,
    tasks: TaskManager,
    clock: FixedClock,
    make_wizard: Any,
    dialogs: Dialogs,
) -> None:
    wizard = make_wizard(None, tmp_path / "new", tasks, clock)
    wizard.show()
    _to_recovery(qtbot, wizard)
    qtbot.keyClick(wizard.recovery.print_button, Qt.Key.Key_Space)
    assert len(dialogs.prints) == 1
    dialogs.prints[0].done(QPrintDialog.DialogCode.Accepted)
    assert dialogs.pdf.exists() and dialogs.pdf.read_bytes().startswith(b"%PDF")
    assert wizard.recovery.status.text() == "Sent to the printer."


def test_an_app_closed_before_the_code_was_kept_leaves_no_clinic_and_sets_up_again(
    qtbot: QtBot,
    tmp_path: Path,
    tasks: TaskManager,
    clock: FixedClock,
    make_wizard: Any,
    memory_keyring: Any,
) -> None:
    """The clinic is made when "Create clinic" is pressed, but counts as made only once
    the person has kept its code: an app closed (or killed) while the code is on
    screen leaves a folder the next start offers the wizard for, not a clinic whose
    code nobody kept."""
    root = tmp_path / "new clinic"
    idle = IdleWatcher(300, poll_ms=60_000)
    first = Startup(root, tasks, idle, clock=clock, env={}, wizard_factory=make_wizard)
    first.start()
    qtbot.waitUntil(lambda: len(make_wizard.made) == 1, timeout=10_000)
    _to_recovery(qtbot, make_wizard.made[0])
    assert vault.DataDir(root).db.exists()
    first.quit()  # Finish never pressed
    assert not vault.DataDir(root).exists()

    again = TaskManager()
    sign_ins: list[SignInDialog] = []

    def sign_in(parent: QWidget | None, name: str, **kwargs: Any) -> SignInDialog:
        sign_ins.append(SignInDialog(parent, name, **kwargs))
        return sign_ins[-1]

    second = Startup(
        root, again, idle, clock=clock, env={}, sign_in_factory=sign_in, wizard_factory=make_wizard
    )
    try:
        second.start()
        qtbot.waitUntil(lambda: len(make_wizard.made) == 2, timeout=10_000)
        wizard = make_wizard.made[1]
        code = _to_recovery(qtbot, wizard)
        wizard.recovery.kept.setChecked(True)
        qtbot.keyClick(_here(wizard), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: bool(sign_ins), timeout=10_000)
        assert vault.DataDir(root).exists() and not vault.DataDir(root).unfinished.exists()
    finally:
        second.quit()
    memory_keyring.store.clear()
    db = vault.open_clinic(root, ask=lambda _p: code, env={})  # the code kept the second time
    db.close()

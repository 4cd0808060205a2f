"""Every window and dialog the app has, opened one after another on a real main window.

``COVERED`` names the classes this opens; ``test_every_dialog_class_is_walked`` fails
when ui/ gains a dialog this does not open, so a new dialog is walked (for mnemonic
clashes, accessible names, ...) from the day it is written.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget, QWizard
from pytestqt.qtbot import QtBot

import ui
from receptionist.jobs.core import BACKUP
from receptionist.ops.backups import BackupInfo
from receptionist.ops.conflictwords import ConflictView, Side
from receptionist.ops.patients import ErasurePlan
from receptionist.ops.retention import HoldView
from receptionist.store.vault import Created
from receptionist.texts import Text
from sync.jobs import REMINDERS
from ui.cancel import CancelDialog
from ui.conflicts.dialogs import CallDialog, CancelOthersDialog, MoveDialog, ReasonDialog
from ui.finishing import FinishingNote
from ui.mainwindow import MainWindow
from ui.patients import Patients
from ui.patients.erasedialog import EraseDialog
from ui.patients.holdbox import HoldDialog, LiftHoldDialog
from ui.progress import ProgressDialog
from ui.reminders import Reminders
from ui.restoreoffer import RestoreOffer
from ui.schedule.override import OverrideDialog
from ui.settings import Settings
from ui.settings.backupspage import BackupsPage
from ui.settings.destructionrecords import DestructionRecordsDialog
from ui.settings.jobhistory import JobHistoryDialog
from ui.signin import SignInDialog
from ui.tasks import TaskManager
from ui.templateeditor import TemplatesDialog, open_templates
from ui.today import FrontDesk
from ui.unlock import UnlockDialog
from ui.wizard.wizard import SetupWizard

Opener = Callable[[QtBot, MainWindow, dict[str, str]], QWidget]


def _settings(qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    controller = window.findChild(Settings)
    assert controller is not None
    dialog = controller.show_dialog()
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.load()
    return dialog


def _patient(qtbot: QtBot, window: MainWindow, ids: dict[str, str]) -> QWidget:
    controller = window.findChild(Patients)
    assert controller is not None
    shown = controller.open_patient(ids["patient"])
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    return shown


def _front_desk(window: MainWindow) -> FrontDesk:
    found = window.findChild(FrontDesk)
    assert found is not None
    return found


def _entry(qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    desk = _front_desk(window)
    desk.show_waitlist()
    desk.ask_entry()
    qtbot.waitUntil(lambda: desk.entry is not None and desk.entry.isVisible(), timeout=10_000)
    assert desk.entry is not None
    return desk.entry


def _reminders(_qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    controller = window.findChild(Reminders)
    assert controller is not None
    return controller.show()


def _delivery_log(_qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    """Opened from the Reminders view, as a person opens it (the view stays under it)."""
    controller = window.findChild(Reminders)
    assert controller is not None
    controller.show()
    return controller.show_log()


def _templates(qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    """Opened from Settings > Reminders, as a person opens it."""
    controller = window.findChild(Settings)
    assert controller is not None
    page = controller.show_dialog().clinic
    dialog = page.show_templates()
    qtbot.waitUntil(lambda: bool(dialog.rows), timeout=10_000)
    return dialog


def _templates_read_only(qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    """As a receptionist reads them: no Save, no Reset, no buttons to insert."""
    dialog = open_templates(window.desk, False, window)
    qtbot.waitUntil(lambda: bool(dialog.rows), timeout=10_000)
    return dialog


def _templates_whatsapp(qtbot: QtBot, window: MainWindow, ids: dict[str, str]) -> QWidget:
    """On WhatsApp: the approved template's name and language code take the keyboard."""
    dialog = _templates(qtbot, window, ids)
    assert isinstance(dialog, TemplatesDialog)
    dialog.channel.setCurrentIndex(dialog.channel.findData("whatsapp"))
    return dialog


def _conflicts(_qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    from ui.conflicts import Conflicts

    controller = window.findChild(Conflicts)
    assert controller is not None
    return controller.show_panel()


def _side(label: str) -> Side:
    return Side(label, f"row-{label}", "pc", "Front desk PC", False, patient="A", phone="1")


def _conflict() -> ConflictView:
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    return ConflictView(
        "c1", "overlap", "appointment", "row-A", now, None, "", False, False,
        Text("Two bookings at one time"), (_side("A"), _side("B")),
    )  # fmt: skip


def _about(_qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    window.actions_.about.trigger()
    box = window.findChild(QMessageBox, "aboutBox")
    assert box is not None
    return box


def _wizard(qtbot: QtBot, window: MainWindow, _ids: dict[str, str]) -> QWidget:
    tasks = TaskManager()
    wizard = SetupWizard(None, Path(window.desk.root).parent / "new", tasks, window.desk.clock)
    wizard.destroyed.connect(tasks.shutdown)
    qtbot.addWidget(wizard)
    # The code page as after creating, with its note of a keychain that kept nothing.
    made = Created("clinic-id", "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", False, b"")
    wizard.recovery.show_code("Şifa Clinic", made, passphrase_set=False)
    return wizard


def _hold() -> HoldView:
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return HoldView("p1", "A-1", "Zeynep Kaya", "legal", "Court letter 2026/114", at, "Elif")


def _backup() -> BackupInfo:
    return BackupInfo(Path("b.rbak"), "c", datetime(2026, 3, 1, tzinfo=UTC), 1, "0016", True)


OPENERS: dict[str, Opener] = {
    "SettingsDialog": _settings,
    "PatientSearch": lambda _q, w, _i: w.findChild(Patients).show_search(),  # type: ignore[union-attr]
    "QuickFind": lambda _q, w, _i: w.findChild(Patients).show_quick_find(),  # type: ignore[union-attr]
    "NewPatientDialog": lambda _q, w, _i: w.findChild(Patients).show_new(),  # type: ignore[union-attr]
    "PatientWindow": _patient,
    "BookingDialog": lambda _q, w, _i: w.booking.open(),
    "TodayBoard": lambda _q, w, _i: _front_desk(w).show_board(),
    "WaitlistView": lambda _q, w, _i: _front_desk(w).show_waitlist(),
    "EntryDialog": _entry,
    "RemindersView": _reminders,
    "DeliveryLogView": _delivery_log,
    "TemplatesDialog": _templates,
    "TemplatesDialog read-only": _templates_read_only,
    "TemplatesDialog WhatsApp": _templates_whatsapp,
    "ConflictsPanel": _conflicts,
    "MoveDialog": lambda _q, w, _i: MoveDialog(w.desk, _side("A"), _side("B"), w),
    "ReasonDialog": lambda _q, w, _i: ReasonDialog(_conflict(), w),
    "CallDialog": lambda _q, w, _i: CallDialog(_conflict(), w),
    "CancelOthersDialog": lambda _q, w, _i: CancelOthersDialog(
        _conflict(), _side("A"), w.desk.clinic.tz, w
    ),
    "CancelDialog": lambda _q, w, i: CancelDialog(i["a1"], "Ayşe Yılmaz", w),
    "EraseDialog": lambda _q, w, _i: EraseDialog(
        ErasurePlan("p1", "A-1", "Zeynep Kaya", {"appointment": 2, "consent": 3}), w
    ),
    "HoldDialog": lambda _q, w, _i: HoldDialog("A-1", "Zeynep Kaya", w),
    "LiftHoldDialog": lambda _q, w, _i: LiftHoldDialog("A-1", _hold(), w),
    "OverrideDialog": lambda _q, w, _i: OverrideDialog(["Dr Aksoy is busy then"], w),
    "DestructionRecordsDialog": lambda _q, w, _i: DestructionRecordsDialog(w.desk, str, w),
    "JobHistoryDialog": lambda _q, w, _i: JobHistoryDialog(w.desk, BACKUP, w),
    "SignInDialog": lambda _q, w, _i: SignInDialog(w, "Şifa Clinic", locked=True),
    "UnlockDialog": lambda _q, w, _i: UnlockDialog(w, "/data/clinic"),
    "ProgressDialog": lambda _q, w, _i: ProgressDialog("Checking", "Checking…", w, delay_ms=0),
    "RestoreOffer": lambda _q, w, _i: RestoreOffer("The file is damaged.", _backup(), w),
    "restoreBackupQuestion": lambda _q, w, _i: BackupsPage(w.desk, w).restore_question(
        _backup(), w
    ),
    "replaceClinicQuestion": lambda _q, w, _i: BackupsPage(w.desk, w).replace_question(
        _backup(), w
    ),
    "SetupWizard": _wizard,
    "aboutBox": _about,
    "ShortcutsSheet": lambda _q, w, _i: w.help.show_shortcuts(),
    "UserGuide": lambda _q, w, _i: w.help.show_guide(),
    "FinishingNote": lambda _q, w, _i: FinishingNote(REMINDERS.name, w, delay_ms=0),
}

# Dialog classes walked as part of another (a base class, or shown inside a window).
NOT_OPENED_ALONE = {"FormDialog", "_Asking"}


def every_window(qtbot: QtBot, window: MainWindow, ids: dict[str, str]) -> Iterator[QWidget]:
    """The main window, then each dialog in turn, shown; closed after the caller looked.
    A wizard is looked at once on each of its pages (:func:`wizard_pages`)."""
    yield window
    for name, opener in OPENERS.items():
        shown = opener(qtbot, window, ids)
        shown.setProperty("walkName", name)
        shown.show()
        qtbot.waitUntil(shown.isVisible, timeout=10_000)
        if isinstance(shown, QWizard):
            yield from wizard_pages(qtbot, shown)
        else:
            yield shown
        if isinstance(shown, QDialog):
            shown.done(QDialog.DialogCode.Rejected)
        else:
            shown.close()
        if isinstance(shown, QWizard):
            shown.deleteLater()


def wizard_pages(qtbot: QtBot, wizard: QWizard) -> Iterator[QWizard]:
    """``wizard`` shown on each of its pages in turn (restarted on it: no page's checks
    run, nothing is created), then back on its first."""
    first = wizard.startId()
    for page_id in wizard.pageIds():
        wizard.setStartId(page_id)
        wizard.restart()
        qtbot.waitUntil(lambda page_id=page_id: wizard.currentId() == page_id, timeout=10_000)
        yield wizard
    wizard.setStartId(first)
    wizard.restart()


def dialog_classes() -> set[str]:
    """The name of every QDialog (and QWizard, QMessageBox) subclass in ui/."""
    for info in pkgutil.walk_packages(ui.__path__, "ui."):
        importlib.import_module(info.name)
    found: set[str] = set()
    todo: list[type] = [QDialog]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("ui."):
                found.add(sub.__name__)
    return found

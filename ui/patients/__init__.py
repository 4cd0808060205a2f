"""Patients: the search window, the patient window and quick find, hooked onto a window.

``install(window)`` adds a Patients menu with "Find patients…" (Ctrl+P) and "Quick
find…" (Ctrl+K, from any window of the app) to a MainWindow. The dialogs are children
of the window, so its lock hides them and its actions' lock disables these too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from ..actions import menu_holding, window_action
from ..quickfind import QuickFind
from .search import PatientSearch
from .window import PatientWindow

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

__all__ = ["PatientWindow", "Patients", "install"]


class Patients(QObject):
    """Opens the patient dialogs; one patient window per patient."""

    opened = Signal(object)  # the PatientWindow

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.search: PatientSearch | None = None
        self.quick: QuickFind | None = None
        self.windows: dict[str, PatientWindow] = {}

    def show_search(self) -> PatientSearch:
        if self.search is None:
            self.search = PatientSearch(self.window.desk, self.window)
            self.search.openRequested.connect(self.open_patient)
        self.search.present()
        return self.search

    def show_quick_find(self) -> QuickFind:
        if self.quick is None:
            self.quick = QuickFind(self.window.desk, self.window)
            self.quick.openRequested.connect(self.open_patient)
        self.quick.present()
        return self.quick

    def open_patient(self, patient_id: str) -> PatientWindow:
        """Show the patient's window: a fresh (audited) read unless it holds unsaved edits."""
        shown = self.windows.get(patient_id)
        if shown is None:
            shown = PatientWindow(self.window.desk, patient_id, self.window)
            shown.saved.connect(self._refresh_search)
            self.windows[patient_id] = shown
        if shown.record is None or not shown.form.changes():
            shown.load()
        shown.show()
        shown.raise_()
        shown.activateWindow()
        self.opened.emit(shown)
        return shown

    def forget(self) -> None:
        """Another user signed in: none of the previous user's windows or searches stay."""
        for dialog in [*self.windows.values(), self.search, self.quick]:
            if dialog is not None:
                dialog.deleteLater()
        self.windows.clear()
        self.search = None
        self.quick = None

    def _refresh_search(self) -> None:
        """A saved name or phone shows in the search results at once."""
        if self.search is not None and self.search.picker.finder.query:
            self.search.picker.finder.search_now()


def install(window: MainWindow) -> None:
    """Add the Patients menu and shortcuts to ``window`` (find the controller with
    ``window.findChild(Patients)``). Installing twice changes nothing."""
    if window.findChild(Patients) is not None:
        return
    patients = Patients(window)
    window.userChanged.connect(patients.forget)
    tr = patients.tr
    find = window_action(window, "patients", tr("&Find patients…"), "Ctrl+P",
                         tr("Search the patients on file"))  # fmt: skip
    quick = window_action(window, "quickFind", tr("&Quick find…"), "Ctrl+K",
                          tr("Jump to a patient by name, phone or number"))  # fmt: skip
    quick.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    find.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    find.triggered.connect(patients.show_search)
    quick.triggered.connect(patients.show_quick_find)
    bar = window.menuBar()
    menu = bar.addMenu(tr("&Patients"))
    menu.addActions([find, quick])
    help_menu = menu_holding(window, "action_about")
    if help_menu is not None:  # Help stays last
        bar.insertMenu(help_menu.menuAction(), menu)

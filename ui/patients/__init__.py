"""Patients: the search window, the patient window and quick find, hooked onto a window.

``install(window)`` adds a Patients menu with "New patient…" (Ctrl+Shift+N), "Find
patients…" (Ctrl+P: a list to browse, that stays open) and "Quick find…" (Ctrl+K: jump
to one patient, from any window of the app) to a MainWindow. Both finders offer Book
and New patient, and so does the patient window (Book, Ctrl+N). The dialogs are
children of the window, so its lock hides them and its actions' lock disables these too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from receptionist.ops.patients import PatientRow

from ..actions import menu_holding, window_action
from ..quickfind import QuickFind
from .search import PatientSearch
from .window import PatientWindow

if TYPE_CHECKING:
    from ..mainwindow import MainWindow
    from .newpatient import NewPatientDialog

__all__ = ["PatientWindow", "Patients", "install"]


class Patients(QObject):
    """Opens the patient dialogs; one patient window per patient."""

    opened = Signal(object)  # the PatientWindow

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.search: PatientSearch | None = None
        self.quick: QuickFind | None = None
        self.new: NewPatientDialog | None = None
        self.windows: dict[str, PatientWindow] = {}

    def show_search(self) -> PatientSearch:
        if self.search is None:
            self.search = PatientSearch(self.window.desk, self.window)
            self.search.openRequested.connect(self.open_patient)
            self.search.bookRequested.connect(self.book)
            self.search.newRequested.connect(self.show_new)
        self.search.present()
        return self.search

    def show_quick_find(self) -> QuickFind:
        if self.quick is None:
            self.quick = QuickFind(self.window.desk, self.window)
            self.quick.openRequested.connect(self.open_patient)
            self.quick.bookRequested.connect(self.book)
            self.quick.newRequested.connect(self.show_new)
        self.quick.present()
        return self.quick

    def show_new(self, typed: str = "") -> NewPatientDialog:
        """The New patient form (the names guessed from ``typed``); the added patient's
        record opens."""
        if self.new is None:
            # Here, not at the top: its form lives in ui.booking, which imports this package.
            from .newpatient import NewPatientDialog

            self.new = NewPatientDialog(self.window.desk, self.window)
            self.new.created.connect(lambda row: self.open_patient(row.id))
        self.new.start(typed)
        return self.new

    def book(self, patient: PatientRow) -> None:
        """The booking dialog with ``patient`` filled in."""
        self.window.booking.open(patient=patient)

    def open_patient(self, patient_id: str) -> PatientWindow:
        """Show the patient's window: a fresh (audited) read unless it holds unsaved edits."""
        shown = self.windows.get(patient_id)
        if shown is None:
            shown = PatientWindow(self.window.desk, patient_id, self.window)
            shown.saved.connect(self._refresh_search)
            shown.bookRequested.connect(self.book)
            shown.erased.connect(self._erased)
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
        for dialog in [*self.windows.values(), self.search, self.quick, self.new]:
            if dialog is not None:
                dialog.deleteLater()
        self.windows.clear()
        self.search = None
        self.quick = None
        self.new = None

    def _erased(self, patient_id: str) -> None:
        """Her window goes (nothing of her is left to show) and the search forgets her."""
        shown = self.windows.pop(patient_id, None)
        if shown is not None:
            shown.deleteLater()
        self._refresh_search()

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
    new = window_action(window, "newPatient", tr("&New patient…"), "Ctrl+Shift+N",
                        tr("Add a patient who is not on file"))  # fmt: skip
    find = window_action(window, "patients", tr("&Find patients…"), "Ctrl+P",
                         tr("Browse and narrow a list of the patients on file"))  # fmt: skip
    quick = window_action(window, "quickFind", tr("&Quick find…"), "Ctrl+K",
                          tr("Jump to one patient by name, phone or number"))  # fmt: skip
    for action in (new, find, quick):
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    new.triggered.connect(lambda: patients.show_new())
    find.triggered.connect(patients.show_search)
    quick.triggered.connect(patients.show_quick_find)
    bar = window.menuBar()
    menu = bar.addMenu(tr("&Patients"))
    menu.addActions([new, find, quick])
    help_menu = menu_holding(window, "action_about")
    if help_menu is not None:  # Help stays last
        bar.insertMenu(help_menu.menuAction(), menu)

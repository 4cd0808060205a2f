"""The patient window's "Export record…": the patient's copy of her whole record
(right of access and portability; ``ops.export.export_patient``).

A save dialog asks where (a zip file, her number suggested as its name); the export
runs on the DB worker, its page in the app's language (``coretext.translated``); then
a box says where the file is and that it holds her data unencrypted: hand it to her,
keep no copy. The dialogs are made by factories (tests pass their own, never a native
dialog), each opened with ``open()``, so nothing blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDir, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QWidget

from receptionist.ops.export import Exported, export_patient
from receptionist.store.storage import Database

from .. import messages
from ..coretext import translated
from ..desk import Desk
from ..tasks import DbOp

SaveDialogFactory = Callable[[QWidget, str], QFileDialog]
DoneBoxFactory = Callable[[QWidget, str], QMessageBox]


def export_dialog(parent: QWidget, suggested: str) -> QFileDialog:
    dialog = QFileDialog(parent, parent.tr("Export the patient's record"), suggested)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(parent.tr("Zip files (*.zip)"))
    dialog.setDefaultSuffix("zip")
    return dialog


def done_box(parent: QWidget, text: str) -> QMessageBox:
    title = parent.tr("Record exported")
    ok = QMessageBox.StandardButton.Ok
    box = QMessageBox(QMessageBox.Icon.Information, title, text, ok, parent)
    box.setObjectName("exportDoneBox")
    return box


class RecordExport(QObject):
    """Asks where, exports on the worker, tells the outcome in ``note`` and a box."""

    exported = Signal(str)  # the path written

    def __init__(self, window: QWidget, desk: Desk, patient_id: str, note: QLabel) -> None:
        super().__init__(window)
        self.window, self.desk, self.patient_id, self.note = window, desk, patient_id, note
        self.save_factory: SaveDialogFactory = export_dialog
        self.box_factory: DoneBoxFactory = done_box
        self.box: QMessageBox | None = None
        self.busy = False  # one export at a time

    def ask(self, number: str) -> None:
        suggested = str(Path(QDir.homePath()) / f"{number}-record.zip")
        dialog = self.save_factory(self.window, suggested)
        dialog.setObjectName("exportDialog")
        dialog.fileSelected.connect(self.export_to)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def export_to(self, path: str) -> None:
        if not path or self.busy:
            return
        self.busy = True
        ctx, pid, target = self.desk.ctx(), self.patient_id, Path(path)
        self.note.setText(self.tr("Exporting the record…"))

        def export(db: Database) -> Exported:
            return export_patient(db, ctx, pid, target, replace=True, words=translated)

        op = DbOp(self.desk.tasks, export, self)
        op.success(self._done).failure(self._failed).run()

    def _done(self, done: Exported) -> None:
        self.busy = False
        text = self.tr(
            "Patient {0}'s record is saved to {1}. The file holds the patient's data "
            "unencrypted: hand it to the patient, then delete it; keep no copy."
        ).format(done.number, str(done.path))
        self.note.setText(self.tr("Record exported to {0}.").format(str(done.path)))
        self.box = self.box_factory(self.window, text)
        self.box.open()
        self.exported.emit(str(done.path))

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        text = messages.user_text(exc)
        self.note.setText(text)
        messages.error(text)

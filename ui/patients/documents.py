"""The patient's documents: a table (name, type, size, added) and Attach, Save a copy, Remove.

Attaching reads and stores the file on the database worker; a file that takes more
than a moment shows a progress dialog whose Cancel leaves nothing written. The file
and confirmation dialogs come from injected factories and are opened with
``open()``, so nothing blocks and tests can drive them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QDir, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable
from receptionist.ops import documents
from receptionist.ops.documents import MAX_BYTES, DocumentInfo
from receptionist.store.storage import Database

from .. import messages
from ..desk import Desk
from ..progress import ProgressDialog
from ..rowsmodel import rows_table
from ..tasks import Cancelled, DbOp, Progress
from .docparts import (
    ConfirmFactory,
    DocumentsModel,
    OpenDialogFactory,
    SaveDialogFactory,
    confirm_box,
    open_dialog,
    save_dialog,
    size_text,
)
from .table import ID_ROLE


class DocumentsPage(QWidget):
    loaded = Signal()
    attached = Signal(str)  # document id
    copied = Signal(str)  # the path written
    removed = Signal(str)  # document id
    attachEnded = Signal()  # done, failed or cancelled

    def __init__(
        self,
        desk: Desk,
        patient_id: str,
        parent: QWidget | None = None,
        *,
        open_factory: OpenDialogFactory = open_dialog,
        save_factory: SaveDialogFactory = save_dialog,
        confirm_factory: ConfirmFactory = confirm_box,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("patientDocuments")
        self.setAccessibleName(self.tr("Documents"))
        self.desk, self.patient_id = desk, patient_id
        self.open_factory, self.save_factory = open_factory, save_factory
        self.confirm_factory = confirm_factory
        self.progress_delay_ms: int | None = None  # None: the dialog's own delay
        self.progress_dialog: ProgressDialog | None = None
        self.is_loaded = False
        self.model = DocumentsModel(desk.clinic.tz, self)
        self.table = rows_table(self, self.model, self.tr("Documents of the patient"),
                                name="documentTable", stretch_column=0)  # fmt: skip
        self.table.doubleClicked.connect(lambda _i: self.save_copy())
        self.attach_button = self._button(
            "attachDocument", self.tr("&Attach…"), self.tr("Attach a file"), self.attach
        )
        self.copy_button = self._button(
            "copyDocument", self.tr("Sa&ve a copy…"), self.tr("Save a copy"), self.save_copy
        )
        self.remove_button = self._button(
            "removeDocument", self.tr("&Remove"), self.tr("Remove the document"), self.remove
        )
        self.empty = QLabel(self.tr("No documents attached yet."), self)
        self.empty.setObjectName("hintLabel")
        self.empty.hide()
        self.note = QLabel(self)
        self.note.setObjectName("windowNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setAccessibleName(self.tr("What happened"))
        self._layout()
        self.table.installEventFilter(self)  # Delete removes, Enter saves a copy
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On the table, Delete removes the chosen document and Enter saves a copy."""
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.matches(QKeySequence.StandardKey.Delete):
                self.remove()
                return True
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and event.modifiers() == Qt.KeyboardModifier.NoModifier:
                self.save_copy()
                return True
        return super().eventFilter(watched, event)

    def _button(
        self, name: str, text: str, accessible: str, slot: Callable[[], None]
    ) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _layout(self) -> None:
        hint = QLabel(self.tr("Files are kept encrypted in the clinic's database, up to {0} each.")
                      .format(size_text(MAX_BYTES)), self)  # fmt: skip
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.attach_button, self.copy_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(hint)

    def _update_buttons(self) -> None:
        chosen = self.current_id() is not None
        self.copy_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen and self.desk.actor.may("patient.write"))
        self.attach_button.setEnabled(self.desk.actor.may("patient.write"))

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        found = index.data(ID_ROLE)
        return str(found) if found else None

    def current(self) -> DocumentInfo | None:
        doc_id = self.current_id()
        return next((d for d in self.model.rows() if d.id == doc_id), None)

    # --- listing -----------------------------------------------------------------------
    def load(self) -> None:
        ctx, pid = self.desk.ctx(), self.patient_id
        DbOp(self.desk.tasks, lambda db: documents.listing(db, ctx, pid), self).success(
            self._show_list
        ).run()

    def _show_list(self, found: Sequence[DocumentInfo], select: str | None = None) -> None:
        keep = select or self.current_id()
        self.model.set_rows(found)
        self.empty.setVisible(not found)
        self.is_loaded = True
        row = next((i for i, d in enumerate(found) if d.id == keep), None)
        if row is not None:
            self.table.selectRow(row)
        self._update_buttons()
        self.loaded.emit()

    # --- attach ------------------------------------------------------------------------
    def attach(self) -> None:
        if self.progress_dialog is not None or not self.attach_button.isEnabled():
            return
        dialog = self.open_factory(self)
        dialog.setObjectName("attachDialog")
        dialog.fileSelected.connect(self.attach_path)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def attach_path(self, path: str) -> None:
        if not path or self.progress_dialog is not None:
            return
        file = Path(path)
        delay = self.progress_delay_ms
        dialog = ProgressDialog(self.tr("Attaching"), self.tr("Reading {0}…").format(file.name),
                                self, **({} if delay is None else {"delay_ms": delay}))  # fmt: skip
        self.progress_dialog = dialog
        progress = Progress(self.desk.tasks, lambda d, t: self._progressed(file.name, d, t), dialog)
        dialog.start(progress)
        self.attach_button.setEnabled(False)
        self.note.setText(self.tr("Attaching {0}…").format(file.name))
        ctx, pid = self.desk.ctx(), self.patient_id

        def attach(db: Database) -> tuple[DocumentInfo, list[DocumentInfo]]:
            added = documents.attach(db, ctx, pid, file, progress=progress)
            return added, documents.listing(db, ctx, pid)

        op = DbOp(self.desk.tasks, attach, self)
        op.cancellable(progress).success(self._attached).failure(self._attach_failed).run()

    def _progressed(self, name: str, done: int, total: int) -> None:
        dialog = self.progress_dialog
        if dialog is None:
            return
        dialog.show_progress(done, total)
        if total and done >= total:
            dialog.set_text(self.tr("Saving {0} in the record…").format(name))

    def _end_attach(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
            self.progress_dialog = None
        self._update_buttons()
        self.attachEnded.emit()

    def _attached(self, result: tuple[DocumentInfo, list[DocumentInfo]]) -> None:
        added, found = result
        self._end_attach()
        self._show_list(found, select=added.id)
        self.note.setText(self.tr("Attached {0}.").format(printable(added.file_name, lines=False)))
        self.attached.emit(added.id)

    def _attach_failed(self, exc: BaseException) -> None:
        self._end_attach()
        if isinstance(exc, Cancelled):
            self.note.setText(self.tr("Cancelled: nothing was attached."))
            return
        self.note.setText(messages.user_text(exc))

    # --- save a copy -------------------------------------------------------------------
    def save_copy(self) -> None:
        info = self.current()
        if info is None:
            return
        dialog = self.save_factory(self, str(Path(QDir.homePath()) / info.file_name))
        dialog.setObjectName("copyDialog")
        dialog.fileSelected.connect(lambda path: self.save_copy_to(info.id, path))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def save_copy_to(self, document_id: str, path: str) -> None:
        if not path:
            return
        ctx, target = self.desk.ctx(), Path(path)
        op = DbOp(
            self.desk.tasks,
            lambda db: documents.save_copy(db, ctx, document_id, target, replace=True),
            self,
        )
        op.success(lambda _info: self._copied(path)).failure(self._failed).run()

    def _copied(self, path: str) -> None:
        self.note.setText(
            self.tr("Saved a copy to {0}. That copy is not encrypted: delete it when done.")
            .format(path)
        )  # fmt: skip
        self.copied.emit(path)

    # --- remove ------------------------------------------------------------------------
    def remove(self) -> None:
        info = self.current()
        if info is None or not self.remove_button.isEnabled():
            return
        text = self.tr("Remove {0} from the record? Its contents are erased.").format(
            printable(info.file_name, lines=False)
        )
        box = self.confirm_factory(self, text)
        box.setObjectName("removeDocumentBox")
        yes = box.button(QMessageBox.StandardButton.Yes)

        def answered(button: QAbstractButton) -> None:
            if button is yes:
                self._remove(info.id, info.file_name)

        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _r: box.deleteLater())
        box.open()

    def _remove(self, document_id: str, name: str) -> None:
        ctx, pid = self.desk.ctx(), self.patient_id

        def remove(db: Database) -> list[DocumentInfo]:
            documents.remove(db, ctx, document_id)
            return documents.listing(db, ctx, pid)

        op = DbOp(self.desk.tasks, remove, self)
        op.success(lambda found: self._removed(found, document_id, name))
        op.failure(self._failed).run()

    def _removed(self, found: list[DocumentInfo], document_id: str, name: str) -> None:
        self._show_list(found)
        self.note.setText(self.tr("Removed {0}.").format(printable(name, lines=False)))
        self.removed.emit(document_id)

    def _failed(self, exc: BaseException) -> None:
        self.note.setText(messages.user_text(exc))

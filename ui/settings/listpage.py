"""A settings page made of a list and an editor: pick a row, edit it, Save; or New.

Subclasses build the form (``build_form``), fill it from a row (``fill``), read it
back (``values``, None after showing a local problem) and name the worker function
that writes it (``writer``). A refused save keeps the form as typed and puts the
core's message under the field it names (and emits ``refused``).

Moving to another row or starting a new one with unsaved edits asks first (through
``confirm``, set by the dialog): Save (then move), Discard, or Cancel (stay).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from receptionist.context import Ctx
from receptionist.store.storage import Database

from ..desk import Desk
from ..tasks import DbOp
from .data import Saved, Snapshot, Values
from .fields import FieldForm
from .rows import RowModel
from .unsaved import CANCEL, SAVE, State, TracksEdits, form_state

Writer = Callable[[Database, Ctx, str | None, Values], Saved]
NEW = ""  # after saving, start a new row (instead of showing another one)


class ListPage(TracksEdits, QWidget):
    saved = Signal(object)  # Snapshot
    refused = Signal()  # a save was refused (the reason is shown on the page)

    def __init__(
        self, desk: Desk, editable: bool, what: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desk, self.editable = desk, editable
        self.current_id: str | None = None
        self._new = False
        self._quiet = False  # selecting a row from code, not the user
        self._baseline: State | None = None
        self._snapshot: Snapshot | None = None
        self._after_save: str | None = None
        # Asks (page name) whether to save unsaved edits; None: never asks (discards).
        self.confirm: Callable[[], str] | None = None
        self.model = RowModel(self.label, self.colour, self)
        self.view = QListView(self)
        self.view.setObjectName(f"{what}List")
        self.view.setModel(self.model)
        self.view.setMinimumWidth(220)
        self.view.selectionModel().currentChanged.connect(lambda i, _p: self._picked(i.row()))
        self.form = FieldForm()
        self.build_form(self.form)
        self.new_button = self._button(self.tr("Ne&w"), f"new_{what}", self.start_new)
        self.save_button = self._button(self.tr("&Save"), f"save_{what}", self.save)
        self.note = QLabel(self)
        self.note.setObjectName("pageNote")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("What happened"))
        self._lay_out()
        self.form.setEnabled(editable)
        self.new_button.setVisible(editable)
        self.save_button.setEnabled(editable)
        self.save_button.setVisible(editable)

    def _button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.view, 1)
        left.addWidget(self.new_button)
        right = QVBoxLayout()
        scroll = QScrollArea(self)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self.form)
        for extra in self.extras():
            column.addWidget(extra)
        column.addStretch(1)
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        right.addWidget(scroll, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.save_button)
        right.addLayout(bottom)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

    # --- for subclasses ------------------------------------------------------------------
    def label(self, row: Any) -> str:
        text = str(row.name)
        return text if row.active else self.tr("{0} (inactive)").format(text)

    def colour(self, row: Any) -> str | None:
        return None

    def build_form(self, form: FieldForm) -> None:
        raise NotImplementedError

    def extras(self) -> list[QWidget]:
        return []

    def rows_of(self, snapshot: Snapshot) -> Sequence[Any]:
        raise NotImplementedError

    def fill(self, row: Any | None) -> None:
        raise NotImplementedError

    def values(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def writer(self) -> Writer:
        raise NotImplementedError

    def clear_errors(self) -> None:
        self.form.clear_errors()

    # --- unsaved edits ---------------------------------------------------------------------

    def revert(self) -> None:
        """Forget the edits: show the row as it was saved (the first row after a new one)."""
        self._baseline = None
        self._new = False
        if self.model.row_of(self.current_id) < 0:
            self.current_id = None
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def _may_leave(self, then: str) -> bool:
        """Unsaved edits: ask. True to go on now; on Save, the page goes on to ``then`` (a
        row id, or NEW) once saved."""
        if not self.unsaved() or self.confirm is None:
            return True
        choice = self.confirm()
        if choice == CANCEL:
            return False
        if choice == SAVE:
            self._after_save = then
            self.save()
            return False
        return True

    # --- showing -------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show the rows; keep the row being edited (or the first) selected. A form with
        unsaved edits keeps them."""
        self._snapshot = snapshot
        keep = self.unsaved()
        self.model.set_rows(self.rows_of(snapshot))
        at = self.model.row_of(self.current_id)
        if at < 0 and self.model.rows and self.current_id is None and not self._new:
            at = 0
        if at >= 0:
            self._select(at)
            if not keep:
                self._show_row(at)

    def _select(self, at: int | None) -> None:
        """Put the list's cursor on row ``at`` (None: on no row) without showing it."""
        self._quiet = True
        try:
            if at is None:
                self.view.selectionModel().clear()
            else:
                flag = QItemSelectionModel.SelectionFlag.ClearAndSelect
                self.view.selectionModel().setCurrentIndex(self.model.index(at), flag)
        finally:
            self._quiet = False

    def _picked(self, at: int) -> None:
        """The user moved the list's cursor to row ``at``."""
        if self._quiet or not 0 <= at < len(self.model.rows):
            return
        row = self.model.rows[at]
        if row.id == self.current_id and not self._new:
            return
        if not self._may_leave(row.id):
            back = self.model.row_of(self.current_id)
            self._select(back if back >= 0 else None)
            return
        self._show_row(at)

    def _show_row(self, at: int) -> None:
        row = self.model.rows[at]
        self._new = False
        self.current_id = row.id
        self.clear_errors()
        self.fill(row)
        self.mark_clean()

    def start_new(self) -> None:
        if not self._may_leave(NEW):
            return
        self._new = True
        self.current_id = None
        self._select(None)
        self.clear_errors()
        self.fill(None)
        self.mark_clean()
        self.note.setText(self.tr("New: fill in the fields and press Save."))
        first = next(iter(self.form.editors.values()), None)
        if first is not None:
            first.setFocus()

    # --- saving --------------------------------------------------------------------------
    def save(self) -> None:
        if not self.editable or not self.save_button.isEnabled():
            return
        self.clear_errors()
        values = self.values()
        if values is None:
            self.note.setText(self.tr("Not saved: fix the marked field."))
            self._after_save = None
            self.refused.emit()
            return
        self.save_button.setEnabled(False)
        self.note.setText(self.tr("Saving…"))
        ctx, row_id, write = self.desk.ctx(), self.current_id, self.writer()
        sent = form_state(self.form)
        op = DbOp(self.desk.tasks, lambda db: write(db, ctx, row_id, values), self)
        op.success(lambda result: self._saved(result, sent)).failure(self.save_failed).run()

    def _saved(self, result: Saved, sent: State) -> None:
        self.save_button.setEnabled(True)
        self._new = False
        # What was sent is saved; anything typed while it was saving is still unsaved
        # (and so is not overwritten by the fresh snapshot).
        self._baseline = sent
        after, self._after_save = self._after_save, None
        self.current_id = after if after else result.id
        self.saved.emit(result.snapshot)
        self.note.setText(self.tr("Saved."))
        if after == NEW:
            self.start_new()

    def save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._after_save = None
        self.form.explain_refusal(exc, self.note)
        self.refused.emit()

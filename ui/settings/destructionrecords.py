"""Settings > Retention > "Destruction records…" (``destructionRecordsDialog``): what
each sweep destroyed (kind, how many, when, under which policy; no patient data), a
sweep that destroyed nothing included, the record KVKK asks a clinic to keep at least
three years; "Export CSV…" writes it for an inspector (``retention.records.as_csv``).

The records are read on the desk's database worker (``ops.retention
.destruction_records``: a manager's or an administrator's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops import retention
from receptionist.retention import records
from receptionist.retention.records import Record
from receptionist.store.storage import Database

from .. import messages
from ..desk import Desk
from ..patients.table import short_datetime
from ..tasks import DbOp
from .policywords import policy_words
from .tablefit import fit_columns

SaveAs = Callable[[QWidget, str], str]  # (parent, suggested name) -> path, "" if cancelled
# What the dialog reads: the records, whether the log holds each sweep's (None: no
# copy), the sweeps whose records are gone, and why the log holds no copy of a sweep's.
Read = tuple[list[Record], dict[str, bool | None], list[str], dict[str, str | None]]


def ask_where(parent: QWidget, suggested: str) -> str:
    title = parent.tr("Export the destruction records")
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, "CSV (*.csv)")
    return path


class DestructionRecordsDialog(QDialog):
    def __init__(
        self,
        desk: Desk,
        kind_name: Callable[[str], str],
        parent: QWidget | None = None,
        save_as: SaveAs = ask_where,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("destructionRecordsDialog")
        self.setWindowTitle(self.tr("Destruction records"))
        self.desk, self.kind_name, self.save_as = desk, kind_name, save_as
        self.found: list[Record] = []
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("destructionRecords")
        self.table.setAccessibleName(self.tr("Destruction records"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("When"), self.tr("What"), self.tr("How many"), self.tr("Policy")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.note = QLabel(self)
        self.note.setObjectName("destructionRecordsNote")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.export_button = QPushButton(self.tr("&Export CSV…"), self)
        self.export_button.setObjectName("exportRecords")
        self.export_button.clicked.connect(self.export)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(820, 420)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_columns(self.table)  # now that its width is known

    def load(self) -> DbOp[Read]:
        ctx = self.desk.ctx()

        def read(db: Database) -> Read:
            found = retention.destruction_records(db, ctx)
            ids = [r.sweep_id for r in found]
            logged = retention.records_in_log(db, ctx, ids)
            why = retention.records_unlogged(db, ctx, ids)
            return found, logged, retention.records_gone(db, ctx), why

        op = DbOp(self.desk.tasks, read, self)
        op.success(lambda got: self._show(*got)).failure(messages.report_exception).run()
        return op

    def _show(
        self,
        found: list[Record],
        logged: dict[str, bool | None],
        gone: Sequence[str] = (),
        why: Mapping[str, str | None] | None = None,
    ) -> None:
        self.found = found
        self.table.setRowCount(len(found))
        tz = self.desk.clinic.tz
        for row, r in enumerate(found):
            nothing = r.kind == records.NOTHING
            cells = [
                short_datetime(r.at, tz),
                self.tr("Nothing was past its time") if nothing else self.kind_name(r.kind),
                "" if nothing else f"{r.count:,}",
                policy_words(r.policy),  # the settings' labels (the CSV keeps the keys)
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        fit_columns(self.table)  # the policy last, elided, its whole in the tooltip
        self.export_button.setEnabled(bool(found))
        if found:
            said = self.tr(
                "%n record(s), newest first; the time is the clinic's. Kept at least three "
                "years (Keep destruction records, on the Clinic page).",
                "",
                len(found),
            ) + self._logged(logged, why or {})
        else:  # none left, though the log holds a sweep's: not "no sweep has run"
            said = self.tr("No destruction records.") if gone else self.tr("No sweep has run yet.")
        self.note.setText(said + self._gone(gone))

    def _logged(self, logged: dict[str, bool | None], why: Mapping[str, str | None]) -> str:
        """A sentence on whether the records match the audit log (``records.in_log``),
        and where it holds no copy of some, why (``records.unlogged``)."""
        if False in logged.values():
            return " " + self.tr(
                "Some records differ from what the audit log holds for their sweep: they "
                "were edited after it. Run the audit log's check and keep this file and its "
                "backups for whoever investigates."
            )
        if logged and all(logged.values()):
            return " " + self.tr("They match what the audit log holds.")
        reasons = set(why.values())
        said = ""
        if True in logged.values():
            said += " " + self.tr("Those the audit log holds a copy of match it.")
        if records.EARLIER in reasons:
            said += " " + self.tr(
                "Those from before the audit log kept a copy (sweeps before session 16, "
                "erasures before session 17) were recorded here when they were made, as "
                "every sweep's are: there is no copy to check them against, and nothing "
                "to do."
            )
        if records.CUT_SHORT_YET in reasons:
            said += " " + self.tr(
                "A sweep that stopped before its end (or is running) is copied into the "
                "audit log by the next sweep."
            )
        if records.OLDER_THAN_LOG in reasons:
            said += " " + self.tr(
                "Those older than the audit log's oldest event have no copy left in it: "
                "the log keeps its events only for the years set."
            )
        return said

    def _gone(self, gone: Sequence[str]) -> str:
        """A sentence on sweeps whose counts the audit log holds though their records
        were deleted (``records.gone``)."""
        if not gone:
            return ""
        return " " + self.tr(
            "The audit log holds the counts of %n sweep(s) whose destruction records are "
            "gone: they were deleted after the sweep. Run the audit log's check and keep "
            "this file and its backups for whoever investigates.",
            "",
            len(gone),
        )

    def export(self) -> None:
        path = self.save_as(self, "destruction-records.csv")
        if not path:
            return
        try:
            Path(path).write_text(records.as_csv(self.found), encoding="utf-8", newline="")
        except OSError as exc:
            self.note.setText(
                self.tr("The file could not be written (%1). Choose another folder.").replace(
                    "%1", exc.strerror or type(exc).__name__
                )
            )
            return
        self.note.setText(self.tr("Exported to %1.").replace("%1", path))

"""When the clinic file is damaged: say so, and offer the newest backup.

The box states the sentence every front end uses for damage, then what a restore
would bring back (the backup's date) and what happens to the damaged file (kept
beside it). Its default button is Quit: a restore is never one stray Enter away.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from receptionist.ops.backups import BackupInfo


class RestoreOffer(QMessageBox):
    restoreRequested = Signal()
    quitRequested = Signal()

    def __init__(self, sentence: str, backup: BackupInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreOffer")
        self.setIcon(QMessageBox.Icon.Critical)
        self.setWindowTitle(self.tr("The clinic file is damaged"))
        self.setText(sentence)
        when = backup.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        self.setInformativeText(
            self.tr(
                "The newest backup is from {0} ({1}). Restoring it brings the clinic back "
                "as it was then; the damaged file is kept beside it for your IT person."
            ).format(when, backup.path.name)
        )
        self.restore_button = self.addButton(
            self.tr("&Restore the backup"), QMessageBox.ButtonRole.AcceptRole
        )
        self.quit_button = self.addButton(self.tr("&Quit"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.quit_button)
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: object) -> None:
        if button is self.restore_button:
            self.restoreRequested.emit()
        else:
            self.quitRequested.emit()

"""The unlock dialog: the admin passphrase or the recovery code, when the keychain has no key."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from . import icons
from .formdialog import FormDialog


class UnlockDialog(FormDialog):
    """Asks for a secret; emits ``submitted(secret)``. The caller checks it off the GUI thread."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None, clinic_folder: str = "") -> None:
        super().__init__(parent, self.tr("Unlock"))
        self.setObjectName("unlockDialog")
        self.setWindowTitle(self.tr("Unlock clinic data"))
        detail = self.tr(
            "This computer does not hold the key to this clinic's data. Enter the admin "
            "passphrase or the recovery code (the 25-character code printed at set-up)."
        )
        if clinic_folder:
            detail += "\n" + self.tr("Data folder: {0}").format(clinic_folder)
        self.add_heading(self.tr("Unlock clinic data"), detail)
        self.secret = QLineEdit(self)
        self.secret.setObjectName("unlockSecret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field(self.tr("&Passphrase or recovery code"), self.secret)
        self.reveal = QCheckBox(self.tr("&Show what I type"), self)
        self.reveal.setAccessibleName(self.tr("Show the passphrase"))
        self.reveal.toggled.connect(self._on_reveal)
        self.layout_.addWidget(self.reveal)
        icons.set_icon(self.submit, "unlock", icons.ON_PRIMARY)
        self.setWindowIcon(icons.icon("unlock"))
        self.finish_layout()
        self.secret.setFocus()

    def _on_reveal(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.secret.setEchoMode(mode)

    def submitted_values(self) -> None:
        text = self.secret.text().strip()
        if not text:
            self.show_error(self.tr("Type the admin passphrase or the recovery code."))
            return
        self.set_busy(True)
        self.submitted.emit(text)

    def first_field_for_error(self) -> QLineEdit:
        return self.secret

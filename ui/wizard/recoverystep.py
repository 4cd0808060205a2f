"""The wizard's last page: the recovery code, shown once, to print or save, and kept.

Finish stays disabled until "I have printed or saved the recovery code" is ticked
(a mandatory wizard field). The file and print dialogs come from injected factories
and are opened with ``open()``, so nothing blocks and tests can drive them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDir, Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from receptionist.store.vault import Created

from . import keepcode

SaveDialogFactory = Callable[[QWidget, str], QFileDialog]
PrintDialogFactory = Callable[[QWidget, QPrinter], QPrintDialog]


def save_dialog(parent: QWidget, suggested: str) -> QFileDialog:
    dialog = QFileDialog(
        parent, parent.tr("Save the recovery code"), suggested, parent.tr("Text files (*.txt)")
    )
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setDefaultSuffix("txt")
    return dialog


def print_dialog(parent: QWidget, printer: QPrinter) -> QPrintDialog:
    return QPrintDialog(printer, parent)


class RecoveryStep(QWizardPage):
    def __init__(
        self,
        save_factory: SaveDialogFactory = save_dialog,
        print_factory: PrintDialogFactory = print_dialog,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("wizardRecoveryPage")
        self.setTitle(self.tr("Keep the recovery code"))
        self.setSubTitle(
            self.tr(
                "If this computer's keychain and the admin passphrase are ever lost, this "
                "code is the only way into the clinic's data. It is shown only now."
            )
        )
        self.save_factory, self.print_factory = save_factory, print_factory
        self.clinic_name, self.clinic_id, self._code = "", "", ""
        self.printer: QPrinter | None = None
        self.code = QLabel(self)
        self.code.setObjectName("recoveryCode")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 10) * 2)
        font.setWeight(QFont.Weight.Bold)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        self.code.setFont(font)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextFormat(Qt.TextFormat.PlainText)
        self.code.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.code.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.code.setAccessibleName(self.tr("Recovery code"))
        self.code.setStyleSheet(
            "QLabel { background: #ffffff; border: 1px solid #c9cfd8; border-radius: 6px;"
            " padding: 16px 12px; color: #1f2733; }"
        )
        self.print_button = QPushButton(self.tr("P&rint…"), self)
        self.print_button.setObjectName("printRecovery")
        self.print_button.clicked.connect(self.print_code)
        self.save_button = QPushButton(self.tr("&Save to file…"), self)
        self.save_button.setObjectName("saveRecovery")
        self.save_button.clicked.connect(self.save_code)
        for button in (self.print_button, self.save_button):
            button.setAutoDefault(False)
        self.status = QLabel(self)
        self.status.setObjectName("wizardStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName(self.tr("What happened"))
        self.keychain_note = QLabel(self)
        self.keychain_note.setObjectName("formError")
        self.keychain_note.setWordWrap(True)
        self.keychain_note.hide()
        advice = QLabel(
            self.tr(
                "Print it or save it to a USB stick, and keep it away from this computer, "
                "like a spare key. Anyone holding it can open the clinic's data."
            ),
            self,
        )
        advice.setWordWrap(True)
        self.kept = QCheckBox(self.tr("I have printed or saved the recovery &code"), self)
        self.kept.setObjectName("recoveryKept")
        self.registerField("kept*", self.kept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.code)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(advice)
        layout.addWidget(self.keychain_note)
        layout.addStretch(1)
        layout.addWidget(self.kept)

    def show_code(self, clinic_name: str, created: Created, passphrase_set: bool) -> None:
        self.clinic_name, self.clinic_id = clinic_name, created.clinic_id
        self._code = created.recovery_code
        self.code.setText(created.recovery_code)
        if not created.in_keychain:
            if passphrase_set:
                text = self.tr(
                    "This computer's keychain could not keep the key, so the app will ask "
                    "for the admin passphrase (or this code) each time it starts."
                )
            else:
                text = self.tr(
                    "This computer's keychain could not keep the key and there is no admin "
                    "passphrase: the app will ask for this code each time it starts."
                )
            self.keychain_note.setText(text)
            self.keychain_note.show()

    def initializePage(self) -> None:
        self.code.setFocus()

    def sheet(self) -> str:
        return "\n".join(keepcode.sheet_lines(self.clinic_name, self.clinic_id, self._code)) + "\n"

    # --- save to file ----------------------------------------------------------------
    def save_code(self) -> None:
        name = self.tr("Receptionist recovery code.txt")
        suggested = str(Path(QDir.homePath()) / name)
        dialog = self.save_factory(self, suggested)
        dialog.setObjectName("recoverySaveDialog")
        dialog.fileSelected.connect(self.save_to)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def save_to(self, path: str) -> None:
        if not path:
            return
        try:
            keepcode.write_private(Path(path), self.sheet())
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self.status.setText(
                self.tr("The code was not saved ({0}); choose another place.").format(reason)
            )
            return
        self.status.setText(self.tr("Saved to {0} (only your account can read it).").format(path))

    # --- print -----------------------------------------------------------------------
    def print_code(self) -> None:
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer.setDocName(self.tr("Recovery code"))
        dialog = self.print_factory(self, self.printer)
        dialog.setObjectName("recoveryPrintDialog")
        dialog.finished.connect(lambda result: self._printed(dialog, result))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()

    def _printed(self, dialog: QPrintDialog, result: int) -> None:
        dialog.deleteLater()
        if self.printer is None or result != QPrintDialog.DialogCode.Accepted.value:
            return
        keepcode.print_sheet(self.printer, self.clinic_name, self.clinic_id, self._code)
        self.status.setText(self.tr("Sent to the printer."))

    def forget(self) -> None:
        """Drop the code from the page once the wizard is done with it."""
        self._code = ""
        self.code.clear()

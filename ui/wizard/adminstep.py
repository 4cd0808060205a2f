"""The wizard's second page: the first administrator and the optional admin passphrase.

Pressing "Create clinic" checks the form, then runs ``receptionist.ops.setup.initialise``
on the database worker (key derivation takes a moment) with a busy bar shown. A
failure leaves nothing on disk (``initialise`` cleans up) and keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QWidget, QWizard, QWizardPage

from receptionist.errors import ValidationError
from receptionist.staff import accounts as staff
from receptionist.store.vault import Created

from .. import messages
from ..coretext import exception_text
from ..settings.fields import FieldForm
from .pageparts import lay_out, passphrase_rows
from .passphrase import checked

Create = Callable[[str, str, str | None], None]  # user, password, passphrase


class AdminStep(QWizardPage):
    busyChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wizardAdminPage")
        self.setTitle(self.tr("The first administrator"))
        self.setSubTitle(
            self.tr(
                "This account manages staff, settings and keys. Other staff accounts are "
                "added later in Settings."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Create clinic"))
        self.creator: Create | None = None
        self.created: Created | None = None
        self.busy = False
        self.form = FieldForm(self)
        self.username = self._line("adminUser")
        self.username.setPlaceholderText(self.tr("e.g. admin"))
        self.password = self._line("adminPassword", secret=True)
        self.password_again = self._line("adminPasswordAgain", secret=True)
        self.passphrase = self._line("adminPassphrase", secret=True)
        self.passphrase_again = self._line("adminPassphraseAgain", secret=True)
        self.form.add("username", self.tr("&User name"), self.username)
        self.form.add("password", self.tr("Pass&word"), self.password)
        self.form.add("password-again", self.tr("Password &again"), self.password_again)
        passphrase_rows(
            self,
            self.form,
            self.tr(
                "Optional. The admin passphrase unlocks the clinic's data on a computer "
                "whose keychain does not hold the key (a new PC, a restored backup); "
                "without one, that takes the recovery code. At least 10 characters: a few "
                "unrelated words work well."
            ),
            self.passphrase,
            self.passphrase_again,
        )
        foot = lay_out(self, self.form, "creatingProgress", self.tr("Creating the clinic"))
        self.progress, self.status, self.error = foot.progress, foot.status, foot.error

    def _line(self, name: str, secret: bool = False) -> QLineEdit:
        line = QLineEdit(self)
        line.setObjectName(name)
        if secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
        line.textEdited.connect(lambda _t: self.error.hide())
        return line

    def initializePage(self) -> None:
        self.username.setFocus()

    def isComplete(self) -> bool:
        return not self.busy

    # --- checking and creating -------------------------------------------------------
    def check(self) -> tuple[str, str, str | None] | None:
        """What was typed, when it passes the checks that need no disk; else None."""
        self.form.clear_errors()
        self.error.hide()
        user, password = self.username.text().strip().lower(), self.password.text()
        passphrase = self.passphrase.text()
        try:
            staff._check_new(user, password, "admin")
            if password != self.password_again.text():
                raise ValidationError(
                    "password-again", self.tr("The two passwords differ; type them again.")
                )
            passphrase = checked(passphrase, self.passphrase_again.text()) or ""
        except ValidationError as exc:
            self.show_error(exc)
            return None
        return user, password, passphrase or None

    def validatePage(self) -> bool:
        if self.created is not None:
            return True
        if self.busy or self.creator is None:
            return False
        values = self.check()
        if values is None:
            return False
        self.set_busy(True)
        self.creator(*values)
        return False

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.form.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.status.setVisible(busy)
        self.status.setText(self.tr("Creating the encrypted clinic data. This takes a moment…"))
        self.completeChanged.emit()
        self.busyChanged.emit(busy)

    def done_creating(self, created: Created) -> None:
        self.created = created
        for line in (self.password, self.password_again, self.passphrase, self.passphrase_again):
            line.clear()
        self.set_busy(False)

    def failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        if isinstance(exc, ValidationError) and self.show_error(exc):
            return
        self.error.setText(messages.user_text(exc))
        self.error.show()

    def show_error(self, exc: ValidationError) -> bool:
        return self.form.show_error(exc.field, exception_text(exc))

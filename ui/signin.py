"""The staff sign-in dialog: at start, and again after the idle lock."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from . import icons
from .formdialog import FormDialog


class SignInDialog(FormDialog):
    """Asks for a user name and password; emits ``submitted(username, password)``.

    In lock mode (after Ctrl+L, or ``idle``: the idle lock) Escape and the close button
    do nothing: the work behind the lock stays until someone signs in or presses Quit on
    purpose.
    """

    submitted = Signal(str, str)

    def __init__(
        self,
        parent: QWidget | None = None,
        clinic_name: str = "",
        *,
        locked: bool = False,
        idle: bool = False,
        username: str = "",
        password: str = "",
        note: str = "",
    ) -> None:
        super().__init__(parent, self.tr("Sign in"))
        self.setObjectName("signInDialog")
        self.locked = locked
        self.escape_quits = not locked
        self.setWindowTitle(self.tr("Sign in to Receptionist"))
        if locked and idle:
            detail = self.tr("The desk was locked while nobody used it. Sign in to carry on;")
            detail += " " + self.tr("your work is kept.")
        elif locked:
            detail = self.tr("The desk is locked. Sign in to carry on; your work is kept.")
        else:
            detail = self.tr("Sign in with your staff account.")
        if note:
            detail += "\n" + note
        heading = clinic_name or self.tr("Receptionist")
        self.add_heading(heading, detail)
        self.username = QLineEdit(username, self)
        self.username.setObjectName("signInUser")
        self.password = QLineEdit(password, self)
        self.password.setObjectName("signInPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field(self.tr("&User name"), self.username)
        self.add_field(self.tr("&Password"), self.password)
        icons.set_icon(self.submit, "signIn", icons.ON_PRIMARY)
        self.setWindowIcon(icons.icon("locked" if locked else "signIn"))
        self.finish_layout()
        (self.password if username else self.username).setFocus()

    def submitted_values(self) -> None:
        user, password = self.username.text().strip(), self.password.text()
        if not user or not password:
            self.show_error(self.tr("Type your user name and your password."))
            return
        self.set_busy(True)
        self.submitted.emit(user, password)

    def first_field_for_error(self) -> QLineEdit:
        return self.password if self.username.text().strip() else self.username

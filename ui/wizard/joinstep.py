"""The wizard's page for joining an existing clinic: the server's address, the
invitation code, this PC's name. "Join clinic" checks what needs no network, then the
wizard makes this PC's file, joins and downloads (on the database worker) while the
page shows how far the download got. A failure is one sentence here, and nothing is
left behind: the person can correct the address or the code and try again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QWizard, QWizardPage

from receptionist.errors import UserError, ValidationError
from receptionist.texts import message
from sync import cloud
from sync.client import checked_url
from sync.round import Unreachable

from .. import messages
from ..coretext import exception_text
from ..settings.fields import FieldForm
from .joining import JoinCancelled, Request
from .pageparts import lay_out, passphrase_rows
from .passphrase import checked

Start = Callable[[Request], None]


class JoinStep(QWizardPage):
    busyChanged = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("wizardJoinPage")
        self.setTitle(self.tr("Join an existing clinic"))
        self.setSubTitle(
            self.tr(
                "On a PC of the clinic that is already connected, an administrator makes an "
                "invitation code (receptionist cloud invite). It works once, for a day."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Join clinic"))
        self.starter: Start | None = None
        self.done = False
        self.busy = False
        self.form = FieldForm(self)
        self.server = self._line("joinServer", self.tr("e.g. https://cloud.example.com"))
        self.code = self._line("joinCode", self.tr("e.g. 3F9A2C.p1b-Xy…"))
        self.pc_name = self._line("joinPcName", "")
        self.pc_name.setText(cloud.default_name())
        self.pc_name.setMaxLength(60)
        self.form.add("server", self.tr("&Server address"), self.server)
        self.form.add("code", self.tr("&Invitation code"), self.code)
        self.form.add("name", self.tr("This PC's &name"), self.pc_name)
        self.passphrase = self._line("joinPassphrase", "", secret=True)
        self.passphrase_again = self._line("joinPassphraseAgain", "", secret=True)
        passphrase_rows(
            self,
            self.form,
            self.tr(
                "Optional. This PC's copy of the clinic has a key of its own; an admin "
                "passphrase unlocks it where the keychain does not hold that key. At least "
                "10 characters."
            ),
            self.passphrase,
            self.passphrase_again,
        )
        foot = lay_out(self, self.form, "joinProgress", self.tr("Downloading the clinic"))
        self.progress, self.status, self.error = foot.progress, foot.status, foot.error

    def _line(self, name: str, hint: str, *, secret: bool = False) -> QLineEdit:
        line = QLineEdit(self)
        line.setObjectName(name)
        line.setPlaceholderText(hint)
        if secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
        line.textEdited.connect(lambda _t: self.error.hide())
        return line

    def initializePage(self) -> None:
        self.server.setFocus()

    def isComplete(self) -> bool:
        return not self.busy

    def check(self) -> Request | None:
        """What was typed, when it passes the checks that need no network; else None."""
        self.form.clear_errors()
        self.error.hide()
        asked = Request(self.server.text().strip(), self.code.text().strip(), "")
        name = self.pc_name.text().strip()
        try:
            for field, check in (
                ("server", lambda: checked_url(asked.server)),
                ("code", lambda: cloud.split_code(asked.code)),
            ):
                try:
                    check()
                except UserError as exc:
                    raise ValidationError(field, message(exc)) from exc
            if not name:
                raise ValidationError(
                    "name", self.tr("Name this PC (the device list shows it), e.g. FRONT-2.")
                )
            passphrase = checked(self.passphrase.text(), self.passphrase_again.text())
        except ValidationError as exc:
            self.form.show_error(exc.field, exception_text(exc))
            return None
        return Request(asked.server, asked.code, name, passphrase)

    def validatePage(self) -> bool:
        if self.done:
            return True
        if self.busy or self.starter is None:
            return False
        asked = self.check()
        if asked is None:
            return False
        self.set_busy(True)
        self.starter(asked)
        return False

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.form.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        self.status.setVisible(busy)
        self.status.setText(self.tr("Joining the clinic and downloading its data…"))
        self.completeChanged.emit()
        self.busyChanged.emit(busy)

    def show_pulled(self, done: int, _total: int = 0) -> None:
        self.status.setText(
            self.tr("Downloading the clinic: {0} records so far…").format(f"{done:,}")
        )

    def joined(self) -> None:
        self.done = True
        self.passphrase.clear()
        self.passphrase_again.clear()
        self.set_busy(False)

    def cancelling(self) -> None:
        """Cancel was pressed: the join stops at its next step and removes what it made."""
        self.status.setText(self.tr("Cancelling: stopping the download and removing it…"))

    def failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        if isinstance(exc, JoinCancelled):
            text = self.tr(
                "Join cancelled; nothing of it was kept on this PC. The invitation code "
                "is used up: ask for a new one (receptionist cloud invite) to join again."
            )
        elif isinstance(exc, Unreachable):
            text = self.tr(
                "The server at {0} cannot be reached; check its address and this PC's "
                "network, then press Join clinic again."
            ).format(self.server.text().strip())
        else:
            text = messages.user_text(exc)
        self.error.setText(text)
        self.error.show()

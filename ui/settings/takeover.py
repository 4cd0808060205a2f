"""Settings > Clinic > Reminders, under the reminder station: "The old reminder station
is off: take over now" (an administrator's, on the PC that should send). The endpoint
ends the old station's lease at once instead of after ``reminders.takeover_hours``
(``sync.reminderlease.take_over``; audited). Asked first: the old PC must really be
off, or messages may go twice."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from receptionist.ops.reminders import TAKE_OVER
from sync.reminderlease import Taken

ConfirmTakeOver = Callable[[QWidget], bool]


def _tr(text: str) -> str:
    return QCoreApplication.translate("TakeOver", text)


def ask_take_over(parent: QWidget) -> bool:
    """Ask before ending the old station's lease now."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_tr("Take over the reminders now"))
    box.setText(_tr("Is the old reminder station really switched off?"))
    box.setInformativeText(
        _tr(
            "This PC will send the clinic's reminders from now on, without waiting for "
            "the old station's turn to run out. Do this only if that PC is off (or cut "
            "off from the internet for good): if it still runs, patients may get "
            "messages twice. Messages that fell due before now are not sent from here: those "
            "due since the old station was last heard from are marked unknown in Reminders, "
            "to check and resend."
        )
    )
    yes = box.addButton(_tr("It is off: take over now"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setObjectName("askTakeOver")
    box.exec()
    return box.clickedButton() is yes


def take_over_button(parent: QWidget, allowed: bool) -> QPushButton:
    """The button; an administrator's only (others see it disabled, and why)."""
    button = QPushButton(_tr("The old reminder station is off: ta&ke over now…"), parent)
    button.setObjectName("takeOverReminders")
    button.setAutoDefault(False)
    button.setEnabled(allowed)
    button.setToolTip(
        _tr(
            "On the PC named the reminder station: send from now on, ending the old "
            "station's turn at once. The old PC must really be off."
        )
        if allowed
        else _tr("Only an administrator can take over sending the reminders.")
    )
    return button


def done_text(taken: Taken) -> str:
    if taken.from_code:
        return _tr(
            "This PC sends the reminders from now on: PC {0}'s turn was ended. Messages "
            "due since that PC was last heard from, which it may or may not have sent, are "
            "marked unknown in Reminders: check them and resend what never went."
        ).format(taken.from_name)
    return _tr("This PC sends the reminders from now on (no other PC held them).")


__all__ = ["TAKE_OVER", "ConfirmTakeOver", "ask_take_over", "done_text", "take_over_button"]

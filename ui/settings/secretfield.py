"""A channel's password or token on the Clinic page (Message channels): typed, never shown.

The field is a password-echo line edit that is always empty when filled: the secret
kept is never read back into it. A line under it says whether one is kept on this PC,
none is, or this PC's keychain refused to be read (locked, not answering); what to do
then is said once for the section, below its fields (:func:`locked_note`). Set
(Replace, when one is kept) saves what is typed at once; Remove forgets the one kept,
after asking. Both go through the core's ``reminders.set_channel``, the
operation ``receptionist channels set`` calls (audited without the value). Typed and
not set, the secret counts as an unsaved edit of the page, and the page's Save sets it
too. Only a role with "keys.manage" (an administrator) may type, set or remove one:
for the others the field is disabled, and the line says who can.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops.settings import Entry
from receptionist.reminders.halt import SECRET_NAMES
from receptionist.settings.registry import Setting
from receptionist.texts import Text

from ..coretext import translated
from .editors import SettingEditor

KEYS_MANAGE = "keys.manage"

# (parent, the secret's name) -> whether to remove it
ConfirmRemove = Callable[[QWidget, str], bool]


def _tr(text: str) -> str:
    return QCoreApplication.translate("SecretEditor", text)


def ask_remove(parent: QWidget, name: str) -> bool:
    """Ask before forgetting ``name`` (the channel stops sending from this PC)."""
    answer = QMessageBox.question(
        parent,
        _tr("Remove from this PC"),
        _tr(
            "Remove the {0} kept on this PC? Reminders on this channel stop going from "
            "this PC until it is entered again."
        ).format(name),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class SecretEditor(SettingEditor):
    """The editor of one channel's secret: ``value()`` is what is typed ("": nothing).
    The line under it says whether one is kept (its help: the tooltip)."""

    own_help = True

    def __init__(self, setting: Setting, channel: str, allowed: bool) -> None:
        box = QWidget()
        box.setObjectName(f"secret_{channel}")
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.edit = QLineEdit(box)
        self.edit.setObjectName(f"secretEdit_{channel}")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMaxLength(4000)
        self.set_button = QPushButton(_tr("Set"), box)
        self.set_button.setObjectName(f"secretSet_{channel}")
        self.remove_button = QPushButton(_tr("Remove"), box)
        self.remove_button.setObjectName(f"secretRemove_{channel}")
        for button in (self.set_button, self.remove_button):
            button.setAutoDefault(False)
        self.state = QLabel(box)
        self.state.setObjectName(f"secretState_{channel}")
        self.state.setWordWrap(True)
        # The buttons under the field, not beside it: in a channel's narrow column
        # beside them the field was cut to "Typ…".
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.set_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.edit)
        column.addLayout(row)
        column.addWidget(self.state)
        super().__init__(setting, box, self.edit)
        self.channel, self.allowed = channel, allowed
        if allowed:  # a role that may not type one is told who may, under it
            self.edit.setPlaceholderText(_tr("Type a new one"))
        self.kept = False
        self.unreadable = False  # the keychain did not answer when last read
        self.edit.returnPressed.connect(self.set_button.click)
        self.edit.textChanged.connect(lambda _t: self._sync())
        self.show_entry(None)

    # --- what the page asks of an editor ------------------------------------------------
    def set_value(self, value: object) -> None:
        """Filled from a snapshot: the field is emptied, never given the secret."""
        self.edit.clear()

    def value(self) -> object:
        return self.edit.text()

    # --- its own ------------------------------------------------------------------------
    def show_entry(self, entry: Entry | None) -> None:
        """Say whether a secret is kept on this PC (``entry``: the setting as read)."""
        self.kept = entry is not None and entry.is_set
        name = translated(Text(SECRET_NAMES[self.channel]))  # as a sentence names it
        self.unreadable = entry is not None and entry.unreadable
        if self.unreadable:  # what to do is said once for the section (``locked_note``)
            said = _tr("This PC's keychain is locked or not available.")
        elif self.kept:
            said = _tr("Kept on this PC (never shown).")
        else:
            said = _tr("None on this PC.")
        if not self.allowed:
            said += " " + _tr("Only an administrator can change it.")
        self.state.setText(said)
        self.state.setAccessibleName(_tr("{0} on this PC").format(name))
        self.set_button.setText(_tr("Replace") if self.kept else _tr("Set"))
        self._sync()

    @property
    def name(self) -> str:
        """The secret's name as a sentence names it ("the SMS token")."""
        return translated(Text(SECRET_NAMES[self.channel]))

    def _sync(self) -> None:
        self.edit.setEnabled(self.allowed)
        self.set_button.setEnabled(self.allowed and bool(self.edit.text()))
        self.remove_button.setEnabled(self.allowed and self.kept)


def locked_note(editors: list[SecretEditor]) -> str:
    """What the section says once when the keychain kept some of ``editors``' secrets
    from being read (each field says only that it is locked): "" when none."""
    names = [e.name for e in editors if e.unreadable]
    if not names:
        return ""
    return _tr(
        "Unlock this PC's keychain (sign in again, or unlock the login keyring) to read "
        "the {0} kept there, or set them again here: then they are kept in the clinic's "
        "encrypted file."
    ).format(", ".join(names))


__all__ = ["ConfirmRemove", "SecretEditor", "ask_remove", "locked_note"]

"""The restriction of processing (GDPR art. 18, KVKK art. 11) in the patient window: a
badge under the name while it holds, and on the Consents tab the state, an optional
reason and one button that restricts or lifts it.

Pressing the button asks for the change (``restrict`` with the reason, or ``lift``);
the box stays disabled until the saved state comes back (``show_state``), so what it
says is what is on file; a restriction refused or failed keeps the reason typed. The
reason's limit is the core's (``MAX_REASON``). The rules (no message, no name in
Google) live in the core: ``receptionist.privacy.restriction``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from receptionist.freetext import printable
from receptionist.privacy.restriction import MAX_REASON

from ..flaglabel import flag_label
from .table import short_datetime

# Dark red on pale red (contrast over 7:1): a record the desk must not use as usual.
BADGE_STYLE = (
    "QLabel { background: #fdecec; color: #8a1111; border: 1px solid #b91c1c;"
    " border-radius: 4px; padding: 4px 8px; font-weight: bold; }"
)


def restriction_badge(parent: QWidget) -> QLabel:
    said = QCoreApplication.translate("patients", "Processing restricted")
    return flag_label(parent, "restrictionBadge", said, BADGE_STYLE)


def show_badge(label: QLabel, since: datetime | None, tz: ZoneInfo) -> None:
    """Say since when the processing is restricted, or hide the badge."""
    if since is None:
        label.hide()
        return
    label.setText(
        QCoreApplication.translate(
            "patients", "Processing restricted since {0}: no messages, no name in Google"
        ).format(short_datetime(since, tz))
    )
    label.show()


class RestrictionBox(QGroupBox):
    restrict = Signal(str)  # the reason ("" for none)
    lift = Signal()

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Restriction of processing"), parent)
        self.setObjectName("restrictionBox")
        self.tz = tz
        self.restricted = False
        self.state = QLabel(self)
        self.state.setObjectName("restrictionState")
        self.state.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("restrictionReason")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText(self.tr("Reason (optional), e.g. she disputes her data"))
        self.reason.setAccessibleName(self.tr("Reason for the restriction"))
        self.button = QPushButton(self)
        self.button.setObjectName("restrictionButton")
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self._pressed)
        hint = QLabel(
            self.tr(
                "While restricted, the record is kept but not used: no reminder, "
                "confirmation or other message goes to the patient, and Google calendars "
                "show no name."
            ),
            self,
        )
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        for widget in (self.state, self.reason, self.button, hint):
            layout.addWidget(widget)
        self.show_state(None, "")

    def _pressed(self) -> None:
        self.setEnabled(False)
        self.state.setText(self.tr("Saving…"))
        if self.restricted:
            self.lift.emit()
        else:
            self.restrict.emit(self.reason.text())

    def show_state(self, since: datetime | None, reason: str, *, keep_typed: bool = False) -> None:
        """What is on file; ``keep_typed``: a change was refused or failed, so a reason
        typed for a restriction not saved stays, to correct or press again."""
        self.restricted = since is not None
        self.setEnabled(True)
        if since is None:
            self.state.setText(self.tr("Not restricted: the record is used as usual."))
            self.button.setText(self.tr("&Restrict processing"))
            self.reason.setReadOnly(False)
            if not keep_typed:
                self.reason.clear()
            return
        when = short_datetime(since, self.tz)
        self.state.setText(self.tr("Restricted since {0}.").format(when))
        self.button.setText(self.tr("&Lift the restriction"))
        self.reason.setText(printable(reason, lines=False))
        self.reason.setReadOnly(True)

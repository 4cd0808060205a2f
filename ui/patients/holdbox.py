"""A legal or medical hold in the patient window (issue #14): a banner under the name
while it holds, and on the Consents tab a box saying whether she is held, since when,
by whom and why, with one button: "Place a hold…" (a :class:`HoldDialog` asks the kind
and the reason) or "Lift the hold…" (a :class:`LiftHoldDialog` asks first).

The rules are the core's (``ops.retention.hold``/``unhold``, audited as the CLI's):
only a manager or an administrator may place or lift one (``clinic.configure``), so
for anyone else the button is off and says why; anyone who may read the patient sees
that she is held (``ops.retention.hold_of``), the reason only those who may hold.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable
from receptionist.ops.retention import HoldView

from ..flaglabel import flag_label
from .table import short_datetime

# Dark blue on pale blue (contrast over 7:1): the record is kept, not a warning.
BANNER_STYLE = (
    "QLabel { background: #e8f0fe; color: #123a7a; border: 1px solid #1d4ed8;"
    " border-radius: 4px; padding: 4px 8px; font-weight: bold; }"
)
MAX_REASON = 1000  # the core's limit (``ops.retention.hold``)


def kind_words(kind: str | None) -> str:
    """ "legal hold", "medical hold", or "hold" (one placed without a kind)."""
    return {
        "legal": QCoreApplication.translate("patients", "legal hold"),
        "medical": QCoreApplication.translate("patients", "medical hold"),
    }.get(kind or "", QCoreApplication.translate("patients", "hold"))


def hold_banner(parent: QWidget) -> QLabel:
    said = QCoreApplication.translate("patients", "On hold")
    return flag_label(parent, "holdBanner", said, BANNER_STYLE)


def show_hold_banner(label: QLabel, hold: HoldView | None, tz: ZoneInfo) -> None:
    """Say since when the patient is on hold, or hide the banner."""
    if hold is None:
        label.hide()
        return
    label.setText(
        QCoreApplication.translate(
            "patients", "On {0} since {1}: the retention sweep keeps this record"
        ).format(kind_words(hold.kind), short_datetime(hold.placed_at, tz))
    )
    label.show()


class HoldBox(QGroupBox):
    """The hold's state and the one button; ``place``/``lift`` ask for the change."""

    place = Signal()
    lift = Signal()

    def __init__(self, tz: ZoneInfo, allowed: bool, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Legal or medical hold"), parent)
        self.setObjectName("holdBox")
        self.tz, self.allowed = tz, allowed
        self.held = False
        self.state = QLabel(self)
        self.state.setObjectName("holdState")
        self.state.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.setObjectName("holdButton")
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self._pressed)
        if not allowed:
            self.button.setToolTip(self.tr("Only a manager or an administrator can place or "
                                           "lift a hold."))  # fmt: skip
        hint = QLabel(
            self.tr(
                "While a hold is on, no retention sweep removes or anonymises the record "
                "and it cannot be erased; lift it when the court or the doctor no longer "
                "needs the record kept."
            ),
            self,
        )
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addLayout(row)
        layout.addWidget(hint)
        self.show_state(None)

    def _pressed(self) -> None:
        (self.lift if self.held else self.place).emit()

    def busy(self) -> None:
        self.button.setEnabled(False)
        self.state.setText(self.tr("Saving…"))

    def show_state(self, hold: HoldView | None) -> None:
        """What is on file (None: not held)."""
        self.held = hold is not None
        self.button.setEnabled(self.allowed)
        if hold is None:
            self.state.setText(self.tr("Not on hold: the retention policy applies."))
            self.button.setText(self.tr("Place a &hold…"))
            return
        self.button.setText(self.tr("Li&ft the hold…"))
        when = short_datetime(hold.placed_at, self.tz)
        said = self.tr("On {0} since {1}").format(kind_words(hold.kind), when)
        if hold.placed_by:
            said = self.tr("{0}, placed by {1}").format(
                said, printable(hold.placed_by, lines=False)
            )
        if hold.reason:
            said = self.tr("{0}. Reason: {1}").format(said, printable(hold.reason, lines=False))
        self.state.setText(said + ".")


class HoldDialog(QDialog):
    """Asks the kind (legal or medical) and the reason (required) of a hold; emits
    ``confirmed(kind, reason)``. Opened with ``open()``."""

    confirmed = Signal(str, str)

    def __init__(self, number: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("holdDialog")
        self.setWindowTitle(self.tr("Place a hold"))
        heading = QLabel(
            self.tr("Place {0} ({1}) on hold?").format(printable(name, lines=False), number), self
        )
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        said = QLabel(
            self.tr(
                "No retention sweep will remove or anonymise this record, on any PC of the "
                "clinic, until the hold is lifted."
            ),
            self,
        )
        said.setWordWrap(True)
        self.legal = QRadioButton(self.tr("&Legal hold (a court, a lawyer, an authority)"), self)
        self.legal.setObjectName("holdLegal")
        self.medical = QRadioButton(self.tr("&Medical hold (treatment, a doctor's request)"), self)
        self.medical.setObjectName("holdMedical")
        self.legal.setChecked(True)
        self.kinds = QButtonGroup(self)
        self.kinds.addButton(self.legal)
        self.kinds.addButton(self.medical)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("holdReason")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText(self.tr("e.g. court letter 2026/114 of 2 December"))
        self.reason.setAccessibleName(self.tr("Reason for the hold"))
        caption = QLabel(self.tr("&Reason (required):"), self)
        caption.setBuddy(self.reason)
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton(
            self.tr("Place the hold"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok.setObjectName("placeHoldButton")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(lambda _t: self._enable())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        for widget in (heading, said, self.legal, self.medical, caption, self.reason):
            layout.addWidget(widget)
        layout.addWidget(self.buttons)
        self._enable()
        self.resize(460, self.sizeHint().height())

    def kind(self) -> str:
        return "medical" if self.medical.isChecked() else "legal"

    def _enable(self) -> None:
        self.ok.setEnabled(bool(self.reason.text().strip()))

    def accept(self) -> None:
        if not self.reason.text().strip():
            return
        self.confirmed.emit(self.kind(), self.reason.text().strip())
        super().accept()


class LiftHoldDialog(QDialog):
    """Asks before a hold is lifted ("Keep the hold" is the default); emits
    ``confirmed``. Opened with ``open()``."""

    confirmed = Signal()

    def __init__(self, number: str, hold: HoldView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liftHoldDialog")
        self.setWindowTitle(self.tr("Lift the hold"))
        heading = QLabel(self.tr("Lift the {0} on patient {1}?").format(kind_words(hold.kind),
                                                                        number), self)  # fmt: skip
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        said = QLabel(
            self.tr(
                "The retention policy applies to the record again: if the patient is past "
                "her time, the next sweep removes or anonymises her record."
            ),
            self,
        )
        said.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.lift = self.buttons.addButton(
            self.tr("&Lift the hold"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.lift.setObjectName("liftHoldButton")
        self.lift.setAutoDefault(False)
        keep = self.buttons.addButton(
            self.tr("&Keep the hold"), QDialogButtonBox.ButtonRole.RejectRole
        )
        keep.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        for widget in (heading, said, self.buttons):
            layout.addWidget(widget)
        self.resize(440, self.sizeHint().height())

    def accept(self) -> None:
        self.confirmed.emit()
        super().accept()

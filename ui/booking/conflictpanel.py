"""Why a booking clashes, and - for a role that may - a reason to book it anyway."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget


class ConflictPanel(QFrame):
    def __init__(self, may_override: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.reasons = QLabel(self)
        self.reasons.setObjectName("conflictReasons")
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName(self.tr("Why this time clashes"))
        self.advice = QLabel(self)
        self.advice.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reasons)
        layout.addWidget(self.advice)
        self.override: QLineEdit | None = None
        if may_override:
            caption = QLabel(self.tr("Override &with reason"), self)
            self.override = QLineEdit(self)
            self.override.setObjectName("overrideReason")
            self.override.setAccessibleName(self.tr("Reason for booking over the clash"))
            caption.setBuddy(self.override)
            layout.addWidget(caption)
            layout.addWidget(self.override)
        self.hide()

    def tab_chain(self) -> list[QWidget]:
        return [self.override] if self.override is not None else []

    def show_conflicts(self, reasons: list[str], *, focus: bool = True) -> None:
        lines = "\n".join(f"• {r}" for r in reasons)
        self.reasons.setText(self.tr("This time clashes:\n{0}").format(lines))
        if self.override is not None:
            self.advice.setText(
                self.tr("Pick another time, or say why and press Enter to book it anyway.")
            )
        else:
            self.advice.setText(self.tr("Pick another time; only a manager can book over a clash."))
        self.show()
        if self.override is not None and focus:
            self.override.setFocus()

    def clear(self) -> None:
        self.hide()
        if self.override is not None:
            self.override.clear()

    def overriding(self) -> bool:
        return not self.isHidden() and self.override is not None

    def reason(self) -> str | None:
        return self.override.text().strip() if self.override is not None else None

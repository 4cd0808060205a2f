"""The wizard's first page: set up a new clinic, or join one another PC already uses."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWizardPage


class StartStep(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("wizardStartPage")
        self.setTitle(self.tr("Welcome to Receptionist"))
        self.setSubTitle(
            self.tr("Is this the clinic's first PC, or does the clinic use one already?")
        )
        self.new = QRadioButton(self.tr("&Set up a new clinic on this PC"), self)
        self.new.setObjectName("startNew")
        self.join = QRadioButton(self.tr("&Join an existing clinic"), self)
        self.join.setObjectName("startJoin")
        group = QButtonGroup(self)
        group.addButton(self.new)
        group.addButton(self.join)
        self.new.setChecked(True)
        note = QLabel(
            self.tr(
                "Join when another PC of the clinic is connected to the clinic's cloud "
                "server: you need the server's address and an invitation code an "
                "administrator makes there. Staff then sign in here with their accounts."
            ),
            self,
        )
        note.setObjectName("wizardNote")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.new)
        layout.addWidget(self.join)
        layout.addSpacing(12)
        layout.addWidget(note)
        layout.addStretch(1)

    def initializePage(self) -> None:
        (self.join if self.join.isChecked() else self.new).setFocus()

    def joining(self) -> bool:
        return self.join.isChecked()

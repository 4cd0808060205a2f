"""Settings → Google, the "Events and station" box: what an event says of the patient
(the service only, initials, or the full name, with a plain warning for the last two)
and which PC is the Google station (its code, and a line saying which PC runs it)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.google.station import Station

TITLES = ("service", "initials", "full_name")


class EventsBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Events and station"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Event title"), self))
        self.titles = QButtonGroup(self)
        names = {
            "service": self.tr("The service only (“Appointment – Check-up”)"),
            "initials": self.tr("The patient's initials and the service"),
            "full_name": self.tr("The patient's full name and the service"),
        }
        for at, key in enumerate(TITLES):
            choice = QRadioButton(names[key], self)
            choice.setObjectName(f"googleTitle_{key}")
            self.titles.addButton(choice, at)
            layout.addWidget(choice)
        self.title_warning = QLabel(self)
        self.title_warning.setObjectName("googleTitleWarning")
        self.title_warning.setWordWrap(True)
        self.title_warning.setText(
            self.tr(
                "Warning: patients' names or initials will be in Google, outside this "
                "clinic's encrypted file, seen by whoever sees the calendar. Each sending is "
                "recorded, and a patient may ask to see the record."
            )
        )
        layout.addWidget(self.title_warning)
        layout.addLayout(self._station_row())
        layout.addStretch(1)

    def _station_row(self) -> QHBoxLayout:
        """The code and the line saying who runs it, on one row: the page fits 1366×768."""
        label = QLabel(self.tr("Google station (PC code)"), self)
        self.station = QLineEdit(self)
        self.station.setObjectName("googleStation")
        self.station.setMaxLength(4)
        self.station.setMaximumWidth(80)
        self.station.setAccessibleName(self.tr("Google station"))
        label.setBuddy(self.station)
        self.station_note = QLabel(self)
        self.station_note.setObjectName("googleStationNote")
        self.station_note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.station)
        row.addWidget(self.station_note, 1)
        return row

    def check_title(self, title: str) -> None:
        choice = self.titles.button(TITLES.index(title) if title in TITLES else 0)
        if choice is not None:
            choice.setChecked(True)
        self.title_warning.setVisible(self.titles.checkedId() > 0)

    def show_station(self, here: Station) -> None:
        if here.elsewhere:
            text = self.tr("PC {0} runs Google sync; the account box shows its state as it "
                           "shared it. This PC is {1}.")  # fmt: skip
            self.station_note.setText(text.format(here.elsewhere, here.here))
        elif here.is_here:
            self.station_note.setText(self.tr("This PC ({0}) runs Google sync.").format(here.here))
        else:
            text = self.tr("No PC runs Google sync yet: name one. This PC is {0}.")
            self.station_note.setText(text.format(here.here))

"""The patient's front-desk alert as a label: in the patient window under the name, and
in the booking dialog once the patient is picked. Hidden while there is none."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from receptionist.freetext import printable

from ..flaglabel import flag_label

# Dark amber on pale amber (contrast 7:1), as the mark on the schedule card.
STYLE = (
    "QLabel { background: #fff4e5; color: #7a3e00; border: 1px solid #b45309;"
    " border-radius: 4px; padding: 4px 8px; font-weight: bold; }"
)


def alert_label(parent: QWidget, name: str) -> QLabel:
    said = QCoreApplication.translate("patients", "Front-desk alert")
    return flag_label(parent, name, said, STYLE)


def show_alert(label: QLabel, alert: str) -> None:
    """Say ``alert`` (as stored: shown through ``printable``), or hide the label."""
    text = printable(alert, lines=False)
    label.setText(QCoreApplication.translate("patients", "Alert: {0}").format(text))
    label.setVisible(bool(text))

"""The wizard's join page as it looks while a clinic downloads: for the app's
screenshots (``main.py --demo --screenshots DIR``). Nothing is joined or made."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QWizard

from receptionist.clock import Clock

from ..tasks import TaskManager
from .wizard import SetupWizard


def join_downloading(tasks: TaskManager, clock: Clock, root: Path) -> QPixmap:
    """The join page, busy downloading, its Cancel button live. ``root`` is not made."""
    wizard = SetupWizard(None, root, tasks, clock, zone="UTC", region="")
    try:
        wizard.start.join.setChecked(True)
        wizard.show()
        wizard.next()
        page = wizard.join
        page.server.setText("https://cloud.example.com")
        page.code.setText("3F9A2C.p1b-Xy0aQ7")
        page.pc_name.setText("FRONT-2")
        page.set_busy(True)
        page.show_pulled(12_480)
        QApplication.processEvents()
        assert wizard.button(QWizard.WizardButton.CancelButton).isEnabled()
        return wizard.grab()
    finally:
        wizard.join.set_busy(False)
        wizard.hide()
        wizard.deleteLater()

"""What the wizard's two committing pages (a new clinic's administrator, joining a
clinic) share: the optional admin passphrase typed twice under a note, and the foot of
the page that shows the work going on (a busy bar, a status line) or why it failed."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QVBoxLayout, QWizardPage

from ..settings.fields import FieldForm


def passphrase_rows(
    page: QWizardPage, form: FieldForm, note: str, first: QLineEdit, again: QLineEdit
) -> None:
    """The note saying what the passphrase is for, then the passphrase twice."""
    label = QLabel(note, page)
    label.setObjectName("wizardNote")
    label.setWordWrap(True)
    label.setContentsMargins(0, 10, 0, 2)
    form.layout_.addRow(label)
    form.add("passphrase", page.tr("Admin pass&phrase"), first)
    form.add("passphrase-again", page.tr("Passphrase a&gain"), again)


@dataclass(frozen=True)
class Foot:
    progress: QProgressBar
    status: QLabel
    error: QLabel


def lay_out(page: QWizardPage, form: FieldForm, progress_name: str, working: str) -> Foot:
    """The page's layout: ``form`` on top; at the foot a busy bar (named
    ``progress_name``, read out as ``working``), a status line and an error line, all
    hidden until there is something to show."""
    progress = QProgressBar(page)
    progress.setObjectName(progress_name)
    progress.setRange(0, 0)
    progress.setTextVisible(False)
    progress.setAccessibleName(working)
    progress.hide()
    status = QLabel(page)
    status.setObjectName("wizardStatus")
    status.setWordWrap(True)
    status.hide()
    error = QLabel(page)
    error.setObjectName("formError")
    error.setWordWrap(True)
    error.setAccessibleName(page.tr("Problem"))
    error.hide()
    layout = QVBoxLayout(page)
    layout.addWidget(form)
    layout.addStretch(1)
    layout.addWidget(status)
    layout.addWidget(progress)
    layout.addWidget(error)
    return Foot(progress, status, error)

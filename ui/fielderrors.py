"""Error lines under a form's editors: one hidden label per field for a ValidationError."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget


def error_line(parent: QWidget, accessible_name: str) -> QLabel:
    """A hidden, word-wrapped ``formError`` label, named for screen readers."""
    error = QLabel(parent)
    error.setObjectName("formError")
    error.setWordWrap(True)
    error.setAccessibleName(accessible_name)
    error.hide()
    return error


def add_row(form: QWidget, layout: QFormLayout, caption: str, editor: QWidget, error: QLabel,
            buddy: QWidget) -> None:  # fmt: skip
    """A row of ``layout``: ``caption`` (buddy of ``buddy``), then ``editor`` above ``error``."""
    box = QVBoxLayout()
    box.setSpacing(2)
    box.addWidget(editor)
    box.addWidget(error)
    label = QLabel(caption, form)
    label.setBuddy(buddy)
    layout.addRow(label, box)


class FieldErrors:
    """``show_error``/``clear_errors`` for a form holding ``editors`` and their ``errors``."""

    editors: Mapping[str, QWidget]
    errors: dict[str, QLabel]

    def show_error(self, field: str, text: str) -> bool:
        """Put ``text`` under ``field`` and focus it; False if the form has no such field."""
        if field not in self.errors:
            return False
        self.errors[field].setText(text)
        self.errors[field].show()
        self.editors[field].setFocus()
        return True

    def clear_errors(self) -> None:
        for error in self.errors.values():
            error.hide()

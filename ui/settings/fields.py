"""A form of labelled editors, each with its own error line for a ValidationError.

``show_error(field, text)`` puts the core's message under the editor of the field it
names (and focuses it); ``caption(field)`` names the field in a sentence.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget


class FieldForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.captions: dict[str, str] = {}
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setVerticalSpacing(6)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

    def add(self, field: str, caption: str, editor: QWidget, focus: QWidget | None = None) -> None:
        """Add ``editor`` for ``field``; ``focus`` is the part that takes the keyboard."""
        plain = caption.replace("&", "")
        editor.setObjectName(editor.objectName() or f"field_{field}")
        target = focus or editor
        target.setAccessibleName(plain)
        error = QLabel(self)
        error.setObjectName("formError")
        error.setWordWrap(True)
        error.setAccessibleName(self.tr("Problem with {0}").format(plain.lower()))
        error.hide()
        self.editors[field], self.errors[field], self.captions[field] = target, error, plain
        if isinstance(target, QLineEdit):  # typing again clears the old complaint
            target.textEdited.connect(lambda _t: error.hide())
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(editor)
        box.addWidget(error)
        label = QLabel(caption, self)
        label.setBuddy(target)
        self.layout_.addRow(label, box)

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

    def caption(self, field: str) -> str:
        return self.captions.get(field, field).lower()

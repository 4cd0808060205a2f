"""A form of labelled editors, each with its own error line for a ValidationError.

``show_error(field, text)`` puts the core's message under the editor of the field it
names (and focuses it); ``caption(field)`` names the field in a sentence.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from receptionist.errors import ValidationError

from .. import messages
from ..coretext import exception_text
from ..fielderrors import FieldErrors, add_row, error_line


class FieldForm(QWidget, FieldErrors):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.captions: dict[str, str] = {}
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setVerticalSpacing(6)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

    def add(
        self,
        field: str,
        caption: str,
        editor: QWidget,
        focus: QWidget | None = None,
        layout: QFormLayout | None = None,
    ) -> None:
        """Add ``editor`` for ``field``; ``focus`` is the part that takes the keyboard;
        ``layout``: a form layout of a section inside this form (default: the form's)."""
        plain = caption.replace("&", "")
        editor.setObjectName(editor.objectName() or f"field_{field}")
        target = focus or editor
        target.setAccessibleName(plain)
        error = error_line(self, self.tr("Problem with {0}").format(plain.lower()))
        self.editors[field], self.errors[field], self.captions[field] = target, error, plain
        if isinstance(target, QLineEdit):  # typing again clears the old complaint
            target.textEdited.connect(lambda _t: error.hide())
        add_row(self, layout or self.layout_, caption, editor, error, target)

    def explain_refusal(self, exc: BaseException, note: QLabel) -> None:
        """A refused save: the core's message under the field it names (and a pointer in
        ``note``), or, for anything else, the message itself in ``note``."""
        if isinstance(exc, ValidationError) and self.show_error(exc.field, exception_text(exc)):
            note.setText(self.tr("Not saved: check the {0}.").format(self.caption(exc.field)))
            return
        note.setText(messages.user_text(exc))

    def caption(self, field: str) -> str:
        return self.captions.get(field, field).lower()

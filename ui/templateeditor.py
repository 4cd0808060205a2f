"""The reminder templates dialog (Settings > Reminders > Message templates…): pick a
language, channel and kind; edit the subject (e-mail) and the text; see its SMS size
as you type; insert placeholders; save the clinic's own text or go back to the
built-in one (asked first: the clinic's own text is deleted).

The text, subject and SMS size line are ``ui.templatetext``; a text the core refuses
is shown under the editor, as the core words it, both while typing
(``templates.check``) and when saving. Reads and writes go through
``receptionist.ops.templates`` and ``receptionist.ops.wanames`` on the worker.

Typed work is never dropped silently: choosing another language, channel or message,
or closing, with unsaved edits asks Save / Discard / Cancel (the box the settings
dialog asks with: ``ui.asksave``). Asking, not keeping every edited text until one
Save: a receptionist reads "Saved." for the message in front of them, and a text
kept out of sight would be saved (or lost) without being seen again.

WhatsApp has no text here: Meta sends only the template approved in WhatsApp
Manager, so the dialog shows (and lets a manager change) that template's name and
language code, and the six values it is sent with (``ui.wapanel``). Without
"clinic.configure" everything is read-only, with a line saying who may change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.errors import UserError
from receptionist.ops import templates, wanames
from receptionist.ops.templates import TemplateRow
from receptionist.ops.wanames import WhatsAppRow
from receptionist.store.storage import Database

from .asksave import CANCEL, DISCARD, SAVE, ask_save
from .choices import choice_box
from .coretext import exception_text
from .desk import Desk
from .tasks import DbOp
from .templatetext import TextPanel
from .wapanel import WhatsAppPanel

Key = tuple[str, str, str]
Confirm = Callable[[QWidget, str], str]  # (parent, the message's name) -> SAVE, DISCARD...
AskReset = Callable[[QWidget, str], bool]  # (parent, the message's name) -> reset it
WHATSAPP = "whatsapp"


def ask_template(parent: QWidget, which: str) -> str:
    """Save the changes to the message ``which`` ("English, SMS, Reminder")?"""
    question = QCoreApplication.translate(
        "TemplatesDialog", "The changes to the message {0} are not saved. Save them now?"
    )
    return ask_save(parent, question.format(which))


def ask_reset(parent: QWidget, which: str) -> bool:
    """Go back to the built-in text of ``which``, deleting the clinic's own? No (the
    default, and Esc) keeps it."""
    buttons = QMessageBox.StandardButton
    box = QMessageBox(
        QMessageBox.Icon.Question,
        QCoreApplication.translate("TemplatesDialog", "Reset to built-in"),
        QCoreApplication.translate(
            "TemplatesDialog",
            "Replace the clinic's own text of the message {0} with the built-in text? "
            "The clinic's own text is deleted.",
        ).format(which),
        buttons.Yes | buttons.No,
        parent,
    )
    box.setObjectName("templateResetBox")
    box.button(buttons.Yes).setText(QCoreApplication.translate("TemplatesDialog", "&Reset"))
    box.button(buttons.No).setText(QCoreApplication.translate("TemplatesDialog", "&Keep it"))
    box.setDefaultButton(buttons.No)
    box.setEscapeButton(buttons.No)
    return box.exec() == buttons.Yes


class TemplatesDialog(QDialog):
    loaded = Signal()  # the templates were read (after opening, a save or a reset)
    saved = Signal()
    namesSaved = Signal(str)  # the key of the clinic setting naming WhatsApp's templates

    def __init__(
        self,
        desk: Desk,
        editable: bool,
        parent: QWidget | None = None,
        confirm: Confirm = ask_template,
        confirm_reset: AskReset = ask_reset,
    ) -> None:
        super().__init__(parent)
        self.desk, self.editable, self.confirm = desk, editable, confirm
        self.confirm_reset = confirm_reset
        self.rows: dict[Key, TemplateRow] = {}
        self.wa_rows: dict[tuple[str, str], WhatsAppRow] = {}
        self._filling = False
        self._shown: Key | None = None  # the message the fields hold
        self._after_save: Key | None = None  # where to go once the save is done
        self._closing = False  # close once the save is done
        self._stale = False  # saved elsewhere while edits were held: read again after
        self.setObjectName("templatesDialog")
        self.setWindowTitle(self.tr("Message templates"))
        self._make_pickers()
        self._make_fields()
        self._lay_out()
        self.resize(720, 520)

    # --- building --------------------------------------------------------------------
    def _make_pickers(self) -> None:
        self.language = choice_box(
            self, "templateLanguage", self.tr("Language"),
            [("en", self.tr("English")), ("tr", self.tr("Turkish")), ("ar", self.tr("Arabic"))],
            self._picked,
        )  # fmt: skip
        self.channel = choice_box(
            self, "templateChannel", self.tr("Channel"),
            [("sms", self.tr("SMS")), ("whatsapp", self.tr("WhatsApp")),
             ("email", self.tr("E-mail"))],
            self._picked,
        )  # fmt: skip
        self.kind = choice_box(
            self, "templateKind", self.tr("Message"),
            [("reminder", self.tr("Reminder")), ("confirmation", self.tr("Booking confirmation")),
             ("reschedule", self.tr("Reschedule")), ("cancellation", self.tr("Cancellation"))],
            self._picked,
        )  # fmt: skip

    def _make_fields(self) -> None:
        self.origin = QLabel(self)
        self.origin.setObjectName("templateOrigin")
        self.text = TextPanel(self.editable, self)
        self.text.edited.connect(self._edited)
        self.subject, self.body = self.text.subject, self.text.body
        self.size_line = self.text.size_line
        self.whatsapp = WhatsAppPanel(self.editable, self)
        self.whatsapp.edited.connect(self._wa_edited)
        self.error = self._line("templateError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.note = QLabel(self)
        self.note.setObjectName("templateNote")
        self.read_only = self._line("templatesReadOnly")
        self.read_only.setText(
            self.tr(
                "Only a manager or an administrator can change these messages; you can "
                "read them here."
            )
        )
        self.read_only.setVisible(not self.editable)

    def _line(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def _pick_row(self) -> QHBoxLayout:
        pick = QHBoxLayout()
        for text, box in (
            (self.tr("&Language:"), self.language),
            (self.tr("C&hannel:"), self.channel),
            (self.tr("&Message:"), self.kind),
        ):
            label = QLabel(text, self)
            label.setBuddy(box)
            pick.addWidget(label)
            pick.addWidget(box, 1)
        return pick

    def _buttons(self) -> QHBoxLayout:
        self.save_button = QPushButton(self.tr("&Save"), self)
        self.save_button.setObjectName("templateSave")
        self.save_button.clicked.connect(self.save)
        self.reset_button = QPushButton(self.tr("&Reset to built-in"), self)
        self.reset_button.setObjectName("templateReset")
        self.reset_button.clicked.connect(self.reset)
        for button in (self.save_button, self.reset_button):
            button.setAutoDefault(False)
            button.setVisible(self.editable)
            button.setEnabled(self.editable)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.reset_button)
        bottom.addWidget(self.save_button)
        bottom.addWidget(buttons)
        return bottom

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.read_only)
        layout.addLayout(self._pick_row())
        layout.addWidget(self.origin)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.whatsapp, 1)
        layout.addWidget(self.error)
        layout.addLayout(self._buttons())
        self.whatsapp.hide()

    # --- reading ---------------------------------------------------------------------
    def chosen(self) -> Key:
        return (
            str(self.language.currentData()),
            str(self.channel.currentData()),
            str(self.kind.currentData()),
        )

    def load(self) -> None:
        self._stale = False
        ctx = self.desk.ctx()

        def read(db: Database) -> tuple[list[TemplateRow], list[WhatsAppRow]]:
            return templates.listing(db, ctx), wanames.listing(db, ctx)

        op = DbOp(self.desk.tasks, read, self)
        op.success(lambda found: self._loaded(*found)).failure(self._failed).run()

    def reread(self) -> None:
        """Saved elsewhere (the Clinic page holds WhatsApp's names too): read again now,
        or, while edits are in front, once they are saved or discarded (shown from
        before, the names saved there would be saved back over them)."""
        if self.unsaved():
            self._stale = True
        else:
            self.load()

    def _loaded(self, rows: list[TemplateRow], wa_rows: list[WhatsAppRow]) -> None:
        self.rows = {(r.language, r.channel, r.kind): r for r in rows}
        self.wa_rows = {(r.language, r.kind): r for r in wa_rows}
        self._show_chosen()
        self.loaded.emit()

    def _show_chosen(self) -> None:
        key = self.chosen()
        row, wa = self.rows.get(key), self.wa_rows.get((key[0], key[2]))
        if row is None or wa is None:
            return
        self._shown = key
        self._filling = True
        try:
            self.text.show_row(row)
            self.whatsapp.show_row(wa)
        finally:
            self._filling = False
        self._show_channel(row)
        self.note.clear()
        self._edited()

    def _show_channel(self, row: TemplateRow) -> None:
        whatsapp = row.channel == WHATSAPP
        self.text.setVisible(not whatsapp)
        self.whatsapp.setVisible(whatsapp)
        self._show_origin(row)
        self.reset_button.setVisible(self.editable and not whatsapp)
        self.reset_button.setEnabled(self.editable and row.overridden)

    def _show_origin(self, row: TemplateRow) -> None:
        """Whose text is in front: WhatsApp's, the clinic's own or the built-in one; once
        edited here and not saved, said so (it is neither any more)."""
        if row.channel == WHATSAPP:
            self.origin.setText(self.tr("The template approved in WhatsApp Manager."))
        elif self.unsaved():
            self.origin.setText(self.tr("Edited here, not saved yet."))
        elif row.overridden:
            self.origin.setText(self.tr("The clinic's own text."))
        else:
            self.origin.setText(self.tr("The built-in text."))

    def which(self, key: Key) -> str:
        """The message ``key`` as the pickers name it: "English, SMS, Reminder"."""
        boxes = (self.language, self.channel, self.kind)
        return ", ".join(b.itemText(b.findData(part)) for b, part in zip(boxes, key, strict=True))

    # --- unsaved edits ---------------------------------------------------------------
    def unsaved(self) -> bool:
        """The fields hold edits to the message in front that were not saved (for the
        window's quit guard too)."""
        if not self.editable or self._shown is None:
            return False
        language, channel, kind = self._shown
        if channel == WHATSAPP:
            return self.whatsapp.differs(self.wa_rows[(language, kind)])
        return self.text.differs(self.rows[self._shown])

    def _picked(self) -> None:
        """Another language, channel or message was chosen: ask first about edits."""
        if self._filling:
            return
        wanted = self.chosen()
        if self._shown is not None and wanted != self._shown and self.unsaved():
            answer = self.confirm(self, self.which(self._shown))
            if answer == DISCARD:
                self._show_chosen()
                if self._stale:
                    self.load()
                return
            self._pick(self._shown)  # stay on it: cancelled, or until it is saved
            if answer == SAVE:
                self._after_save = wanted
                self.save()
            return
        self._show_chosen()

    def _pick(self, key: Key) -> None:
        """Set the pickers to ``key`` without asking or showing anything."""
        self._filling = True
        try:
            for box, part in zip((self.language, self.channel, self.kind), key, strict=True):
                box.setCurrentIndex(box.findData(part))
        finally:
            self._filling = False

    def reject(self) -> None:
        """Esc, Close or the window's close button: ask first about unsaved edits."""
        if self._shown is None or not self.unsaved():
            super().reject()
            return
        answer = self.confirm(self, self.which(self._shown))
        if answer == CANCEL:
            return
        if answer == SAVE:
            self._closing = True
            self.save()
            return
        self._show_chosen()  # discarded: the fields hold the saved text again
        super().reject()

    # --- editing ---------------------------------------------------------------------
    def insert(self, name: str) -> None:
        """Put ``{name}`` where the cursor is in the text."""
        self.text.insert(name)

    def _edited(self) -> None:
        """A refusal by the core's check shown as the user types; the SMS size line."""
        row = self.rows.get(self.chosen())
        if self._filling or row is None:
            return
        if row.channel == WHATSAPP:
            self.error.hide()  # nothing typed here is checked by the core until saved
            return
        try:
            templates.check(row.channel, *self.text.typed(row.channel))
        except UserError as exc:
            self.error.setText(exception_text(exc))
            self.error.show()
        else:
            self.error.hide()
        self.text.show_size(row)
        self._show_origin(row)

    def _wa_edited(self) -> None:
        self.error.hide()
        self.note.clear()

    # --- saving ----------------------------------------------------------------------
    def save(self) -> None:
        if not self.editable or self._shown is None:
            return
        language, channel, kind = self._shown
        ctx = self.desk.ctx()
        self.save_button.setEnabled(False)
        if channel == WHATSAPP:
            self._save_names(language, kind)
            return
        subject, body = self.text.typed(channel)

        def write(db: Database) -> TemplateRow:
            return templates.set_template(db, ctx, language, channel, kind, body, subject=subject)

        op = DbOp(self.desk.tasks, write, self)
        op.success(lambda row: self._done(row, self.tr("Saved."))).failure(self._failed).run()

    def _save_names(self, language: str, kind: str) -> None:
        """WhatsApp: the approved template's name of ``kind`` and the language's code."""
        name, code = self.whatsapp.typed()
        ctx = self.desk.ctx()
        op = DbOp(
            self.desk.tasks, lambda db: wanames.set_name(db, ctx, language, kind, name, code), self
        )
        op.success(self._wa_done).failure(self._failed).run()

    def reset(self) -> None:
        """Back to the built-in text, once asked (the clinic's own text is deleted)."""
        key = self.chosen()
        if not self.editable or not self.confirm_reset(self, self.which(key)):
            return
        language, channel, kind = key
        ctx = self.desk.ctx()
        self.reset_button.setEnabled(False)
        op = DbOp(
            self.desk.tasks, lambda db: templates.reset(db, ctx, language, channel, kind), self
        )
        op.success(lambda row: self._done(row, self.tr("Back to the built-in text."))).failure(
            self._failed
        ).run()

    def _done(self, row: TemplateRow, said: str) -> None:
        self.rows[(row.language, row.channel, row.kind)] = row
        self._finished((row.language, row.channel, row.kind), said)

    def _wa_done(self, row: WhatsAppRow) -> None:
        for key, held in list(self.wa_rows.items()):  # the code is the language's
            if held.language == row.language:
                self.wa_rows[key] = replace(held, code=row.code)
        self.wa_rows[(row.language, row.kind)] = row
        self.namesSaved.emit(wanames.setting_key(row.language))
        self._finished((row.language, WHATSAPP, row.kind), self.tr("Saved."))

    def _finished(self, key: Key, said: str) -> None:
        self.save_button.setEnabled(self.editable)
        if key == self.chosen():
            self._show_chosen()
        self.note.setText(said)
        self.saved.emit()
        going, self._after_save = self._after_save, None
        if self._closing:
            self._closing = False
            super().reject()
            return
        if going is not None:
            self._pick(going)
            self._show_chosen()
            self.note.setText(said)
        if self._stale and not self.unsaved():
            self.load()  # what was saved elsewhere meanwhile

    def _failed(self, exc: BaseException) -> None:
        self._after_save, self._closing = None, False  # stay with the edits
        self.save_button.setEnabled(self.editable)
        self.error.setText(exception_text(exc))
        self.error.show()
        self.note.setText(self.tr("Not saved."))


def open_templates(desk: Desk, editable: bool, parent: QWidget) -> TemplatesDialog:
    """The dialog over ``parent``, reading the templates."""
    dialog = TemplatesDialog(desk, editable, parent)
    dialog.show()
    dialog.load()
    return dialog

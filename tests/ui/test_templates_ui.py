"""Settings > Reminders > Message templates…: pick a template, edit it with the SMS size
shown as you type (which character makes it UCS-2), insert placeholders, see the core's
refusal inline, save the clinic's own text and reset it to the built-in one."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from receptionist.ops import settings, templates
from receptionist.reminders.templates import TEMPLATES
from ui.app import stylesheet
from ui.asksave import CANCEL, DISCARD, SAVE
from ui.mainwindow import MainWindow
from ui.screenshots import composite
from ui.settings import Settings
from ui.settings.clinicpage import ClinicPage
from ui.templateeditor import TemplatesDialog

KEY = "channels.whatsapp_templates_en"


def _open(qtbot: QtBot, window: MainWindow) -> TemplatesDialog:
    controller = window.findChild(Settings)
    assert controller is not None
    settings = controller.show_dialog()
    with qtbot.waitSignal(settings.loaded, timeout=10_000):
        settings.load()
    page = settings.clinic
    page.sections.titles.setCurrentRow(
        next(i for i in range(page.sections.titles.count())
             if page.sections.titles.item(i).text() == "Reminders")
    )  # fmt: skip
    assert page.templates_button.isVisible()
    page.templates_button.click()
    dialog = page.templates
    assert dialog is not None
    qtbot.waitUntil(lambda: bool(dialog.rows), timeout=10_000)
    return dialog


def _pick(dialog: TemplatesDialog, language: str, channel: str, kind: str) -> None:
    dialog.language.setCurrentIndex(dialog.language.findData(language))
    dialog.channel.setCurrentIndex(dialog.channel.findData(channel))
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))


def test_edit_with_the_sms_size_live_save_and_reset(
    qtbot: QtBot, admin_window: MainWindow, tmp_path: Path
) -> None:
    dialog = _open(qtbot, admin_window)
    _pick(dialog, "en", "sms", "reminder")
    assert dialog.body.toPlainText() == TEMPLATES[("en", "sms", "reminder")].body
    assert dialog.subject.isHidden() and "built-in" in dialog.origin.text()
    said = dialog.size_line.text()  # the clinic is "Şifa Clinic": its name is in the text
    assert "(UCS-2, " in said and "'Ş' in a filled-in value" in said, said

    dialog.body.setPlainText("Teşekkürler ")  # ü is GSM-7, ş is not
    assert "UCS-2" in dialog.size_line.text() and "'ş' in the text" in dialog.size_line.text()
    dialog.body.setPlainText("Hi ")
    dialog.body.moveCursor(dialog.body.textCursor().MoveOperation.End)
    qtbot.mouseClick(dialog.findChild(type(dialog.save_button), "insert_first_name"),
                     Qt.MouseButton.LeftButton)  # fmt: skip
    assert dialog.body.toPlainText() == "Hi {first_name}"
    said = dialog.size_line.text()
    assert (
        said
        == (  # measured with a long example name: said so, and the length typed
            "SMS: about 1 part(s) with long example names and dates (GSM-7, 15 of 160 "
            "characters; 15 as typed)"
        )
        and dialog.error.isHidden()
    )
    dialog.body.setPlainText("Hi {first_name}, see you {date}")  # 31 typed, 52 sent
    said = dialog.size_line.text()
    assert said.endswith("(GSM-7, 52 of 160 characters; 31 as typed)"), said
    dialog.body.setPlainText("Closed on Friday.")  # nothing filled in: nothing to explain
    assert dialog.size_line.text() == "SMS: 1 part(s) (GSM-7, 17 of 160 characters)"

    dialog.body.setPlainText("Hi {fist_name}")
    assert not dialog.error.isHidden() and "{fist_name}" in dialog.error.text()
    assert "{first_name}" in dialog.error.text()
    dialog.save()
    qtbot.waitUntil(lambda: dialog.note.text() == "Not saved.", timeout=10_000)
    assert not dialog.rows[("en", "sms", "reminder")].overridden

    dialog.body.setPlainText("Hi {first_name}, {date} {time}. {clinic}")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save()
    assert "clinic's own" in dialog.origin.text() and dialog.reset_button.isEnabled()
    ctx = admin_window.desk.ctx()
    row = admin_window.desk.tasks.run(
        lambda: templates.show(admin_window.desk.tasks.database(), ctx, "en", "sms", "reminder")
    ).result(timeout=30)
    assert row.overridden and row.body == "Hi {first_name}, {date} {time}. {clinic}"

    _pick(dialog, "en", "email", "confirmation")
    assert not dialog.subject.isHidden() and dialog.subject.text()
    assert dialog.size_line.isHidden()  # parts are an SMS's
    _pick(dialog, "tr", "sms", "reminder")  # a Turkish text: UCS-2, in several parts
    said = dialog.size_line.text()
    typed = len(TEMPLATES[("tr", "sms", "reminder")].body)
    assert said.startswith("SMS: about 2 part(s) with long example names and dates (UCS-2, ")
    assert f"characters; {typed} as typed)" in said, said
    assert dialog.subject.isHidden() and not dialog.size_line.isHidden()
    _shoot(dialog, admin_window, tmp_path)

    _pick(dialog, "en", "sms", "reminder")
    asked = answer_the_box(QMessageBox.StandardButton.No, admin_window, dialog, tmp_path)
    dialog.reset_button.click()  # asked first; "Keep it": nothing changes
    assert asked == ["Replace the clinic's own text of the message English, SMS, Reminder "
                     "with the built-in text? The clinic's own text is deleted."]  # fmt: skip
    assert dialog.rows[("en", "sms", "reminder")].overridden and dialog.reset_button.isEnabled()
    assert dialog.body.toPlainText() == "Hi {first_name}, {date} {time}. {clinic}"
    answer_the_box(QMessageBox.StandardButton.Yes, admin_window, dialog, tmp_path)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.reset_button.click()
    assert dialog.body.toPlainText() == TEMPLATES[("en", "sms", "reminder")].body
    assert "built-in" in dialog.origin.text() and not dialog.reset_button.isEnabled()


def answer_the_box(
    button: QMessageBox.StandardButton, window: MainWindow, dialog: QWidget, tmp_path: Path
) -> list[str]:
    """Press ``button`` in the next message box once it is up (its picture saved, over
    the window and the dialog); the list gets the box's question."""
    asked: list[str] = []

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, press)
            return
        asked.append(box.text())
        window.resize(1366, 768)
        window.setStyleSheet(stylesheet())
        picture = composite(window, dialog, box)
        window.setStyleSheet("")
        picture.save(str(tmp_path / "templates-reset-asked.png"))
        folder = os.environ.get("TEMPLATE_SHOTS")
        if folder:
            picture.save(str(Path(folder) / "templates-reset-asked.png"))
        clicked = box.button(button)
        assert clicked is not None
        clicked.click()

    QTimer.singleShot(0, press)
    return asked


def test_a_receptionist_opens_the_templates_read_only(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    """They answer "what will the message say?": they read every message, change none."""
    controller = window.findChild(Settings)
    assert controller is not None
    settings = controller.show_dialog()
    with qtbot.waitSignal(settings.loaded, timeout=10_000):
        settings.load()
    page = settings.clinic
    assert not page.form.isEnabled()  # the clinic's settings are read-only for them...
    assert page.templates_button.isVisible() and page.templates_button.isEnabled()
    page.templates_button.click()  # ...but the messages can be read
    dialog = page.templates
    assert dialog is not None
    qtbot.waitUntil(lambda: bool(dialog.rows), timeout=10_000)
    assert dialog.body.toPlainText() == TEMPLATES[("en", "sms", "reminder")].body
    assert dialog.body.isReadOnly() and dialog.subject.isReadOnly()
    assert dialog.save_button.isHidden() and dialog.reset_button.isHidden()
    assert dialog.findChild(QWidget, "templateInsert").isHidden()  # type: ignore[union-attr]
    assert not dialog.read_only.isHidden() and "manager" in dialog.read_only.text()
    assert "SMS: " in dialog.size_line.text()  # the size is there to read too
    _pick(dialog, "tr", "email", "confirmation")  # no question: nothing can be typed
    assert dialog.subject.text() == TEMPLATES[("tr", "email", "confirmation")].subject
    _shoot(dialog, window, tmp_path, "templates-read-only.png")
    _pick(dialog, "en", "whatsapp", "reminder")
    assert dialog.whatsapp.name.isReadOnly() and dialog.whatsapp.code.isReadOnly()
    dialog.save()  # no way to press it; and called, it writes nothing
    assert not dialog.unsaved()
    dialog.reject()
    assert not dialog.isVisible()


class Answers:
    """A ``confirm`` that answers as told, noting what it was asked about."""

    def __init__(self, *answers: str) -> None:
        self.answers, self.asked = list(answers), list[str]()

    def __call__(self, _parent: QWidget, which: str) -> str:
        self.asked.append(which)
        return self.answers.pop(0)


def test_typed_text_is_not_lost_on_another_message_or_on_closing(
    qtbot: QtBot, admin_window: MainWindow
) -> None:
    dialog = _open(qtbot, admin_window)
    dialog.confirm = answers = Answers(CANCEL, DISCARD, SAVE, CANCEL, SAVE)
    builtin = TEMPLATES[("en", "sms", "reminder")].body
    _pick(dialog, "en", "sms", "reminder")
    dialog.body.setPlainText("Hi {first_name}, see you at {time}.")
    assert dialog.unsaved() and dialog in admin_window.unsaved_windows()  # the quit guard
    dialog.language.setCurrentIndex(dialog.language.findData("tr"))  # Cancel: stay
    assert answers.asked == ["English, SMS, Reminder"]
    assert dialog.chosen() == ("en", "sms", "reminder")
    assert dialog.body.toPlainText() == "Hi {first_name}, see you at {time}."

    dialog.kind.setCurrentIndex(dialog.kind.findData("cancellation"))  # Discard: go
    assert dialog.chosen() == ("en", "sms", "cancellation") and not dialog.unsaved()
    _pick(dialog, "en", "sms", "reminder")
    assert dialog.body.toPlainText() == builtin  # dropped, as asked

    dialog.body.setPlainText("Hi {first_name}, see you at {time}.")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):  # Save: saved, then go
        dialog.channel.setCurrentIndex(dialog.channel.findData("email"))
    qtbot.waitUntil(lambda: dialog.chosen() == ("en", "email", "reminder"), timeout=10_000)
    assert dialog.rows[("en", "sms", "reminder")].body == "Hi {first_name}, see you at {time}."
    assert not dialog.subject.isHidden() and dialog.note.text() == "Saved."

    dialog.subject.setText("Your visit on {date}")
    dialog.reject()  # Cancel: still open, still typed
    assert dialog.isVisible() and dialog.subject.text() == "Your visit on {date}"
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.reject()  # Save: saved, then closed
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert dialog.rows[("en", "email", "reminder")].subject == "Your visit on {date}"
    assert answers.asked[1:] == ["English, SMS, Reminder"] * 2 + ["English, E-mail, Reminder"] * 2


def test_a_refused_save_keeps_the_text_and_the_message_in_front(
    qtbot: QtBot, admin_window: MainWindow
) -> None:
    dialog = _open(qtbot, admin_window)
    dialog.confirm = Answers(SAVE, DISCARD)
    dialog.body.setPlainText("Hi {fist_name}")
    dialog.kind.setCurrentIndex(dialog.kind.findData("confirmation"))
    qtbot.waitUntil(lambda: dialog.note.text() == "Not saved.", timeout=10_000)
    assert dialog.chosen() == ("en", "sms", "reminder")
    assert dialog.body.toPlainText() == "Hi {fist_name}" and "{fist_name}" in dialog.error.text()
    dialog.reject()  # Discard: closed, nothing written
    assert not dialog.isVisible() and not dialog.rows[("en", "sms", "reminder")].overridden


def test_whatsapp_shows_the_approved_template_s_name_code_and_values(
    qtbot: QtBot, admin_window: MainWindow, tmp_path: Path
) -> None:
    dialog = _open(qtbot, admin_window)
    _pick(dialog, "en", "whatsapp", "reminder")
    assert dialog.text.isHidden() and not dialog.whatsapp.isHidden()
    assert dialog.reset_button.isHidden() and "WhatsApp Manager" in dialog.origin.text()
    panel = dialog.whatsapp
    assert panel.name.text() == "" and not panel.missing.isHidden()
    assert panel.name.placeholderText() == "e.g. appointment_reminder"  # not a saved name
    _shoot(dialog, admin_window, tmp_path, "templates-whatsapp-unnamed.png")
    said = panel.values.text().splitlines()
    assert said[1:] == [
        "{{1}}  first name: Christabelle", "{{2}}  date: Wednesday 16 September 2026",
        "{{3}}  time: 23:45", "{{4}}  provider: Dr. Alexandra Whitfield",
        "{{5}}  clinic: Şifa Clinic", "{{6}}  address: 12 Harbour Street, Suite 4",
    ]  # fmt: skip
    panel.name.setText("appointment_reminder")
    panel.code.setText("en_US")
    panel.name.textEdited.emit("appointment_reminder")
    assert dialog.unsaved() and panel.missing.isHidden()
    _shoot(dialog, admin_window, tmp_path, "templates-whatsapp.png")
    page = _clinic_page(admin_window)
    names, other = page.editor(KEY), page.editor("clinic.name")
    assert isinstance(names, QLineEdit) and isinstance(other, QLineEdit)
    other.setText("Şifa Clinic Moda")  # an edit of the page's own, unsaved
    with qtbot.waitSignals([dialog.saved, page.refreshed], timeout=10_000):
        dialog.save_button.click()
    assert names.text() == "reminder=appointment_reminder, code=en_US"  # the page shows it...
    other.setText("Şifa Clinic")
    assert not page.unsaved()  # ...as saved: its own Save would not write the old value back
    ctx = admin_window.desk.ctx()
    tasks = admin_window.desk.tasks
    stored = tasks.run(lambda: settings.get(tasks.database(), ctx, KEY).value).result(timeout=30)
    assert stored == "reminder=appointment_reminder, code=en_US"
    _pick(dialog, "en", "whatsapp", "confirmation")  # the code is the language's
    assert (panel.name.text(), panel.code.text()) == ("", "en_US") and not dialog.unsaved()

    names.setText("reminder=from_the_page, confirmation=booked, code=en_GB")
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):  # the page saved: the dialog reads
        page.save()
    assert (panel.name.text(), panel.code.text()) == ("booked", "en_GB")

    panel.name.setText("Booking Confirmed")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.note.text() == "Not saved.", timeout=10_000)
    assert "lower-case" in dialog.error.text() and dialog.unsaved()


def test_names_typed_on_the_clinic_page_stay_when_the_dialog_saves_that_language(
    qtbot: QtBot, admin_window: MainWindow
) -> None:
    """The Clinic page shows what the dialog saved, but not over an edit of that very
    field typed on the page and not yet saved: typed work is never dropped silently.
    It stays, unsaved (the page asks about it on closing). Typed back to what the page
    showed before, it is no edit any more (#14): the dialog's next save is shown, and a
    later Save of the page keeps what the dialog saved instead of writing the old
    value back over it."""
    dialog = _open(qtbot, admin_window)
    page = _clinic_page(admin_window)
    names = page.editor(KEY)
    assert isinstance(names, QLineEdit)
    shown_before = names.text()
    names.setText("reminder=typed_on_the_page")
    assert page.unsaved()
    _pick(dialog, "en", "whatsapp", "confirmation")
    _dialog_saves(qtbot, dialog, page, "booking_confirmed")
    assert names.text() == "reminder=typed_on_the_page"
    assert page.unsaved() and "your edit of it here is kept" in page.note.text()

    names.setText(shown_before)  # the edit typed away again
    assert not page.unsaved()
    _dialog_saves(qtbot, dialog, page, "booked")  # shown: nothing of the page's is over it
    assert names.text() == _stored(admin_window) == "confirmation=booked"
    assert "is kept" not in page.note.text()
    names.setText("reminder=typed_again")  # once more: typed, the dialog saves, typed back
    _dialog_saves(qtbot, dialog, page, "booking_confirmed")
    names.setText("confirmation=booked")
    other = page.editor("clinic.name")
    assert isinstance(other, QLineEdit)
    other.setText("Şifa Clinic Moda")
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()  # the page's Save: its own edit, not the names it showed before
    assert _stored(admin_window) == "confirmation=booking_confirmed"
    assert names.text() == "confirmation=booking_confirmed" and not page.unsaved()


def _dialog_saves(qtbot: QtBot, dialog: TemplatesDialog, page: ClinicPage, name: str) -> None:
    """The dialog saves ``name`` as the WhatsApp template's name; the page hears of it."""
    dialog.whatsapp.name.setText(name)
    dialog.whatsapp.name.textEdited.emit(name)
    with qtbot.waitSignals([dialog.saved, page.refreshed], timeout=10_000):
        dialog.save_button.click()


def _stored(window: MainWindow) -> object:
    ctx, tasks = window.desk.ctx(), window.desk.tasks
    return tasks.run(lambda: settings.get(tasks.database(), ctx, KEY).value).result(timeout=30)


def test_names_the_page_saved_while_the_dialog_held_edits_are_shown_once_they_go(
    qtbot: QtBot, admin_window: MainWindow
) -> None:
    """The Clinic page saved the names while the dialog held an edit (so it did not
    read them again then): once that edit is discarded, the dialog reads them, and does
    not show, and so save back, the names from before."""
    dialog = _open(qtbot, admin_window)
    page = _clinic_page(admin_window)
    _pick(dialog, "en", "whatsapp", "reminder")
    dialog.whatsapp.name.setText("typed_in_the_dialog")
    dialog.whatsapp.name.textEdited.emit("typed_in_the_dialog")
    names = page.editor(KEY)
    assert isinstance(names, QLineEdit) and dialog.unsaved()
    names.setText("confirmation=from_the_page")
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()
    dialog.confirm = Answers(DISCARD)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        _pick(dialog, "en", "whatsapp", "confirmation")
    assert dialog.whatsapp.name.text() == "from_the_page" and not dialog.unsaved()


def _clinic_page(window: MainWindow) -> ClinicPage:
    controller = window.findChild(Settings)
    assert controller is not None and controller.dialog is not None
    return controller.dialog.clinic


def test_one_helper_makes_the_choice_boxes() -> None:
    root = Path(__file__).resolve().parents[2]
    for name in ("ui/templateeditor.py", "ui/deliverylog.py"):
        source = (root / name).read_text("utf-8")
        assert "choice_box(" in source and "def _choice" not in source, name


def _shoot(
    dialog: TemplatesDialog, window: MainWindow, tmp_path: Path, name: str = "templates.png"
) -> None:
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = composite(window, dialog)
    assert dialog.width() <= 1366 and dialog.height() <= 768
    assert picture.save(str(tmp_path / name))
    folder = os.environ.get("TEMPLATE_SHOTS")
    if folder:
        picture.save(str(Path(folder) / name))
    window.setStyleSheet("")


def test_the_origin_line_says_an_edit_is_not_saved_until_it_is(
    qtbot: QtBot, admin_window: MainWindow
) -> None:
    """While the built-in text is being edited it is no longer the built-in text: the
    line above says so; typed back to the original, it says built-in again."""
    dialog = _open(qtbot, admin_window)
    _pick(dialog, "en", "sms", "reminder")
    original = dialog.body.toPlainText()
    assert dialog.origin.text() == "The built-in text."
    dialog.body.setPlainText(original + " See you soon.")
    assert "not saved" in dialog.origin.text(), dialog.origin.text()
    dialog.body.setPlainText(original)
    assert dialog.origin.text() == "The built-in text."

"""Settings > Reminders > Message templates…: pick a template, edit it with the SMS size
shown as you type (which character makes it UCS-2), insert placeholders, see the core's
refusal inline, save the clinic's own text and reset it to the built-in one."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from receptionist.ops import templates
from receptionist.reminders.templates import TEMPLATES
from ui.app import stylesheet
from ui.mainwindow import MainWindow
from ui.screenshots import composite
from ui.settings import Settings
from ui.templateeditor import TemplatesDialog, open_templates


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
    assert said == "SMS: 1 part(s) (GSM-7, 15 of 160 characters)" and dialog.error.isHidden()

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
    assert dialog.size_line.text().startswith("SMS: 2 part(s) (UCS-2, ")
    assert dialog.subject.isHidden() and not dialog.size_line.isHidden()
    _shoot(dialog, admin_window, tmp_path)

    _pick(dialog, "en", "sms", "reminder")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.reset_button.click()
    assert dialog.body.toPlainText() == TEMPLATES[("en", "sms", "reminder")].body
    assert "built-in" in dialog.origin.text() and not dialog.reset_button.isEnabled()


def test_a_receptionist_sees_the_templates_but_cannot_change_them(
    qtbot: QtBot, window: MainWindow
) -> None:
    controller = window.findChild(Settings)
    assert controller is not None
    page = controller.show_dialog().clinic
    assert not page.templates_button.isEnabled()  # the clinic's page is read-only for them
    dialog = open_templates(window.desk, False, window)
    qtbot.waitUntil(lambda: bool(dialog.rows), timeout=10_000)
    assert dialog.body.toPlainText() == TEMPLATES[("en", "sms", "reminder")].body
    assert not dialog.body.isEnabled() and not dialog.save_button.isEnabled()


def _shoot(dialog: TemplatesDialog, window: MainWindow, tmp_path: Path) -> None:
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = composite(window, dialog)
    assert dialog.width() <= 1366 and dialog.height() <= 768
    assert picture.save(str(tmp_path / "templates.png"))
    folder = os.environ.get("TEMPLATE_SHOTS")
    if folder:
        picture.save(str(Path(folder) / "templates.png"))
    window.setStyleSheet("")

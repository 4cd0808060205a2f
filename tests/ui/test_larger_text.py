"""Larger text: a per-PC preference that makes the schedule and every window's text
larger at once (and the schedule's rows and columns with it)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QCheckBox
from pytestqt.qtbot import QtBot

from receptionist.settings.desk import LARGER_TEXT
from receptionist.settings.kinds import Flag
from ui import textsize
from ui.app import stylesheet
from ui.mainwindow import MainWindow
from ui.settings import Settings


def test_the_setting_is_this_pcs_and_off_unless_chosen() -> None:
    assert LARGER_TEXT.key == "desk.larger_text" and LARGER_TEXT.scope == "pc"
    assert isinstance(LARGER_TEXT.kind, Flag) and LARGER_TEXT.default is False


def test_this_pc_page_offers_it(qtbot: QtBot, window: MainWindow) -> None:
    controller = window.findChild(Settings)
    assert controller is not None
    page = controller.show_dialog().this_pc
    assert isinstance(page.editor("desk.larger_text"), QCheckBox)


def test_larger_text_grows_the_schedule_and_the_dialogs_then_shrinks_back(
    qtbot: QtBot, app: QApplication, window: MainWindow
) -> None:
    app.setFont(QFont(app.font().family(), 10))  # the app's usual size (ui/app.py)
    # ...kept as the base, as the app's first apply() keeps it: a test before this one
    # in the same process may have applied the size to another font (the app fixture
    # puts the property back only after tests that take it).
    app.setProperty("receptionistBasePoints", 10.0)
    controller = window.findChild(Settings)
    assert controller is not None
    dialog = controller.show_dialog()
    geo = window.schedule.geo
    before = (geo.slot_px, geo.gutter, geo.header, geo.col_width)
    points = dialog.font().pointSizeF()
    bar = window.schedule.verticalScrollBar()
    top = bar.value() / geo.slot_px * geo.slot_minutes  # the minute at the top
    textsize.apply(app, True)
    assert dialog.font().pointSizeF() == pytest.approx(points * textsize.LARGER)
    assert window.schedule.font().pointSizeF() == pytest.approx(10 * textsize.LARGER)
    geo = window.schedule.geo
    after = (geo.slot_px, geo.gutter, geo.header, geo.col_width)
    assert all(a > b for a, b in zip(after[:3], before[:3], strict=True)), (before, after)
    assert bar.value() / geo.slot_px * geo.slot_minutes == pytest.approx(top, abs=1)
    textsize.apply(app, False)
    geo = window.schedule.geo
    assert (geo.slot_px, geo.gutter, geo.header, geo.col_width) == before
    assert dialog.font().pointSizeF() == pytest.approx(points)


def test_the_stylesheets_own_sizes_grow_too(app: QApplication) -> None:
    sheet = stylesheet()
    assert "font-size: 13pt" in sheet
    larger = textsize.scaled_stylesheet(sheet, 1.25)
    assert "font-size: 16.25pt" in larger and "font-size: 13pt" not in larger
    app.setStyleSheet(sheet)
    textsize.apply(app, True)
    assert "font-size: 16.25pt" in app.styleSheet()

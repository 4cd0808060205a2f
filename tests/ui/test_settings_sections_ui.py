"""The sectioned settings pages (Clinic, This PC) as they look (#14, session 17's
leftovers): since the section list stopped scrolling with the page it ran the page's
whole height, a tall white box with a few titles at its top, and the section beside it
sat on a grey band down to the page's foot, against which Message channels' E-mail
column, ending a few pixels above it, looked cut. At the dialog's first size (1160×660)
and at 1440×900, with the app's style: the list is as tall as its titles, the section
is on the page's own background, and nothing of any section is cut or scrolls."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from receptionist.context import Actor
from ui.app import stylesheet
from ui.desk import Desk
from ui.settings import SettingsDialog
from ui.settings.clinicpage import SettingsPage
from ui.settings.unsaved import DISCARD


def settle() -> None:
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def shot(widget: QWidget, name: str) -> None:
    """Saved only when SETTINGS_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("SETTINGS_SHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def at(widget: QWidget, dialog: QWidget, x: int, y: int) -> QPoint:
    return widget.mapTo(dialog, QPoint(x, y))


@pytest.mark.parametrize("size", [(1160, 660), (1440, 900)])
def test_each_sectioned_page_has_a_list_as_tall_as_its_titles_and_no_band(
    qtbot: QtBot, desk: Desk, size: tuple[int, int]
) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    dialog = SettingsDialog(admin, confirm=lambda _parent, _page: DISCARD)
    qtbot.addWidget(dialog)
    dialog.setStyleSheet(stylesheet())
    dialog.show()
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.load()
    dialog.resize(*size)
    pages = [p for p in (dialog.clinic, dialog.this_pc) if isinstance(p, SettingsPage)]
    wrong = []
    for page in pages:
        dialog.tabs.setCurrentWidget(page)
        sections = page.sections
        titles, area = sections.titles, sections.area
        rows = sum(titles.sizeHintForRow(r) for r in range(titles.count()))
        for row in range(titles.count()):
            titles.setCurrentRow(row)
            settle()
            name = f"{page.objectName()} {titles.item(row).text()} {size[0]}x{size[1]}"
            if titles.height() > rows + 2 * titles.frameWidth() + 8:
                wrong.append(f"{name}: the list runs {titles.height()} px for {rows} px of titles")
            bars = area.verticalScrollBar(), area.horizontalScrollBar()
            if any(bar.maximum() > 0 for bar in bars):
                wrong.append(f"{name}: the section scrolls (cut)")
            shown = sections.pages[row]
            foot = shown.mapTo(area.viewport(), QPoint(0, shown.height())).y()
            if foot > area.viewport().height():
                wrong.append(f"{name}: the section ends below the page")
            # Under the list and under the section, near the page's foot: one background.
            picture = dialog.grab().toImage()
            low = area.height() - 3
            left = QPoint(titles.width() // 2 + 8, 0)  # under the list, if it ends above
            beside = picture.pixelColor(at(area, dialog, 0, low) - left)
            under = picture.pixelColor(at(area, dialog, area.width() // 2, low))
            if beside != under:
                wrong.append(f"{name}: a band of {under.name()} on {beside.name()}")
            shot(dialog, f"sections-{page.objectName()}-{row}-{size[0]}x{size[1]}")
    assert wrong == []


def test_channel_headings_stand_over_their_labels_in_a_right_to_left_layout(
    qtbot: QtBot,
) -> None:
    """Arabic lays Message channels out right to left: a Latin heading ("SMS") took its
    own text's direction and sat at the left over right-aligned labels. Its ink is now
    at the right of its column, as the labels under it are."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from ui.settings.sections import Sections

    QApplication.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    try:
        sections = Sections()
        qtbot.addWidget(sections)
        sections.add("Message channels", ["a", "b"], [("SMS", 1), ("E-mail", 1)])
        sections.resize(900, 300)
        sections.show()
        settle()
        heads = [w for w in sections.findChildren(QLabel) if w.objectName() == "sectionPart"]
        assert [h.text() for h in heads] == ["SMS", "E-mail"]
        for head in heads:
            image = head.grab().toImage()
            ink = [
                x
                for x in range(image.width())
                for y in range(image.height())
                if image.pixelColor(x, y).lightness() < 100
            ]
            assert ink and min(ink) > image.width() // 2, (head.text(), head.width(), ink[:3])
    finally:
        QApplication.setLayoutDirection(Qt.LayoutDirection.LeftToRight)

"""The patients table shows dates that cannot be misread; the picker's columns hold still."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot
from uiseed import Seeded

from receptionist.patients.search import PatientRow, rebuild_search_index
from receptionist.store import vault
from ui.desk import Desk
from ui.patients.picker import PatientPicker
from ui.patients.table import PatientTableModel, short_date, short_datetime


@pytest.fixture
def locale() -> Iterator[None]:
    before = QLocale()
    yield
    QLocale.setDefault(before)


def test_birth_dates_name_the_month_and_the_whole_year(locale: None) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    model = PatientTableModel()
    model.set_rows([PatientRow("p", "A-1", "Zeynep Kaya", "0532", date(2017, 4, 5))])
    assert model.index(0, 3).data() == "5 Apr 2017"
    assert model.index(0, 3).data(Qt.ItemDataRole.AccessibleTextRole) == "5 Apr 2017"
    at = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert short_datetime(at, ZoneInfo("Europe/Istanbul")) == "2 Mar 2026 11:30"
    QLocale.setDefault(QLocale(QLocale.Language.Turkish, QLocale.Country.Turkey))
    assert short_date(date(2017, 4, 5)) == "5 Nis 2017"  # the user's language, same order
    assert short_date(None) == ""


@pytest.fixture
def indexed(seeded: Seeded) -> None:
    db = vault.open_clinic(seeded.root)
    try:
        with db.write() as s:
            rebuild_search_index(s)
    finally:
        db.close()


def test_picker_columns_are_sized_once_not_per_keystroke(
    qtbot: QtBot, desk: Desk, indexed: None
) -> None:
    picker = PatientPicker(desk)
    qtbot.addWidget(picker)
    picker.resize(560, 300)
    picker.show()
    header = picker.table.horizontalHeader()
    modes = [header.sectionResizeMode(c) for c in range(header.count())]
    assert QHeaderView.ResizeMode.ResizeToContents not in modes
    assert modes[1] == QHeaderView.ResizeMode.Stretch  # the name takes the rest
    widths = [header.sectionSize(c) for c in (0, 2, 3)]
    born = header.fontMetrics().horizontalAdvance(short_date(date(2000, 9, 30)))
    assert widths[2] > born  # a birth date fits without being cut
    for text in ("K", "Ka", "Kay", "Kaya"):
        picker.field.setText(text)
        qtbot.waitUntil(lambda t=text: picker.shown_query() == t, timeout=10_000)
        assert [header.sectionSize(c) for c in (0, 2, 3)] == widths
    assert picker.model.rowCount() >= 1
    picker.field.setText("Smith")
    qtbot.waitUntil(lambda: picker.shown_query() == "Smith", timeout=10_000)
    assert [header.sectionSize(c) for c in (0, 2, 3)] == widths

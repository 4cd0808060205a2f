"""Issue #14, Settings > Retention's dry run and sweep as staff read them: the Policy
column names the settings by their labels (the CSV keeps the keys), a row the sweep
destroyed none of still names its policy; the patients' list has a title with its
count, in the order of their numbers (A-2 before A-10), and goes once the sweep ran;
the counts box shows its rows without a scrollbar."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pytestqt.qtbot import QtBot
from test_settings_retention import Asked, old_patient, open_page, shot

from receptionist.context import Actor
from ui.desk import Desk

LABEL = "Keep patients, months after their last appointment: 24"


def value(number: str) -> tuple[str, int]:
    prefix, digits = re.fullmatch(r"(\D*)(\d+)", number.replace("-", "")).groups()  # type: ignore[union-attr]
    return prefix, int(digits)


def test_the_dry_run_and_sweep_speak_the_settings_labels(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    numbers = [old_patient(admin) for _ in range(12)]
    dialog, page = open_page(qtbot, admin)
    page.dry_button.click()
    qtbot.waitUntil(lambda: page.plan is not None or not page.busy, timeout=20_000)
    assert page.plan is not None, page.note.text()
    shot(dialog, "settings-retention-dry-run-words")
    rows = [
        [page.counts.item(r, c).text() for c in range(3)] for r in range(page.counts.rowCount())
    ]
    assert rows[0][:2] == ["Patients", "12"] and rows[0][2] == LABEL
    assert "retention." not in str(rows), "setting keys on screen"
    assert page.patients_title.text() == "Patients (12)"
    listed = [page.patients.item(i).text().split()[0] for i in range(page.patients.count())]
    assert sorted(numbers, key=value) == listed, "in the order of their numbers"
    table = page.counts
    assert table.viewport().height() >= 6 * table.rowHeight(0), "room for six kinds' rows"

    page.ask = Asked(True)
    page.sweep_button.click()
    qtbot.waitUntil(lambda: "Swept" in page.note.text(), timeout=30_000)
    shot(dialog, "settings-retention-swept-words")
    after = {page.counts.item(r, 0).text(): page.counts.item(r, 2).text()
             for r in range(page.counts.rowCount())}  # fmt: skip
    assert after["Appointments"] == LABEL, "a kind that lost nothing names its policy too"
    assert after["Patients"] == LABEL
    assert page.patients.isHidden() and page.patients_title.isHidden(), "no empty box"

    page.records_button.click()
    records = page.records
    assert records is not None
    qtbot.waitUntil(lambda: records.table.rowCount() > 0, timeout=10_000)
    policy = [records.table.item(r, 3).text() for r in range(records.table.rowCount())]
    assert LABEL in policy and "retention." not in str(policy)
    assert records.table.item(0, 3).toolTip() == records.table.item(0, 3).text()
    out = tmp_path / "records.csv"
    records.save_as = lambda _parent, _name: str(out)
    records.export_button.click()
    assert "retention.appointment_months=24" in out.read_text(encoding="utf-8"), "CSV: keys"

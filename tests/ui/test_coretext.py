"""The core's messages shown in the user's language, through the installed translators."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from receptionist.errors import ValidationError
from receptionist.models import BlockedTime, Patient
from receptionist.patients import validation
from receptionist.schedule import conflicts
from receptionist.texts import Text
from ui import messages
from ui.coretext import exception_text, translated
from ui.mainwindow import MainWindow
from ui.patients import Patients, PatientWindow, install

TURKISH = {
    "The {field} is required; enter it.": "{field} alanı zorunlu; doldurun.",
    "The clinic is closed {span}.": "Klinik {span} kapalı.",
    "on {day} from {start} to {end}": "{day} {start}-{end} arası",
    "given name": "Ad",
    "The {field} must be text.": "{alan} metin olmalı.",  # a translator's typo
}


class Turkish(QTranslator):
    """A translator for the "core" context only, as a .qm file built from a .ts would be."""

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        return TURKISH.get(source) if context == "core" else None

    def isEmpty(self) -> bool:
        return False


@pytest.fixture
def turkish(qapp: QApplication) -> Iterator[Turkish]:
    translator = Turkish()
    assert qapp.installTranslator(translator)
    yield translator
    qapp.removeTranslator(translator)


def test_a_core_text_is_translated_with_its_params(turkish: Turkish) -> None:
    text = Text("The {field} is required; enter it.", field=Text("given name"))
    assert str(text) == "The given name is required; enter it."
    assert translated(text) == "Ad alanı zorunlu; doldurun."
    assert exception_text(ValidationError("given_name", text)) == "Ad alanı zorunlu; doldurun."
    assert QCoreApplication.translate("messages", "Receptionist") == "Receptionist"


def test_what_cannot_be_translated_stays_english(turkish: Turkish) -> None:
    untranslated = Text("The {field} is required; enter it.", field=Text("family name"))
    assert translated(untranslated) == "Ad alanı zorunlu; doldurun.".replace("Ad", "family name")
    plain = Text("The {field} is a {size}-letter code, like 'TR'.", field="currency", size=3)
    assert translated(plain) == "The currency is a 3-letter code, like 'TR'."
    broken = Text("The {field} must be text.", field=Text("given name"))
    assert translated(broken) == "The given name must be text."  # not a KeyError
    assert translated("Already in the user's language.") == "Already in the user's language."
    assert exception_text(ValidationError("x", "Plain words.")) == "Plain words."


def test_without_a_translator_the_english_is_shown(qapp: QApplication) -> None:
    text = Text("The {field} is required; enter it.", field=Text("given name"))
    assert translated(text) == "The given name is required; enter it."


@pytest.fixture
def turkish_locale() -> Iterator[QLocale]:
    before = QLocale()
    QLocale.setDefault(QLocale("tr_TR"))
    yield QLocale()
    QLocale.setDefault(before)


def test_a_conflict_reason_is_translated_with_the_locale_day_names(
    turkish: Turkish, turkish_locale: QLocale
) -> None:
    istanbul = ZoneInfo("Europe/Istanbul")
    block = BlockedTime(
        id="b1",
        start_utc=datetime(2026, 3, 2, 7, 0, tzinfo=UTC),  # 10:00 in Istanbul, a Monday
        end_utc=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        provider_id=None,
        room_id=None,
        kind="blocked",
    )
    schedule = conflicts.Schedule(tz=istanbul, clinic_week=None, weeks={}, blocks=[block])
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    request = conflicts.Request(start, start.replace(hour=8, minute=30), "p1")
    [clash] = conflicts.evaluate(schedule, request)
    assert str(clash.reason) == "The clinic is closed on Mon 02 Mar from 10:00 to 12:00."
    assert translated(clash.reason) == "Klinik Pzt 02 Mar 10:00-12:00 arası kapalı."


def test_the_patient_window_shows_the_core_error_in_turkish(
    qtbot: QtBot, window: MainWindow, told: list[messages.Message], turkish: Turkish
) -> None:
    def first_patient() -> str:
        with window.desk.tasks.database().read() as s:
            return s.scalars(select(Patient.id).where(Patient.number == "A-1")).one()

    patient_id = window.desk.tasks.run(first_patient).result(timeout=30)
    install(window)
    controller = window.findChild(Patients)
    assert controller is not None
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        controller.open_patient(patient_id)
    shown: PatientWindow = opened.args[0]
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)

    given = shown.form.editors["given_name"]
    given.setFocus()
    given.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(given, "  ")  # only blanks: the core says the name is required
    qtbot.keyClick(given, Qt.Key.Key_Return)
    error = shown.form.errors["given_name"]
    qtbot.waitUntil(error.isVisible, timeout=10_000)
    assert error.text() == "Ad alanı zorunlu; doldurun."
    assert [m for m in told if m.level >= messages.Level.WARNING] == []


TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="tr_TR">
<context>
    <name>core</name>
    <message>
        <source>The {field} is required; enter it.</source>
        <translation>{field} alanı zorunlu; doldurun.</translation>
    </message>
    <message>
        <source>family name</source>
        <translation>Soyad</translation>
    </message>
</context>
</TS>
"""


def qt_tool(name: str) -> str | None:
    """A PySide6 tool from this venv (beside the interpreter) or from PATH."""
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.is_file():
            return str(candidate)
    return shutil.which(name)


@pytest.mark.slow
def test_a_qm_file_built_by_lrelease_translates_a_real_core_error(
    qapp: QApplication, tmp_path: Path
) -> None:
    tool = qt_tool("pyside6-lrelease")
    if tool is None:
        pytest.skip("pyside6-lrelease is not installed")
    ts, qm = tmp_path / "receptionist_tr.ts", tmp_path / "receptionist_tr.qm"
    ts.write_text(TS, encoding="utf-8")
    subprocess.run([tool, str(ts), "-qm", str(qm)], check=True, capture_output=True, timeout=120)
    translator = QTranslator()
    assert translator.load(str(qm))
    with pytest.raises(ValidationError) as caught:
        validation.name("family_name", "")
    assert str(caught.value) == "The family name is required; enter it."
    qapp.installTranslator(translator)
    try:
        assert exception_text(caught.value) == "Soyad alanı zorunlu; doldurun."
    finally:
        qapp.removeTranslator(translator)
    assert exception_text(caught.value) == "The family name is required; enter it."

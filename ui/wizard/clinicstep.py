"""The wizard's first page: the clinic's name, time zone, phone region, language, slot size."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWizardPage,
)

from receptionist.errors import ValidationError
from receptionist.ops.setup import ClinicSpec, validate_spec

from ..coretext import exception_text
from ..settings.fields import FieldForm
from . import choices


def searchable(items: list[tuple[str, str]], current: str) -> QComboBox:
    """An editable combo whose typing finds an item by any part of its label."""
    box = QComboBox()
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.setMaxVisibleItems(14)
    for value, label in items:
        box.addItem(label, value)
    completer = box.completer()
    if completer is not None:
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    found = box.findData(current)
    box.setCurrentIndex(found)
    if found < 0:
        box.setEditText("")
    return box


def editor(box: QComboBox) -> QLineEdit:
    line = box.lineEdit()
    if line is None:
        raise TypeError("the combo box is not editable")
    return line


def chosen(box: QComboBox) -> str:
    """The value behind the typed text: an item's data (the one item whose label holds
    the text, when only one does), else the text itself."""
    text = box.currentText().strip()
    found = box.findText(text, Qt.MatchFlag.MatchFixedString)
    if found < 0:
        found = box.findData(text.upper())  # a region's code, typed
    if found < 0 and text:
        hits = [i for i in range(box.count()) if text.casefold() in box.itemText(i).casefold()]
        found = hits[0] if len(hits) == 1 else -1
    if found >= 0:
        box.setCurrentIndex(found)
        return str(box.itemData(found))
    return text


class ClinicStep(QWizardPage):
    def __init__(self, root: Path, zone: str, region: str, language: str) -> None:
        super().__init__()
        self.setObjectName("wizardClinicPage")
        self.setTitle(self.tr("Your clinic"))
        self.setSubTitle(
            self.tr("Name the clinic and say where it is. You can change all of this later.")
        )
        self.form = FieldForm(self)
        self.name = QLineEdit(self)
        self.name.setObjectName("clinicName")
        self.name.setMaxLength(200)
        self.name.setPlaceholderText(self.tr("e.g. Şifa Dental Clinic"))
        self.zone = searchable([(z, z) for z in choices.time_zones()] + [("UTC", "UTC")], zone)
        self.zone.setObjectName("clinicTimezone")
        editor(self.zone).setPlaceholderText(self.tr("Type a city, e.g. Istanbul"))
        named = [(c, choices.region_label(c, n)) for c, n in choices.regions()]
        self.region = searchable(named, region)
        self.region.setObjectName("clinicRegion")
        editor(self.region).setPlaceholderText(self.tr("Type a country or its code, e.g. TR"))
        self.language = QComboBox(self)
        self.language.setObjectName("clinicLanguage")
        for code, name in choices.LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(language)))
        self.slot = QComboBox(self)
        self.slot.setObjectName("clinicSlot")
        for minutes in choices.SLOT_CHOICES:
            self.slot.addItem(self.tr("{0} minutes").format(minutes), minutes)
        self.slot.setCurrentIndex(self.slot.findData(choices.DEFAULT_SLOT))
        self.form.add("clinic-name", self.tr("Clinic na&me"), self.name)
        self.form.add("timezone", self.tr("&Time zone"), self.zone)
        self.form.add("region", self.tr("&Phone region"), self.region)
        self.form.add("locale", self.tr("&Language"), self.language)
        self.form.add("slot-minutes", self.tr("&Slot size"), self.slot)
        for field in ("timezone", "region"):
            combo = self.zone if field == "timezone" else self.region
            error = self.form.errors[field]
            editor(combo).textEdited.connect(lambda _t, e=error: e.hide())
        where = QLabel(self.tr("The clinic's data will be kept in {0}").format(root), self)
        where.setObjectName("wizardNote")
        where.setWordWrap(True)
        where.setTextFormat(Qt.TextFormat.PlainText)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addStretch(1)
        layout.addWidget(where)
        self.setTabOrder(self.name, self.zone)
        self.setTabOrder(self.zone, self.region)
        self.setTabOrder(self.region, self.language)
        self.setTabOrder(self.language, self.slot)

    def initializePage(self) -> None:
        self.name.setFocus()

    def spec(self, admin_user: str = "", admin_password: str = "") -> ClinicSpec:
        return ClinicSpec(
            name=self.name.text(),
            timezone=chosen(self.zone),
            region=chosen(self.region),
            admin_user=admin_user,
            admin_password=admin_password,
            locale=str(self.language.currentData()),
            slot_minutes=int(self.slot.currentData()),
        )

    def show_error(self, exc: ValidationError) -> bool:
        return self.form.show_error(exc.field, exception_text(exc))

    def validatePage(self) -> bool:
        self.form.clear_errors()
        try:
            validate_spec(self.spec())
        except ValidationError as exc:
            self.show_error(exc)
            return False
        return True

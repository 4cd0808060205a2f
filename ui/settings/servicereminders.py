"""A service's reminder rules on Settings > Services: the clinic's, or its own.

"Use the clinic's reminder rules" ticked, the service follows the clinic's (Settings >
Clinic > Reminders), shown greyed for reference. Unticked, its own reminder times and
its booking confirmation, reschedule and cancellation messages apply. The rules are
saved with the service, in one transaction (``ops.catalog``, ``RuleChange``), and only
when they were edited here: a service whose rules were set in part by
``reminders rules set`` keeps them as they are until its rules are edited here, which
saves all four. A refusal names ``offsets``, shown under the reminder times.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QLineEdit

from receptionist.ops.servicerules import RuleChange, RuleKeys

from .data import ServiceRow, Snapshot
from .fields import FieldForm

RULES_KEY = "reminders.service_rules"
CLINIC_KEYS = {
    "offsets": "reminders.offsets",
    "confirmation": "reminders.confirmation",
    "reschedule": "reminders.reschedule",
    "cancellation": "reminders.cancellation",
}
FLAGS = ("confirmation", "reschedule", "cancellation")


class ServiceReminders(QGroupBox):
    """The reminder part of a service's form; its editors are fields of ``form``."""

    def __init__(self, form: FieldForm) -> None:
        super().__init__()
        self.setTitle(self.tr("Reminders"))
        self.setObjectName("serviceReminders")
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.clinic = QCheckBox(self.tr("Use the clinic's reminder rules"))
        self.clinic.setObjectName("field_reminders_clinic")
        self.clinic.setAccessibleName(self.tr("Use the clinic's reminder rules"))
        layout.addRow(self.clinic)
        self.offsets = QLineEdit()
        self.offsets.setPlaceholderText(self.tr("like 24h,2h; empty for none"))
        self.offsets.setToolTip(
            self.tr("How long before an appointment each reminder goes: m, h or d, at most four")
        )
        self.offsets.setMaximumWidth(260)
        self.flags = {flag: QCheckBox() for flag in FLAGS}  # the form's caption names each
        form.add("offsets", self.tr("Reminder ti&mes"), self.offsets, layout=layout)
        captions = {
            "confirmation": self.tr("Booking confirmation"),
            "reschedule": self.tr("Reschedule message"),
            "cancellation": self.tr("Cancellation message"),
        }
        for flag, box in self.flags.items():
            form.add(flag, captions[flag], box, layout=layout)
        self.note = QLabel(self)
        self.note.setObjectName("serviceRulesNote")
        self.note.setWordWrap(True)
        layout.addRow(self.note)
        self.clinic.toggled.connect(self._follow)
        self._clinic_rules: dict[str, Any] = {"offsets": "", **dict.fromkeys(FLAGS, False)}
        self._shown: tuple[object, ...] = ()

    def fill(self, snapshot: Snapshot | None, row: ServiceRow | None) -> None:
        """Show the rules of ``row`` (None: a new service, the clinic's)."""
        clinic = _clinic_rules(snapshot)
        self._clinic_rules = clinic
        stored = _stored(snapshot)
        own = stored.get(row.id, {}) if row is not None else {}
        own = own if isinstance(own, Mapping) else {}
        self.clinic.blockSignals(True)
        self.clinic.setChecked(not own)
        self.clinic.blockSignals(False)
        self._put({**clinic, **own})
        self._follow(self.clinic.isChecked())
        self._shown = self._state()
        self._note(snapshot)

    def change(self) -> RuleChange | None:
        """What to save of the rules: None when they were not edited here."""
        if self._state() == self._shown:
            return None
        if self.clinic.isChecked():
            return RuleChange(None)
        own: dict[str, Any] = {"offsets": self.offsets.text()}
        own.update({flag: box.isChecked() for flag, box in self.flags.items()})
        return RuleChange(own)

    def _follow(self, clinic: bool) -> None:
        """Ticked: the clinic's rules shown, greyed; unticked: the service's own, from
        what was shown (the clinic's, for a service that had none)."""
        if clinic:
            self._put(self._clinic_rules)
        for editor in (self.offsets, *self.flags.values()):
            editor.setEnabled(not clinic)

    def _put(self, rules: Mapping[str, Any]) -> None:
        self.offsets.setText(str(rules.get("offsets", "")))
        for flag, box in self.flags.items():
            box.setChecked(bool(rules.get(flag, False)))

    def _state(self) -> tuple[object, ...]:
        flags = tuple(box.isChecked() for box in self.flags.values())
        return (self.clinic.isChecked(), self.offsets.text(), *flags)

    def _note(self, snapshot: Snapshot | None) -> None:
        keys = snapshot.rule_keys if snapshot is not None else RuleKeys()
        said = []
        if keys.gone:
            said.append(
                (
                    self.tr("Reminder rules are kept for a service this clinic no longer has")
                    if len(keys.gone) == 1
                    else self.tr(
                        "Reminder rules are kept for {0} services this clinic no longer has"
                    )
                ).format(len(keys.gone))
                + self.tr(
                    " (or never had: named before names were checked); they are ignored, and "
                    "go when a service's reminder rules are next saved."
                )
            )
        if keys.pending:
            said.append(
                (
                    self.tr("Reminder rules are kept for a service not on this PC yet")
                    if len(keys.pending) == 1
                    else self.tr("Reminder rules are kept for {0} services not on this PC yet")
                ).format(len(keys.pending))
                + self.tr(
                    " (made on another PC, not synced here); they stay as they are and apply "
                    "once it arrives."
                )
            )
        self.note.setText("\n".join(said))
        self.note.setVisible(bool(said))


def _stored(snapshot: Snapshot | None) -> Mapping[str, Any]:
    entry = snapshot.entry(RULES_KEY) if snapshot is not None else None
    value = entry.value if entry is not None else {}
    return value if isinstance(value, Mapping) else {}


def _clinic_rules(snapshot: Snapshot | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, key in CLINIC_KEYS.items():
        entry = snapshot.entry(key) if snapshot is not None else None
        found[name] = entry.value if entry is not None else ("" if name == "offsets" else False)
    return found

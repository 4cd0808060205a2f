"""Staff accounts: user name, full name, role, active; a password for a new account or
to reset one. Only shown to roles that may manage staff."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from receptionist.freetext import printable
from receptionist.roles import ROLES

from ..desk import Desk
from .data import Snapshot, StaffRow, save_staff
from .fields import FieldForm
from .listpage import ListPage, Writer


class StaffPage(ListPage):
    def __init__(self, desk: Desk, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(desk, editable, "staff", parent)
        self.setObjectName("staffPage")
        self.view.setAccessibleName(self.tr("Staff accounts"))

    def role_names(self) -> dict[str, str]:
        names = {
            "admin": self.tr("Administrator"),
            "manager": self.tr("Manager"),
            "receptionist": self.tr("Receptionist"),
            "provider": self.tr("Provider"),
        }
        return {role: names.get(role, role) for role in ROLES}

    def build_form(self, form: FieldForm) -> None:
        self.username, self.full_name, self.password = QLineEdit(), QLineEdit(), QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.role = QComboBox()
        for role, name in self.role_names().items():
            self.role.addItem(name, role)
        self.active = QCheckBox(self.tr("May sign in"))
        form.add("username", self.tr("&User name"), self.username)
        form.add("full_name", self.tr("Full na&me"), self.full_name)
        form.add("role", self.tr("&Role"), self.role)
        form.add("active", self.tr("Acti&ve"), self.active)
        form.add("password", self.tr("Passwor&d"), self.password)

    def label(self, row: StaffRow) -> str:
        role = self.role_names().get(row.role, row.role)
        text = self.tr("{0} · {1}").format(row.username, role)
        return text if row.active else self.tr("{0} (disabled)").format(text)

    def rows_of(self, snapshot: Snapshot) -> Sequence[StaffRow]:
        return snapshot.staff

    def fill(self, row: StaffRow | None) -> None:
        self.username.setText(row.username if row else "")
        self.username.setReadOnly(row is not None)
        self.full_name.setText(printable(row.full_name, lines=False) if row else "")
        self.role.setCurrentIndex(max(self.role.findData(row.role if row else "receptionist"), 0))
        self.active.setChecked(row.active if row else True)
        self.password.clear()
        hint = (
            self.tr("Leave empty to keep the password") if row else self.tr("At least 8 characters")
        )
        self.password.setPlaceholderText(hint)

    def values(self) -> dict[str, Any] | None:
        return {
            "username": self.username.text(),
            "full_name": self.full_name.text(),
            "role": self.role.currentData(),
            "active": self.active.isChecked(),
            "password": self.password.text(),
        }

    def writer(self) -> Writer:
        return save_staff

"""Roles and what each may do: need-to-know access, declared in one place."""

from __future__ import annotations

from typing import Literal

Role = Literal["admin", "manager", "receptionist", "provider"]
ROLES: tuple[Role, ...] = ("admin", "manager", "receptionist", "provider")

_PERMISSIONS: dict[str, frozenset[Role]] = {
    "patient.read": frozenset(ROLES),
    "patient.write": frozenset({"admin", "manager", "receptionist"}),
    # Erasing a patient (right to erasure): everything of hers goes, on every PC.
    "patient.erase": frozenset({"admin", "manager"}),
    # A patient's whole record copied to a file, unencrypted, for her (right of access).
    "patient.export": frozenset({"admin", "manager"}),
    "appointment.book": frozenset({"admin", "manager", "receptionist"}),
    "appointment.status": frozenset(ROLES),
    "booking.override": frozenset({"admin", "manager"}),
    "clinic.configure": frozenset({"admin", "manager"}),
    "staff.manage": frozenset({"admin"}),
    "keys.manage": frozenset({"admin"}),
    # "The old reminder station is off: take over now" (the lease ended before it lapses).
    "reminders.take_over": frozenset({"admin"}),
    "audit.read": frozenset({"admin", "manager"}),
    "backup.manage": frozenset({"admin", "manager"}),
}

PERMISSIONS = tuple(_PERMISSIONS)


def can(role: str, permission: str) -> bool:
    try:
        allowed = _PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}") from None
    return role in allowed

"""Whether a sweep may run: a person looked at (and, for the scheduler, swept under)
the policy as it is.

The first sweep, and the first after any change of the policy, follows a person's dry
run: what a sweep destroys cannot be brought back, and a policy shortened by mistake
must not act unseen. A person's sweep (the CLI's ``sweep``, the app's "Sweep now")
needs a person's dry run made after the policy's last change (:func:`looked`); the
scheduled sweep needs a person's sweep after it (:func:`reviewed`). All these facts
are in the file already, in the audit log: each change of a policy setting, each
person's dry run (``sweep_dry_run``), and each sweep with its source ("scheduler" for
the job). Their order is the log's, not the clock's. A change pulled from another PC is
audited here as it is applied (:func:`policy_rows`, ``ops.replica.apply_pull``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.models import AuditEvent, ClinicSetting, setting_id
from receptionist.settings.registry import all_settings

SWEEP = "sweep"
DRY_RUN = "sweep_dry_run"  # a person's dry run: the audit event that lets a sweep go
ENTITY = "retention"


def reviewed(session: Session) -> bool:
    """A sweep by a person (not the scheduler) after the policy's last change."""
    return _after_policy(session, SWEEP)


def looked(session: Session) -> bool:
    """A dry run by a person (not the scheduler) after the policy's last change."""
    return _after_policy(session, DRY_RUN)


def last_sweep(session: Session) -> datetime | None:
    """When the newest sweep (a person's or the scheduler's) ended: its audit event."""
    return session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == SWEEP, AuditEvent.entity_type == ENTITY
        )
    )


def _after_policy(session: Session, action: str) -> bool:
    by_person = session.scalar(
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.action == action,
            AuditEvent.entity_type == ENTITY,
            AuditEvent.source != "scheduler",
        )
    )
    if by_person is None:
        return False
    changed = _policy_changed(session)
    return changed is None or by_person > changed


def _policy_changed(session: Session) -> int | None:
    """The audit number of the policy's newest change (None: never changed)."""
    return session.scalar(
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.entity_type == "clinic_setting", AuditEvent.entity_id.in_(_policy_ids())
        )
    )


def _policy_ids() -> list[str]:
    return [setting_id(s.key) for s in all_settings() if s.group == "retention"]


def policy_rows(session: Session) -> dict[str, int]:
    """The policy's setting rows held here: id -> version. A pull that changes one (the
    policy changed on another PC, where its audit event stays) is audited here by what
    it changed (``ops.replica``), so this PC's sweeps wait for a person as after a
    change made here."""
    found = session.execute(
        select(ClinicSetting.id, ClinicSetting.version).where(ClinicSetting.id.in_(_policy_ids()))
    )
    return {str(row_id): int(version) for row_id, version in found}

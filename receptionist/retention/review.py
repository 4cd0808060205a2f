"""Whether the scheduled sweep may run: a person swept under the policy as it is.

The first sweep, and the first after any change of the policy, is a person's (after
``sweep --dry-run``): what a sweep destroys cannot be brought back, and a policy
shortened by mistake must not act on its own overnight. Both facts are in the file
already, in the audit log: each change of a policy setting, and each sweep with its
source ("scheduler" for the job).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.models import AuditEvent, setting_id
from receptionist.settings.registry import all_settings


def reviewed(session: Session) -> bool:
    """A sweep by a person (not the scheduler) after the policy's last change. Both
    are audit events, so their order is the log's, not the clock's."""
    by_person = session.scalar(
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.action == "sweep",
            AuditEvent.entity_type == "retention",
            AuditEvent.source != "scheduler",
        )
    )
    if by_person is None:
        return False
    policy = [setting_id(s.key) for s in all_settings() if s.group == "retention"]
    changed = session.scalar(
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.entity_type == "clinic_setting", AuditEvent.entity_id.in_(policy)
        )
    )
    return changed is None or by_person > changed

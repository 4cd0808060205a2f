"""Whether anything the sweep removes could be past its time yet: cheap bounds, never
a dry run (the status bar reads this at every start and once an hour).

A brand-new clinic holds nothing older than its shortest retention period, so the
nightly sweep waiting for a person's first sweep destroys nothing by waiting: telling
a person about it from day one is noise (Settings > Retention, the status bar,
``sweep status``; ``ops.sweepstatus``). Each bound is the oldest row a kind's rule
counts from, against that kind's cut-off; a bound may say "could be" when the dry run
would find nothing (then the warning shows, as before), never the reverse:

- patients (with their appointments, consents, documents, log, reminders): a patient
  goes when their last appointment, or with none their record's creation, is older
  than ``patients_before``: so none can while no appointment starts and no patient
  was made before it (history entered with old dates, the demo's, counts);
- the communication log: its oldest entry's time (entries may be entered back-dated);
- what only the clinic itself makes, from its start on (backups, audit events,
  delivery logs and reminders, the disclosure register, destruction records): the
  clinic's start, the earliest of its first audit event and its clinic row's creation
  (synced: a PC that joined inherits it), against the shortest of their periods; a
  start later than now (stamped while the clock was ahead) could be anything, and so
  could any audit event older than that period (work stamped once such a clock was put
  right: the first event is not then the earliest);
- the cloud device tokens no session uses (``retention.tokens``, no period): asked of
  the file and the token book as the dry run asks, before the keychain.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import QueryableAttribute, Session

from receptionist.models import Appointment, AuditEvent, Clinic, CommunicationEntry, Patient

from . import tokens
from .policy import Policy


def could_be_due(session: Session, rule: Policy, folder: Path) -> bool:
    """False only when nothing the sweep removes can be past its time under ``rule``."""
    start = clinic_start(session)
    own = max(rule.backups_before, rule.audit_before, rule.records_before, rule.delivery_before)
    if start is not None and (start < own or start > rule.now):  # None: a file not set up
        return True  # later than now: stamped by a clock ahead (or this one is behind)
    if _older(session, AuditEvent.at, own):  # work stamped once such a clock was put right
        return True
    if _older(session, Appointment.start_utc, rule.patients_before):
        return True
    if _older(session, Patient.created_at, rule.patients_before):
        return True
    if _older(session, CommunicationEntry.occurred_at, rule.commlog_before):
        return True
    unused = tokens.unused(session, folder, rule.now)
    return bool(unused.in_file or unused.names)


def clinic_start(session: Session) -> datetime | None:
    """The earliest of the first audit event (this file's) and the clinic row's creation
    (the clinic's, on every PC); None in a file with neither."""
    first = session.scalar(select(AuditEvent.at).order_by(AuditEvent.seq).limit(1))
    made = session.scalar(select(func.min(Clinic.created_at)))
    found = [when for when in (first, made) if when is not None]
    return min(found) if found else None


def _older(session: Session, column: QueryableAttribute[datetime], before: datetime) -> bool:
    """Whether any row's ``column`` (tombstones too: the sweep's cut-offs are the bound)
    is before ``before``; stops at the first."""
    return session.scalar(select(1).where(column < before).limit(1)) is not None

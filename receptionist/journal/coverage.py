"""Does the audit log cover the data? Its start, and a creation event for every row.

A chain that verifies can still be short: emptied (events and head deleted), cut at
its end with the head set back to match, or started afresh by a script. Against the
rows of the file, such a log shows:

- no events at all, though the file holds rows (every ``init`` writes at least one);
- a first event that is not the clinic's creation: ``init`` writes the clinic row and
  its "create clinic" event first. ``init`` before commit 853b008 (2026-11-22) did
  not audit the clinic row: the log of a clinic made then begins with the first
  administrator's creation, by no one (``actor_id`` NULL). That start is accepted
  only of a clinic row made before :data:`CLINIC_AUDITED_SINCE`; accepted of any
  clinic, it would let the clinic's creation event alone be cut from a newer log;
- rows without a creation event: every way the app adds a row of a kind in
  :data:`CREATED_BY` audits its creation with the row's id. The demo writes its rows
  in bulk under one "generate" event per kind (``demo/clinic.py``); rows of that
  kind created up to the newest such event are the generated ones and are not asked
  for an event of their own. A clock set back makes fewer rows checked, never more.

The clinic row itself is left to the start rule. Clinic settings (``clinic_setting``)
are not held to a creation event: migration 0011 made the rows of older clinics from
their columns, and a setting's every write is audited all the same. Whoever adds
rows another way (sync, an import) must audit a creation per row, or a "generate"
event for a bulk write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from receptionist.models import (
    Appointment,
    AuditEvent,
    BlockedTime,
    Clinic,
    CommunicationEntry,
    Consent,
    Patient,
    PatientDocument,
    Provider,
    RetentionHold,
    Room,
    Service,
    StaffUser,
    Synced,
    WaitlistEntry,
)
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import checkpoint, notary

# A day after the first ``init`` that audited the clinic row (853b008): a clinic row
# made earlier may have its log begin with its first administrator instead.
CLINIC_AUDITED_SINCE: Final = datetime(2026, 11, 23, tzinfo=UTC)
CREATE: Final = ("create",)
# Each kind of row whose every creation is audited: its model, the actions that
# create one, and its name in a sentence.
CREATED_BY: Final[dict[str, tuple[type[Synced], tuple[str, ...], str]]] = {
    "staff_user": (StaffUser, CREATE, QT_TRANSLATE_NOOP("core", "staff account")),
    "provider": (Provider, CREATE, QT_TRANSLATE_NOOP("core", "provider")),
    "room": (Room, CREATE, QT_TRANSLATE_NOOP("core", "room")),
    "service": (Service, CREATE, QT_TRANSLATE_NOOP("core", "service")),
    "blocked_time": (BlockedTime, CREATE, QT_TRANSLATE_NOOP("core", "blocked time")),
    "patient": (Patient, CREATE, QT_TRANSLATE_NOOP("core", "patient")),
    "consent": (
        Consent,
        ("consent.give", "consent.withdraw"),
        QT_TRANSLATE_NOOP("core", "consent"),
    ),
    "appointment": (Appointment, CREATE, QT_TRANSLATE_NOOP("core", "appointment")),
    "waitlist_entry": (WaitlistEntry, CREATE, QT_TRANSLATE_NOOP("core", "waiting-list entry")),
    "communication_entry": (
        CommunicationEntry,
        CREATE,
        QT_TRANSLATE_NOOP("core", "communication-log entry"),
    ),
    "patient_document": (PatientDocument, CREATE, QT_TRANSLATE_NOOP("core", "document")),
    "patient_hold": (RetentionHold, CREATE, QT_TRANSLATE_NOOP("core", "retention hold")),
}
BULK: Final = "generate"
# The first event of a PC that joined a clinic through the cloud endpoint (its file
# began empty; every row it holds came from the endpoint, each with its creation event).
JOINED: Final = "cloud_join"

Problem = tuple[int | None, Text]


def clinic_id(session: Session) -> str | None:
    """The id of the file's clinic row (the first made, if a file held two)."""
    return session.scalar(select(Clinic.id).order_by(Clinic.created_at).limit(1))


def holds_data(session: Session) -> bool:
    """Whether the file holds any row the log should account for."""
    models: list[type[Synced]] = [Clinic, *(m for m, _, _ in CREATED_BY.values())]
    return any(session.scalar(select(exists().select_from(m))) for m in models)


def start_problem(session: Session) -> Problem | None:
    """A log that does not begin with the clinic's creation (only asked of a file
    that holds a clinic row: a bare file has nothing to begin with)."""
    clinic = session.execute(
        select(Clinic.id, Clinic.created_at).order_by(Clinic.created_at).limit(1)
    ).first()
    if clinic is None:
        return None
    point = checkpoint.newest(session)
    if point is not None:  # the retention sweep removed the first events
        found = checkpoint.start_problem(session, point)
        return found or notary.signature_problem(session, clinic.id, point)
    first = session.get(AuditEvent, 1)
    if first is not None and (first.action, first.entity_type) == (JOINED, "clinic"):
        return None  # a PC that joined a clinic: its rows came from the endpoint
    if first is None or first.action != "create":
        return 1, _NOT_THE_START
    if (first.entity_type, first.entity_id) == ("clinic", clinic.id):
        return None
    made_before = clinic.created_at < CLINIC_AUDITED_SINCE
    if made_before and first.entity_type == "staff_user" and first.actor_id is None:
        return None  # init's first administrator, in a log older than the clinic's event
    return 1, _NOT_THE_START


_NOT_THE_START = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "the log does not begin with the clinic's creation: its first events were "
        "removed or replaced",
    )
)


def uncovered_problem(session: Session) -> Problem | None:
    """Rows of a kind in :data:`CREATED_BY` that have no creation event."""
    for kind, (model, actions, label) in CREATED_BY.items():
        missing = _uncovered(session, kind, model, actions)
        if missing:
            return None, Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{count} {kind} record(s) have no creation event in the log: events "
                    "were removed, or records were written outside the app",
                ),
                count=missing,
                kind=Text(label),
            )
    return None


def _uncovered(session: Session, kind: str, model: type[Synced], actions: tuple[str, ...]) -> int:
    created = select(AuditEvent.entity_id).where(
        AuditEvent.entity_type == kind,
        AuditEvent.action.in_(actions),
        AuditEvent.entity_id.is_not(None),  # a NULL would make NOT IN match nothing
    )
    query = select(func.count()).select_from(model).where(model.id.not_in(created))
    generated = session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.entity_type == kind, AuditEvent.action == BULK
        )
    )
    if generated is not None:
        query = query.where(model.created_at > generated)
    point = checkpoint.newest(session)
    if point is not None:  # their creation events may have gone with the sweep
        query = query.where(model.created_at > checkpoint.excused_until(session, point))
    return session.scalar(query) or 0


def newly_excused(session: Session, after: int, upto: int, until: datetime) -> bool:
    """Whether every row a cut of events ``after+1 .. upto`` would newly excuse (made
    after what the newest checkpoint excuses, by ``until``: event ``upto``'s time)
    has its creation event: the part of :func:`uncovered_problem` a cut changes,
    without reading the whole log. A row's creation event is looked for among the
    events about to go (read by number), and only a row not found there (a row
    another PC made, pulled later) is looked for in the rest."""
    point = checkpoint.newest(session)
    since = checkpoint.excused_until(session, point) if point is not None else None
    generated: dict[str, datetime] | None = None  # read once, and only if needed
    for kind, (model, actions, _label) in CREATED_BY.items():
        rows = select(model.id).where(model.created_at <= until)
        if since is not None:
            rows = rows.where(model.created_at > since)
        ids = set(session.scalars(rows))
        if not ids:
            continue
        generated = _generated(session) if generated is None else generated
        if kind in generated:
            ids = set(session.scalars(rows.where(model.created_at > generated[kind])))
        made = select(AuditEvent.entity_id).where(
            AuditEvent.entity_type == kind, AuditEvent.action.in_(actions)
        )
        ids -= set(session.scalars(made.where(AuditEvent.seq > after, AuditEvent.seq <= upto)))
        if ids and ids - _made_of(session, made, sorted(ids)):
            return False
    return True


def _generated(session: Session) -> dict[str, datetime]:
    """The newest "generate" event's time of each kind the demo wrote in bulk."""
    found = session.execute(
        select(AuditEvent.entity_type, func.max(AuditEvent.at))
        .where(AuditEvent.action == BULK)
        .group_by(AuditEvent.entity_type)
    )
    return {kind: at for kind, at in found}


def _made_of(session: Session, made: Select[str | None], ids: list[str]) -> set[str | None]:
    """The ids of ``ids`` that ``made`` (creation events) names, asked 500 at a time."""
    found: set[str | None] = set()
    for i in range(0, len(ids), 500):
        found.update(session.scalars(made.where(AuditEvent.entity_id.in_(ids[i : i + 500]))))
    return found

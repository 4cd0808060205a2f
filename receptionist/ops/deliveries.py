"""The providers' delivery log, read only: what the Reminders view's Delivery log and
``receptionist reminders log`` show, newest first.

Each row is one answer a provider gave (``receptionist.reminders.deliverylog``): when,
through which channel, what was asked (a send, a status lookup after a crash), the
outcome, the provider's status (HTTP or SMTP) and error code, its message id, and the
short id of the appointment the message was about. No text and no address: the log
holds none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from receptionist.context import Ctx, require
from receptionist.errors import ValidationError
from receptionist.models import DeliveryLog, Reminder
from receptionist.reminders.settings import CHANNELS
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

OUTCOMES = ("sent", "transient", "permanent", "unknown", "none")
LIMIT = 5000
CANNOT_SEE = Text(QT_TRANSLATE_NOOP("core", "Your role cannot see the delivery log."))


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    at: datetime
    channel: str
    action: str  # send | lookup
    outcome: str  # one of OUTCOMES
    http_status: int | None
    code: str
    provider_id: str
    reminder_id: str
    appointment_id: str  # "" when the message's row is gone

    @property
    def appointment_short(self) -> str:
        return self.appointment_id[:8]

    @property
    def provider_status(self) -> str:
        """The provider's status and code, as "401 refused_credentials" ("" none)."""
        return " ".join(p for p in (str(self.http_status or ""), self.code) if p)


def listing(
    db: Database,
    ctx: Ctx,
    *,
    channel: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    limit: int = LIMIT,
) -> list[DeliveryRow]:
    """The log's rows, newest first: of ``channel``, with ``outcome``, at or after
    ``since`` (each None: any), at most ``limit``."""
    require(ctx, "patient.read", CANNOT_SEE)
    _one_of("channel", channel, CHANNELS)
    _one_of("outcome", outcome, OUTCOMES)
    d = DeliveryLog
    query = (
        select(d, Reminder.appointment_id)
        .outerjoin(Reminder, Reminder.id == d.reminder_id)
        .order_by(d.at.desc(), d.id.desc())
        .limit(limit)
    )
    if channel:
        query = query.where(d.channel == channel)
    if outcome:
        query = query.where(d.status == outcome)
    if since is not None:
        query = query.where(d.at >= since)
    with db.read() as s:
        return [_row(r, appointment) for r, appointment in s.execute(query)]


def _row(r: DeliveryLog, appointment: str | None) -> DeliveryRow:
    return DeliveryRow(
        r.id, r.at, r.channel, r.action, r.status, r.http_status, r.code, r.provider_id,
        r.reminder_id, appointment or "",
    )  # fmt: skip


def _one_of(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value and value not in allowed:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The {field} must be one of: {allowed}."),
                field=field,
                allowed=", ".join(allowed),
            ),
        )

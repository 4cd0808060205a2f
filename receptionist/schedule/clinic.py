"""The clinic's own row: its name, time zone, phone region, slot grid, opening hours.

There is one clinic per database. Configuring it, its catalogue and its blocked time
needs the "clinic.configure" permission, and every change is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import NotFound, ValidationError
from receptionist.journal import records
from receptionist.models import Clinic
from receptionist.schedule import fieldrules, hours
from receptionist.schedule.fieldrules import Rule
from receptionist.texts import QT_TRANSLATE_NOOP, Text

CLINIC_RULES: dict[str, Rule] = {
    "name": fieldrules.name,
    "timezone": fieldrules.timezone,
    "phone_region": fieldrules.code("phone_region", 2),
    "locale": fieldrules.text("locale", 16),
    "slot_minutes": fieldrules.slot_minutes,
    "wait_alert_minutes": fieldrules.wait_alert_minutes,
    "opening_hours": lambda v: hours.validate_hours(v, "opening_hours"),
}


def require_configure(ctx: Ctx) -> None:
    message = Text(
        QT_TRANSLATE_NOOP("core", "Only a manager or an administrator can change clinic settings.")
    )
    require(ctx, "clinic.configure", message)


def get_clinic(session: Session) -> Clinic:
    clinic = session.scalar(select(Clinic).where(Clinic.deleted_at.is_(None)).limit(1))
    if clinic is None:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The clinic has not been set up yet; enter its name and time zone first.",
                )
            )
        )
    return clinic


def create_clinic(
    session: Session,
    ctx: Ctx,
    *,
    name: str,
    timezone: str,
    phone_region: str,
    locale: str = "en",
    slot_minutes: int = 15,
    opening_hours: dict[str, Any] | None = None,
) -> Clinic:
    require_configure(ctx)
    if session.scalar(select(Clinic.id).where(Clinic.deleted_at.is_(None)).limit(1)):
        raise ValidationError(
            "clinic",
            Text(
                QT_TRANSLATE_NOOP("core", "This database already holds a clinic; edit it instead.")
            ),
        )
    fields = fieldrules.clean(
        dict(
            name=name,
            timezone=timezone,
            phone_region=phone_region,
            locale=locale,
            slot_minutes=slot_minutes,
            opening_hours=opening_hours or {},
        ),
        CLINIC_RULES,
    )
    clinic = Clinic(**fields)
    records.insert(session, ctx, clinic, "clinic")
    return clinic


def update_clinic(session: Session, ctx: Ctx, **changes: Any) -> Clinic:
    """Change clinic settings (any of CLINIC_RULES' fields); ``None`` keeps a value."""
    require_configure(ctx)
    fieldrules.refuse_unknown(changes, CLINIC_RULES)
    clinic = get_clinic(session)
    records.update(session, ctx, clinic, "clinic", fieldrules.clean(changes, CLINIC_RULES))
    return clinic

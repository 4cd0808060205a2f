"""The clinic: its own row (its identity) and its settings, read as one view.

There is one clinic per database. Its name, time zone, phone region, language, slot
grid, opening hours and waiting alert are clinic settings (``clinicsettings``), each a
row of its own; :func:`get_clinic` reads them all in one query. Configuring the
clinic, its catalogue and its blocked time needs the "clinic.configure" permission,
and every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import NotFound, ValidationError
from receptionist.journal import records
from receptionist.models import Clinic
from receptionist.settings import clinic as own
from receptionist.settings import clinicstore
from receptionist.settings.registry import Setting
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import clinicsettings as cs

# The clinic's fields as the code names them, and the setting each one is.
FIELDS: dict[str, Setting] = {
    "name": own.NAME,
    "timezone": own.TIMEZONE,
    "phone_region": own.PHONE_REGION,
    "locale": own.LOCALE,
    "slot_minutes": cs.SLOT_MINUTES,
    "opening_hours": cs.OPENING_HOURS,
    "wait_alert_minutes": cs.WAIT_ALERT_MINUTES,
}
_BY_KEY = {s.key: s for s in FIELDS.values()}


@dataclass(frozen=True)
class ClinicView:
    """The clinic as the code reads it: its id and the value of each of its settings."""

    id: str
    name: str
    timezone: str
    phone_region: str
    locale: str
    slot_minutes: int
    opening_hours: dict[str, Any]
    wait_alert_minutes: int


def require_configure(ctx: Ctx) -> None:
    require(ctx, "clinic.configure", clinicstore.CANNOT_CONFIGURE)


def clinic_id(session: Session) -> str | None:
    """The clinic's id, or None before set-up."""
    return session.scalar(select(Clinic.id).where(Clinic.deleted_at.is_(None)).limit(1))


def get_clinic(session: Session) -> ClinicView:
    """The clinic and its settings (one query for the settings), or NotFound."""
    found = clinic_id(session)
    if found is None:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The clinic has not been set up yet; enter its name and time zone first.",
                )
            )
        )
    values = clinicstore.values(session, _BY_KEY)
    return ClinicView(found, **{name: values[s.key] for name, s in FIELDS.items()})  # type: ignore[arg-type]


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
) -> ClinicView:
    require_configure(ctx)
    if clinic_id(session):
        raise ValidationError(
            "clinic",
            Text(
                QT_TRANSLATE_NOOP("core", "This database already holds a clinic; edit it instead.")
            ),
        )
    given = dict(
        name=name,
        timezone=timezone,
        phone_region=phone_region,
        locale=locale,
        slot_minutes=slot_minutes,
        opening_hours=opening_hours or {},
    )
    checked = {field: FIELDS[field].check(value, field) for field, value in given.items()}
    records.insert(session, ctx, Clinic(), "clinic")
    for field, value in checked.items():
        clinicstore.write(session, ctx, FIELDS[field], value)
    return get_clinic(session)


def update_clinic(session: Session, ctx: Ctx, **changes: Any) -> ClinicView:
    """Change clinic settings (fields of :data:`FIELDS`); ``None`` keeps a value.

    Every value is checked before any is written, so a refused change writes nothing.
    """
    require_configure(ctx)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError(
            unknown[0],
            Text(
                QT_TRANSLATE_NOOP("core", "'{field}' is not a setting that can be changed."),
                field=unknown[0],
            ),
        )
    get_clinic(session)
    checked = {f: FIELDS[f].check(v, f) for f, v in changes.items() if v is not None}
    for field, value in checked.items():
        clinicstore.write(session, ctx, FIELDS[field], value)
    return get_clinic(session)

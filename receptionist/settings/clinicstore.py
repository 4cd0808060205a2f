"""The clinic's settings, one row per key in the encrypted database.

A value is written through ``journal.records`` like any synced row: audited, its
version bumped, and (by the change feed's triggers) in this PC's outbox. A key with
no row reads as its default. A stored value that no longer passes its check (written
by a newer version with wider limits, or before a check grew stricter) also reads as
the default, and is logged; :func:`refused` names such values and why, so what relies
on one can say so instead of going on as if it were empty.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import PermissionDenied, ReceptionistError, ValidationError
from receptionist.journal import records
from receptionist.models import ClinicSetting, setting_id
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

from .registry import Setting, all_settings, may_change, refusal

log = logging.getLogger(__name__)

CANNOT_CONFIGURE = Text(
    QT_TRANSLATE_NOOP("core", "Only a manager or an administrator can change clinic settings.")
)


def stored(session: Session, keys: Collection[str] | None = None) -> dict[str, object]:
    """Every clinic setting that has a row (or those of ``keys``), decoded (one small
    query)."""
    query = select(ClinicSetting.key, ClinicSetting.value).where(ClinicSetting.deleted_at.is_(None))
    if keys is not None:
        query = query.where(ClinicSetting.key.in_(list(keys)))
    rows = session.execute(query)
    values: dict[str, object] = {}
    for key, text in rows:
        try:
            values[key] = json.loads(text)
        except ValueError:
            log.warning("clinic setting %s holds unreadable JSON; using its default", key)
    return values


def values(session: Session, keys: Mapping[str, Setting] | None = None) -> dict[str, object]:
    """The value of every clinic setting (or of ``keys``): stored, else the default."""
    chosen = keys or {s.key: s for s in all_settings() if s.scope == "clinic"}
    found = stored(session)
    return {key: _checked(s, found.get(key, s.default)) for key, s in chosen.items()}


def refused(session: Session, keys: Mapping[str, Setting]) -> dict[str, tuple[object, str]]:
    """The stored values of ``keys`` that their check refuses now (saved before it grew
    stricter), each as stored with the check's words; those read as the default."""
    found = stored(session, keys)
    kept: dict[str, tuple[object, str]] = {}
    for key, setting in keys.items():
        if key not in found:
            continue
        try:
            setting.check(found[key])
        except ValidationError as exc:
            kept[key] = (found[key], message(exc))
    return kept


def value(session: Session, setting: Setting) -> object:
    """One clinic setting's value."""
    row = session.scalar(
        select(ClinicSetting.value).where(
            ClinicSetting.key == setting.key, ClinicSetting.deleted_at.is_(None)
        )
    )
    if row is None:
        return setting.default
    try:
        return _checked(setting, json.loads(row))
    except ValueError:
        return setting.default


def _checked(setting: Setting, found: object) -> object:
    try:
        return setting.check(found)
    except ReceptionistError:
        log.warning("clinic setting %s holds a value out of range; using its default", setting.key)
        return setting.default


def write(session: Session, ctx: Ctx, setting: Setting, new: object) -> object:
    """Check ``new`` (and settle it against the database: ``Kind.settle``) and store it;
    the same value again writes nothing."""
    if not may_change(setting, ctx.actor.role):
        raise PermissionDenied(refusal(setting))
    checked = setting.kind.settle(session, setting.check(new), setting.key, setting.label)
    text = json.dumps(checked, ensure_ascii=False, sort_keys=True)
    row = session.get(ClinicSetting, setting_id(setting.key))
    if row is None:
        row = ClinicSetting(id=setting_id(setting.key), key=setting.key, value=text)
        records.insert(session, ctx, row, "clinic_setting")
    elif row.deleted_at is not None or row.value != text:
        row.value, row.deleted_at = text, None
        records.save(session, ctx, row, "update", "clinic_setting")
    return checked

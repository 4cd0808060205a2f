"""Which service a key of ``reminders.service_rules`` names: the one rule of it.

A person names a service as everywhere else (``schedule.catalog.find``): by its name,
a unique part of it, or the short id the listings print. The setting stores the
service's full id, so a service renamed later keeps its rules. A key that names no
service here is refused with the services there are (a rule for "Check-up" saved
before this check, or for a short id, never applied: planning looks rules up by id).

One exception: a key kept in the setting that is a service's full id with no row here
at all names a service made on another PC that has not synced here yet (the setting
travelled first). It is ``pending``: kept as it is by every write here, never refused
nor dropped, and applied once the service arrives. A key is ``gone`` only when its
service is known to be gone here (its row deleted) or it is no id at all
(:func:`standing`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.errors import Ambiguous, NotFound, ValidationError
from receptionist.models import Service
from receptionist.schedule import catalog
from receptionist.settings import clinicstore
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

# How many services a refusal names before it points at the list.
NAMED_AT_MOST = 8

# A service's full id as ids are made (``models.base.new_id``): the form a key is stored in.
_FULL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Standing:
    """The stored keys sorted: ``live`` services here; ``pending``, full ids with no
    row here (a service another PC made, not synced here yet: kept); ``gone``, a
    deleted service's id or no id at all (ignored, and dropped by the next write)."""

    live: frozenset[str]
    pending: frozenset[str]
    gone: frozenset[str]


def standing(session: Session, keys: Collection[str]) -> Standing:
    """Sort ``keys`` of the setting (the one rule of which entry stays)."""
    ids = [k for k in keys if _FULL_ID.match(k)]
    rows: dict[str, object] = {}
    if ids:  # most clinics have no service of their own rules: no query then
        found = session.execute(select(Service.id, Service.deleted_at).where(Service.id.in_(ids)))
        rows = {row_id: deleted for row_id, deleted in found}
    live = frozenset(k for k in ids if k in rows and rows[k] is None)
    pending = frozenset(k for k in ids if k not in rows)
    return Standing(live, pending, frozenset(keys) - live - pending)


def resolve(session: Session, rules: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``rules`` with each key the id of the service it names; a key naming none (or
    several), or two keys naming one service, is refused naming ``key``. A key already
    stored that names a service not synced here yet (``pending``) is kept as it is."""
    stored = clinicstore.stored(session, [key]).get(key)
    kept = standing(session, list(stored)).pending if isinstance(stored, Mapping) else set()
    made: dict[str, Any] = {}
    for named, rule in rules.items():
        if named in kept:
            made[named] = rule
            continue
        service = find(session, named, key)
        if service.id in made:
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The service {name} is given twice (by its name and by its id); "
                        "give its rules once.",
                    ),
                    name=service.name,
                ),
            )
        made[service.id] = rule
    return made


def find(session: Session, named: str, field: str) -> Service:
    """The service ``named`` names (an id, a short id, a name), or ValidationError naming
    ``field`` that says which services there are."""
    try:
        return catalog.find(session, Service, named)
    except NotFound:
        raise ValidationError(field, unknown(session, named)) from None
    except Ambiguous as exc:
        raise ValidationError(field, message(exc)) from None


def unknown(session: Session, named: str) -> str:
    """The sentence for a service nobody has: the ones there are, or how to list them."""
    names = [s.name for s in catalog.listing(session, Service, include_inactive=True)]
    if not names:
        return Text(
            QT_TRANSLATE_NOOP(
                "core",
                "There is no service '{named}': the clinic has no services yet; add one "
                "first (`receptionist service add`, or Settings > Services).",
            ),
            named=named,
        )
    if len(names) > NAMED_AT_MOST:
        return Text(
            QT_TRANSLATE_NOOP(
                "core",
                "There is no service '{named}'. The services include {names} and {more} "
                "more; `receptionist service list --all` shows them all with their ids.",
            ),
            named=named,
            names=", ".join(names[:NAMED_AT_MOST]),
            more=len(names) - NAMED_AT_MOST,
        )
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "There is no service '{named}'. The services are: {names} (give a name, or "
            "an id as `receptionist service list --all` shows it).",
        ),
        named=named,
        names=", ".join(names),
    )

"""Which service a key of ``reminders.service_rules`` names: the one rule of it.

A person names a service as everywhere else (``schedule.catalog.find``): by its name,
a unique part of it, or the short id the listings print. The setting stores the
service's full id, so a service renamed later keeps its rules. A key that names no
service here is refused with the services there are (a rule for "Check-up" saved
before this check, or for a short id, never applied: planning looks rules up by id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from receptionist.errors import Ambiguous, NotFound, ValidationError
from receptionist.models import Service
from receptionist.schedule import catalog
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

# How many services a refusal names before it points at the list.
NAMED_AT_MOST = 8


def resolve(session: Session, rules: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``rules`` with each key the id of the service it names; a key naming none (or
    several), or two keys naming one service, is refused naming ``key``."""
    made: dict[str, Any] = {}
    for named, rule in rules.items():
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

"""Operations on each service's reminder rules: list them with the clinic's, set or
reset one service's (``reminders.servicerules``; the keys' rule in
``reminders.servicekeys``). Each function owns its transaction and returns frozen rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import Service
from receptionist.reminders import config, servicekeys, servicerules
from receptionist.reminders.servicerules import RuleChange
from receptionist.reminders.settings import FLAGS
from receptionist.schedule import catalog
from receptionist.store.storage import Database

__all__ = [
    "FLAGS", "RuleChange", "RuleKeys", "RulesView", "ServiceRules", "keys", "reset", "set_rule",
    "view",
]  # fmt: skip


@dataclass(frozen=True)
class ServiceRules:
    """One service's rules: its own choices (``own``; empty: the clinic's rules) and the
    rules that apply to it, each of its own or the clinic's."""

    service_id: str
    name: str
    active: bool
    own: Mapping[str, Any]
    offsets: str
    confirmation: bool
    reschedule: bool
    cancellation: bool

    @property
    def short_id(self) -> str:
        return self.service_id[:8]


@dataclass(frozen=True)
class RulesView:
    """The clinic's rules (``clinic``: offsets and flags), every service's (by name),
    the stored keys that name no service (ignored; dropped at the next change), and the
    ids of services not on this PC yet whose rules are kept (``pending``: made on
    another PC, applied once the service syncs here)."""

    clinic: Mapping[str, Any]
    services: tuple[ServiceRules, ...]
    gone: tuple[str, ...] = ()
    dropped: tuple[str, ...] = field(default=())  # by this change: the ``gone`` keys
    pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleKeys:
    """The stored keys that are no service here: ``gone`` (ignored; dropped at the next
    change) and ``pending`` (a service not on this PC yet: kept)."""

    gone: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()


def keys(db: Database, ctx: Ctx) -> RuleKeys:
    with db.read() as s:
        kept = servicerules.stored(s)
    return RuleKeys(kept.gone, tuple(sorted(kept.pending)))


def view(db: Database, ctx: Ctx) -> RulesView:
    with db.read() as s:
        return _view(s)


def set_rule(
    db: Database,
    ctx: Ctx,
    service: str,
    *,
    offsets: str | None = None,
    confirmation: bool | None = None,
    reschedule: bool | None = None,
    cancellation: bool | None = None,
) -> RulesView:
    """The service named ``service`` (name, short id or id) gets these of its own rules;
    those not given stay as they were (its own, or the clinic's)."""
    given = dict(
        offsets=offsets, confirmation=confirmation, reschedule=reschedule,
        cancellation=cancellation,
    )  # fmt: skip
    with db.write() as s:
        found = servicekeys.find(s, service, "service")
        own = dict(servicerules.stored(s).rules.get(found.id, {}))
        own.update({k: v for k, v in given.items() if v is not None})
        before = servicerules.put(s, ctx, found.id, own)
        return _view(s, dropped=before.gone)


def reset(db: Database, ctx: Ctx, service: str) -> RulesView:
    """The service named ``service`` follows the clinic's rules again."""
    with db.write() as s:
        found = servicekeys.find(s, service, "service")
        before = servicerules.put(s, ctx, found.id, None)
        return _view(s, dropped=before.gone)


def _view(s: Session, dropped: tuple[str, ...] = ()) -> RulesView:
    rules = config.load(s)
    kept = servicerules.stored(s)
    clinic = rules.clinic_rules
    rows = []
    for service in catalog.listing(s, Service, include_inactive=True):
        applied = rules.rules_for(service.id)
        rows.append(
            ServiceRules(
                service.id,
                service.name,
                service.active,
                kept.rules.get(service.id, {}),
                ",".join(word for word, _ in applied.offsets),
                applied.confirmation,
                applied.reschedule,
                applied.cancellation,
            )
        )
    return RulesView(
        {
            "offsets": ",".join(word for word, _ in clinic.offsets),
            "confirmation": clinic.confirmation,
            "reschedule": clinic.reschedule,
            "cancellation": clinic.cancellation,
        },
        tuple(rows),
        kept.gone,
        dropped,
        tuple(sorted(kept.pending)),
    )

"""Each service's own reminder rules, one service at a time (``reminders.service_rules``).

The setting is one JSON object keyed by service id (``settings``); a person sets the
rules of one service (``reminders rules set``, Settings > Services) and this module
reads and writes that service's entry. Which other entries stay is
``servicekeys.standing``'s rule: one keyed by the full id of a service not synced here
yet (made on another PC; the setting travelled first) is ``pending`` and kept as it is
by every write; one whose key is a service deleted here, or a name or short id saved
before keys were checked, is ignored by planning, which looks rules up by id:
:func:`stored` names such keys so the listings can say so, and :func:`put` drops them
when it writes (saying which), since writing them back would be refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.settings import clinicstore
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import servicekeys
from .settings import FLAGS, SERVICE_RULES, offsets_rule

OFFSETS_LABEL = Text(QT_TRANSLATE_NOOP("core", "The service's reminder times"))


@dataclass(frozen=True)
class Stored:
    """The setting as stored: the rules of services there are, by id; the keys that
    name none (ignored); and the entries of services not synced here yet (kept)."""

    rules: dict[str, dict[str, Any]]
    gone: tuple[str, ...]
    pending: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class RuleChange:
    """What to do with one service's rules when it is saved: ``own`` its own choices
    (``offsets`` and the flags of ``settings.FLAGS``, each optional), or None for the
    clinic's rules."""

    own: Mapping[str, Any] | None


def stored(session: Session, value: object = None) -> Stored:
    """The setting sorted; ``value``: the setting as read already (``Config``'s
    ``service_rules``), else it is read here."""
    if value is None:
        value = clinicstore.value(session, SERVICE_RULES)
    rules = dict(value) if isinstance(value, Mapping) else {}
    keys = servicekeys.standing(session, list(rules))
    return Stored(
        {k: dict(v) for k, v in rules.items() if k in keys.live},
        tuple(sorted(keys.gone)),
        {k: dict(v) for k, v in rules.items() if k in keys.pending},
    )


def checked_rule(own: Mapping[str, Any]) -> dict[str, Any]:
    """One service's own choices, checked; a refusal names the field (``offsets``, or
    the flag's name)."""
    unknown = set(own) - {"offsets", *FLAGS}
    if unknown:
        raise ValueError(f"unknown reminder rule fields: {sorted(unknown)}")  # a bug
    made: dict[str, Any] = {}
    if "offsets" in own:
        text = own["offsets"]
        if not isinstance(text, str):
            text = ""
        made["offsets"] = offsets_rule(text.strip(), "offsets", OFFSETS_LABEL)
    for flag in FLAGS:
        if flag in own:
            if not isinstance(own[flag], bool):
                raise ValidationError(
                    flag,
                    Text(QT_TRANSLATE_NOOP("core", "{flag} is on or off."), flag=flag),
                )
            made[flag] = own[flag]
    return made


def put(session: Session, ctx: Ctx, service_id: str, own: Mapping[str, Any] | None) -> Stored:
    """Give the service ``service_id`` its own rules ``own`` (None or empty: the
    clinic's), in ``session``; the other services' rules stay, and so do those of
    services not synced here yet. Returns what was stored before, whose ``gone`` keys
    this write dropped."""
    before = stored(session)
    rules = {**before.pending, **before.rules}
    made = checked_rule(own) if own else {}
    if made:
        rules[service_id] = made
    else:
        rules.pop(service_id, None)
    if rules != {**before.pending, **before.rules} or before.gone:
        clinicstore.write(session, ctx, SERVICE_RULES, rules)
    return before

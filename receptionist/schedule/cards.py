"""The schedule's cards: the appointments of a window, from one index read.

A busy week is ~3,700 cards, so this is the hot path of every schedule view: one
hand-tuned query over ix_appointment_window, turned into tuples with as little Python
per row as it can. Everything here reads; nothing writes.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from receptionist.models import from_micros, to_micros
from receptionist.schedule.conflicts import MAX_DURATION
from receptionist.store import heap

log = logging.getLogger(__name__)

HIDDEN_STATUSES = frozenset({"cancelled"})
NO_ROOM = ""  # in ``room_ids``: the appointments that have no room, too


class AgendaItem(NamedTuple):
    """One appointment as the schedule shows it (no more patient data than a card needs).

    The fields of the card's own row come first and those of its kind (provider, room,
    service, status: shared by many cards) last, so a card is made by joining two
    tuples in C (see ``appointments``)."""

    id: str
    patient_name: str
    start_utc: datetime
    end_utc: datetime
    provider_id: str
    room_id: str | None
    service_id: str
    service_name: str
    service_colour: str
    status: str


def appointments(
    session: Session,
    start_utc: datetime,
    end_utc: datetime,
    *,
    provider_ids: Collection[str] | None = None,
    room_ids: Collection[str] | None = None,
    include_cancelled: bool = False,
) -> list[AgendaItem]:
    """Appointments overlapping [start, end), for the given providers or rooms
    (``NO_ROOM`` among the rooms: those without a room too)."""
    check_window(start_utc, end_utc)
    sql, params = window_query(
        start_utc,
        end_utc,
        provider_ids=provider_ids,
        room_ids=room_ids,
        include_cancelled=include_cancelled,
    )
    driver = dbapi(session)
    services = {r[0]: (r[1], r[2]) for r in driver.execute("SELECT id, name, colour FROM service")}
    with heap.paused():
        rows = driver.execute(sql, params).fetchall()
        # A week repeats the same few hundred slot boundaries and a few hundred card
        # kinds: convert each once, not per row.
        instants = {m: from_micros(m) for m in {*map(_START, rows), *map(_END, rows)}}
        numbers = set(map(_KIND, rows))
        kinds = _kinds(driver, numbers, services)
        if len(kinds) < len(numbers):
            rows = _strays_resolved(driver, rows, kinds, services)
        new, at, kind_of = tuple.__new__, instants.__getitem__, kinds.__getitem__
        # AgendaItem._make without the call through the class, one C tuple join a card
        # (a join: 55 ns here, where `(..., *kind)` builds a list first, 85 ns).
        items = [
            new(AgendaItem, (id_, label, at(start), at(end)) + kind_of(kind))  # noqa: RUF005
            for id_, label, kind, start, end in rows
        ]
        del rows  # freed now, so the collection that ends the pause walks only the cards
    return items


def window_query(
    start_utc: datetime,
    end_utc: datetime,
    *,
    provider_ids: Collection[str] | None = None,
    room_ids: Collection[str] | None = None,
    include_cancelled: bool = False,
) -> tuple[str, list[object]]:
    """The SQL and parameters of ``appointments``: rows of (id, patient label, card
    kind number, start micros, end micros), by start."""
    params: list[object] = [
        to_micros(start_utc - MAX_DURATION),
        to_micros(end_utc),
        to_micros(start_utc),
    ]
    conditions: list[str] = []
    hidden = None if include_cancelled else sorted(HIDDEN_STATUSES)
    for column, values, negated in (
        ("status", hidden, True),
        ("provider_id", provider_ids, False),
        ("room_id", room_ids, False),
    ):
        if values is not None:
            values = list(values)
            condition = f"k.{column} {'NOT ' if negated else ''}IN ({', '.join('?' * len(values))})"
            if column == "room_id" and NO_ROOM in values:  # the appointments without a room
                condition = f"({condition} OR k.room_id IS NULL)"
            conditions.append(condition)
            params += values
    sql = _WINDOW_SQL
    if conditions:
        where = " AND ".join(conditions)
        sql += f" AND a.card_kind IN (SELECT k.no FROM card_kind AS k WHERE {where})"
    return sql + " ORDER BY a.start_utc", params


_Kind = tuple[str, str | None, str, str, str, str]
_KIND, _START, _END = itemgetter(2), itemgetter(3), itemgetter(4)  # columns of a row


def _kinds(
    driver: Any, numbers: set[object], services: dict[str, tuple[str, str]]
) -> dict[object, _Kind]:
    """(provider, room, service, service name, colour, status) of each card kind."""
    if not numbers:
        return {}
    rows = driver.execute(
        "SELECT no, provider_id, room_id, service_id, status FROM card_kind"
        f" WHERE no IN ({', '.join('?' * len(numbers))})",
        list(numbers),
    )
    return {no: _kind(services, *kind) for no, *kind in rows}


def _kind(
    services: dict[str, tuple[str, str]],
    provider_id: str,
    room_id: str,
    service_id: str,
    status: str,
) -> _Kind:
    name, colour = services.get(service_id, ("", "#999999"))
    return (provider_id, room_id or None, service_id, name, colour, status)


def _strays_resolved(
    driver: Any, rows: list[Any], kinds: dict[object, _Kind], services: dict[str, tuple[str, str]]
) -> list[Any]:
    """Rows whose kind number is not on file get their kind from their own row.

    The triggers never let that happen; if it did (a hand edit with the triggers
    dropped), the week still shows, and the log says what puts it right."""
    stray = [r[0] for r in rows if r[2] not in kinds]
    found = driver.execute(
        "SELECT id, provider_id, room_id, service_id, status FROM appointment"
        f" WHERE id IN ({', '.join('?' * len(stray))})",
        stray,
    )
    for id_, *kind in found:
        kinds[("row", id_)] = _kind(services, *kind)
    log.warning(
        "%d schedule cards have a kind number that is not on file; "
        "run `receptionist check --repair`",
        len(stray),
    )
    return [r if r[2] in kinds else (*r[:2], ("row", r[0]), *r[3:]) for r in rows]


def dbapi(session: Session) -> Any:
    """The session's DB-API connection, inside its transaction: for queries of many
    rows, where SQLAlchemy's per-row result machinery costs more than SQLite itself.
    Pending ORM changes are flushed first, as an ORM query would (autoflush)."""
    session.flush()
    driver = session.connection().connection.driver_connection
    assert driver is not None
    return driver


# One hand-tuned query: a busy week is thousands of rows. Every column it reads is in
# ix_appointment_window (the patient's name too, as patient_label), so SQLite walks
# one index range and never touches the table; the lower bound on start lets that
# range be just the window (no appointment is longer than MAX_DURATION). The index
# holds a card's provider, room, service and status as one small local number
# (card_kind, migration 0008): a week shares a few hundred of them, so the index
# entries are half as long (half the pages to decrypt) and Python converts each kind
# once, not once per card. Filters on those four columns go through card_kind too.
# Nor does a card carry the patient's id (migration 0009): it shows the name, and what
# needs the id reads it from the appointment (``appointments.load``).
_WINDOW_SQL = """
SELECT a.id, a.patient_label, a.card_kind, a.start_utc, a.end_utc
FROM appointment AS a INDEXED BY ix_appointment_window
WHERE a.deleted_at IS NULL
  AND a.start_utc > ? AND a.start_utc < ? AND a.end_utc > ?"""


def check_window(start_utc: datetime, end_utc: datetime) -> None:
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("schedule windows are timezone-aware")
    if end_utc <= start_utc:
        raise ValueError("a schedule window ends after it starts")

"""Appointments written in bulk (a first download) with their card copies in the insert.

An appointment carries two local copies for the schedule's window index (migration
0008): its patient's label and its card kind's number. A trigger puts them there
after each insert: it adds the kind if missing, then updates the new row, which
rewrites the row and its window-index entry and fires the update triggers, whose
conditions look the patient and the kind up again. For a download's hundreds of
thousands of bookings that was a sixth of the PC's time.

Here the kinds of a run are added first (one statement for the run), and the rows are
inserted with the copies computed by the trigger's own expressions, in the insert
itself, while the trigger is dropped: dropped and created again, from its text in
``sqlite_master``, inside the same transaction, so no other connection, and no file
left by a crash, ever sees the schema without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TRIGGER = "tr_appointment_card_insert"
_NEEDED = ("patient_id", "provider_id", "room_id", "service_id", "status")
# The kind of (provider, room, service, status) unless it is there: as the trigger does.
_ADD_KIND = (
    "INSERT INTO card_kind (provider_id, room_id, service_id, status) "
    "SELECT ?1, coalesce(?2, ''), ?3, ?4 WHERE (SELECT k.no FROM card_kind AS k"
    " WHERE k.provider_id = ?1 AND k.room_id = coalesce(?2, '') AND k.service_id = ?3"
    " AND k.status = ?4) IS NULL"
)


def insert(raw: Any, names: Sequence[str], params: list[tuple[Any, ...]]) -> bool:
    """Insert ``params`` (values of the columns ``names``) into ``appointment`` with
    their copies; False (nothing done) when the trigger or a column it reads is not
    there: then the caller's plain insert, and the trigger, do it."""
    if not params or not set(_NEEDED) <= set(names) or {"patient_label", "card_kind"} & set(names):
        return False
    found = raw.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
    ).fetchone()
    if found is None:
        return False
    at = {name: i + 1 for i, name in enumerate(names)}  # SQLite's ?N, numbered from 1
    patient, provider, room, service, status = (at[n] for n in _NEEDED)
    kinds = dict.fromkeys(
        (p[provider - 1], p[room - 1], p[service - 1], p[status - 1]) for p in params
    )
    raw.executemany(_ADD_KIND, list(kinds))
    label = (
        "coalesce((SELECT trim(p.given_name || ' ' || p.family_name) FROM patient AS p"
        f" WHERE p.id = ?{patient}), '')"
    )
    kind = (
        f"(SELECT k.no FROM card_kind AS k WHERE k.provider_id = ?{provider}"
        f" AND k.room_id = coalesce(?{room}, '') AND k.service_id = ?{service}"
        f" AND k.status = ?{status})"
    )
    marks = ", ".join(f"?{i}" for i in range(1, len(names) + 1))
    sql = (
        f"INSERT INTO appointment ({', '.join(names)}, patient_label, card_kind)"
        f" VALUES ({marks}, {label}, {kind})"
    )
    raw.execute(f"DROP TRIGGER {TRIGGER}")
    try:
        raw.executemany(sql, params)
    finally:  # on a failure the transaction is rolled back, the drop with it
        raw.execute(found[0])
    return True


__all__ = ["TRIGGER", "insert"]

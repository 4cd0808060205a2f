"""A pull: records and conflicts after a cursor, in server-sequence order, paged.

One snapshot serves a page. A clinic's writes are serialised and take their
sequences under its lock, so any snapshot holds every sequence up to its newest: a
row committed late can never hide behind a cursor.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from receptionist.clock import Clock
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import bodies
from .auth import Caller
from .problems import ApiError
from .schema import clinic, conflict, device, record
from .shapes import conflict_out, record_out
from .store import Store

PAGE = 500
MAX_PAGE = 5_000
# A pull marks its device as seen at most this often (a pull is otherwise a read).
SEEN_EVERY = timedelta(minutes=1)


def pull(
    store: Store, who: Caller, cursor: int, limit: int, clock: Clock, horizon: int = 0
) -> bodies.PullOut:
    """``horizon``: the one the PC's last page said (0: none). A cursor below the
    clinic's horizon is refused only when tombstones were purged since (the horizon
    moved on): a download from cursor 0 pages on below a horizon older than itself."""
    with store.read() as conn:
        place = conn.execute(select(clinic).where(clinic.c.id == who.clinic_id)).one()
        purged_since = cursor < place.horizon_seq and horizon < place.horizon_seq
        if cursor and (purged_since or cursor >= place.next_seq):
            raise reset_required()
        records = conn.execute(
            select(record)
            .where(record.c.clinic_id == who.clinic_id, record.c.seq > cursor)
            .order_by(record.c.seq)
            .limit(limit + 1)
        ).all()
        conflicts = conn.execute(
            select(conflict)
            .where(conflict.c.clinic_id == who.clinic_id, conflict.c.seq > cursor)
            .order_by(conflict.c.seq)
            .limit(limit + 1)
        ).all()
    # (seq, is a conflict, row): sequences are unique across both tables.
    page = sorted([(r.seq, False, r) for r in records] + [(c.seq, True, c) for c in conflicts])
    page = page[:limit]
    _seen(store, who, clock)
    return bodies.PullOut(
        records=[record_out(row) for _, is_conflict, row in page if not is_conflict],
        conflicts=[conflict_out(row) for _, is_conflict, row in page if is_conflict],
        cursor=int(page[-1][0]) if page else cursor,
        more=len(records) + len(conflicts) > limit,
        horizon=int(place.horizon_seq),
    )


def reset_required() -> ApiError:
    return ApiError(
        410,
        "reset_required",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "This PC's copy is older than what the endpoint keeps of deletions (or "
                "newer than the endpoint itself); download the clinic again from the start.",
            )
        ),
    )


def _seen(store: Store, who: Caller, clock: Clock) -> None:
    now = clock.now()
    if who.last_seen_at is not None and now - who.last_seen_at < SEEN_EVERY:
        return
    with store.write() as conn:
        conn.execute(update(device).where(device.c.id == who.id).values(last_seen_at=now))

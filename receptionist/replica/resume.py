"""A pull that resumes where it stopped: what it must remember between its pages is
kept in the file with each page's cursor (docs/sync-protocol.md, "Pull").

- Records waiting for a row a later page brings (``sync_held``): the cursor moves
  with every page, and the next page (or the next round, after the PC was killed or
  the network lost) takes them up again.
- A **full download** (the cursor reset past the endpoint's horizon, by a PC that
  holds rows from it): ``sync_state.full_download`` and the rows it brought so far
  (``sync_seen``). Only its last page sweeps what did not come, so a download cut
  short is never taken for a whole one, and a resumed one still sweeps at its end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from receptionist.models import SyncHeld, SyncSeen, SyncState

from .apply import Pulled
from .records import Record

Key = tuple[str, str]
_LOOKUP = 500


def waiting(session: Session) -> dict[Key, Pulled]:
    """The records an earlier page left waiting, by row."""
    return {
        (row.entity, row.row_id): Pulled(
            Record.from_json(json.loads(row.record)), row.device, refused=row.refused
        )
        for row in session.scalars(select(SyncHeld))
    }


def keep_waiting(session: Session, before: dict[Key, Pulled], now: Iterable[Pulled]) -> None:
    """``now`` kept as the records waiting, in place of ``before``."""
    kept = {(p.record.entity, p.record.id): p for p in now}
    for entity, row_id in set(before) - set(kept):
        session.execute(
            delete(SyncHeld).where(SyncHeld.entity == entity, SyncHeld.row_id == row_id)
        )
    changed = [p for key, p in kept.items() if before.get(key) != p]
    if changed:
        upsert = sqlite_insert(SyncHeld)
        upsert = upsert.on_conflict_do_update(
            index_elements=["entity", "row_id"],
            set_={c: upsert.excluded[c] for c in ("device", "refused", "record")},
        )
        session.execute(upsert, [
            {"entity": p.record.entity, "row_id": p.record.id, "device": p.device,
             "refused": p.refused, "record": json.dumps(p.record.to_json())}
            for p in changed
        ])  # fmt: skip


def saw(session: Session, sync: SyncState, records: Iterable[Pulled]) -> None:
    """During a full download: the rows of this page came."""
    if not sync.full_download:
        return
    keys = sorted({(p.record.entity, p.record.id) for p in records})
    for at in range(0, len(keys), _LOOKUP):
        session.execute(
            sqlite_insert(SyncSeen).on_conflict_do_nothing(),
            [{"entity": e, "row_id": r} for e, r in keys[at : at + _LOOKUP]],
        )


def seen(session: Session) -> set[Key]:
    return {(e, r) for e, r in session.execute(select(SyncSeen.entity, SyncSeen.row_id))}


def restart(session: Session, sync: SyncState, *, full: bool) -> None:
    """Pull again from cursor 0 (a full download when ``full``), remembering nothing
    of a pull before."""
    sync.pull_cursor = sync.pull_horizon = 0
    sync.full_download = full
    session.execute(delete(SyncSeen))
    session.execute(delete(SyncHeld))


def finish_full(session: Session, sync: SyncState) -> None:
    """The full download swept: an ordinary pull from now on."""
    sync.full_download = False
    session.execute(delete(SyncSeen))

"""A key rotation's re-seal: records sealed again under a newer generation of the
clinic key, at the version the endpoint holds (docs/sync-protocol.md, "Rotation").

A re-seal changes no data, only the seal: the record keeps its version and its
server sequence, so no PC pulls it again (each holds its values already), while a PC
that downloads the clinic later, or anyone reading the endpoint's files, finds it
under the new generation only. Each record, under the clinic's lock:

- the endpoint has no such row: ``missing``;
- its version, deleted flag or clear fields differ (the row changed since the
  rotating PC read it): ``stale``, nothing written;
- it is already under this generation or a newer one: ``unchanged``;
- otherwise its seal and generation are replaced: ``resealed``.
"""

from __future__ import annotations

import json

from sqlalchemy import bindparam, select, update

from . import bodies
from .auth import Caller
from .schema import record
from .store import Store, lock_clinic

_RESEAL = (
    update(record)
    .where(
        record.c.clinic_id == bindparam("w_clinic"),
        record.c.entity == bindparam("w_entity"),
        record.c.id == bindparam("w_id"),
    )
    .values(sealed=bindparam("w_sealed"), key_gen=bindparam("w_gen"))
)


def reseal(store: Store, who: Caller, body: bodies.ResealIn) -> bodies.ResealOut:
    outcomes: list[bodies.ResealOutcome] = []
    writes = []
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        held = {}
        for entity in {r.entity for r in body.records}:
            ids = [r.id for r in body.records if r.entity == entity]
            rows = conn.execute(
                select(record.c.id, record.c.version, record.c.deleted, record.c.key_gen,
                       record.c.clear)
                .where(record.c.clinic_id == who.clinic_id, record.c.entity == entity,
                       record.c.id.in_(ids))
            )  # fmt: skip
            held.update({(entity, row.id): row for row in rows})
        for rec in body.records:
            row = held.get((rec.entity, rec.id))
            clear = json.dumps(rec.clear, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            if row is None:
                outcomes.append("missing")
            elif (row.version, row.deleted, row.clear) != (rec.version, rec.deleted, clear):
                outcomes.append("stale")
            elif row.key_gen >= rec.key_gen:
                outcomes.append("unchanged")
            else:
                outcomes.append("resealed")
                writes.append(
                    {"w_clinic": who.clinic_id, "w_entity": rec.entity, "w_id": rec.id,
                     "w_sealed": rec.sealed, "w_gen": rec.key_gen}
                )  # fmt: skip
        if writes:
            conn.execute(_RESEAL, writes)
    return bodies.ResealOut(outcomes=outcomes)

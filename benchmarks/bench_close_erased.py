"""Issue #14: what ``close_erased`` costs at each page of a pull, in a big clinic.

    python benchmarks/bench_close_erased.py                  # 300,000 patients
    python benchmarks/bench_close_erased.py --patients 50000 # a quick look

A new SQLCipher clinic (in a temporary folder) gets ``--patients`` patients written
set-based (one in 200 erased, wiped as an erasure leaves them) and two cases of
conflicts: "settled", a patient conflict settled long ago and its records forgotten,
with 20 double bookings (the clinic has had a patient conflict: nothing to close),
and "open", the same with three open edit conflicts on patients, one of them erased.
Each case times, in one write transaction rolled back, the statement ``close_erased``
ran until session 13 (an ``IN`` over every erased patient: a pass over the whole
patient table, no index on ``deleted_at``) and ``close_erased`` as it is now (the
open patient conflicts first, then their patients by key). Figures: median and p95
of ``--runs`` calls, in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from benchmarks.common import NOW, PASSPHRASE
from receptionist.models import Patient, SyncConflict
from receptionist.ops.conflicterasure import close_erased
from receptionist.store.storage import Database
from receptionist.store.vault import create, open_clinic

MICROS = int(NOW.timestamp() * 1_000_000)
PATIENTS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO patient (search_rowid, number, given_name, family_name, phone, email,
    address, notes, sort_key, id, created_at, updated_at, version, deleted_at)
SELECT i, 'B-' || i,
    CASE WHEN i % 200 = 0 THEN '' ELSE 'Given' || i END,
    CASE WHEN i % 200 = 0 THEN '' ELSE 'Family' || i END,
    CASE WHEN i % 200 = 0 THEN NULL ELSE '+90532' || (1000000 + i) END,
    CASE WHEN i % 200 = 0 THEN NULL ELSE 'p' || i || '@example.org' END,
    CASE WHEN i % 200 = 0 THEN '' ELSE 'Sokak ' || i || ', Kadikoy, Istanbul' END,
    '', 'family' || i || char(31) || 'given' || i,
    printf('%08d-0000-4000-8000-000000000000', i), :now, :now, 1,
    CASE WHEN i % 200 = 0 THEN :now END
FROM n
"""


def before(session: Session) -> int:
    """The statement ``close_erased`` ran until session 13 (its rows, not changed)."""
    erased = select(Patient.id).where(Patient.deleted_at.is_not(None))
    rows = session.scalars(
        select(SyncConflict).where(
            SyncConflict.entity == Patient.__tablename__,
            SyncConflict.row_id.in_(erased),
            or_(SyncConflict.records != "[]", SyncConflict.resolved_at.is_(None)),
        )
    )
    return len(list(rows))


def patient_id(i: int) -> str:
    return f"{i:08d}-0000-4000-8000-000000000000"


def conflicts(session: Session, *, open_ones: bool) -> None:
    session.execute(text("DELETE FROM sync_conflict"))
    rows = [("settled", "edit", "patient", patient_id(7), "[]", MICROS)]
    rows += [(f"b{i}", "overlap", "appointment", f"a{i}", '[{"id": 1}]', None) for i in range(20)]
    if open_ones:  # on patients 200 (erased), 3 and 5
        rows += [
            (f"o{i}", "edit", "patient", patient_id(i), '[{"id": 1}]', None) for i in (200, 3, 5)
        ]
    for cid, kind, entity, row_id, records, resolved in rows:
        session.execute(
            text(
                "INSERT INTO sync_conflict (id, kind, entity, row_id, records, created_at,"
                " resolved_at, resolution, unsent) VALUES (:i, :k, :e, :r, :rec, :now, :res,"
                " '', 0)"
            ),
            {"i": cid, "k": kind, "e": entity, "r": row_id, "rec": records, "now": MICROS,
             "res": resolved},
        )  # fmt: skip


def now(session: Session) -> int:
    """``close_erased`` as it is now."""
    return close_erased(session, NOW)


def timed(db: Database, runs: int, call: Callable[[Session], object]) -> list[float]:
    took = []
    for _ in range(runs):
        with db.write() as s:
            started = time.perf_counter()
            call(s)
            took.append((time.perf_counter() - started) * 1000)
            s.rollback()
    return took


def shown(took: list[float]) -> str:
    p95 = statistics.quantiles(took, n=20)[-1] if len(took) > 1 else took[0]
    return f"median {statistics.median(took):8.3f} ms, p95 {p95:8.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-close-erased-")) / "clinic"
    create(root, passphrase=PASSPHRASE)
    os.environ["RECEPTIONIST_PASSPHRASE"] = PASSPHRASE
    db = open_clinic(root)
    started = time.perf_counter()
    with db.write() as s:
        s.execute(text(PATIENTS), {"count": args.patients, "now": MICROS})
    print(f"{args.patients:,} patients in {time.perf_counter() - started:.0f} s", flush=True)
    for case, open_ones in (("settled", False), ("open", True)):
        with db.write() as s:
            conflicts(s, open_ones=open_ones)
        print(f"{case:8} before: {shown(timed(db, args.runs, before))}", flush=True)
        print(f"{case:8} now:    {shown(timed(db, args.runs, now))}", flush=True)
    db.close()


if __name__ == "__main__":
    main()

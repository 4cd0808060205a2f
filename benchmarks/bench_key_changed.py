"""Issue #14: what the desk's sync status pays to ask whether the endpoint's key changed
(``journal.notary.key_changed``), in a clinic whose audit log holds 300,000 events.

    python benchmarks/bench_key_changed.py                 # 300,000 events
    python benchmarks/bench_key_changed.py --events 50000  # a quick look

A new SQLCipher clinic (in a temporary folder) gets ``--events`` audit events written
set-based (mostly openings of patients, as a desk's log is). Two cases: "never", a PC
that never saw another key (no ``endpoint_key`` event: the answer is "no" only after
the whole log is read, without an index), and "pinned", one whose key was pinned at
its first connect, long ago (the newest such event is near the log's start). Each
case times ``key_changed`` with the index migration 0029 adds (``ix_audit_event_kind``)
and without it (dropped in a transaction rolled back). Figures: median and p95 of
``--runs`` calls (after one to warm the cache), in ms.
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

from sqlalchemy import text
from sqlalchemy.orm import Session

from benchmarks.common import NOW, PASSPHRASE
from receptionist.clock import FixedClock
from receptionist.journal import notary
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

MICROS = int(NOW.timestamp() * 1_000_000)
EVENTS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO audit_event (at, actor_id, source, action, entity_type, entity_id, prev_hash,
    hash)
SELECT :now, NULL, 'ui',
    CASE WHEN i % 10 = 0 THEN 'update' ELSE 'read' END,
    CASE WHEN i % 7 = 0 THEN 'appointment' ELSE 'patient' END,
    printf('%08d-0000-4000-8000-000000000000', i), '', printf('%064d', i)
FROM n
"""
# The first event after the clinic's making becomes the pinning (its chain is not
# checked here).
PINNED = """
UPDATE audit_event SET action = 'pin', entity_type = 'endpoint_key', entity_id = 'key'
WHERE seq = (SELECT min(seq) FROM audit_event WHERE action = 'read')
"""


def timed(db: Database, runs: int, indexed: bool) -> list[float]:
    """``runs`` calls in one transaction (rolled back: the dropped index comes back),
    after one untimed call that reads the schema and warms the cache."""
    took = []
    with db.write() as s:
        if not indexed:
            s.execute(text("DROP INDEX ix_audit_event_kind"))
        notary.key_changed(s)
        for _ in range(runs):
            started = time.perf_counter()
            assert notary.key_changed(s) is False
            took.append((time.perf_counter() - started) * 1000)
        s.rollback()
    return took


def shown(took: list[float]) -> str:
    p95 = statistics.quantiles(took, n=20)[-1] if len(took) > 1 else took[0]
    return f"median {statistics.median(took):8.3f} ms, p95 {p95:8.3f} ms"


def write(db: Database, call: Callable[[Session], object]) -> None:
    with db.write() as s:
        call(s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-key-changed-")) / "clinic"
    spec = ClinicSpec("Bench", "Europe/Istanbul", "TR", "admin", "admin-password-1")
    initialise(root, spec, FixedClock(NOW), passphrase=PASSPHRASE)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    started = time.perf_counter()
    write(db, lambda s: s.execute(text(EVENTS), {"count": args.events, "now": MICROS}))
    print(f"{args.events:,} events in {time.perf_counter() - started:.0f} s", flush=True)
    for case in ("never", "pinned"):
        if case == "pinned":  # a pin early in the log: the walk back still reads nearly all
            write(db, lambda s: s.execute(text(PINNED)))
        for indexed in (False, True):
            label = f"{case:7} {'with index' if indexed else 'no index':10}"
            print(f"{label}: {shown(timed(db, args.runs, indexed))}", flush=True)
    db.close()


if __name__ == "__main__":
    main()

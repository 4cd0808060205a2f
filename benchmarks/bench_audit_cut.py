"""The retention sweep's cut of the audit log: time of one cut at N events (1,000,000
by default), walking the whole log (the check before session 11) against walking
only from the last anchor an earlier cut walked (docs/privacy.md, "Keeping audit
events for a limited time").

    python -m benchmarks.bench_audit_cut [--events 1000000]

A clinic opened twelve years ago whose log holds N events spread over the years; a
first sweep cuts what is older than ten years (walking the whole log: it has no
earlier point); a year later, with a day's events more, the second cut is timed both
ways: the old check (``audit.verify`` against the anchor, the whole chain) and the new
(``auditlog.holds_up_to``: from the first cut's anchor on).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import PASSPHRASE
from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.journal import audit
from receptionist.models import AuditHead, to_micros
from receptionist.ops import retention
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.retention import auditlog
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

NOW = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


def fill(db: Database, events: int, start: datetime, end: datetime) -> None:
    """``events`` "read" events, evenly from ``start`` to ``end``, chained on the head."""
    with db.write() as s:
        head = s.get(AuditHead, 1)
        assert head is not None
        seq, prev = head.seq, head.hash
        step = (end - start) / events
        raw = s.connection().connection.driver_connection
        assert raw is not None
        rows = []
        for i in range(events):
            seq += 1
            micros = to_micros(start + step * i)
            entity = str(uuid.UUID(int=i))
            parts = [prev, str(seq), str(micros), "", "system", "read", "patient", entity]
            digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
            rows.append((seq, micros, None, "system", "read", "patient", entity, prev, digest))
            prev = digest
        raw.executemany(
            "INSERT INTO audit_event (seq, at, actor_id, source, action, entity_type,"
            " entity_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def anchor_at(db: Database, when: datetime) -> audit.Anchor:
    with db.read() as s:
        return audit.anchor(s, FixedClock(when))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    n = ap.parse_args().events
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "clinic"
        spec = ClinicSpec("Bench", "Europe/Istanbul", "TR", "admin", "admin-password-1")
        initialise(root, spec, FixedClock(NOW - 12 * YEAR), passphrase=PASSPHRASE)
        db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
        try:
            fill(db, n, NOW - 12 * YEAR + timedelta(hours=1), NOW - timedelta(days=1))
            ctx = Ctx(SYSTEM, FixedClock(NOW))
            started = time.monotonic()
            first = retention.sweep(db, ctx, root, audit_anchor=anchor_at(db, NOW))
            print(
                f"first cut ({n:,} events, whole log walked): "
                f"{time.monotonic() - started:.1f} s, {first.counts['audit_event']:,} removed"
            )
            later = NOW + YEAR
            fill(db, 1000, later - timedelta(days=1), later - timedelta(hours=1))
            anchor = anchor_at(db, later)
            with db.read() as s:
                found = auditlog.due(s, later - 10 * YEAR)
                assert found is not None
                t0 = time.monotonic()
                assert audit.verify(s, anchor=anchor, now=later).ok
                whole = time.monotonic() - t0
                t0 = time.monotonic()
                assert auditlog.holds_up_to(s, anchor, later, found.upto)
                partial = time.monotonic() - t0
            left = n - first.counts["audit_event"]
            print(
                f"second cut's check ({left:,} events left): whole log {whole:.1f} s, "
                f"from the last walked point {partial:.2f} s"
            )
        finally:
            db.close()


if __name__ == "__main__":
    main()

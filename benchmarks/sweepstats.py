"""What a sweep costs, measured from inside the benchmark's process.

``Meter`` counts the pages each committed write put in the WAL (load-independent,
unlike times on a shared machine: each is encrypted once at the commit) and the CPU
time spent in each kind of statement (its first words), so a change to the sweep
is judged by pages and CPU rather than by a wall clock that other work moves.
"""

from __future__ import annotations

import re
import struct
import time
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import event

from receptionist.store.storage import Database


def _kind(sql: str) -> str:
    words = re.sub(r"\s+", " ", sql).strip()
    return words[:70]


class Meter:
    """Pages written per commit and CPU per statement kind, of one ``Database``."""

    def __init__(self, db: Database, *, pages: bool = True) -> None:
        self.db = db
        self.frames: list[int] = []
        self.cpu: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._started: float = 0.0
        self._counted = 0
        self._cpu = time.process_time()
        self.by_kind: Counter[str] = Counter()  # pages written by batches of each kind
        self.cpu_by_kind: Counter[str] = Counter()
        self.longest: dict[str, float] = defaultdict(float)  # each kind's longest write
        self._writes = 0
        # Each write's CPU from its BEGIN to the end of its commit: the time it holds
        # the write lock on a quiet PC (the desk's longest wait for a write).
        self.batch_cpu: list[float] = []
        self._began = 0.0
        self._mx, self._salt = 0, b""  # the WAL's frames after the last commit, its salt
        event.listen(db.engine, "begin", self._begin)
        db.after_commit(self._written)
        event.listen(db.engine, "before_cursor_execute", self._before)
        event.listen(db.engine, "after_cursor_execute", self._after)
        if pages:  # a checkpoint after each commit: off to measure the sweep's own
            db.after_commit(self._committed)
        else:  # read from the WAL's index, which the sweep's writes keep as they run
            db.after_commit(self._framed)

    def _begin(self, *args: Any) -> None:
        self._began = time.process_time()

    def _written(self) -> None:
        self.batch_cpu.append(time.process_time() - self._began)

    def _before(self, *args: Any) -> None:
        self._started = time.process_time()

    def _after(self, conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        self.cpu[_kind(sql)] += time.process_time() - self._started
        self.calls[_kind(sql)] += 1

    def _committed(self) -> None:
        # The frames in the WAL now: the commit just made (its commit ran the
        # automatic checkpoint, and the WAL restarts at the next write).
        with self.db.raw() as conn:
            _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.frames.append(int(frames))

    def _framed(self) -> None:
        # mxFrame, the frames in the WAL, at offset 16 of the wal-index header
        # (sqlite.org/walformat.html, native byte order), and the salt at 32, which
        # changes when the WAL restarts from its start (all of it folded): a commit
        # added the difference, or after a restart all the WAL holds.
        with open(f"{self.db.path}-shm", "rb") as fh:
            head = fh.read(48)
        mx, salt = int(struct.unpack("=I", head[16:20])[0]), head[32:40]
        self.frames.append(mx - self._mx if salt == self._salt else mx)
        self._mx, self._salt = mx, salt

    def batch(self, kind: str) -> None:
        """A batch of ``kind`` ended: its commits' pages and its CPU go to ``kind``."""
        self.by_kind[kind] += sum(self.frames[self._counted :])
        self._counted = len(self.frames)
        writes = self.batch_cpu[self._writes :] or [0.0]
        self.longest[kind] = max(self.longest[kind], max(writes))
        self._writes = len(self.batch_cpu)
        now = time.process_time()
        self.cpu_by_kind[kind] += now - self._cpu
        self._cpu = now

    def report(self, top: int = 14) -> str:
        ms = sorted(c * 1000 for c in self.batch_cpu) or [0.0]
        lines = [
            f"batch CPU: median {ms[len(ms) // 2]:.0f} ms,"
            f" p95 {ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]:.0f} ms, max {ms[-1]:.0f} ms",
            f"pages written: {sum(self.frames):,} in {len(self.frames)} commits",
        ]
        for kind, pages in self.by_kind.most_common():
            lines.append(
                f"  {kind}: {pages:,} pages, {self.cpu_by_kind[kind]:.1f} s CPU,"
                f" longest write {self.longest[kind] * 1000:.0f} ms"
            )
        for kind, cpu in self.cpu.most_common(top):
            lines.append(f"  {cpu:7.2f} s CPU {self.calls[kind]:6d}x  {kind}")
        return "\n".join(lines)

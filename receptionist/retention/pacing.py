"""How many rows the sweep's next batch takes: as many as fit in a short write.

A batch's rows share the pages they change (an index page holds some hundred
entries, and each page is encrypted once at the commit however many of its entries
went), so the larger the batch the fewer pages written a row: the sweep's cost is
chiefly those pages. But the desk waits for a whole batch. So each batch is sized
from the time the last one took: grown while batches end sooner than the target,
shrunk when they run longer, never more than doubled or halved at once, and within
fixed limits (a first batch of a known size; no batch so large a slow disk makes the
desk wait many seconds).
"""

from __future__ import annotations

from dataclasses import dataclass

# The longest a batch should hold the write lock: the desk's wait for a write. At
# 0.5 s a sweep of 2,000,000 appointments took 62.7 s of CPU where 0.3 s took 70.0
# (larger batches share more index pages), and each write's CPU (the desk's wait on a
# quiet PC) was median 490 ms, p95 555, max 652: still a moment, under the second in
# which a person keeps the thread. Once the search index was purged in one write of
# 2 s; now in steps (``sweep.purge_index``), so 0.65 s is the sweep's longest wait.
TARGET_SECONDS = 0.5


@dataclass
class Pace:
    """The size of the next batch; ``took`` tells it how the last one went."""

    size: int
    least: int
    most: int
    target: float = TARGET_SECONDS

    def took(self, rows: int, seconds: float) -> int:
        """The next batch's size, after one of ``rows`` rows took ``seconds``."""
        if rows <= 0:
            return self.size
        wanted = rows * self.target / max(seconds, 1e-6)
        wanted = min(wanted, 2.0 * self.size)
        wanted = max(wanted, self.size / 2.0)
        self.size = max(self.least, min(self.most, round(wanted)))
        return self.size

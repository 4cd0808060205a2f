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

# The longest a batch should hold the write lock: the desk's wait for a write.
TARGET_SECONDS = 0.3


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

"""How often a typed id prefix names more than one row, now that ids lead with their week
(``models.base``: ten bits of week, then random; docs/architecture.md, next to the ids).

    python benchmarks/bench_id_prefixes.py                       # 600 a week, 2 years
    python benchmarks/bench_id_prefixes.py --per-week 3000 --legacy 62400

A table of appointments as a clinic keeps it: ``--weeks`` weeks of ``--per-week`` rows
each, their ids made as ``models.new_ids`` makes them (the same code: ``models.base._ids``
over fresh random bits, one week at a time), plus ``--legacy`` rows of random (version 4)
ids, as a clinic's rows made before session 17 keep. Every row of the newest week (what a
person looks up: this week's bookings, a conflict or a Google decision on them) is
"looked up" by its first 6 characters (the shortest ``ops.lookup`` takes) and by its
first 8 (what the CLI shows): a lookup says "type more" when another row's id starts
the same. Printed: the share of lookups that do, over ``--trials`` tables, next to the
figure it follows from (another row of the same week among 2**14 or 2**22 values; a
legacy row among 2**24 or 2**32), and the same for random ids alone, as before.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from receptionist.models.base import WEEKS, _ids, _random

LENGTHS = (6, 8)  # typed: the shortest taken; shown by the CLI


def table(weeks: int, per_week: int, legacy: int, newest: int) -> tuple[list[str], list[str]]:
    """All the ids (week-ordered and legacy), and those of the newest week."""
    ids: list[str] = []
    week_ids: list[str] = []
    for back in range(weeks):
        made = _ids((newest - back) % WEEKS, _random(per_week))
        ids += made
        if back == 0:
            week_ids = made
    ids += [str(uuid.UUID(bytes=os.urandom(16), version=4)) for _ in range(legacy)]
    return ids, week_ids


def ambiguous(ids: list[str], looked_up: list[str], length: int) -> int:
    """How many of ``looked_up`` share their first ``length`` characters with another id."""
    counts = Counter(i[:length] for i in ids)
    return sum(1 for i in looked_up if counts[i[:length]] > 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-week", type=int, default=600)
    parser.add_argument("--weeks", type=int, default=104, help="weeks kept (2 years)")
    parser.add_argument("--legacy", type=int, default=0, help="rows with random ids")
    parser.add_argument("--trials", type=int, default=50)
    args = parser.parse_args()
    hits = dict.fromkeys(LENGTHS, 0)
    random_hits = dict.fromkeys(LENGTHS, 0)
    looked = 0
    for trial in range(args.trials):
        ids, week = table(args.weeks, args.per_week, args.legacy, newest=500 + trial)
        looked += len(week)
        for n in LENGTHS:
            hits[n] += ambiguous(ids, week, n)
        # as before session 17: every row's id random (version 4)
        before = [str(uuid.uuid4()) for _ in range(len(ids))]
        for n in LENGTHS:
            random_hits[n] += ambiguous(before, before[: len(week)], n)
    total = args.weeks * args.per_week + args.legacy
    print(
        f"{args.per_week} rows a week, {args.weeks} weeks kept, {args.legacy} legacy rows "
        f"({total:,} rows); {looked:,} lookups of the newest week's rows, {args.trials} tables"
    )
    for n in LENGTHS:
        bits = 4 * n - 10  # random bits among a week's rows in n characters
        # one lookup finds no other row: none of the week's others, no legacy row
        expected = 1 - (1 - 2**-bits) ** (args.per_week - 1) * (1 - 16**-n) ** args.legacy
        before = 1 - (1 - 16**-n) ** (total - 1)
        print(
            f"  {n} characters: 'type more' for {100 * hits[n] / looked:.3f} % of lookups "
            f"(expected {100 * expected:.3f} %); random ids: "
            f"{100 * random_hits[n] / looked:.3f} % (expected {100 * before:.3f} %)"
        )


if __name__ == "__main__":
    main()

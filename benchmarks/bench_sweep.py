"""Issue 14's sweep target: a retention sweep of a 2,000,000-appointment clinic in
<= 60 s, in short batches (the desk waits at most one batch for a write).

    python benchmarks/bench_sweep.py              # full size (the first run builds it)
    python benchmarks/bench_sweep.py --scale 0.05 # a quick look

The data: five years of a busy clinic (``benchmarks/sweepclinic.py``: 44 providers,
200,000 patients arriving over the years, 2,000,000 appointments, a call logged for
one past appointment in ten), built set-based inside the SQLCipher file in minutes.
At NOW the default policy (24 months after the last appointment) removes the
newcomers of the first three years: about 45 % of the patients and a third of the
appointments, a clinic's first sweep. The clinic is built once
(``bench-data/sweep5y-<scale>``) and copied for each run, since a sweep changes it.
The sweep runs with the default policy at the benchmarks' NOW, exactly as
``receptionist sweep`` does (``ops.retention.sweep``), and the figures are: the
whole sweep's wall time, its CPU time (this process: SQLite runs in it), and each
batch's time (the longest a write by the desk waits).

On a shared machine, measure a smaller scale and extrapolate: ``--scale 0.1`` is the
suggested 200,000 appointments (five providers; the same shares swept). Figures of
each session are in CHANGELOG.md. Session 12, 2M, ``--no-pages``, load about 1 on 2
cores, batches relaxed writes: 59.5 and 60.9 s wall, 53.2 and 52.7 s CPU, 101-102
batches, each write's CPU median 390-394 ms, p95 675-678, max 729-741 (at load 8-9
before the batches were relaxed: 62.7-66.2 s CPU, 198-291 s wall; 74.4 s CPU before
that session's changes). Session 13 (the batches fold nothing at their commit; the
sweep folds between them), 2M at load 6-10, each run beside one of the code before
it: 72.9 s CPU (73.2 before), 119 batches (136), 1,388,724 pages (1,425,550), each
write's CPU median 485 ms, p95 574, max 645 (415 / 736 / 779); wall 244-268 s, the
load's. With a fold each second of batches instead of each half: 62.2 s CPU (70.8),
106 batches (131). The pages written are the load-independent figure: ``--no-pages``
reads them from the WAL's index after each commit. Session 14 (FTS5 ``automerge`` off
in the patient batches; no foreign-key lookups in the appointment batches), each 2M
run beside one of session 13's code, load 5-15: 77.0 s CPU (76.3 before), 122
batches (124), 1,386,190 pages (1,404,254; the patient batches 199,808 <- 216,655),
and 79.9 s (80.2), 129 batches (133), 1,419,713 pages (1,417,140): within the load's
noise as a whole. Load-independent, each change alone: the search index's work at
2M, 3,000 patients a batch and the purge, 100,544 -> 81,188 pages; the appointment
delete statement 14.2 -> 12.8 and 18.0 -> 13.6 s CPU; at ``--scale 0.3`` the sweep
273,398-284,170 -> 248,843-252,076 pages, 16.1-17.9 -> 12.7-14.1 s CPU. Then the
batches' connection's page cache 256 -> 512 MB (``storage.SWEEP_CACHE_MB``): 2M at
load 7-9, 68.4 s CPU, 112 batches, 1,358,100 pages (``--cache-mb 512`` for every
connection: 61.5 s, 101 batches; 1,024: 63.2 s). On a quiet machine at the session's
end (``--no-pages``, twice): **55.1 and 55.5 s wall** (target 60),
49.8 / 49.7 s CPU, 84 batches, batch median 614 / 625 ms, p95 859 / 875 ms, max 2,166
/ 2,025 ms; each write's CPU median 483 / 484 ms, max 675 / 676 ms; 1,236,929 /
1,241,524 pages in 94 commits (the appointment batches 983,673 pages, 37.4 s CPU,
longest write 564 ms; the patient batches 149,936 pages, 7.2 s, longest 675 ms).
Session 13's quiet figures were 62.8 / 63.1 s wall, 55.4 / 56.3 s CPU, 94 batches.
Each kind's longest write is printed.
Session 17: what the pages are (``benchmarks/sweeptrees.py``, each WAL frame's page
mapped to its b-tree). At ``--scale 0.3`` (160,895 appointments swept) the appointment
batches wrote 205,031 pages: the appointments' primary-key index (random ids) 92,271,
``ix_appointment_patient_start`` 41,035, the table 23,320, the three indexes of the
log entries about them 26,752, the time indexes 18,704, ``change_log`` 39 (its
``(entity, row_id)`` index went in migration 0021; the feed is append-only). A batch
of ~9,500 deletions touches ~70 % of a random index's leaves, and every batch does so
again. New ids lead with the week they were made in (``models.new_id``), so for rows
written since, those indexes change as the table does: ``--ordered-ids`` builds a
clinic whose every row has such an id. Measured, each beside main's code on the
random clinic (10M loop 1.0 s, load 7-9), ``--scale 0.3``: 245,470 / 258,240 pages,
15.1 / 14.5 s CPU, 30-31 batches (random) -> 99,313 / 99,175 pages, 7.5 / 7.5 s CPU,
21 batches (ordered; the primary-key index 4,678 pages, the patient index 8,746, the
log's indexes ~1,900); each write's CPU max 601-650 -> 546-599 ms (the final id
layout, loop 0.57: 98,423 pages, 6.9 s CPU). At 2M, ``--no-pages``, each pair one
run after the other (loop 0.54-0.91 s, load 5.5-6.7): random **161.9 / 140.1 s
wall**, 66.3 / 63.4 s CPU, 108 / 103 batches, 1,348,654 / 1,328,533 pages (appointment
batches ~1,035,000, 47 s CPU); ordered **65.0 / 67.3 s wall, 29.6 / 30.2 s CPU**, 55 /
56 batches, 419,012 / 434,899 pages (appointment batches ~205,000, 16-17 s; patient
batches 146,743 / 164,341, 8.2 / 9.5 s, now a third of the pages), each write's CPU
max 721 / 632 ms (742 / 775). The wall time is the load's (twice the CPU here).
Tried and not kept, at 0.3: the log entries of lapsed patients in batches of their
own before the appointments (258,240 -> 238,426 pages, CPU 14.5 = 14.5 s); the
appointment batch's still-to-go check once a patient instead of once a row (that
statement 0.53 -> 0.62 s: the rows' reads, not the checks, are its cost); a pacing
target of 1.0 s (252,071 -> 189,843 pages, 14.3 -> 12.2 s CPU, but the longest write
576 -> 1,071 ms).
Session 18 (10M loop 0.29-0.45 s, 0.92 at the worst; load 5-8 on the 2 cores): was
there a regression since session 14? At ``--scale 0.3``, one clinic built by session
14's code (``7565c13``), swept by it and, upgraded to 0037, by main's, ``--no-pages``:
249,149 pages, 13.1 s CPU, 28 batches (session 14) and 244,270 pages, 12.6 s, 28
(main); a checkpoint after each commit: 287,129 / 14.8 s and 287,041 / 15.5 s. The
kinds alike (appointment batches 199,859 / 192,556 pages, patient batches 22,733 /
25,147); main's further runs 252,900-261,594 pages, 12.6-15.1 s CPU: the load's noise
here is +-5 %: no regression shows at 0.3; most of session 17's 2M figure was the
machine (CPU time grows with the load on 2 shared cores; its loop 0.54-0.98 s). At 2M, one clinic
(session 14's build), ``--no-pages``, load 3-6: session 14's code 52.0 / 56.7 / 58.6 s
CPU, 87 / 94 / 97 batches, 1,260,250-1,302,611 pages, its patient batches 9.0-9.6 s and
174,172-179,816 pages; main's 60.0 / 61.8 s, 101 / 102 batches, 1,315,015 / 1,325,532
pages, its patient batches 11.0 / 12.2 s and 192,849 / 203,716 pages (the appointment
batches alike, 43.2-43.7 s): the patient batches had grown. Their forgetting of what
was sent (``erasure.forget_sent``, since session 15) gave the patients' ids as
parameters, thousands a batch (the disclosure register's in statements of 500),
rendered and prepared anew: 0.62 of the patient batches' 2.29 s at 0.3, on empty
tables. Now one statement each over ``temp.sweep_chosen``: at 0.3 the patient batches
1.7 / 2.0 s CPU in 6 batches (2.0-2.5 s in 7); at 2M (load 6-8) 58.9 s CPU,
98 batches, 1,302,399 pages, the patient batches 8.8 s and 173,541 pages in 18, as
session 14's (the appointment batches 44.7 s: the load).
Where the CPU goes (``perf``, main, 0.3, the sweep only): the commits ~35 % (each
page's AES and HMAC-SHA512, its WAL write), the folds ~9 %, reading pages (decryption)
~12 %, the statements' b-tree work ~34 %, Python ~9 %. So the pages are the cost, and
with random ids the primary key and ``ix_appointment_patient_start`` take a page for
nearly every row deleted at 2M (a batch of ~10,000 rows in ~32,000 leaves); a larger
batch gains little there. The appointments' three AFTER DELETE triggers (feed,
freed slot, sync) cost ~7 of ~24 us a row of the DELETE (a scratch copy; load 5-8).
Tried and not kept (0.3, random ids, each beside main's code): the lapsed patients in
table (rowid) order, not the search index's (``sweep.IN_ORDER``: patient batches
22,700-25,100 -> 28,962-32,296 pages; week-ordered ids 20,044-22,743 -> 21,338-21,366);
a pacing target of 0.55 s (235,813 / 249,239 pages, 12.7 / 13.9 s CPU, longest write
600-647 ms) and 0.6 s (234,887 / 231,322 pages, 13.2 / 12.7 s, longest write 725-753
ms; 0.5: 254,123-258,631, 14.1-14.2 s, 567-593 ms); a fold each second of batches
(``--fold-after 1.0``: 247,152 / 243,897 pages, 12.1-12.5 s CPU, each write as before;
but a desk's commit between batches folds twice the pages, session 13's reason); the
file read into the cache before the sweep (``PRAGMA quick_check``: the appointment
batches ~10 % larger, the reads out of the write; at 2M the file is 3 times the cache).
Noticed, not changed: with two connections idle in the pool (``QueuePool`` hands them
out in turn), the batches alternate between them and each starts with its cache
emptied by the other's commit: at 0.3 14.1 s CPU and 256,608 pages against 12.3 s and
243,891 (the benchmark's process holds one; an app whose threads opened more may not).
``--target`` measures another pacing target than ``retention.pacing.TARGET_SECONDS``,
``--fold-after`` another ``ops.retention.FOLD_AFTER``.
The runs' copies go to ``RECEPTIONIST_BENCH_DIR`` (default ``bench-data``): point it
at a folder of your own, holding (or linking) the built clinic, on a shared machine.
``--ordered-ids`` runs on ``sweep5y-<scale>-ordered`` (built the first time: some 9
minutes at 2M on a loaded machine).
"""

from __future__ import annotations

import argparse
import cProfile
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from benchmarks.common import NOW, PASSPHRASE, ROOT
from benchmarks.sweepclinic import Shape, build
from benchmarks.sweepstats import Meter
from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.ops import retention
from receptionist.retention.pacing import Pace
from receptionist.store.migrate import upgrade
from receptionist.store.storage import DEFAULT_CACHE_MB, Database
from receptionist.store.vault import DataDir, unlock

ENV = {"RECEPTIONIST_PASSPHRASE": PASSPHRASE}


def built(scale: float, *, ordered_ids: bool = False) -> Path:
    name = f"sweep5y-{scale}" + ("-ordered" if ordered_ids else "")
    root = ROOT / name
    building = ROOT / f"{name}.building"  # a build cut short is started over
    if DataDir(root).db.exists() and not building.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    ROOT.mkdir(parents=True, exist_ok=True)
    building.touch()
    print(f"building the clinic in {root} ...", flush=True)
    started = time.perf_counter()
    made = build(root, Shape(ordered_ids=ordered_ids).scaled(scale), NOW, PASSPHRASE)
    building.unlink()
    print(f"  {made} in {time.perf_counter() - started:.0f} s", flush=True)
    return root


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            t: int(s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("patient", "appointment", "change_log")
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1.0: 2,000,000 appointments")
    ap.add_argument("--keep", action="store_true", help="keep the swept copy")
    ap.add_argument("--cache-mb", type=int, default=None, help="the page cache of the connection")
    ap.add_argument(
        "--no-pages", action="store_true",
        help="no checkpoint after each commit (the pages are read from the WAL's index)",
    )  # fmt: skip
    ap.add_argument("--profile", metavar="FILE", help="write a cProfile of the sweep to FILE")
    ap.add_argument("--target", type=float, help="another pacing target (s of CPU a batch)")
    ap.add_argument(
        "--fold-after", type=float,
        help="another retention.FOLD_AFTER (s of batches' CPU between folds)",
    )  # fmt: skip
    ap.add_argument(
        "--ordered-ids", action="store_true",
        help="a clinic whose rows all have time-ordered ids (sweep5y-<scale>-ordered)",
    )  # fmt: skip
    args = ap.parse_args()
    if args.target:  # measured only: the product's target is pacing.TARGET_SECONDS
        Pace.__init__.__defaults__ = (args.target,)
    if args.fold_after:  # measured only, as --target
        retention.FOLD_AFTER = args.fold_after
    source = built(args.scale, ordered_ids=args.ordered_ids)
    work = ROOT / f"{source.name}-run"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work)
    key = unlock(work, env=ENV)
    db = Database(DataDir(work).db, key, cache_mb=args.cache_mb or DEFAULT_CACHE_MB)
    upgrade(db)  # a clinic built before the newest migration is brought up to it
    try:
        before = counts(db)
        size = DataDir(work).db.stat().st_size
        print(f"before: {before} ({size / 2**20:.0f} MB)", flush=True)
        ctx = Ctx(SYSTEM, FixedClock(NOW))
        started = time.perf_counter()
        plan = retention.dry_run(db, ctx, work)
        print(f"dry run: {time.perf_counter() - started:.1f} s, {plan.counts}", flush=True)
        batches: list[float] = []
        last = [time.perf_counter()]
        meter = Meter(db, pages=not args.no_pages)

        def tell(kind: str, done: int) -> None:
            now = time.perf_counter()
            batches.append(now - last[0])
            last[0] = now
            meter.batch(kind)
            if len(batches) % 25 == 0:
                print(f"  {len(batches)} batches, {kind}: {done:,} ({now - started:.0f} s)",
                      flush=True)  # fmt: skip

        profile = cProfile.Profile() if args.profile else None
        cpu = time.process_time()
        started = last[0] = time.perf_counter()
        if profile is not None:
            profile.enable()
        swept = retention.sweep(db, ctx, work, tell=tell)
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        took = time.perf_counter() - started
        cpu = time.process_time() - cpu
        after = counts(db)
    finally:
        db.close()
    report(swept, took, cpu, batches, after, DataDir(work).db.stat().st_size)
    print(meter.report())
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def report(
    swept: retention.Swept, took: float, cpu: float, batches: list[float],
    after: dict[str, int], size: int,
) -> None:  # fmt: skip
    ms = sorted(b * 1000 for b in batches) or [0.0]
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    gone = swept.counts.get("appointment", 0)
    print(f"after: {after} ({size / 2**20:.0f} MB, vacuumed={swept.vacuumed})")
    print(f"swept: {swept.counts}")
    print(
        f"sweep: {took:.1f} s (target <= 60 s), CPU {cpu:.1f} s, for {gone:,} appointments"
        f" ({gone / max(took, 1e-9):,.0f}/s); {swept.batches} batches: median"
        f" {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()

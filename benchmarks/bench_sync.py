"""Sync end to end: the real PC (a SQLCipher file, its change feed, outbox and apply
path, the httpx client) against the real endpoint (its own process on loopback) over
PostgreSQL (a throw-away cluster, as tests/sync/serverkit.py makes one).

(a) push: a PC made 10,000 changes offline (new patients and bookings, written by the
    demo generator: the feed logs them as any write); one ``sync`` round pushes them
    until the endpoint acknowledged all. Target <= 10 s.
(b) first download: a new PC joins a clinic of 200,000 patients and 500,000
    appointments and runs its first round (pull, open, apply into its fresh file).
    Target <= 120 s. The endpoint's data is made fast, not pushed: a source PC is
    filled by the demo generator, every row is sealed by the real ``encode`` under the
    clinic's real key, checked by the endpoint's own ``incoming.check``, and COPYed
    into its ``record`` table as a push would have written it.
(c) 50 PCs pulling every 30 s while two push: ``bench_sync_server.bench_pulls``
    against the same endpoint. Target p95 <= 200 ms.

    python benchmarks/bench_sync.py                  # full scale (minutes)
    python benchmarks/bench_sync.py --scale 0.01     # a quick run

``--scale`` multiplies the sizes (changes, patients, appointments) and the pull
benchmark's interval and duration. Without PostgreSQL binaries it says so and uses
SQLite (the figures then are not the issue's).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks"), str(REPO / "tests" / "sync")]
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from bench_sync_server import bench_pulls, endpoint  # noqa: E402
from common import QUIET_LOOP_MS, fast_keys, probe  # noqa: E402
from serverkit import PgCluster, pg_bin_dir  # noqa: E402
from sqlalchemy import text, update  # noqa: E402

from receptionist.clock import SystemClock  # noqa: E402
from receptionist.context import Actor, Ctx  # noqa: E402
from receptionist.demo.generate import Sizes, generate  # noqa: E402
from receptionist.journal import changefeed  # noqa: E402
from receptionist.models import SyncState  # noqa: E402
from receptionist.ops import replica  # noqa: E402
from receptionist.ops.setup import ClinicSpec, initialise  # noqa: E402
from receptionist.replica import state  # noqa: E402
from receptionist.replica.records import encode, live_rows  # noqa: E402
from receptionist.store.storage import Database  # noqa: E402
from receptionist.store.vault import create, open_clinic  # noqa: E402
from sync import cloud  # noqa: E402
from sync import round as rounds  # noqa: E402
from sync.server import bodies  # noqa: E402
from sync.server.commands import add_clinic  # noqa: E402
from sync.server.incoming import check  # noqa: E402
from sync.server.store import open_store  # noqa: E402

PASSPHRASE = "benchmark clinic passphrase"
SPEC = ClinicSpec("Bench Clinic", "Europe/Istanbul", "TR", "admin", "admin-password-1")
NOW = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
COPY_PAGE = 5_000


def admin() -> Ctx:
    return Ctx(Actor(None, "admin", "ui"), SystemClock())


def new_pc(root: Path, *, empty: bool = False) -> Database:
    if empty:
        create(root, passphrase=PASSPHRASE)
    else:
        initialise(root, SPEC, SystemClock(), passphrase=PASSPHRASE)
    return open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})


def fill(db: Database, patients: int, appointments: int) -> int:
    """Patients and bookings written as offline changes; how many rows the feed logged."""
    sizes = Sizes(providers=6, rooms=4, patients=patients, appointments=appointments,
                  days_back=60, days_ahead=60, open_weekends=True, longest_service=60)  # fmt: skip
    with db.write() as s:
        before = changefeed.last_seq(s)
        generate(s.connection(), sizes, NOW)
        return changefeed.last_seq(s) - before


@dataclass
class Timed:
    """An endpoint whose every request is timed (s)."""

    inner: Any
    pushes: list[float]
    pulls: list[float]

    def push(self, changes: list[replica.Change]) -> rounds.PushAnswer:
        began = time.perf_counter()
        try:
            return self.inner.push(changes)  # type: ignore[no-any-return]
        finally:
            self.pushes.append(time.perf_counter() - began)

    def pull(self, cursor: int, horizon: int = 0) -> rounds.PullPage:
        began = time.perf_counter()
        try:
            return self.inner.pull(cursor, horizon)  # type: ignore[no-any-return]
        finally:
            self.pulls.append(time.perf_counter() - began)

    def put_chunk(self, chunk: Any) -> None:
        self.inner.put_chunk(chunk)

    def chunk(self, wanted: Any, index: int) -> tuple[int, str]:
        return self.inner.chunk(wanted, index)  # type: ignore[no-any-return]

    def resolve(self, conflict_id: str, resolution: str, forgotten: Sequence[str] = ()) -> None:
        self.inner.resolve(conflict_id, resolution, forgotten)

    def forget(self, conflict_id: str, ids: Sequence[str]) -> None:
        self.inner.forget(conflict_id, ids)

    def device_names(self) -> dict[str, replica.DeviceName]:
        return self.inner.device_names()  # type: ignore[no-any-return]

    def my_anchor(self) -> Any:
        return self.inner.my_anchor()

    def put_anchor(self, anchor: Any, *, accepted_break: bool = False) -> bool:
        return self.inner.put_anchor(anchor, accepted_break=accepted_break)  # type: ignore[no-any-return]


# Each timed round's CPU seconds: (the PC, the endpoint, PostgreSQL).
CPU: list[tuple[float, float, float]] = []
PG_DATA: list[Path] = []  # the throw-away cluster's data folder, while it runs


def children_cpu(parent: int, *, reaped: bool = False) -> float:
    """CPU seconds used so far by ``parent``'s live children (and, ``reaped``, by
    ``parent`` itself and the children it has reaped)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if reaped and int(stat.parent.name) == parent:  # utime, stime, cutime, cstime
            total += sum(int(f) for f in fields[11:15]) / tick
    return total


def endpoint_cpu() -> float:
    """CPU seconds used so far by this process's children (the endpoint)."""
    return children_cpu(os.getpid())


def postgres_cpu() -> float:
    """CPU seconds used so far by the throw-away cluster (0 when there is none)."""
    if not PG_DATA:
        return 0.0
    try:
        postmaster = int((PG_DATA[0] / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return children_cpu(postmaster, reaped=True)


def timed_round(db: Database) -> tuple[float, rounds.RoundResult, Timed]:
    """One round, timed; its CPU seconds (PC and endpoint) go to CPU: on a shared,
    busy machine they say what the wall time would be on a quiet one."""
    with cloud.client_for(db) as client:
        timed = Timed(client, [], [])
        began, cpu, served = time.perf_counter(), time.process_time(), endpoint_cpu()
        stored = postgres_cpu()
        result = rounds.run(db, timed, SystemClock())
        CPU.append((time.process_time() - cpu, endpoint_cpu() - served, postgres_cpu() - stored))
        return time.perf_counter() - began, result, timed


def cpu_line(runs: int) -> str:
    mine = [pc for pc, _, _ in CPU[-runs:]]
    theirs = [server for _, server, _ in CPU[-runs:]]
    stored = [pg for _, _, pg in CPU[-runs:]]
    return (
        f"; CPU median: PC {statistics.median(mine):.2f} s + endpoint "
        f"{statistics.median(theirs):.2f} s + PostgreSQL {statistics.median(stored):.2f} s"
    )


def figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):.2f} s, p95 {p95:.2f} s (n={len(ordered)})"


def ms(samples: list[float]) -> str:
    if not samples:
        return "-"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


# -- (a) push ------------------------------------------------------------------------


def bench_push(url: str, database: str, folder: Path, changes: int, runs: int) -> None:
    totals, requests, pushed = [], [], 0
    for run in range(runs):
        db = new_pc(folder / f"push-{run}")
        try:
            code = add_clinic(database, f"Push {run}", out=None).code
            cloud.connect(db, admin(), url, code, f"PUSH-{run}")
            cloud.sync_once(db, SystemClock())  # the upload of the new clinic
            made = fill(db, patients=changes * 3 // 10, appointments=changes * 7 // 10)
            took, result, timed = profiled(lambda db=db: timed_round(db))
            assert replica.status(db).waiting == 0, "the endpoint did not acknowledge all"
            totals.append(took)
            requests += timed.pushes
            pushed = result.pushed
        finally:
            db.close()
    print(f"(a) push of {pushed:,} offline changes ({made:,} feed entries), end to end: "
          f"{figures(totals)}; each push request {ms(requests)}{cpu_line(runs)}"
          "   [target <= 10 s]")  # fmt: skip


def profiled(fn: Callable[[], Any]) -> Any:
    """``fn()``, under cProfile when BENCH_PROFILE names a file for its stats."""
    target = os.environ.get("BENCH_PROFILE")
    if not target:
        return fn()
    import cProfile

    profile = cProfile.Profile()
    try:
        return profile.runcall(fn)
    finally:
        profile.dump_stats(target)


# -- (b) first download --------------------------------------------------------------


def seed_endpoint(source: Database, database: str) -> int:
    """Every row of ``source`` sealed under its clinic key, written into the endpoint's
    database as a push by ``source`` would have; how many records."""
    with source.read() as s:
        sync = state.required(s)
        clinic_id, device_id, key = sync.clinic_id, sync.device_id, state.current_key(s)
    store = open_store(database)
    now, seq = datetime.now(UTC), 0
    columns = ("clinic_id", "entity", "id", "version", "deleted", "key_gen", "clear", "sealed",
               "seq", "device_id", "created_at", "written_at", "provider_id", "room_id",
               "service_id", "start_at", "end_at", "status", "override")  # fmt: skip
    try:
        with store.write() as conn, source.read() as s:
            models = changefeed.synced_tables()
            for table in replica._tables():  # the upload's order
                for rows in live_rows(s, models[table], page=COPY_PAGE):
                    records = [encode(row, clinic_id, key) for row in rows]
                    changes = [
                        {"seq": seq + 1 + i, "base_version": None, "record": r.to_json()}
                        for i, r in enumerate(records)
                    ]
                    body = bodies.PushIn.model_validate({"first_seq": seq + 1, "changes": changes})
                    checked = check(body)
                    out = [_row(c, clinic_id, device_id, now) for c in checked]
                    seq += len(out)
                    _copy(conn, columns, out)
                    s.expunge_all()
            conn.execute(text("UPDATE clinic SET next_seq = :n WHERE id = :c"),
                         {"n": seq + 1, "c": clinic_id})  # fmt: skip
            if store.dialect == "postgresql":
                conn.execute(text("ANALYZE record"))
    finally:
        store.close()
    with source.write() as s:  # the source's upload is done: it was written above
        s.execute(update(SyncState).values(upload_table="", upload_after=""))
    return seq


def _row(change: Any, clinic_id: str, device_id: str, now: datetime) -> tuple[Any, ...]:
    slot = change.slot
    return (
        clinic_id, change.entity, change.id, change.version, change.deleted, change.key_gen,
        change.clear, change.sealed, change.seq, device_id, now, now,
        slot.provider_id if slot else None, slot.room_id if slot else None,
        slot.service_id if slot else None, slot.start if slot else None,
        slot.end if slot else None, slot.status if slot else None,
        slot.override if slot else None,
    )  # fmt: skip


def _copy(conn: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY record ({', '.join(columns)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    plain = [tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in r)
             for r in rows]  # fmt: skip
    raw.executemany(f"INSERT INTO record ({', '.join(columns)}) VALUES ({marks})", plain)


def bench_download(
    url: str, database: str, folder: Path, patients: int, appointments: int, runs: int
) -> None:
    source = new_pc(folder / "source")
    try:
        code = add_clinic(database, "Download", out=None).code
        cloud.connect(source, admin(), url, code, "SOURCE")
        began = time.perf_counter()
        sizes = Sizes(providers=20, rooms=12, patients=patients, appointments=appointments,
                      days_back=max(30, appointments // 400), days_ahead=30,
                      open_weekends=True, longest_service=20)  # fmt: skip
        with source.write() as s:
            generate(s.connection(), sizes, NOW)
        made = time.perf_counter() - began
        began = time.perf_counter()
        records = seed_endpoint(source, database)
        seeded = time.perf_counter() - began
        print(f"    (the endpoint's {records:,} records: generated in {made:.0f} s, sealed "
              f"and copied in {seeded:.0f} s)")  # fmt: skip
        totals, pulls, pulled = [], [], 0
        for run in range(runs):
            invitation = cloud.invite(source, admin())
            pc = new_pc(folder / f"new-{run}", empty=True)
            try:
                cloud.join(pc, admin(), url, invitation.code, f"NEW-{run}")
                took, result, timed = profiled(lambda pc=pc: timed_round(pc))
                totals.append(took)
                pulls += timed.pulls
                pulled = result.pulled
            finally:
                pc.close()
    finally:
        source.close()
    print(f"(b) first download of {patients:,} patients and {appointments:,} appointments "
          f"({pulled:,} records) onto a new PC: {figures(totals)}; each pull request "
          f"{ms(pulls)}{cpu_line(runs)}   [target <= 120 s]")  # fmt: skip


# -- the endpoint's database ---------------------------------------------------------


@contextmanager
def database(given: str | None, folder: Path) -> Iterator[str]:
    if given:
        yield given
        return
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        print("NOTE: no PostgreSQL binaries: the endpoint runs on SQLite")
        yield f"sqlite:///{folder / 'endpoint.db'}"
        return
    cluster = PgCluster(bin_dir)
    cluster.start()
    PG_DATA[:] = [cluster.data]
    try:
        yield cluster.new_database()
    finally:
        PG_DATA.clear()
        cluster.stop()


def load() -> str:
    """The machine's load now, and how much slower than when quiet it runs a fixed
    Python loop (benchmarks/common.py): the figures above scale with it."""
    one, five, fifteen = os.getloadavg()
    speed = statistics.median(probe() for _ in range(15)) / QUIET_LOOP_MS
    return (
        f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores; "
        f"a fixed loop ran {speed:.1f}x its quiet time"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="sizes x this (default 1)")
    ap.add_argument("--runs", type=int, default=3, help="runs of (a) and (b)")
    ap.add_argument("--database", help="the endpoint's database (default: a new PG cluster)")
    ap.add_argument("--only", choices=("push", "download", "pulls"), action="append")
    ap.add_argument(
        "--fast-keys", action="store_true",
        help="cheap passphrase key derivation (it is not what is measured): for a quick run",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if args.fast_keys:
        fast_keys()
    only: Callable[[str], bool] = lambda part: not args.only or part in args.only  # noqa: E731
    scale = args.scale
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        folder = Path(tmp)
        with database(args.database, folder) as url:
            print(f"endpoint on {url.split('://')[0]}, scale {scale:g}; {load()}")
            with endpoint(url) as served:
                if only("push"):
                    bench_push(served, url, folder, max(10, int(10_000 * scale)), args.runs)
                if only("download"):
                    bench_download(served, url, folder, max(20, int(200_000 * scale)),
                                   max(50, int(500_000 * scale)), args.runs)  # fmt: skip
                if only("pulls"):
                    code = add_clinic(url, "Pulls", out=None).code
                    bench_pulls(served, code, max(2, round(50 * min(1.0, scale * 10))),
                                max(0.2, 30 * scale), max(1.0, 90 * scale))  # fmt: skip
            print(f"done; {load()}")


if __name__ == "__main__":
    main()

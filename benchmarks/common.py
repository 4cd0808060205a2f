"""Shared benchmark helpers: the generated clinics (cached on disk) and timing."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.demo.generate import LARGE, Generated, Sizes, generate
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.schedule.clinic import create_clinic
from receptionist.store.migrate import upgrade
from receptionist.store.storage import Database, raw_connect
from receptionist.store.vault import DataDir, open_clinic

PASSPHRASE = "benchmark clinic passphrase"
NOW = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # a Monday, 10:00 in Istanbul
ROOT = Path(os.environ.get("RECEPTIONIST_BENCH_DIR", Path(__file__).parent.parent / "bench-data"))


class PlainDatabase(Database):
    """The reference: the same SQLite build (sqlcipher3's), schema and pragmas, with
    no key - so the file is plain SQLite and the only difference is encryption."""

    def connect(self) -> Any:
        conn = sqlcipher3.connect(str(self.path), timeout=10, check_same_thread=False)
        conn.isolation_level = None
        for pragma in (
            "journal_mode = WAL",
            "synchronous = FULL",
            "foreign_keys = ON",
            "secure_delete = ON",
            f"cache_size = {-self.cache_mb * 1024}",
            "temp_store = MEMORY",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn


def scaled(scale: float) -> Sizes:
    s = LARGE
    return Sizes(
        providers=s.providers,
        rooms=s.rooms,
        patients=max(100, int(s.patients * scale)),
        appointments=max(100, int(s.appointments * scale)),
        days_back=max(14, int(s.days_back * scale)),
        days_ahead=max(14, int(s.days_ahead * scale)),
        day_start=s.day_start,
        day_end=s.day_end,
        open_weekends=True,
        longest_service=s.longest_service,
    )


def _fill(db: Database, sizes: Sizes) -> Generated:
    started = time.perf_counter()
    with db.write() as session:
        made = generate(session.connection(), sizes, NOW)
    with db.raw() as conn:
        conn.execute("ANALYZE")
    db.checkpoint()
    print(
        f"  generated {made.patients:,} patients, {made.appointments:,} appointments "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return made


def cipher_clinic(scale: float, cache_mb: int) -> Database:
    root = ROOT / f"cipher-{scale}"
    if not DataDir(root).db.exists():
        print(f"building the SQLCipher clinic in {root} ...")
        spec = ClinicSpec("Benchmark Clinic", "Europe/Istanbul", "TR", "admin", "admin-password")
        initialise(root, spec, FixedClock(NOW), passphrase=PASSPHRASE)
        db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
        _fill(db, scaled(scale))
        db.close()
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    db.close()
    key = _key(root)
    return Database(DataDir(root).db, key, cache_mb=cache_mb)


def _key(root: Path) -> bytes:
    from receptionist.store.vault import unlock

    return unlock(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})


def plain_clinic(scale: float, cache_mb: int) -> Database:
    path = ROOT / f"plain-{scale}.db"
    if not path.exists():
        print(f"building the plain SQLite reference in {path} ...")
        path.parent.mkdir(parents=True, exist_ok=True)
        db = PlainDatabase(path, b"\0" * 32)
        upgrade(db)
        with db.write() as session:
            create_clinic(
                session,
                Ctx(SYSTEM, FixedClock(NOW)),
                name="Benchmark Clinic",
                timezone="Europe/Istanbul",
                phone_region="TR",
            )
        _fill(db, scaled(scale))
        db.close()
    db = PlainDatabase(path, b"\0" * 32, cache_mb=cache_mb)
    upgrade(db)  # the reference follows the schema (no pre-upgrade copy: nothing to lose)
    return db


# The reference loop's median on this VM when it is quiet (see machine_speed).
QUIET_LOOP_MS = 5.2


@dataclass
class Figures:
    name: str
    samples: list[float]
    # The reference loop's time (ms, median) measured between this figure's samples:
    # how fast the (shared, virtual) machine was while they were taken.
    machine_ms: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def factor(self) -> float:
        """How much slower than when quiet the machine ran while this was measured."""
        return 1.0 if self.machine_ms is None else self.machine_ms / QUIET_LOOP_MS

    def line(self, target: str = "") -> str:
        return (
            f"{self.name:<46} median {self.median:8.2f} ms   p95 {self.p95:8.2f} ms"
            f"   min {min(self.samples):7.2f}   n={len(self.samples):<5} {target}"
            + (
                ""
                if self.machine_ms is None
                else f"  [machine {self.factor:.2f}x its quiet time:"
                f" ~{self.median / self.factor:.1f} ms median at quiet]"
            )
        )


def _reference_loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def probe() -> float:
    """A tenth of the reference loop, timed and scaled to it (ms): cheap enough to
    run between the samples of a figure."""
    t0 = time.perf_counter()
    _reference_loop(20_000)
    return (time.perf_counter() - t0) * 10_000


def fast_keys() -> None:
    """Cheap passphrase key derivation and password hashing for a quick run (making a
    clinic derives keys from passphrases: a quarter of a second each, by design)."""
    from receptionist.staff import accounts
    from receptionist.store import keys

    keys.DEFAULT_KDF = keys.KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
    accounts._hasher = accounts.PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    accounts._DUMMY_HASH = accounts._hasher.hash("timing-equaliser")


def smoke_options(ap: argparse.ArgumentParser) -> None:
    """``--fast-keys`` and ``--speed-runs``: what a smoke run (tests/test_bench_smoke.py)
    turns down, where the figures mean nothing and only the script's running counts."""
    ap.add_argument(
        "--fast-keys", action="store_true",
        help="cheap key derivation (the passphrase figures then mean nothing): a quick run",
    )  # fmt: skip
    ap.add_argument(
        "--speed-runs", type=int, default=60, help="runs of the machine-speed loop (default 60)"
    )


def machine_speed(repeat: int = 60) -> Figures:
    """A fixed pure-Python workload (no I/O, no allocation to speak of), timed now.

    On a shared virtual machine the same code runs up to twice as slow from one
    minute to the next; printed beside the figures, this says how fast the machine
    was during the run (QUIET_LOOP_MS median when it is quiet)."""
    return timed(
        "machine speed: fixed Python loop (reference)", lambda: _reference_loop(200_000), repeat
    )


def read_through(paths: list[Path]) -> float:
    """Read whole files once, so they sit in the OS file cache; returns the seconds.

    A desk PC that has been on a while holds its clinic file in the OS cache. This
    VM does not keep a 1.7 GB file there for long, so without this a "first look"
    figure measured disk reads some runs and not others. SQLite's own page cache (and
    with it SQLCipher's decryption) still starts cold."""
    t0 = time.perf_counter()
    for path in paths:
        with path.open("rb") as fh:
            while fh.read(1 << 20):
                pass
    return time.perf_counter() - t0


def timed(name: str, fn: Callable[[], object], repeat: int) -> Figures:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return Figures(name, samples)


def timed_each(name: str, fn: Callable[[Any], object], items: list[Any]) -> Figures:
    samples = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - t0) * 1000)
    return Figures(name, samples)


__all__ = ["raw_connect"]

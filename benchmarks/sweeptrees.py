"""Which b-trees (tables and indexes) the sweep benchmark's pages are written to.

    python benchmarks/sweeptrees.py --scale 0.3 [--ordered-ids] [bench_sweep.py's options]

Runs ``bench_sweep.py`` (``--no-pages`` is added) and, after each commit, reads the
page number of each new frame of the WAL (a frame's header is not encrypted); each
page is attributed to the b-tree that owned it in the built clinic before the sweep
(a page freed and reused since counts for its first owner; ``(free/new)``: a page of
the freelist or past the file's end). The owners come from SQLite's ``dbstat`` over a
plaintext copy of the built clinic: its pages decrypted one by one (SQLCipher 4: AES-
256-CBC under the raw key, the IV in each page's reserved 80 bytes), written beside
it as ``<clinic>.plain.db`` with the same page numbers, and the map kept as
``<clinic>.trees`` for the next run. Only for the benchmark's generated clinics: the
copy is not encrypted.

Session 17, ``--scale 0.3`` (160,895 appointments swept), the appointment batches'
pages by b-tree, random ids -> ids ordered by week (``models.new_id``): the
appointments' primary-key index 92,271 -> 4,678, ``ix_appointment_patient_start``
41,035 -> 8,746, the table 23,320 -> 23,288, the three indexes of the log entries
about them 26,752 -> ~1,900, the time indexes (window, provider, room) 18,704 ->
18,590, ``change_log`` 39 -> 28 (its row index went in migration 0021).
"""

from __future__ import annotations

import pickle
import sqlite3
import struct
import sys
from collections import Counter, defaultdict
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import bench_sweep, sweepstats
from benchmarks.common import PASSPHRASE
from receptionist.store.vault import DataDir, unlock

PAGE, RESERVED = 4096, 80  # SQLCipher 4's defaults: the IV (16 bytes) and HMAC (64)
FRAME = 24 + PAGE  # a WAL frame: its header, then the page


def _plain_page(key: bytes, page: bytes, first: bool) -> bytes:
    start = 16 if first else 0  # page 1 begins with the file's salt
    iv = page[PAGE - RESERVED : PAGE - RESERVED + 16]
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = dec.update(page[start : PAGE - RESERVED]) + dec.finalize()
    return (b"SQLite format 3\x00" if first else b"") + plain + page[PAGE - RESERVED :]


def owners(clinic: Path) -> dict[int, str]:
    """Each page number of the built ``clinic``'s file -> the b-tree owning it."""
    kept = clinic.with_name(clinic.name + ".trees")
    if kept.exists():
        found: dict[int, str] = pickle.loads(kept.read_bytes())
        return found
    key = unlock(clinic, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    plain = clinic.with_name(clinic.name + ".plain.db")
    with open(DataDir(clinic).db, "rb") as src, open(plain, "wb") as out:
        number = 0
        while page := src.read(PAGE):
            out.write(_plain_page(key, page, number == 0))
            number += 1
    conn = sqlite3.connect(f"file:{plain}?immutable=1", uri=True)  # no -shm, no -wal
    try:
        found = {int(p): str(n) for n, p in conn.execute("SELECT name, pageno FROM dbstat")}
    finally:
        conn.close()
    plain.unlink()
    kept.write_bytes(pickle.dumps(found))
    return found


def main() -> None:
    args = sys.argv[1:]
    scale = float(args[args.index("--scale") + 1]) if "--scale" in args else 1.0
    owner = owners(bench_sweep.built(scale, ordered_ids="--ordered-ids" in args))
    written: list[int] = []  # page numbers since the last batch
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    framed, batch = sweepstats.Meter._framed, sweepstats.Meter.batch

    def framed_too(self: sweepstats.Meter) -> None:
        before, salt = self._mx, self._salt
        framed(self)
        with open(f"{self.db.path}-wal", "rb") as wal:
            for at in range(before if self._salt == salt else 0, self._mx):
                wal.seek(32 + at * FRAME)
                written.append(struct.unpack(">I", wal.read(4))[0])

    def batch_too(self: sweepstats.Meter, kind: str) -> None:
        batch(self, kind)
        by_kind[kind].update(owner.get(p, "(free/new)") for p in written)
        written.clear()

    sweepstats.Meter._framed = framed_too  # type: ignore[method-assign]
    sweepstats.Meter.batch = batch_too  # type: ignore[method-assign]
    sys.argv = [sys.argv[0], *args, "--no-pages"]
    bench_sweep.main()
    by_kind["(after the batches: the purge, the records)"].update(
        owner.get(p, "(free/new)") for p in written
    )
    for kind, pages in by_kind.items():
        print(f"{kind}: {sum(pages.values()):,} pages")
        for name, n in pages.most_common(12):
            print(f"  {n:9,}  {name}")


if __name__ == "__main__":
    main()

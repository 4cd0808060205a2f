"""The cloud endpoint under load, served by its own process on loopback.

1. A PC back online pushes 10,000 changes (a third of them appointments), in batches
   as the PC sends them: end-to-end seconds, and the server's per-push median.
2. Many PCs pull every ``--interval`` seconds while two push small batches: the
   pulls' p50 and p95 as the PCs see them (the issue's bar: 50 PCs every 30 s while
   two push, p95 <= 200 ms).

    python benchmarks/bench_sync_server.py                       # SQLite in a temp folder
    python benchmarks/bench_sync_server.py --database postgresql+psycopg://sync@/sync
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from sync.server.commands import add_clinic

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def endpoint(database_url: str) -> Iterator[str]:
    """The endpoint served by ``receptionist server``'s function in a child process."""
    port = free_port()
    code = (
        "import sys; from sync.server.commands import serve; "
        "serve(sys.argv[1], '127.0.0.1', int(sys.argv[2]))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, database_url, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the endpoint did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def connect(url: str, code: str, name: str) -> httpx.Client:
    key = base64.b64encode(os.urandom(32)).decode()
    body = httpx.post(f"{url}/v1/connect", json={"code": code, "name": name, "public_key": key})
    body.raise_for_status()
    token = body.json()["token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300)


def invite(url: str, pc: httpx.Client, name: str) -> httpx.Client:
    invite_id = pc.post("/v1/invitations", json={"wrapped_key": "eA=="}).json()["invite_id"]
    key = base64.b64encode(os.urandom(32)).decode()
    body = httpx.post(
        f"{url}/v1/join", json={"invite_id": invite_id, "name": name, "public_key": key}
    )
    body.raise_for_status()
    token = body.json()["token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300)


def change(i: int, prefix: str) -> dict[str, Any]:
    """A change as a PC sends one: a patient, or every third an appointment of its own
    15 minutes (no two overlap), with a sealed payload of a typical size."""
    sealed = base64.b64encode(os.urandom(600)).decode()
    if i % 3:
        rec = {"entity": "patient", "id": f"{prefix}-p-{i}", "clear": {}}
    else:
        start = START + timedelta(minutes=15 * i)
        end = start + timedelta(minutes=15)
        rec = {
            "entity": "appointment", "id": f"{prefix}-a-{i}",
            "clear": {
                "provider_id": f"{prefix}-dr", "room_id": None, "service_id": "svc",
                "start_utc": start.isoformat(), "end_utc": end.isoformat(),
                "status": "booked", "override": False,
            },
        }  # fmt: skip
    rec.update(version=1, deleted=False, key_gen=1, sealed=sealed)
    return {"seq": i, "base_version": None, "record": rec}


def push_all(pc: httpx.Client, changes: list[dict[str, Any]], batch: int) -> list[float]:
    times = []
    for at in range(0, len(changes), batch):
        part = changes[at : at + batch]
        began = time.perf_counter()
        answer = pc.post("/v1/push", json={"first_seq": part[0]["seq"], "changes": part})
        times.append(time.perf_counter() - began)
        answer.raise_for_status()
    return times


def bench_push(url: str, code: str, n: int, batch: int) -> None:
    with connect(url, code, "FRONT-1") as pc:
        changes = [change(i, "bulk") for i in range(1, n + 1)]
        began = time.perf_counter()
        times = push_all(pc, changes, batch)
        total = time.perf_counter() - began
    print(
        f"push {n:,} changes in batches of {batch:,}: {total:.2f} s end to end "
        f"({n / total:,.0f} changes/s; median push {statistics.median(times) * 1000:.0f} ms)"
    )


def bench_pulls(url: str, code: str, pcs: int, interval: float, duration: float) -> None:
    first = connect(url, code, "PUSH-1")
    second = invite(url, first, "PUSH-2")
    pullers = [invite(url, first, f"PULL-{i}") for i in range(pcs)]
    latencies: list[float] = []
    stop = threading.Event()

    def pull(pc: httpx.Client, offset: float) -> None:
        cursor = 0
        stop.wait(offset)
        while not stop.is_set():
            began = time.perf_counter()
            while True:
                page = pc.get("/v1/pull", params={"cursor": cursor}).json()
                cursor = page["cursor"]
                if not page["more"]:
                    break
            latencies.append(time.perf_counter() - began)
            stop.wait(interval)

    def push(pc: httpx.Client, prefix: str) -> None:
        seq = 1
        while not stop.is_set():
            part = [change(i, prefix) for i in range(seq, seq + 20)]
            pc.post("/v1/push", json={"first_seq": seq, "changes": part}).raise_for_status()
            seq += 20
            stop.wait(1.0)

    threads = [
        threading.Thread(target=pull, args=(pc, interval * i / pcs)) for i, pc in enumerate(pullers)
    ] + [threading.Thread(target=push, args=(pc, p)) for pc, p in ((first, "x"), (second, "y"))]
    for thread in threads:
        thread.start()
    time.sleep(duration)
    stop.set()
    for thread in threads:
        thread.join()
    for pc in (first, second, *pullers):
        pc.close()
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if ordered else float("nan")
    print(
        f"{pcs} PCs pulling every {interval:g} s while 2 push 20 changes a second, "
        f"{len(ordered)} pulls: p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", help="the endpoint's database (default: SQLite, temporary)")
    ap.add_argument("--changes", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--pcs", type=int, default=50)
    ap.add_argument("--interval", type=float, default=30.0)
    ap.add_argument("--duration", type=float, default=90.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'endpoint.db'}"
        one = add_clinic(url, "Bench push", out=None).code
        two = add_clinic(url, "Bench pull", out=None).code
        with endpoint(url) as served:
            print(f"endpoint on {url.split('://')[0]}")
            bench_push(served, one, args.changes, args.batch)
            bench_pulls(served, two, args.pcs, args.interval, args.duration)


if __name__ == "__main__":
    main()

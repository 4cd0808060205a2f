"""Real parts for sync's fault tests: PCs with their own encrypted files, the endpoint
as a process of its own (to kill), a proxy that misbehaves like a bad network or a
load balancer, and what to compare afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import keyring
import keyring.backends.null
import pytest
from serverkit import WAIT, _read_message
from sqlalchemy import create_engine, select, text
from templates import Template, make_template

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Actor, Ctx
from receptionist.journal import audit, changefeed
from receptionist.models import Provider, Service
from receptionist.ops.patients import NewPatient, add
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.replica.records import values_of
from receptionist.schedule import catalog
from receptionist.store.storage import Database
from receptionist.store.vault import create, open_clinic
from sync import cloud

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "a long enough passphrase"

# -- PCs --------------------------------------------------------------------------------


@dataclass
class Pc:
    root: Path
    db: Database
    ctx: Ctx

    def admin(self) -> Ctx:
        return Ctx(Actor(None, "admin", "ui"), self.ctx.clock)


def tokens_in_files() -> None:
    """No keychain: device tokens go into each PC's encrypted file, so a PC driven by
    another process (to be killed) can read its own."""
    keyring.set_keyring(keyring.backends.null.Keyring())


def first_pc(root: Path, clock: FixedClock) -> Pc:
    """A clinic's first PC: a doctor, a service and two patients; not connected yet."""
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "boss", "admin-password-1")
    initialise(root, spec, clock, passphrase=PASSPHRASE)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    pc = Pc(root, db, Ctx(Actor(None, "admin", "ui"), clock))
    with db.write() as s:
        catalog.create_provider(s, pc.ctx, name="Dr Aydın")
        catalog.create_service(s, pc.ctx, name="Check-up", duration_minutes=30)
    add(db, pc.ctx, NewPatient("Ayşe", "Yılmaz", "05321234567"))
    add(db, pc.ctx, NewPatient("Omar", "Haddad"))
    return pc


def blank_pc(root: Path, clock: FixedClock) -> Pc:
    """A new PC's empty encrypted file, to join with."""
    create(root, passphrase=PASSPHRASE)
    return Pc(
        root, open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE}), Ctx(SYSTEM, clock)
    )


class BlankPcs:
    """New PCs' empty encrypted files as :func:`blank_pc` makes them, each made once a
    session (``vault.create`` runs every migration: about half a second of CPU) and
    copied for a test that joins with one. A test's second blank PC is a copy of
    another file than its first: each has its own clinic id and key, as two files
    ``create`` made would."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.made: list[Template[Any]] = []

    def copy(self, n: int, root: Path, clock: FixedClock) -> Pc:
        """What ``blank_pc(root, clock)`` makes, copied from the session's ``n``-th
        (from 0) blank file; a test gives each of its PCs another ``n``."""
        while len(self.made) <= n:
            folder = self.factory.mktemp(f"blank-pc-{len(self.made)}") / "pc"
            self.made.append(make_template(folder, lambda r: create(r, passphrase=PASSPHRASE)))
        self.made[n].copy_to(root)
        db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
        return Pc(root, db, Ctx(SYSTEM, clock))


def joined_pcs(url: str, code: str, folder: Path, clock: FixedClock, count: int = 2) -> list[Pc]:
    """``count`` PCs of one clinic on the endpoint at ``url``: the first connected with
    ``code`` and uploaded, the others joined with invitations and downloaded."""
    first = first_pc(folder / "pc-1", clock)
    cloud.connect(first.db, first.ctx, url, code, "FRONT-1")
    cloud.sync_once(first.db, clock)
    pcs = [first]
    for n in range(2, count + 1):
        pc = blank_pc(folder / f"pc-{n}", clock)
        invitation = cloud.invite(first.db, first.ctx)
        cloud.join(pc.db, pc.ctx, url, invitation.code, f"FRONT-{n}")
        cloud.sync_once(pc.db, clock)
        pcs.append(pc)
    return pcs


def catalogue(pc: Pc) -> tuple[str, str]:
    """The doctor's and the service's ids."""
    with pc.db.read() as s:
        return catalog.find(s, Provider, "Aydın").id, catalog.find(s, Service, "Check-up").id


def replica_of(db: Database) -> dict[str, list[dict[str, object]]]:
    """Every synced row of a PC, by table, in id order."""
    with db.read() as s:
        return {
            entity: sorted((values_of(r) for r in s.scalars(select(m))), key=lambda v: str(v["id"]))
            for entity, m in changefeed.synced_tables().items()
        }


def versions_of(db: Database) -> dict[tuple[str, str], int]:
    """(entity, id) → version of every synced row of a PC."""
    with db.read() as s:
        return {
            (entity, row.id): row.version
            for entity, m in changefeed.synced_tables().items()
            for row in s.scalars(select(m))
        }


def settle(*pcs: Pc) -> None:
    """Every PC syncs, all of them twice round."""
    for _ in range(2):
        for pc in pcs:
            cloud.sync_once(pc.db, pc.ctx.clock)


def audit_intact(*pcs: Pc) -> None:
    for pc in pcs:
        with pc.db.read() as s:
            result = audit.verify(s)
        assert result.ok, result.message


# -- the endpoint's database, read directly -------------------------------------------------


def server_versions(database_url: str) -> dict[tuple[str, str], int]:
    """(entity, id) → version of every live record the endpoint keeps."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT entity, id, version FROM record WHERE NOT deleted"))
            return {(r.entity, r.id): int(r.version) for r in rows}
    finally:
        engine.dispose()


def server_sequences(database_url: str) -> int:
    """How many server sequence numbers the endpoint has handed out: each write it
    applies takes one, so a change applied twice would show here."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT max(next_seq) FROM clinic")).scalar_one())
    finally:
        engine.dispose()


# -- the endpoint as a process of its own ----------------------------------------------------

SERVER = """
import os, sys, time
if os.environ.get("HOLD_PUSH"):
    from sync.server import push
    real = push.purge
    def hold(*args, **kwargs):  # the push's changes are written, not yet committed
        print("holding", flush=True)
        time.sleep(600)  # killed here
        return real(*args, **kwargs)
    push.purge = hold
from sync.cli import main
sys.exit(main(sys.argv[1:]))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONPATH"] = f"{REPO}{os.pathsep}{REPO / 'tests'}"
    env.update(extra)
    return env


@contextmanager
def server_process(database_url: str, port: int, *, hold_push: bool = False) -> Iterator[Any]:
    """``receptionist server`` on ``port`` in a process of its own; with ``hold_push``,
    a push stops before its commit and the process says "holding" on its stdout."""
    argv = [sys.executable, "-c", SERVER, "server", "--database", database_url, "--port", str(port)]
    env = child_env(**({"HOLD_PUSH": "1"} if hold_push else {}))
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}")
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(WAIT)
        assert proc.stdout is not None
        proc.stdout.close()


def _wait_healthy(proc: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:  # waits for the server, not for time to pass
        if proc.poll() is not None:
            raise RuntimeError(f"the endpoint exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError("the endpoint did not start")


def kill_when_said(proc: subprocess.Popen[str], word: str) -> threading.Thread:
    """A thread that SIGKILLs ``proc`` as soon as it prints ``word``."""
    out: IO[str] | None = proc.stdout
    assert out is not None

    def watch() -> None:
        for line in out:
            if line.strip() == word:
                proc.send_signal(signal.SIGKILL)
                return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


# -- a misbehaving network ------------------------------------------------------------------

BAD_GATEWAY = {502: b"Bad Gateway", 503: b"Service Unavailable"}


class BadNetwork:
    """A proxy between PCs and the endpoint. It answers the first requests itself with
    the statuses in ``statuses`` (a load balancer whose backend is away: an HTML page,
    no JSON), then forwards each request whole and relays the answer; ``delay`` holds
    every answer that long (a slow link); with ``trickle`` an answer's body goes one
    byte at a time, ``delay`` apart (a link that never quite stops)."""

    def __init__(
        self, target: str, *, statuses: tuple[int, ...] = (), delay: float = 0.0,
        trickle: bool = False,
    ) -> None:  # fmt: skip
        host, port = target.rsplit("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.statuses = list(statuses)
        self.delay, self.trickle = delay, trickle
        self.answered: list[int] = []  # the statuses sent, in order
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.closing:
                client.close()
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            while not self.closing:
                request = _read_message(client)
                if not request:
                    return
                with self.lock:
                    status = self.statuses.pop(0) if self.statuses else None
                if status is not None:
                    self.answered.append(status)
                    client.sendall(_gateway_page(status))
                    continue
                with socket.create_connection(self.target) as upstream:
                    upstream.sendall(request)
                    answer = _read_message(upstream)
                self.answered.append(int(answer.split(b" ", 2)[1]))
                try:
                    self._relay(client, answer)
                except OSError:
                    return

    def _relay(self, client: socket.socket, answer: bytes) -> None:
        if not self.trickle:
            time.sleep(self.delay)  # the link is slow
            client.sendall(answer)
            return
        head, _, body = answer.partition(b"\r\n\r\n")
        client.sendall(head + b"\r\n\r\n")
        for at in range(len(body)):
            if self.closing:
                return
            time.sleep(self.delay)  # a byte now and then: never quite stopped
            client.sendall(body[at : at + 1])

    def close(self) -> None:
        self.closing = True
        with suppress(OSError):
            socket.create_connection(self.listener.getsockname()).close()  # wakes accept()
        self.listener.close()


def _gateway_page(status: int) -> bytes:
    reason = BAD_GATEWAY.get(status, b"Error")
    body = b"<html><body><h1>" + reason + b"</h1></body></html>"
    head = b"HTTP/1.1 %d %s\r\ncontent-type: text/html\r\ncontent-length: %d\r\n\r\n" % (
        status,
        reason,
        len(body),
    )
    return head + body


@contextmanager
def bad_network(target: str, **how: Any) -> Iterator[BadNetwork]:
    proxy = BadNetwork(target, **how)
    try:
        yield proxy
    finally:
        proxy.close()

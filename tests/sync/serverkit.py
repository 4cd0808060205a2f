"""Real parts for the endpoint's tests: a throw-away PostgreSQL cluster, the endpoint
served by uvicorn on loopback in a thread, a proxy that loses responses, and records
as PCs send them."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.engine import make_url

from receptionist.clock import FixedClock
from sync.server.chunks import Unclaimed
from sync.server.commands import server_config
from sync.server.schema import metadata
from sync.server.store import Store, open_store

BACKENDS = ["sqlite", "postgresql"]
WAIT = 30.0  # seconds a server may take to start (a busy CI machine)


# -- PostgreSQL ---------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(versions):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


@dataclass
class PgCluster:
    """A cluster of our own in a temporary folder, on a Unix socket only."""

    bin_dir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rcp-pg-")))
    port: int = 55432
    user: str | None = None  # who runs the server (initdb refuses to run as root)
    databases: int = 0
    template_made: bool = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if os.geteuid() == 0:
            self.user = _unprivileged_user()
            user = pwd.getpwnam(self.user)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.port = _free_port()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "log"), "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}&port={self.port}"

    def new_database(self, *, empty: bool = False) -> str:
        """A fresh database, its URL: a copy of :data:`TEMPLATE` (the endpoint's
        migrations run once, in it), or with ``empty`` one that has nothing in it."""

        if not empty and not self.template_made:
            self._create(TEMPLATE, "")
            open_store(self.url(TEMPLATE)).close()  # its last connection closed: copyable
            self.template_made = True
        self.databases += 1
        name = f"endpoint_{self.databases}"
        self._create(name, "" if empty else f" TEMPLATE {TEMPLATE}")
        return self.url(name)

    def copy_of(self, url: str) -> str:
        """A new database made from the one at ``url`` (none may be connected to it)."""
        self.databases += 1
        name = f"endpoint_{self.databases}"
        self._create(name, f" TEMPLATE {make_url(url).database}")
        return self.url(name)

    def _create(self, name: str, template: str) -> None:
        import psycopg

        with psycopg.connect(
            f"host={self.root} port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name}{template}")

    def checkpoint(self) -> None:
        import psycopg

        with psycopg.connect(
            f"host={self.root} port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute("CHECKPOINT")


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root, and no postgres or nobody user to run PostgreSQL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- databases ---------------------------------------------------------------------------


# The endpoint's migrations run once a session for each backend, into a template that
# each test gets a copy of (as tests/templates.py does for clinics): on a new database
# they cost 0.1 s (SQLite: a commit with fsync for each step) to 0.3 s (PostgreSQL).
# A test of the migrations themselves is marked ``empty_database`` and gets an empty one.
TEMPLATE = "endpoint_template"


def new_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
    """A fresh database for the endpoint, its schema made by the endpoint's migrations:
    a file in ``folder``, or one of the session's PostgreSQL cluster. Empty for a test
    marked ``empty_database``."""
    empty = request.node.get_closest_marker("empty_database") is not None
    if backend == "sqlite":
        path = folder / "endpoint.db"
        if not empty:
            made: Path = request.getfixturevalue("sqlite_endpoint_template")
            shutil.copy2(made, path)  # its mode too: 0600, as the endpoint makes it
        return f"sqlite:///{path}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database(empty=empty)


def sqlite_template(folder: Path) -> Path:
    """An SQLite endpoint database its migrations made, whole in one file."""
    path = folder / "endpoint.db"
    open_store(f"sqlite:///{path}").close()
    leftovers = [p.name for p in folder.iterdir() if p != path]
    assert not leftovers, f"the template is not one file: {leftovers}"
    return path


# -- the endpoint, served ---------------------------------------------------------------


class PromptServer(uvicorn.Server):
    """uvicorn's server, stopped as soon as a test says so.

    uvicorn looks at ``should_exit`` every 0.1 s and, once it has, waits a fixed 0.1 s
    for connections to close before it looks whether they have: about 0.2 s of sleep
    for each endpoint a test serves, some hundreds of them a run. Here a stop wakes the
    main loop at once, and the shutdown looks every 5 ms. Everything else is uvicorn's:
    the same closing of the listener and of each connection, the same wait for every
    connection and task to end.
    """

    wake: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self.loop, self.wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), 0.1)  # uvicorn's tick, or a stop
            should_exit = await self.on_tick(counter)

    def stop(self) -> None:
        self.should_exit = True
        if self.loop is not None and self.wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed already
                self.loop.call_soon_threadsafe(self.wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        while self.server_state.connections or self.server_state.tasks:
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


@dataclass
class Endpoint:
    """The endpoint served by uvicorn on loopback, in a thread of this process."""

    store: Store
    clock: FixedClock
    url: str
    server: PromptServer
    thread: threading.Thread

    def client(self, token: str | None = None, base: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=base or self.url, headers=headers, timeout=60)


@contextmanager
def endpoint_at(database_url: str, clock: FixedClock) -> Iterator[Endpoint]:
    """The endpoint over the database at ``database_url``, served."""
    store = open_store(database_url)
    try:
        with serving(store, clock) as served:
            yield served
    finally:
        store.close()


@contextmanager
def serving(
    store: Store,
    clock: FixedClock,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
    port: int = 0,
    unclaimed: Unclaimed | None = None,
) -> Iterator[Endpoint]:
    """``store`` served on loopback, on ``port`` (0: any free one; a given one lets a
    test stop the endpoint and start it again where the PCs look for it)."""
    config = server_config(
        store, "127.0.0.1", 0, certfile=certfile, keyfile=keyfile, clock=clock, quiet=True,
        unclaimed=unclaimed,
    )  # fmt: skip
    server = PromptServer(config)
    # A TCP socket by name: asyncio turns Nagle's algorithm off only on connections of a
    # socket whose protocol is TCP (``socket.socket()`` says 0), and with it on each
    # answer's body waited for the client's delayed ack of its headers, 40 ms a request.
    # The endpoint's own ``listen`` asks getaddrinfo, which names TCP.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:  # waits for the server, not for time to pass
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the endpoint did not start")
        time.sleep(0.01)
    scheme = "https" if certfile else "http"
    try:
        yield Endpoint(store, clock, f"{scheme}://127.0.0.1:{port}", server, thread)
    finally:
        server.stop()
        thread.join(WAIT)
        sock.close()


# -- TLS ---------------------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own authority, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "endpoint test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# -- PCs ---------------------------------------------------------------------------------


@dataclass
class Joined:
    """A PC registered with the endpoint: its ids and a client holding its token."""

    clinic_id: str
    device_id: str
    code: str
    token: str
    http: httpx.Client


def connect(endpoint: Endpoint, code: str, name: str) -> Joined:
    """A clinic's first PC, connected with its code (close its ``http`` when done)."""
    with endpoint.client() as anonymous:
        answer = anonymous.post(
            "/v1/connect", json={"code": code, "name": name, "public_key": public_key()}
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    http = endpoint.client(body["token"])
    return Joined(body["clinic_id"], body["device_id"], body["device_code"], body["token"], http)


def join(endpoint: Endpoint, inviter: Joined, name: str) -> Joined:
    """Another PC of the inviter's clinic (close its ``http`` when done)."""
    invited = inviter.http.post("/v1/invitations", json={"wrapped_key": "d3JhcHBlZA=="})
    assert invited.status_code == 200, invited.text
    with endpoint.client() as anonymous:
        answer = anonymous.post(
            "/v1/join",
            json={"invite_id": invited.json()["invite_id"], "name": name,
                  "public_key": public_key()},
        )  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    http = endpoint.client(body["token"])
    return Joined(body["clinic_id"], body["device_id"], body["device_code"], body["token"], http)


# -- a proxy that loses responses -------------------------------------------------------


class LosingProxy:
    """Forwards each request to the endpoint, waits for the whole response (so the
    endpoint has committed), and closes the client's connection without it."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.lost: list[bytes] = []
        self.closing = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            client, _ = self.listener.accept()
            if self.closing:
                client.close()
                return
            with client, socket.create_connection(self.target) as upstream:
                upstream.sendall(_read_message(client))
                self.lost.append(_read_message(upstream))

    def close(self) -> None:
        self.closing = True
        socket.create_connection(self.listener.getsockname()).close()  # wakes accept()
        self.thread.join(WAIT)
        self.listener.close()


def _read_message(sock: socket.socket) -> bytes:
    """One HTTP message with a Content-Length body, read whole."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(found.group(1)) if found else 0
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


# -- records as PCs send them -----------------------------------------------------------


def public_key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


def sealed() -> str:
    """Opaque text standing for a sealed payload."""
    return base64.b64encode(os.urandom(48)).decode("ascii")


def record(
    entity: str, row_id: str, version: int = 1, *, deleted: bool = False, **clear: Any
) -> dict[str, Any]:
    return {
        "entity": entity, "id": row_id, "version": version, "deleted": deleted, "key_gen": 1,
        "clear": clear, "sealed": sealed(),
    }  # fmt: skip


def appointment(
    row_id: str,
    start: str,
    end: str,
    *,
    provider: str = "prov-1",
    room: str | None = None,
    version: int = 1,
    deleted: bool = False,
    status: str = "booked",
    override: bool = False,
) -> dict[str, Any]:
    """An appointment record; ``start`` and ``end`` as "HH:MM" on 2 March 2026, UTC."""
    return record(
        "appointment", row_id, version, deleted=deleted, provider_id=provider, room_id=room,
        service_id="svc-1", start_utc=f"2026-03-02T{start}:00+00:00",
        end_utc=f"2026-03-02T{end}:00+00:00", status=status, override=override,
    )  # fmt: skip


def push_body(first_seq: int, *records: dict[str, Any], base: int | None = None) -> dict[str, Any]:
    return {
        "first_seq": first_seq,
        "changes": [
            {"seq": first_seq + i, "base_version": base, "record": rec}
            for i, rec in enumerate(records)
        ],
    }


# -- the database, as it is --------------------------------------------------------------


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the endpoint, in a stable order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with store.read() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return found

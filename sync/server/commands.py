"""What the endpoint's operator runs (the CLI's ``receptionist server ...`` calls these):
:func:`add_clinic`, :func:`destructions` and :func:`serve`.

Plain HTTP is served only on loopback. Anywhere else the endpoint speaks TLS with the
certificate and key files given, unless told it sits behind a proxy that does
(``allow_plain_http``).
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import uvicorn
from sqlalchemy import Connection, select

from receptionist.clock import Clock, SystemClock
from receptionist.errors import ReceptionistError, ValidationError
from receptionist.freetext import clean_text
from receptionist.hosts import loopback
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import destroyed, devices, notary
from .app import create_app
from .chunks import Unclaimed
from .credentials import new_connect_code
from .schema import clinic
from .spent import forget_all
from .store import Store, open_store, parse_url


class PortInUse(ReceptionistError):
    """The endpoint cannot listen where it was told to."""

    exit_code = 3


@dataclass(frozen=True)
class NewClinic:
    clinic_id: str
    name: str
    code: str
    expires_at: datetime

    def message(self) -> Text:
        return Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Clinic {name} added. Its one-time connect code, valid until {until} UTC: "
                "{code}\nOn the clinic's first PC run: receptionist cloud connect --server "
                "URL --code {code}",
            ),
            name=self.name,
            until=self.expires_at.strftime("%Y-%m-%d %H:%M"),
            code=self.code,
        )


def add_clinic(
    database_url: str,
    name: str,
    *,
    clock: Clock | None = None,
    out: TextIO | None = sys.stdout,
) -> NewClinic:
    """Add a clinic to the endpoint's database (made and migrated if need be) and print
    its one-time connect code (to ``out``, unless None)."""
    try:
        cleaned = clean_text(name, "clinic_name", 200, lines=False)
    except ValidationError as refused:  # named as the CLI's option
        raise ValidationError("name", refused.args[0]) from None
    if not cleaned:
        raise ValidationError(
            "name", Text(QT_TRANSLATE_NOOP("core", "The clinic's --name is empty; give one."))
        )
    now, code = (clock or SystemClock()).now(), new_connect_code()
    store = open_store(database_url)
    try:
        with store.write() as conn:
            clinic_id = devices.new_clinic(conn, cleaned, code, now)
        notary.ensure_key(store, clock or SystemClock())  # the endpoint's, made once
    finally:
        store.close()
    added = NewClinic(clinic_id, cleaned, code, now + devices.CONNECT_CODE_LIFE)
    if out is not None:
        print(added.message(), file=out)
    return added


def destructions(
    database_url: str, *, clinic_id: str | None = None, since: date | None = None
) -> list[destroyed.Destroyed]:
    """The endpoint's destruction records (of one clinic, from a day on, when given).
    A SQLite file that is not there is refused, not made: a mistyped path would read
    as an endpoint that destroyed nothing."""
    url = parse_url(database_url)
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).is_file():
        raise ValidationError(
            "database",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "There is no endpoint database at {path}; check the --database value "
                    "(the file the endpoint is served from).",
                ),
                path=str(url.database),
            ),
        )
    store = open_store(database_url)
    try:
        with store.read() as conn:
            if clinic_id is not None:
                _known_clinic(conn, clinic_id)
            return destroyed.read(conn, clinic_id=clinic_id, since=since)
    finally:
        store.close()


def _known_clinic(conn: Connection, clinic_id: str) -> None:
    """A mistyped id is not a clinic nothing was destroyed of: refused, naming --clinic."""
    if conn.scalar(select(clinic.c.id).where(clinic.c.id == clinic_id)) is None:
        raise ValidationError(
            "clinic",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The endpoint has no clinic {clinic}; give the id `server add-clinic` "
                    "printed, or leave --clinic out to see every clinic's.",
                ),
                clinic=clinic_id,
            ),
        )


def serve(
    database_url: str,
    host: str,
    port: int,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
    allow_plain_http: bool = False,
) -> None:
    """Serve the endpoint until interrupted; the schema is migrated first."""
    check_listen(host, port, certfile, keyfile, allow_plain_http=allow_plain_http)
    listening = listen(host, port)
    try:
        store = open_store(database_url)
        try:
            with store.write() as conn:  # what was spent while the endpoint was down
                forget_all(conn, SystemClock().now())
            config = server_config(store, host, port, certfile=certfile, keyfile=keyfile)
            uvicorn.Server(config).run(sockets=[listening])
        finally:
            store.close()
    finally:
        listening.close()


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host`` and ``port`` (uvicorn would exit the process if it
    could not bind one: here it is an error the CLI words)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = found[0]
        sock = socket.socket(family, kind, proto)
    except OSError:
        raise ValidationError("host", _cannot_listen(host, port)) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise PortInUse(_cannot_listen(host, port)) from None
    sock.set_inheritable(True)
    return sock


def _cannot_listen(host: str, port: int) -> Text:
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The endpoint cannot listen on {host} port {port}: another program uses it, "
            "or the address is not this machine's. Give another --port or --host.",
        ),
        host=host,
        port=port,
    )


def server_config(
    store: Store,
    host: str,
    port: int,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
    clock: Clock | None = None,
    quiet: bool = False,
    unclaimed: Unclaimed | None = None,
) -> uvicorn.Config:
    """uvicorn's settings for the endpoint over ``store`` (tests run it in a thread,
    ``quiet``: leaving the process's logging as it is, and logging no requests)."""
    extra: dict[str, Any] = {"log_config": None, "access_log": False} if quiet else {}
    return uvicorn.Config(
        create_app(store, clock, unclaimed=unclaimed),
        host=host,
        port=port,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        http="h11",
        ws="none",
        lifespan="off",
        server_header=False,
        log_level="warning" if quiet else "info",
        **extra,
    )


def check_listen(
    host: str, port: int, certfile: str | None, keyfile: str | None, *, allow_plain_http: bool
) -> None:
    """ValidationError, naming the option, for a way to listen the endpoint refuses."""
    if not 0 < port < 65536:
        raise ValidationError(
            "port", Text(QT_TRANSLATE_NOOP("core", "The --port must be from 1 to 65535."))
        )
    if (certfile is None) != (keyfile is None):
        raise ValidationError(
            "tls-key",
            Text(QT_TRANSLATE_NOOP("core", "Give --tls-cert and --tls-key together, or neither.")),
        )
    for option, path in (("tls-cert", certfile), ("tls-key", keyfile)):
        if path is not None and not Path(path).is_file():
            raise ValidationError(
                option,
                Text(
                    QT_TRANSLATE_NOOP("core", "The --{option} file {path} does not exist."),
                    option=option,
                    path=path,
                ),
            )
    if certfile is None and not allow_plain_http and not loopback(host):
        raise ValidationError(
            "host",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The endpoint serves plain HTTP only on loopback; to listen on {host} "
                    "give --tls-cert and --tls-key, or --allow-plain-http if a proxy in "
                    "front of it speaks TLS.",
                ),
                host=host,
            ),
        )

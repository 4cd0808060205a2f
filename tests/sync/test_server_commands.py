"""The operator's side of the endpoint: adding a clinic, serving (TLS off loopback),
the schema its migrations make, and the OpenAPI document."""

from __future__ import annotations

import io
import socket
import ssl
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from serverkit import Endpoint, self_signed, serving
from sqlalchemy import text

from receptionist.clock import FixedClock
from receptionist.errors import NotOurFile, ValidationError
from sync.server import migrate
from sync.server.commands import PortInUse, add_clinic, check_listen, serve
from sync.server.schema import metadata
from sync.server.store import Unreachable, open_store


def test_add_clinic_prints_a_one_time_connect_code(tmp_path: Path, clock: FixedClock) -> None:
    out = io.StringIO()
    added = add_clinic(f"sqlite:///{tmp_path / 'e.db'}", "  Kadıköy Clinic ", clock=clock, out=out)
    assert added.name == "Kadıköy Clinic" and added.expires_at == clock.now() + timedelta(hours=24)
    assert len(added.code) == 23 and added.code.count("-") == 3
    printed = out.getvalue()
    assert added.code in printed and "2026-03-03 07:00" in printed
    assert "receptionist cloud connect" in printed


@pytest.mark.parametrize(
    ("url", "name", "field"),
    [
        ("sqlite:///{tmp}/e.db", "   ", "name"),
        ("sqlite:///{tmp}/e.db", "Two\nlines", "name"),
        ("mysql://somewhere/db", "Clinic", "database"),
        ("not a url", "Clinic", "database"),
        ("sqlite://", "Clinic", "database"),
        ("sqlite:///{tmp}/missing/e.db", "Clinic", "database"),
    ],
)
def test_add_clinic_refuses_bad_input_naming_it(
    tmp_path: Path, url: str, name: str, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        add_clinic(url.format(tmp=tmp_path), name, out=None)
    assert refused.value.field == field
    assert not (tmp_path / "e.db").exists()  # nothing was made


def test_plain_http_is_served_only_on_loopback(tmp_path: Path) -> None:
    for host in ("127.0.0.1", "::1", "localhost"):
        check_listen(host, 8080, None, None, allow_plain_http=False)
    with pytest.raises(ValidationError) as refused:
        serve(f"sqlite:///{tmp_path / 'e.db'}", "0.0.0.0", 8080)
    assert refused.value.field == "host" and "--tls-cert" in str(refused.value)
    assert not (tmp_path / "e.db").exists()
    check_listen("0.0.0.0", 8080, None, None, allow_plain_http=True)  # behind a TLS proxy
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(ValidationError) as half:
        check_listen("0.0.0.0", 8443, str(cert), None, allow_plain_http=False)
    assert half.value.field == "tls-key"
    with pytest.raises(ValidationError) as missing:
        check_listen("0.0.0.0", 8443, str(cert), str(tmp_path / "nokey.pem"),
                     allow_plain_http=False)  # fmt: skip
    assert missing.value.field == "tls-key"
    with pytest.raises(ValidationError) as port:
        check_listen("127.0.0.1", 70000, None, None, allow_plain_http=False)
    assert port.value.field == "port"


def test_the_endpoint_speaks_tls_with_the_files_given(tmp_path: Path, clock: FixedClock) -> None:
    cert, key = self_signed(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'e.db'}")
    try:
        with serving(store, clock, certfile=str(cert), keyfile=str(key)) as served:
            assert served.url.startswith("https://")
            trusted = ssl.create_default_context(cafile=str(cert))
            with httpx.Client(verify=trusted) as client:
                assert client.get(f"{served.url}/health").json() == {"ok": True}
            with httpx.Client() as unverified, pytest.raises(httpx.ConnectError):
                unverified.get(f"{served.url}/health")  # not a certificate the system trusts
    finally:
        store.close()


def test_the_openapi_document_describes_the_protocol(endpoint: Endpoint) -> None:
    with endpoint.client() as anonymous:
        document = anonymous.get("/openapi.json").json()
    assert {
        "/v1/connect", "/v1/invitations", "/v1/join", "/v1/envelopes", "/v1/devices",
        "/v1/devices/{device_id}/revoke", "/v1/push", "/v1/pull", "/v1/conflicts",
        "/v1/conflicts/{conflict_id}/resolve", "/v1/reseal", "/v1/chunks",
        "/v1/endpoint-key", "/v1/anchors/checkpoint",
    } <= set(document["paths"])  # fmt: skip
    assert {"get", "put"} <= set(document["paths"]["/v1/chunks"])
    schemas = document["components"]["schemas"]
    assert {"PushIn", "PushOut", "PullOut", "ConflictOut", "ChunkIn", "ChunkOut"} <= set(schemas)
    assert "horizon" in schemas["PullOut"]["properties"]
    assert "HTTPBearer" in document["components"]["securitySchemes"]


@pytest.mark.empty_database
def test_the_migrations_make_the_schema_the_code_reads(endpoint: Endpoint) -> None:
    engine = endpoint.store.engine
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": migrate.VERSION_TABLE})
        differences = compare_metadata(context, metadata)
        assert not differences, differences
        assert migrate.current_revision(conn) == migrate.head_revision()
        if engine.dialect.name == "postgresql":
            constraints = conn.execute(
                text("SELECT conname FROM pg_constraint WHERE contype = 'x' ORDER BY conname")
            ).scalars()
            assert list(constraints) == ["ex_record_provider_overlap", "ex_record_room_overlap"]
        else:
            triggers = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            ).scalars()
            assert list(triggers) == [
                "record_no_double_booking_insert", "record_no_double_booking_update",
            ]  # fmt: skip
    open_store(str(engine.url.render_as_string(hide_password=False))).close()  # again: nothing


def test_a_database_from_a_newer_endpoint_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    store = open_store(url)
    with store.write() as conn:
        conn.execute(text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = 's9999'"))
    store.close()
    with pytest.raises(NotOurFile):
        open_store(url)


def test_a_port_in_use_or_a_database_out_of_reach_is_an_error_not_an_exit(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(PortInUse) as busy:
            serve(f"sqlite:///{tmp_path / 'e.db'}", "127.0.0.1", taken.getsockname()[1])
    assert busy.value.exit_code == 3 and "--port" in str(busy.value)
    assert not (tmp_path / "e.db").exists()
    (tmp_path / "folder.db").mkdir()
    for url in (
        f"sqlite:///{tmp_path / 'folder.db'}",
        f"postgresql+psycopg://someone:secret@/endpoint?host={tmp_path}&port=9",
    ):
        with pytest.raises(Unreachable) as unreachable:
            open_store(url)
        assert unreachable.value.exit_code == 3 and "secret" not in str(unreachable.value)

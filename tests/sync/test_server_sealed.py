"""The endpoint's files hold no patient's name, phone or note: a PC clinic with a
marker patient is pushed whole, as ``receptionist.replica.records.encode`` seals it,
and every byte of the server's database (SQLite's file and WAL; PostgreSQL's data
folder, after a checkpoint) is searched for the markers. A scan over 4 MB goes as its
sealed chunks (``PUT /v1/chunks``, as ``replica.chunks`` seals them): its text too.
The national ID, birth date and a call's summary are searched for too (the issue
names them; before, no marker stood for them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import make_clinic, make_provider, make_room, make_service, weekdays
from serverkit import Endpoint, Joined, PgCluster, push_body
from sqlalchemy.engine import make_url

from receptionist.context import Ctx
from receptionist.journal import changefeed
from receptionist.patients import commlog, documents
from receptionist.patients import record as patients
from receptionist.privacy import restriction
from receptionist.replica.chunks import encode_staged as encode
from receptionist.replica.chunks import outgoing
from receptionist.replica.seal import ClinicKey
from receptionist.schedule import booking
from receptionist.store.storage import Database

MARKERS = {
    "given name": "Zebulonia",
    "family name": "Quillfeatherby",
    "phone": "9876543",
    "e-mail": "zq.marker@example.org",
    "address": "Plovercrest Sokak",
    "patient note": "Allergic to marker-penicillin",
    "appointment note": "Bring the marker X-ray",
    "front-desk alert": "Needs marker-wheelchair ramp",
    "restriction reason": "marker-dispute over her record",
    "document's name": "marker-mri-report.pdf",
    "document's text": "Diagnosis: marker-meniscus tear",
    "national ID": "10000000146",
    "birth date": "1937-02-11",
    "call's summary": "Asked about the marker-invoice",
}


@pytest.fixture
def pc_records(db: Database, ctx: Ctx, first_pc: Joined) -> list[dict[str, object]]:
    """Every synced row of a PC clinic holding the marker patient, as records."""
    from datetime import UTC, datetime

    with db.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        doctor = make_provider(s, ctx, "Dr Aydın").id
        service = make_service(s, ctx, "Check-up", 30).id
        room = make_room(s, ctx, "Room 1").id
        patient = patients.create_patient(
            s, ctx, given_name=MARKERS["given name"], family_name=MARKERS["family name"],
            phone="0532 987 65 43", email=MARKERS["e-mail"], address=MARKERS["address"] + " 4",
            notes=MARKERS["patient note"], consents={"reminder_sms": True, "optional_data": True},
            alert=MARKERS["front-desk alert"], national_id=MARKERS["national ID"],
            birth_date=MARKERS["birth date"],
        ).id  # fmt: skip
        commlog.add(s, ctx, patient, channel="phone", direction="in",
                    summary=MARKERS["call's summary"])  # fmt: skip
        restriction.restrict(s, ctx, patient, MARKERS["restriction reason"])
        booking.book(
            s, ctx, patient_id=patient, provider_id=doctor, service_id=service, room_id=room,
            start=datetime(2026, 3, 2, 8, 0, tzinfo=UTC), notes=MARKERS["appointment note"],
        )  # fmt: skip
        text = (MARKERS["document's text"] + "\n").encode() * 200_000  # 6.4 MB: chunked
        documents.attach(s, ctx, patient, MARKERS["document's name"], text)
    key = ClinicKey.new(1)
    with db.write() as s:
        records = [
            encode(s, row, first_pc.clinic_id, key)
            for model in changefeed.synced_tables().values()
            for row in s.query(model).all()
        ]
        sent = [c.to_json() for c in outgoing(s, records)]
        assert len(sent) == 2, "the scan's two chunks"
        s.rollback()
    return [*[r.to_json() for r in records], *({"chunk": c} for c in sent)]


def server_files(endpoint: Endpoint, request: pytest.FixtureRequest) -> list[Path]:
    if endpoint.store.dialect == "sqlite":
        path = Path(str(make_url(str(endpoint.store.engine.url)).database))
        return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    cluster.checkpoint()
    return [p for p in cluster.data.rglob("*") if p.is_file()]


def _bytes_of(path: Path) -> bytes:
    """The file's bytes; none for one PostgreSQL removed since the folder was listed
    (it rewrites files such as ``pg_internal.init`` as it goes)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def test_the_endpoint_keeps_no_patient_data_in_its_files(
    endpoint: Endpoint,
    first_pc: Joined,
    pc_records: list[dict[str, object]],
    request: pytest.FixtureRequest,
) -> None:
    for sent in [r["chunk"] for r in pc_records if "chunk" in r]:
        assert first_pc.http.put("/v1/chunks", json=sent).status_code == 200
    pc_records = [r for r in pc_records if "chunk" not in r]
    answer = first_pc.http.post("/v1/push", json=push_body(1, *pc_records))
    assert answer.status_code == 200, answer.text
    assert {r["outcome"] for r in answer.json()["results"]} == {"applied"}
    assert {"patient_document", "communication_entry"} <= {r["entity"] for r in pc_records}
    (appointment,) = [r for r in pc_records if r["entity"] == "appointment"]
    provider_id = appointment["clear"]["provider_id"]  # type: ignore[index]

    files = server_files(endpoint, request)
    data = b"".join(_bytes_of(p) for p in files)

    assert provider_id.encode() in data  # the search reads where the records rest
    for what, marker in MARKERS.items():
        for form in {marker, marker.lower(), marker.upper()}:
            assert form.encode("utf-8") not in data, f"the {what} is readable on the server"

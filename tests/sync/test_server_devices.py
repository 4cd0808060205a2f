"""Devices on the endpoint: the first PC's connect, invitations and joins (each code
used once, before it expires), patient-number codes in order, key envelopes, the
device list and revocation."""

from __future__ import annotations

from serverkit import Endpoint, Joined, appointment, connect, join, public_key, push_body, record
from sqlalchemy import select

from sync.server.commands import NewClinic
from sync.server.credentials import device_code
from sync.server.schema import connect_code, device, invitation


def test_the_first_pc_connects_once_with_its_code(
    endpoint: Endpoint, new_clinic: NewClinic, first_pc: Joined
) -> None:
    assert first_pc.code == "A" and first_pc.clinic_id == new_clinic.clinic_id
    with endpoint.client() as anonymous:
        again = anonymous.post(
            "/v1/connect",
            json={"code": new_clinic.code, "name": "FRONT-9", "public_key": public_key()},
        )
    assert again.status_code == 401 and again.json()["error"] == "used"
    with endpoint.store.read() as conn:
        (token_hash,) = conn.execute(select(device.c.token_hash)).one()
        (used_by,) = conn.execute(select(connect_code.c.used_by)).one()
    assert token_hash != first_pc.token and len(token_hash) == 64  # only its hash is kept
    assert used_by == first_pc.device_id


def test_a_connect_code_is_typed_loosely_and_expires(
    endpoint: Endpoint, new_clinic: NewClinic
) -> None:
    typed = new_clinic.code.lower().replace("-", " ").replace("0", "o")
    endpoint.clock.advance(hours=25)
    with endpoint.client() as anonymous:
        late = anonymous.post(
            "/v1/connect", json={"code": typed, "name": "FRONT-1", "public_key": public_key()}
        )
        assert late.status_code == 401 and late.json()["error"] == "expired"
        endpoint.clock.advance(hours=-2)
        joined = anonymous.post(
            "/v1/connect", json={"code": typed, "name": "FRONT-1", "public_key": public_key()}
        )
    assert joined.status_code == 200 and joined.json()["device_code"] == "A"


def test_invited_pcs_join_with_the_wrapped_key_and_the_next_codes(
    endpoint: Endpoint, first_pc: Joined
) -> None:
    invited = first_pc.http.post("/v1/invitations", json={"wrapped_key": "c2VhbGVkIGtleQ=="})
    invite_id = invited.json()["invite_id"]
    assert "." not in invite_id
    with endpoint.client() as anonymous:
        joined = anonymous.post(
            "/v1/join", json={"invite_id": invite_id, "name": "FRONT-2", "public_key": public_key()}
        )
        assert joined.status_code == 200
        body = joined.json()
        assert body["device_code"] == "B" and body["wrapped_key"] == "c2VhbGVkIGtleQ=="
        assert body["clinic_id"] == first_pc.clinic_id
        again = anonymous.post(
            "/v1/join", json={"invite_id": invite_id, "name": "FRONT-3", "public_key": public_key()}
        )
        assert again.status_code == 401 and again.json()["error"] == "used"
    with endpoint.store.read() as conn:
        kept = conn.execute(select(invitation.c.wrapped_key, invitation.c.used_by)).one()
    assert tuple(kept) == ("", body["device_id"])  # the wrapped key is not kept once used
    third = join(endpoint, first_pc, "FRONT-3")
    with third.http:
        assert third.code == "C"
        listed = first_pc.http.get("/v1/devices").json()["devices"]
        assert [(d["code"], d["name"]) for d in listed] == [
            ("A", "FRONT-1"), ("B", "FRONT-2"), ("C", "FRONT-3"),
        ]  # fmt: skip


def test_a_revoked_pcs_code_is_never_handed_out_again(endpoint: Endpoint, first_pc: Joined) -> None:
    second = join(endpoint, first_pc, "FRONT-2")
    with second.http:
        first_pc.http.post(f"/v1/devices/{second.device_id}/revoke")
    third = join(endpoint, first_pc, "FRONT-3")
    with third.http:
        assert third.code == "C"
    assert [device_code(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip


def test_envelopes_are_kept_per_device_and_generation(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    put = first_pc.http.post(
        "/v1/envelopes",
        json={"envelopes": [
            {"device_id": first_pc.device_id, "generation": 1, "blob": "b25lLWE="},
            {"device_id": second_pc.device_id, "generation": 1, "blob": "b25lLWI="},
            {"device_id": second_pc.device_id, "generation": 2, "blob": "dHdvLWI="},
        ]},
    )  # fmt: skip
    assert put.status_code == 200
    mine = second_pc.http.get("/v1/envelopes").json()["envelopes"]
    assert [(e["generation"], e["blob"]) for e in mine] == [(1, "b25lLWI="), (2, "dHdvLWI=")]
    assert [e["blob"] for e in first_pc.http.get("/v1/envelopes").json()["envelopes"]] == [
        "b25lLWE="
    ]
    # Written again (a retried request): replaced, not doubled.
    second_pc.http.post(
        "/v1/envelopes",
        json={"envelopes": [{"device_id": second_pc.device_id, "generation": 2, "blob": "eA=="}]},
    )
    mine = second_pc.http.get("/v1/envelopes").json()["envelopes"]
    assert [(e["generation"], e["blob"]) for e in mine] == [(1, "b25lLWI="), (2, "eA==")]
    # None for a revoked device: it must not read what is written after.
    first_pc.http.post(f"/v1/devices/{second_pc.device_id}/revoke")
    refused = first_pc.http.post(
        "/v1/envelopes",
        json={"envelopes": [{"device_id": second_pc.device_id, "generation": 3, "blob": "eA=="}]},
    )
    assert refused.status_code == 400 and "envelopes.0.device_id" in refused.json()["message"]


def test_a_clinic_sees_and_touches_only_its_own_rows(
    endpoint: Endpoint, first_pc: Joined, database_url: str
) -> None:
    from sync.server.commands import add_clinic

    mine = [record("patient", "p-1"), appointment("a-1", "08:00", "08:30", provider="dr-x")]
    first_pc.http.post("/v1/push", json=push_body(1, *mine))
    other_clinic = add_clinic(database_url, "Other", clock=endpoint.clock, out=None)
    other = connect(endpoint, other_clinic.code, "OTHER-1")
    with other.http:
        assert other.code == "A"  # codes are per clinic
        devices = other.http.get("/v1/devices").json()["devices"]
        assert [d["id"] for d in devices] == [other.device_id]
        assert other.http.get("/v1/pull").json()["records"] == []
        # The same ids, the same provider at the same time: rows of its own clinic.
        theirs = [
            record("patient", "p-1", 5),
            appointment("a-1", "08:00", "08:30", provider="dr-x", version=5),
        ]
        answer = other.http.post("/v1/push", json=push_body(1, *theirs)).json()
        assert [r["outcome"] for r in answer["results"]] == ["applied", "applied"]
    pulled = first_pc.http.get("/v1/pull").json()
    assert [(r["id"], r["version"], r["sealed"]) for r in pulled["records"]] == [
        (r["id"], 1, r["sealed"]) for r in mine
    ]


def test_an_invitations_id_never_starts_with_a_dash() -> None:
    """``receptionist join --code -x...`` reads the code as an option ("expected one
    argument", exit 2): before, one invitation in 64 could not be typed as shown."""
    from sync.server.credentials import new_invite_id

    made = [new_invite_id() for _ in range(3000)]  # a dash first: 47 expected before
    assert not [code for code in made if code.startswith("-")]
    assert len(set(made)) == len(made) and all(len(code) == 22 for code in made)

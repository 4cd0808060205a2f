"""The endpoint lets go of spent credentials (issue #14: authentication tokens only as
long as a session needs): an expired invitation's wrapped clinic key at once, used or
expired invitations and connect codes a week on, and a revoked device's token hash a
week on (its row stays: its code is never handed out again)."""

from __future__ import annotations

from serverkit import Endpoint, Joined, join
from sqlalchemy import func, select

from sync.server.schema import connect_code, device, invitation
from sync.server.spent import GRACE


def rows(endpoint: Endpoint, table: object) -> int:
    with endpoint.store.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_an_expired_invitation_loses_its_key_then_its_row(
    endpoint: Endpoint, first_pc: Joined
) -> None:
    made = first_pc.http.post("/v1/invitations", json={"wrapped_key": "a2V5", "hours": 1})
    assert made.status_code == 200, made.text
    endpoint.clock.advance(hours=2)  # expired, never used
    with endpoint.store.read() as conn:
        assert conn.scalar(select(invitation.c.wrapped_key)) == "a2V5"  # nothing ran yet
    first_pc.http.post("/v1/invitations", json={"wrapped_key": "bmV3"})  # a write runs it
    with endpoint.store.read() as conn:
        keys = sorted(conn.scalars(select(invitation.c.wrapped_key)))
    assert keys == ["", "bmV3"], "the expired one's clinic key is gone at once"
    with endpoint.client() as anonymous:  # still told why, within the grace
        answer = anonymous.post(
            "/v1/join", json={"invite_id": made.json()["invite_id"], "name": "X",
                              "public_key": "A" * 43 + "="},
        )  # fmt: skip
    assert answer.json()["error"] == "expired"
    assert rows(endpoint, connect_code) == 1  # the first PC's, used
    endpoint.clock.advance(hours=GRACE.total_seconds() / 3600 + 1)
    first_pc.http.post("/v1/invitations", json={"wrapped_key": "bGF0ZXI="})
    with endpoint.store.read() as conn:
        # The first went (a week past its time); the second, expired since, lost its key.
        assert sorted(conn.scalars(select(invitation.c.wrapped_key))) == ["", "bGF0ZXI="]
    assert rows(endpoint, connect_code) == 0, "the used connect code went after the grace"


def test_a_revoked_devices_token_hash_goes_after_the_grace(
    endpoint: Endpoint, first_pc: Joined
) -> None:
    second = join(endpoint, first_pc, "FRONT-2")
    with second.http:
        first_pc.http.post(f"/v1/devices/{second.device_id}/revoke")
        assert second.http.get("/v1/pull").json()["error"] == "revoked"
        endpoint.clock.advance(hours=GRACE.total_seconds() / 3600 + 1)
        first_pc.http.post(f"/v1/devices/{second.device_id}/revoke")  # again: runs it
        with endpoint.store.read() as conn:
            hashes = dict(conn.execute(select(device.c.id, device.c.token_hash)).all())
        assert hashes[second.device_id] == f"revoked:{second.device_id}"
        assert len(hashes[first_pc.device_id]) == 64, "a live device keeps its hash"
        late = second.http.get("/v1/pull")
        assert late.status_code == 401 and late.json()["error"] != "revoked"
    third = join(endpoint, first_pc, "FRONT-3")
    with third.http:
        assert third.code == "C", "the revoked device's row (and code) stays"

"""Requests the endpoint refuses: each gets a clean 4xx, ``{"error", "message"}``, and
writes nothing at all."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from serverkit import (
    BACKENDS,
    Endpoint,
    Joined,
    appointment,
    connect,
    endpoint_at,
    join,
    new_database,
    push_body,
    record,
    snapshot,
)

from receptionist.clock import FixedClock
from sync.server.commands import add_clinic
from sync.server.limits import LIMIT


@dataclass
class Scene:
    """What a bad request is sent in: the endpoint, this clinic's first PC, a PC of
    another clinic (with a conflict of its own), a used connect code, an invitation."""

    endpoint: Endpoint
    me: Joined
    other: Joined
    other_conflict: str
    used_code: str
    invite_id: str


Send = Callable[[Scene], httpx.Response]


def with_change(**changes: Any) -> dict[str, Any]:
    body = push_body(1, record("patient", "p-1"))
    body["changes"][0].update(changes)
    return body


def with_record(**fields: Any) -> dict[str, Any]:
    body = push_body(1, record("patient", "p-1"))
    body["changes"][0]["record"].update(fields)
    return body


def appointment_with(**clear: Any) -> dict[str, Any]:
    rec = appointment("a-1", "08:00", "08:30")
    rec["clear"].update(clear)
    return push_body(1, rec)


def push_raw(content: bytes, **headers: str) -> Send:
    return lambda s: s.me.http.post("/v1/push", content=content, headers=headers)


def push_json(body: Any) -> Send:
    return lambda s: s.me.http.post("/v1/push", json=body)


def chunked_body() -> Iterator[bytes]:
    chunk = b" " * (1024 * 1024)
    for _ in range(LIMIT // len(chunk) + 1):
        yield chunk
    yield b"{}"


CASES: dict[str, tuple[Send, int, str]] = {
    "malformed JSON": (
        push_raw(b'{"first_seq": 1, "changes": [', **{"Content-Type": "application/json"}),
        400, "malformed_json",
    ),
    "not JSON, no content type": (push_raw(b"first_seq=1"), 400, "malformed_json"),
    "a number as text": (push_json(with_change(seq="1")), 400, "bad_request"),
    "true as 1": (push_json(with_record(deleted=1)), 400, "bad_request"),
    "a list for an object": (push_json([1, 2]), 400, "bad_request"),
    "clear not an object": (push_json(with_record(clear=[])), 400, "bad_request"),
    "no sealed text": (push_json(with_record(sealed="")), 400, "bad_request"),
    "a version behind its base": (push_json(with_change(base_version=1)), 400, "bad_request"),
    "sequences with a hole": (
        push_json({"first_seq": 1, "changes": [
            {"seq": 1, "record": record("patient", "p-1")},
            {"seq": 3, "record": record("patient", "p-2")},
        ]}),
        400, "bad_request",
    ),
    "unknown entity": (push_json(with_record(entity="password")), 400, "unknown_entity"),
    "clear fields on a patient": (push_json(with_record(clear={"name": "x"})), 400,
                                  "bad_request"),
    "an appointment without its room field": (
        push_json(push_body(1, {**appointment("a-1", "08:00", "08:30"),
                                "clear": {"provider_id": "p", "service_id": "s"}})),
        400, "bad_request",
    ),
    "an appointment ending before it starts": (
        push_json(appointment_with(end_utc="2026-03-02T07:00:00+00:00")), 400, "bad_request",
    ),
    "an appointment's time without its offset": (
        push_json(appointment_with(start_utc="2026-03-02T08:00:00")), 400, "bad_request",
    ),
    "a huge sequence number": (push_json(with_change(seq=2**70)), 400, "bad_request"),
    "a cursor that is no number": (
        lambda s: s.me.http.get("/v1/pull", params={"cursor": "soon"}),
        400, "bad_request",
    ),
    "another clinic's device revoked": (
        lambda s: s.me.http.post(f"/v1/devices/{s.other.device_id}/revoke"),
        404, "not_found",
    ),
    "an envelope for another clinic's device": (
        lambda s: s.me.http.post("/v1/envelopes", json={"envelopes": [
            {"device_id": s.other.device_id, "generation": 1, "blob": "eA=="}]}),
        404, "not_found",
    ),
    "another clinic's conflict resolved": (
        lambda s: s.me.http.post(
            f"/v1/conflicts/{s.other_conflict}/resolve", json={"resolution": "moved"}),
        404, "not_found",
    ),
    "no token": (
        lambda s: httpx.post(f"{s.endpoint.url}/v1/push", json=push_body(1)),
        401, "unauthorized",
    ),
    "a token nobody holds": (
        lambda s: httpx.get(f"{s.endpoint.url}/v1/pull",
                                       headers={"Authorization": "Bearer not-a-token"}),
        401, "unauthorized",
    ),
    "a used connect code": (
        lambda s: httpx.post(f"{s.endpoint.url}/v1/connect", json={
            "code": s.used_code, "name": "FRONT-9", "public_key": "A" * 43 + "="}),
        401, "used",
    ),
    "an expired invitation": (
        lambda s: (s.endpoint.clock.advance(hours=2), httpx.post(f"{s.endpoint.url}/v1/join", json={
            "invite_id": s.invite_id, "name": "FRONT-9", "public_key": "A" * 43 + "="}))[1],
        401, "expired",
    ),
    "an unknown invitation": (
        lambda s: httpx.post(f"{s.endpoint.url}/v1/join", json={
            "invite_id": "nobody-made-this", "name": "FRONT-9", "public_key": "A" * 43 + "="}),
        401, "unknown_code",
    ),
    "a public key that is not one": (
        lambda s: httpx.post(f"{s.endpoint.url}/v1/join", json={
            "invite_id": "x", "name": "FRONT-9", "public_key": "c2hvcnQ="}),
        400, "bad_request",
    ),
    "a body over the limit": (
        push_raw(b" " * (LIMIT + 1), **{"Content-Type": "application/json"}), 413, "too_large",
    ),
    "a chunked body over the limit": (
        lambda s: s.me.http.post("/v1/push", content=chunked_body(),
                                          headers={"Content-Type": "application/json"}),
        413, "too_large",
    ),
    "an unknown address": (lambda s: s.me.http.get("/v1/nothing"), 404, "not_found"),
    "a wrong method": (lambda s: s.me.http.get("/v1/push"), 405,
                       "method_not_allowed"),
}  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def scene(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    """One endpoint for every case on a backend: a refused request writes nothing, so
    none changes what the next one meets."""
    url = new_database(request, request.param, tmp_path_factory.mktemp("refusals"))
    clock = FixedClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    mine = add_clinic(url, "Kadıköy Clinic", clock=clock, out=None)
    theirs = add_clinic(url, "Other Clinic", clock=clock, out=None)
    with endpoint_at(url, clock) as endpoint:
        me, other = connect(endpoint, mine.code, "FRONT-1"), connect(endpoint, theirs.code, "B-1")
        with me.http, other.http:
            invited = me.http.post("/v1/invitations", json={"wrapped_key": "eA==", "hours": 1})
            two = push_body(1, *(appointment(f"o-{i}", "08:00", "08:30") for i in (1, 2)))
            results = other.http.post("/v1/push", json=two).json()["results"]
            yield Scene(endpoint, me, other, results[1]["conflict_id"], mine.code,
                        invited.json()["invite_id"])  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_request_gets_a_clean_refusal_and_writes_nothing(case: str, scene: Scene) -> None:
    send, status, error = CASES[case]
    before = snapshot(scene.endpoint.store)

    answer = send(scene)

    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error and isinstance(body["message"], str) and body["message"]
    assert snapshot(scene.endpoint.store) == before


def test_a_revoked_pc_is_refused_at_once(endpoint: Endpoint, first_pc: Joined) -> None:
    second = join(endpoint, first_pc, "FRONT-2")
    with second.http:
        assert second.http.get("/v1/pull").status_code == 200
        revoked = first_pc.http.post(f"/v1/devices/{second.device_id}/revoke")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        before = snapshot(endpoint.store)
        for answer in (
            second.http.get("/v1/pull"),
            second.http.post("/v1/push", json=push_body(1, record("patient", "p-1"))),
            second.http.get("/v1/envelopes"),
            second.http.post("/v1/invitations", json={"wrapped_key": "eA=="}),
            second.http.post(f"/v1/devices/{first_pc.device_id}/revoke"),
        ):
            assert answer.status_code == 401 and answer.json()["error"] == "revoked"
        assert snapshot(endpoint.store) == before
    assert first_pc.http.get("/v1/pull").status_code == 200


def test_a_cursor_older_than_the_horizon_must_download_again(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    first_pc.http.post("/v1/push", json=push_body(1, record("patient", "p-1"),
                                                    record("patient", "p-2")))  # fmt: skip
    cursor = second_pc.http.get("/v1/pull").json()["cursor"]
    erased = push_body(3, record("patient", "p-1", 2, deleted=True))
    erased["changes"][0]["base_version"] = 1
    first_pc.http.post("/v1/push", json=erased)
    assert second_pc.http.get("/v1/pull", params={"cursor": cursor}).status_code == 200

    endpoint.clock.advance(days=91)  # the tombstone passes the horizon; a push purges it
    first_pc.http.post("/v1/push", json=push_body(4, record("patient", "p-3")))

    stale = second_pc.http.get("/v1/pull", params={"cursor": cursor})
    assert stale.status_code == 410 and stale.json()["error"] == "reset_required"
    fresh = second_pc.http.get("/v1/pull", params={"cursor": 0}).json()
    assert sorted(r["id"] for r in fresh["records"]) == ["p-2", "p-3"]
    assert second_pc.http.get("/v1/pull", params={"cursor": fresh["cursor"]}).status_code == 200
    # A cursor beyond anything the endpoint has (a database restored from a backup).
    ahead = second_pc.http.get("/v1/pull", params={"cursor": fresh["cursor"] + 50})
    assert ahead.status_code == 410 and ahead.json()["error"] == "reset_required"
    # An edit of the purged row is not a new row: the erasure still wins.
    late = push_body(1, record("patient", "p-1", 2))
    late["changes"][0]["base_version"] = 1
    answer = second_pc.http.post("/v1/push", json=late).json()
    assert answer["results"][0]["outcome"] == "dropped"


def test_a_refusal_names_the_field(first_pc: Joined) -> None:
    answer = first_pc.http.post("/v1/push", json=with_change(seq="1"))
    assert "changes.0.seq" in answer.json()["message"]
    assert json.dumps(answer.json()).count("p-1") == 0  # nothing sent is echoed


def test_a_download_from_0_pages_on_below_a_horizon_older_than_itself(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    first_pc.http.post("/v1/push", json=push_body(1, record("patient", "p-1"),
                                                    record("patient", "p-2")))  # fmt: skip
    erased = push_body(3, record("patient", "p-1", 2, deleted=True))
    erased["changes"][0]["base_version"] = 1
    first_pc.http.post("/v1/push", json=erased)
    endpoint.clock.advance(days=91)  # the tombstone passes the horizon; a push purges it
    first_pc.http.post("/v1/push", json=push_body(4, record("patient", "p-3")))

    page = second_pc.http.get("/v1/pull", params={"cursor": 0, "limit": 1}).json()
    assert page["more"] and page["horizon"] > page["cursor"], "the next page starts below it"
    after = {"cursor": page["cursor"], "limit": 1, "horizon": page["horizon"]}
    assert second_pc.http.get("/v1/pull", params=after).status_code == 200, "nothing purged since"
    blind = {"cursor": page["cursor"], "limit": 1}
    assert second_pc.http.get("/v1/pull", params=blind).status_code == 410, "as before: no horizon"

    endpoint.clock.advance(days=1)  # p-3 goes; its tombstone is purged 91 days on
    gone = push_body(5, record("patient", "p-3", 2, deleted=True))
    gone["changes"][0]["base_version"] = 1
    first_pc.http.post("/v1/push", json=gone)
    endpoint.clock.advance(days=91)
    first_pc.http.post("/v1/push", json=push_body(6, record("patient", "p-4")))
    stale = second_pc.http.get("/v1/pull", params=after)
    assert stale.status_code == 410, "purged since that page: the download starts again"

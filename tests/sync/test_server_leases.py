"""The endpoint's leases (``POST /v1/leases/reminders``, SQLite and PostgreSQL): one
holder at a time, taken when it lapses or, by the preferred (named) station, from a
stand-by (a preferred holder gone quiet keeps it until it lapses); released by its
holder only; the answer says the endpoint's time, who holds it and, after a handover,
how long ago the previous holder last renewed it (or let it go)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from serverkit import Endpoint, Joined

DAY = 86_400


def claim(pc: Joined, **body: Any) -> dict[str, Any]:
    answer = pc.http.post("/v1/leases/reminders", json={"ttl_seconds": DAY, **body})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_one_holder_until_it_lapses_then_the_stand_by_and_back(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    a, b = first_pc, second_pc
    got = claim(a, preferred=True)
    assert got["held"] and got["holder"]["code"] == "A" and got["handover_age_seconds"] is None
    refused = claim(b)
    assert not refused["held"] and refused["holder"]["code"] == "A"
    endpoint.clock.advance(hours=23)
    assert not claim(b)["held"], "a day is not over"
    endpoint.clock.advance(hours=1)
    taken = claim(b)
    assert taken["held"] and taken["holder"]["code"] == "B"
    assert taken["handover_age_seconds"] == DAY
    endpoint.clock.advance(minutes=1)
    assert claim(b)["handover_age_seconds"] == DAY + 60, "said again at every renewal"
    back = claim(a, preferred=True)  # the station is back: a stand-by gives way at once
    assert back["held"] and back["handover_age_seconds"] == 0
    assert not claim(b)["held"]


def test_a_preferred_holder_keeps_it_until_it_lapses_and_release_is_the_holder_s(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    a, b = first_pc, second_pc
    assert claim(a, preferred=True)["held"]
    endpoint.clock.advance(minutes=4)
    assert not claim(b, preferred=True)["held"], "two named stations: the live one keeps it"
    endpoint.clock.advance(minutes=2)  # A stopped renewing: renamed away, or cut off
    assert not claim(b, preferred=True)["held"], "A may be sending on its lease: it waits"
    endpoint.clock.advance(hours=24)
    assert claim(b, preferred=True)["held"], "A's lease ran out"
    assert not claim(a, release=True)["held"], "not A's to release"
    endpoint.clock.advance(minutes=1)
    released = claim(b, release=True)
    said = datetime.fromisoformat(released.pop("now"))  # an instant, however it is written
    assert released == {
        "name": "reminders", "held": False, "holder": None, "handover_age_seconds": None,
    }  # fmt: skip
    assert said.tzinfo is not None and said == endpoint.clock.now()
    endpoint.clock.advance(minutes=1)
    taken = claim(a)
    assert taken["held"] and taken["handover_age_seconds"] == 60, "B let go a minute ago"


def test_bad_claims_are_refused(first_pc: Joined) -> None:
    wrong_name = first_pc.http.post("/v1/leases/backups", json={"ttl_seconds": DAY})
    short = first_pc.http.post("/v1/leases/reminders", json={"ttl_seconds": 5})
    text = first_pc.http.post("/v1/leases/reminders", json={"ttl_seconds": "86400"})
    assert [r.status_code for r in (wrong_name, short, text)] == [400, 400, 400]


def test_a_person_s_take_over_ends_the_holder_s_lease_now_and_says_who(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    """The named station A went quiet; a person on B says A is off (``force``): B holds
    the lease at once, its cutoff the force time (as after A's let-go), and the lease
    says who forced it from which device and A's last renewal before it; A, back, hears at
    its renewal that B holds it."""
    a, b = first_pc, second_pc
    assert claim(a, preferred=True)["held"]
    endpoint.clock.advance(minutes=30)
    assert not claim(b, preferred=True)["held"], "A's lease has not lapsed"
    forced_at = endpoint.clock.now()
    taken = claim(b, preferred=True, force=True, actor="ayse")
    assert taken["held"] and taken["holder"]["code"] == "B" and taken["holder"]["preferred"]
    assert taken["handover_age_seconds"] == 0, "the cutoff is the force time"
    forced = taken["forced"]
    assert datetime.fromisoformat(forced.pop("at")) == forced_at
    renewed = datetime.fromisoformat(forced.pop("renewed_at"))
    assert renewed == forced_at - timedelta(minutes=30), "A's last renewal before the force"
    assert forced == {"by": "ayse", "from_code": "A", "from_name": forced["from_name"]}
    endpoint.clock.advance(minutes=5)
    back = claim(a, preferred=True)
    assert not back["held"] and back["holder"]["code"] == "B", "A lost it"
    assert back["forced"]["by"] == "ayse", "anyone asking hears it was forced"
    assert not claim(a, release=True)["held"] and claim(b)["handover_age_seconds"] == 300
    assert "forced" not in claim(b, release=True), "let go of: nothing forced is held"
    endpoint.clock.advance(minutes=1)
    plain = claim(a, preferred=True)
    assert plain["held"] and "forced" not in plain, "an ordinary handover clears it"


def test_forcing_a_stand_by_s_lease_is_the_station_s_ordinary_take(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    """A stand-by's lease the station takes at once anyway: ``force`` changes nothing
    there, the cutoff stays the stand-by's last renewal and nothing is said forced."""
    a, b = first_pc, second_pc
    assert claim(a)["held"]  # A as a stand-by
    endpoint.clock.advance(minutes=10)
    taken = claim(b, preferred=True, force=True, actor="ayse")
    assert taken["held"] and taken["handover_age_seconds"] == 600
    assert "forced" not in taken

"""The endpoint's /v1 routes are built once a process (at the router's import) and
shared by every app made there: each app still answers from its own database."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.routing import APIRoute
from serverkit import connect, endpoint_at, public_key

from receptionist.clock import FixedClock
from sync.server.app import router
from sync.server.commands import add_clinic


def test_two_endpoints_share_the_built_routes_and_answer_from_their_own_databases(
    sqlite_endpoint_template: Path, tmp_path: Path, clock: FixedClock
) -> None:
    urls = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        shutil.copy2(sqlite_endpoint_template, tmp_path / name / "endpoint.db")
        urls.append(f"sqlite:///{tmp_path / name / 'endpoint.db'}")
    code = add_clinic(urls[0], "Kadıköy Clinic", clock=clock, out=None).code
    built = {id(route) for route in router.routes}
    with endpoint_at(urls[0], clock) as one, endpoint_at(urls[1], clock) as two:
        for served in (one, two):
            app = served.server.config.app
            routes = {id(r) for r in app.routes if isinstance(r, APIRoute)}  # type: ignore[attr-defined]
            assert built <= routes, "an app builds the /v1 routes again"
        with two.client() as anonymous:
            body = {"code": code, "name": "FRONT-1", "public_key": public_key()}
            refused = anonymous.post("/v1/connect", json=body)
        assert refused.json()["error"] == "unknown_code", "two has no such clinic"
        joined = connect(one, code, "FRONT-1")
        with joined.http:
            assert joined.http.get("/v1/devices").json()["devices"][0]["name"] == "FRONT-1"

"""The endpoint's routes (``/v1/...``), their bearer-token checks, and the app that
serves them with its OpenAPI document at ``/openapi.json``.

Routes are plain functions: uvicorn runs them in its thread pool, each with its own
database connection; the store's locks keep one clinic's writes in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import text

from receptionist.clock import Clock, SystemClock

from . import anchors, bodies, chunks, conflicts, devices, leases, notary, pull, push, reseal
from .auth import Caller, caller
from .limits import LIMIT, BodyLimit
from .problems import install
from .store import Store

HORIZON = timedelta(days=90)


@dataclass(frozen=True)
class Service:
    store: Store
    clock: Clock
    horizon: timedelta
    unclaimed: chunks.Unclaimed


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


_bearer = HTTPBearer(auto_error=False, description="the device's token")
Svc = Annotated[Service, Depends(_service)]
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _caller(service: Svc, credentials: Bearer) -> Caller:
    return caller(service.store, credentials.credentials if credentials else None)


Me = Annotated[Caller, Depends(_caller)]
Id = Annotated[str, Path(min_length=1, max_length=36)]
router = APIRouter(prefix="/v1")


@router.post("/connect", summary="The clinic's first PC registers with a connect code")
def connect(service: Svc, body: bodies.ConnectIn) -> bodies.Joined:
    return devices.connect(service.store, body, service.clock)


@router.post("/invitations", summary="Keep a wrapped clinic key for a PC to join with")
def invitations(service: Svc, me: Me, body: bodies.InvitationIn) -> bodies.InvitationOut:
    return devices.invite(service.store, me, body, service.clock)


@router.post("/join", summary="A PC joins with an invitation's id")
def join(service: Svc, body: bodies.JoinIn) -> bodies.Joined:
    return devices.join(service.store, body, service.clock)


@router.get("/envelopes", summary="This device's key envelopes")
def envelopes(service: Svc, me: Me) -> bodies.EnvelopesOut:
    return devices.my_envelopes(service.store, me)


@router.post("/envelopes", summary="Store key envelopes for devices of the clinic")
def put_envelopes(service: Svc, me: Me, body: bodies.EnvelopesIn) -> bodies.EnvelopesOut:
    return devices.put_envelopes(service.store, me, body, service.clock)


@router.get("/devices", summary="The clinic's devices, revoked ones too")
def device_list(service: Svc, me: Me) -> bodies.DevicesOut:
    return devices.list_devices(service.store, me)


@router.post("/devices/{device_id}/revoke", summary="Revoke a device at once")
def revoke(service: Svc, me: Me, device_id: Id) -> bodies.DeviceOut:
    return devices.revoke(service.store, me, device_id, service.clock)


@router.post("/push", summary="Apply this device's changes, in order, in one transaction")
def push_changes(service: Svc, me: Me, body: bodies.PushIn) -> bodies.PushOut:
    return push.push(service.store, me, body, service.clock, service.horizon)


@router.post("/reseal", summary="Records sealed again under a newer clinic key generation")
def reseal_records(service: Svc, me: Me, body: bodies.ResealIn) -> bodies.ResealOut:
    return reseal.reseal(service.store, me, body)


@router.get("/pull", summary="Records and conflicts after a cursor, in server order")
def pull_changes(
    service: Svc,
    me: Me,
    cursor: Annotated[int, Query(ge=0, le=bodies.MAX_NUMBER)] = 0,
    limit: Annotated[int, Query(ge=1, le=pull.MAX_PAGE)] = pull.PAGE,
    horizon: Annotated[int, Query(ge=0, le=bodies.MAX_NUMBER)] = 0,
) -> bodies.PullOut:
    return pull.pull(service.store, me, cursor, limit, service.clock, horizon)


@router.put("/chunks", summary="Keep one sealed chunk of a large document's bytes")
def put_chunk(service: Svc, me: Me, body: chunks.ChunkIn) -> chunks.ChunkOut:
    return chunks.put(service.store, me, body, service.clock, service.unclaimed)


@router.get("/chunks", summary="One sealed chunk of a large document's bytes")
def get_chunk(
    service: Svc,
    me: Me,
    entity: Annotated[str, Query(min_length=1, max_length=32)],
    id: Annotated[str, Query(min_length=1, max_length=64)],
    version: Annotated[int, Query(ge=1, le=bodies.MAX_NUMBER)],
    index: Annotated[int, Query(ge=0, lt=chunks.MAX_CHUNKS)],
) -> chunks.ChunkOut:
    return chunks.get(service.store, me, entity, id, version, index)


@router.get("/conflicts", summary="The clinic's conflicts, newest first")
def conflict_list(
    service: Svc, me: Me, state: Literal["open", "all"] = "open"
) -> bodies.ConflictsOut:
    return conflicts.listing(service.store, me, open_only=state == "open")


@router.post("/conflicts/{conflict_id}/resolve", summary="Close a conflict for every PC")
def resolve(service: Svc, me: Me, conflict_id: Id, body: bodies.ResolveIn) -> bodies.ConflictOut:
    return conflicts.resolve(service.store, me, conflict_id, body, service.clock)


@router.post(
    "/conflicts/{conflict_id}/forget",
    summary="Empty the sealed values of a conflict's records the PC forgot, open or closed",
)
def forget(service: Svc, me: Me, conflict_id: Id, body: bodies.ForgetIn) -> bodies.ConflictOut:
    return conflicts.forget(service.store, me, conflict_id, body, service.clock)


@router.get("/anchors/mine", summary="This device's newest audit-log anchor")
def my_anchor(service: Svc, me: Me) -> bodies.MyAnchorOut:
    return anchors.mine(service.store, me)


@router.post("/anchors", summary="Keep the head of this device's audit log")
def put_anchor(service: Svc, me: Me, body: bodies.AnchorIn) -> bodies.AnchorOut:
    return anchors.put(service.store, me, body, service.clock)


@router.get("/endpoint-key", summary="The endpoint's Ed25519 public key (PCs pin it)")
def endpoint_key(service: Svc, me: Me) -> bodies.EndpointKeyOut:
    return notary.public_key(service.store, service.clock)


@router.post("/anchors/checkpoint", summary="Sign an audit checkpoint the newest anchor vouches")
def sign_checkpoint(service: Svc, me: Me, body: bodies.CheckpointIn) -> bodies.SignedOut:
    return notary.sign(service.store, me, body, service.clock)


@router.post("/leases/{name}", summary="Acquire, renew or release a lease; who holds it")
def claim_lease(
    service: Svc, me: Me, name: Literal["reminders"], body: leases.LeaseIn
) -> leases.LeaseOut:
    return leases.claim(service.store, me, name, body, service.clock)


@router.get("/leases/{name}", summary="Who holds a lease, claiming nothing")
def lease_holder(service: Svc, me: Me, name: Literal["reminders"]) -> leases.LeaseOut:
    return leases.holder_of(service.store, me, name, service.clock)


def create_app(
    store: Store,
    clock: Clock | None = None,
    *,
    horizon: timedelta = HORIZON,
    body_limit: int = LIMIT,
    unclaimed: chunks.Unclaimed | None = None,
) -> FastAPI:
    """The endpoint over ``store`` (already migrated: :func:`store.open_store`)."""
    app = FastAPI(
        title="Receptionist cloud endpoint",
        version="1",
        summary="Sync for a clinic's PCs; patient data only as the PCs sealed it.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = Service(
        store, clock or SystemClock(), horizon, unclaimed or chunks.Unclaimed()
    )
    notary.ensure_key(store, app.state.service.clock)  # made at the first start
    # The /v1 routes as the router built them at import, shared by every app of this
    # process: an included router builds each route again for each app (its parameters,
    # its body's models) at the app's first request, 20 ms of CPU; a test run serves
    # some hundreds of endpoints. A route keeps nothing of an app: the service it reads
    # is the request's app's.
    app.router.routes.extend(router.routes)

    @app.get("/health", summary="The endpoint and its database answer")
    def health() -> dict[str, bool]:
        with store.read() as conn:
            conn.execute(text("SELECT 1"))
        return {"ok": True}

    install(app)
    app.add_middleware(BodyLimit, limit=body_limit)
    return app

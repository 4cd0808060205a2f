"""The JSON bodies of the endpoint, as pydantic models: checked on the way in, and
described in the OpenAPI document (``/openapi.json``).

Requests are strict: a number sent as text, or true sent as 1, is refused, not
guessed at. Fields a request does not define are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Whole numbers that survive JSON everywhere (2**53) and any database's BIGINT.
MAX_NUMBER = 2**53
Count = Annotated[int, Field(ge=0, le=MAX_NUMBER)]
Positive = Annotated[int, Field(ge=1, le=MAX_NUMBER)]
RowId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
PublicKey = Annotated[str, Field(min_length=1, max_length=100, description="X25519, base64")]
Blob = Annotated[str, Field(min_length=1, max_length=65_536)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class RecordIn(Strict):
    """A record as it travels (``receptionist.replica.records.Record``)."""

    entity: Annotated[str, Field(min_length=1, max_length=32)]
    id: RowId
    version: Positive
    deleted: bool
    key_gen: Positive
    clear: dict[str, Any]
    sealed: Annotated[str, Field(min_length=1)]


class RecordOut(BaseModel):
    entity: str
    id: str
    version: int
    deleted: bool
    key_gen: int
    clear: dict[str, Any]
    sealed: str
    seq: int = Field(description="the server sequence this version was committed at")
    device: str = Field(description="the device that wrote this version")


class ChangeIn(Strict):
    seq: Positive
    base_version: Count | None = Field(
        default=None, description="the server's version this change was made on; null: new"
    )
    record: RecordIn


class PushIn(Strict):
    first_seq: Positive
    changes: list[ChangeIn] = Field(max_length=50_000)


Outcome = Literal["applied", "duplicate", "conflict", "refused", "dropped"]


class ChangeResult(BaseModel):
    seq: int
    outcome: Outcome
    conflict_id: str | None = None
    record: RecordOut | None = Field(
        default=None, description="the server's record of the row, for conflict and dropped"
    )


class PushOut(BaseModel):
    last_seq: int
    results: list[ChangeResult]
    applied_at: datetime | None = Field(
        default=None,
        description="a push whose changes were all applied before (a retry after a lost "
        "answer): when the push that applied them was (no later than that); else null",
    )


class ConflictOut(BaseModel):
    id: str
    kind: Literal["edit", "overlap"]
    entity: str
    row_id: str
    records: list[dict[str, Any]] = Field(
        description="the records involved, sealed, whole; the first is the one not applied"
    )
    seq: int
    device: str
    created_at: datetime
    resolved: bool
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


class ResealIn(Strict):
    records: list[RecordIn] = Field(
        max_length=5_000,
        description="records re-sealed under a newer key generation, at the version the "
        "endpoint holds",
    )


ResealOutcome = Literal["resealed", "unchanged", "stale", "missing"]


class ResealOut(BaseModel):
    outcomes: list[ResealOutcome] = Field(description="one per record sent, in order")


class PullOut(BaseModel):
    records: list[RecordOut]
    conflicts: list[ConflictOut]
    cursor: int
    more: bool
    # The clinic's horizon as this page read it: the PC sends it with its next pull.
    horizon: int = 0


class ConflictsOut(BaseModel):
    conflicts: list[ConflictOut]


class ResolveIn(Strict):
    resolution: Annotated[
        str,
        Field(
            min_length=1, max_length=32, pattern=r"^[a-z_]+$",
            description="how it was settled, as a code (kept_both, moved, ...): never free "
            "text, which would rest here in the clear",
        ),
    ]  # fmt: skip
    forgotten: list[RowId] = Field(
        default_factory=list, max_length=1000,
        description="the ids of the conflict's records whose sealed values the PC forgot "
        "(an anonymised patient's kept visit): emptied here too, resolved or not; an id "
        "it does not hold, or holds emptied, changes nothing",
    )  # fmt: skip


class ForgetIn(Strict):
    records: list[RowId] = Field(
        min_length=1, max_length=1000,
        description="the ids of the conflict's records whose sealed values the PC forgot "
        "(an anonymised patient's kept visit): emptied here too; an id it does not hold, "
        "or holds emptied, changes nothing",
    )  # fmt: skip


class ConnectIn(Strict):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    name: Name
    public_key: PublicKey


class JoinIn(Strict):
    invite_id: Annotated[str, Field(min_length=1, max_length=64)]
    name: Name
    public_key: PublicKey


class Joined(BaseModel):
    clinic_id: str
    clinic_name: str
    device_id: str
    device_code: str
    token: str = Field(description="the device's bearer token; the endpoint keeps its hash")
    wrapped_key: str | None = Field(
        default=None, description="join only: the clinic key wrapped under the invite secret"
    )


class InvitationIn(Strict):
    wrapped_key: Blob
    hours: Annotated[int, Field(ge=1, le=168)] = 24


class InvitationOut(BaseModel):
    invite_id: str
    expires_at: datetime


class DeviceOut(BaseModel):
    id: str
    name: str
    code: str
    public_key: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    last_seq: int


class DevicesOut(BaseModel):
    devices: list[DeviceOut]


class EnvelopeIn(Strict):
    device_id: Annotated[str, Field(min_length=1, max_length=36)]
    generation: Positive
    blob: Blob


class EnvelopesIn(Strict):
    envelopes: list[EnvelopeIn] = Field(min_length=1, max_length=1_000)


class EnvelopeOut(BaseModel):
    device_id: str
    generation: int
    blob: str
    created_at: datetime


class EnvelopesOut(BaseModel):
    envelopes: list[EnvelopeOut]


Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, hex")]


class AnchorIn(Strict):
    """The head of this PC's audit log (``receptionist.journal.anchor.Anchor``)."""

    log_id: Annotated[str, Field(min_length=1, max_length=64)]
    events: Count
    head_seq: Count
    head_hash: Hash
    taken_at: Annotated[AwareDatetime, Field(strict=False, description="ISO 8601 with offset")]
    accepted_break: bool = Field(
        default=False,
        description="an admin accepted that the log no longer holds the anchor before "
        "(restored from a backup); the break stays on record",
    )


class AnchorOut(BaseModel):
    log_id: str
    events: int
    head_seq: int
    head_hash: str
    taken_at: datetime
    received_at: datetime
    accepted_break: bool


class MyAnchorOut(BaseModel):
    anchor: AnchorOut | None = Field(description="this device's newest anchor; null: none yet")


class CheckpointIn(Strict):
    """An audit checkpoint the PC proposes before its retention sweep removes events
    up to ``seq`` (``receptionist.journal.notary.Proposal``)."""

    log_id: Annotated[str, Field(min_length=1, max_length=64)]
    seq: Count
    hash: Hash
    at: Annotated[AwareDatetime, Field(strict=False, description="event seq's time")]
    anchor_seq: Count
    anchor_hash: Hash


class SignedOut(BaseModel):
    signature: str = Field(description="Ed25519 over the checkpoint, base64")
    public_key: str = Field(description="the endpoint's public key, base64")


class EndpointKeyOut(BaseModel):
    public_key: str = Field(description="the endpoint's Ed25519 public key, base64")

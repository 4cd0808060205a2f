"""A revoked PC forgets its device token at once (issue #14, authentication tokens kept
only as long as a session needs): the endpoint's refusal is the end of its session."""

from __future__ import annotations

import keyring
import pytest
from serverkit import Endpoint
from test_two_pcs import Pc

from receptionist.errors import UnlockError, UserError
from receptionist.ops import replica
from receptionist.replica import state
from receptionist.settings import secretstore
from sync import cloud


def test_a_revoked_pc_forgets_its_device_token(
    endpoint: Endpoint, joined: tuple[Pc, Pc], pc_c: Pc
) -> None:
    a, _b = joined
    cloud.join(pc_c.db, pc_c.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-3")
    cloud.sync_once(pc_c.db, pc_c.ctx.clock)
    token = replica.token(pc_c.db)
    status = replica.status(pc_c.db)
    name = f"cloud:{replica.clinic_of(pc_c.db)}:"
    assert keyring.get_password(secretstore.SERVICE, f"{name}{_device(pc_c)}:cloud.device_token")
    with cloud.client_for(a.db) as client:
        gone = [d for d in client.devices() if d["code"] == status.device_code]
        client.revoke(gone[0]["id"])
    with pytest.raises(UnlockError, match="revoked"):
        cloud.sync_once(pc_c.db, pc_c.ctx.clock)
    with pytest.raises(UserError):
        replica.token(pc_c.db)
    # The next round says what happened and what to do: not "run cloud connect", which
    # refuses a PC that is connected already.
    with pytest.raises(UserError) as told:
        cloud.sync_once(pc_c.db, pc_c.ctx.clock)
    said = str(told.value)
    assert "revoked" in said and "join" in said
    assert "cloud connect" not in said
    assert token
    assert not keyring.get_password(
        secretstore.SERVICE, f"{name}{_device(pc_c)}:cloud.device_token"
    )
    cloud.sync_once(a.db, a.ctx.clock)  # the other PCs keep theirs
    assert replica.token(a.db)


def _device(pc: Pc) -> str:
    with pc.db.read() as s:
        return state.required(s).device_id

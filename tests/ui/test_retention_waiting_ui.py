"""Settings > Retention says, after "Sweep now", why the audit events past their time
wait when no endpoint will sign this log's checkpoints until a person acts (issue #14:
the endpoint's key changed, or the PC was revoked), and what to do."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from pytestqt.qtbot import QtBot
from test_settings_retention import open_page

from receptionist.context import Actor
from receptionist.ops import auditwait
from receptionist.ops.retention import Swept
from ui.desk import Desk


def test_the_note_names_why_audit_events_wait(qtbot: QtBot, desk: Desk) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    _dialog, page = open_page(qtbot, admin)
    why = auditwait.Waiting("revoked", auditwait.REVOKED)
    swept = Swept("s-1", datetime(2026, 3, 2), {}, 0.1, 0, False, [], 12, why)
    page._swept(swept)
    assert "keeps no device token" in page.note.text()
    assert "join" in page.note.text()


def test_a_pc_that_syncs_is_told_its_audit_events_wait_for_the_endpoint(
    qtbot: QtBot, desk: Desk
) -> None:
    """Only the endpoint's signature lets them go: "the next backup will" is not so."""
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    _dialog, page = open_page(qtbot, admin)
    swept = Swept("s-1", datetime(2026, 3, 2), {}, 0.1, 0, False, [], 12, None, True)
    page._swept(swept)
    assert "12 audit event(s)" in page.note.text()
    assert "cloud endpoint" in page.note.text() and "backup" not in page.note.text()

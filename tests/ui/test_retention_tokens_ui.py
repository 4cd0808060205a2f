"""Settings > Retention shows the fixed rule for authentication tokens beside the
settings it cannot change, and names the kind in a dry run's counts (and the Google
disclosure register's anonymous rows, issue #14)."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from test_settings_retention import open_page

from receptionist.context import Actor
from ui.desk import Desk


def test_the_policy_shows_authentication_tokens_as_a_fixed_rule(qtbot: QtBot, desk: Desk) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    _dialog, page = open_page(qtbot, admin)
    shown = page.findChild(QLabel, "policy:retention.auth_tokens")
    assert shown is not None and shown.text() == "As long as a session needs (fixed)"
    assert "revokes" in shown.toolTip()
    label = page.policies.labelForField(shown)
    assert isinstance(label, QLabel) and label.text() == "Authentication tokens"
    page.refresh()  # read again: still one row
    qtbot.waitUntil(lambda: page.look is not None, timeout=10_000)
    assert len(page.findChildren(QLabel, "policy:retention.auth_tokens")) == 1
    page._fill({"patient": 0, "appointment": 0, "google_disclosure": 3, "auth_token": 2}, {})
    assert page.counts.item(2, 0).text() == "Spent authentication tokens"
    # issue #14: the register's anonymous rows the sweep deletes, named, last
    assert page.counts.item(3, 0).text() == "Withdrawn Google disclosures (anonymous)"

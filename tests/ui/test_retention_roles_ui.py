"""Issue #14, Settings > Retention as a receptionist sees it: the nightly sweep's warning
does not tell her to run a dry run and Sweep now (both greyed for her) but that it waits
for a manager or an administrator; and no shell command on screen for anyone (the CLI
keeps its words: ``receptionist sweep status``)."""

from __future__ import annotations

import dataclasses

from pytestqt.qtbot import QtBot
from test_settings_retention import old_patient, on_worker, open_page, shot

from receptionist.clock import FixedClock
from receptionist.context import Actor
from receptionist.ops import sweepstatus
from ui.desk import Desk


def test_the_waiting_sweep_s_warning_fits_who_reads_it(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    old_patient(admin)  # something is past its time: the waiting matters
    receptionist = dataclasses.replace(
        desk, actor=Actor(user_id="u2", role="receptionist", source="ui")
    )
    _dialog, page = open_page(qtbot, receptionist)
    said = page.warning.text()
    shot(page, "retention-receptionist-waiting")
    assert not page.warning.isHidden()
    assert not page.dry_button.isEnabled() and not page.sweep_button.isEnabled()
    assert "manager or an administrator" in said
    assert "Sweep now" not in said and "dry run" not in said, "buttons greyed for her"
    assert "`" not in said and "receptionist sweep" not in said, "no shell command on screen"

    _dialog, page = open_page(qtbot, admin)
    said = page.warning.text()
    assert "dry run" in said and "Sweep now" in said
    assert "`" not in said and "receptionist sweep" not in said, "no shell command on screen"

    cli = on_worker(admin, lambda db: sweepstatus.sweep_status(db, clock).warnings(cli=True))
    assert "`receptionist sweep`" in str(cli[0]), "the CLI keeps its words"

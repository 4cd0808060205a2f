"""Cloud sync in the app: the loop (:mod:`.loop`; its schedule is
:mod:`receptionist.replica.backoff`), the network's return (:mod:`.network`), and the
"Sync now" action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from ..actions import menu_holding, window_action
from . import network
from .loop import CloudSync

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

__all__ = ["CloudSync", "install"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("CloudSync", text)


def install(window: MainWindow) -> CloudSync:
    """The sync loop of ``window``'s desk and File > Sync now (F9); started by the
    window's ``start``. Installed already: the same loop."""
    existing = window.findChild(CloudSync, "cloudSync")
    if isinstance(existing, CloudSync):
        return existing
    loop = CloudSync(window.desk, window)
    action = window_action(
        window,
        "syncNow",
        _tr("Sync &now"),
        "F9",
        _tr("Send what waits and fetch what the other PCs did, now"),
        _tr,
    )
    action.triggered.connect(loop.sync_now)
    menu = menu_holding(window, "action_lock")
    if menu is not None:
        menu.insertAction(window.actions_.lock, action)
    network.watch(loop.network_back)
    return loop

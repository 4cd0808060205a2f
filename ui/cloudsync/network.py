"""The network coming back, as Qt's QNetworkInformation sees it (where this platform
has a backend for reachability; elsewhere the loop's backoff finds it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtNetwork import QNetworkInformation

log = logging.getLogger("receptionist.ui")
Reachability = QNetworkInformation.Reachability


def is_back(reachability: QNetworkInformation.Reachability) -> bool:
    """Whether the endpoint may be reachable again (a LAN endpoint counts)."""
    return reachability in (Reachability.Online, Reachability.Site, Reachability.Local)


def watch(on_back: Callable[[], None]) -> bool:
    """Call ``on_back`` each time the network comes back; False when this platform
    cannot tell (then nothing is called)."""
    feature = QNetworkInformation.Feature.Reachability
    if QNetworkInformation.instance() is None and not QNetworkInformation.loadBackendByFeatures(
        feature
    ):
        log.info("no network reachability on this platform; sync retries on its own")
        return False
    info = QNetworkInformation.instance()
    if info is None:
        return False
    info.reachabilityChanged.connect(lambda now: on_back() if is_back(now) else None)
    return True

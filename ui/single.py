"""One running app per clinic data folder; a second start brings the first one forward.

The OS file lock (``receptionist.store.lock.InstanceLock``) decides who runs. The one that
holds it listens on a local socket named from the data folder; a second start that
fails to take the lock knocks on that socket and exits.
"""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from receptionist.store.lock import InstanceLock
from receptionist.store.vault import DataDir

KNOCK = b"raise\n"
CONNECT_MS = 1500


def server_name(root: Path) -> str:
    """A socket name unique to this user and data folder, short enough for every OS."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    digest = hashlib.sha256(f"{user}\0{Path(root).resolve()}".encode()).hexdigest()[:20]
    return f"receptionist-{digest}"


class SingleInstance(QObject):
    """Holds the data folder's lock and answers knocks from later starts."""

    raiseRequested = Signal()

    def __init__(self, root: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(root)
        self._lock = InstanceLock(DataDir(Path(root)).lock)
        self._server: QLocalServer | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``InstanceLocked``; then start listening for knocks."""
        self._lock.acquire()
        # We hold the lock, so a socket left by a crashed run is stale: remove it.
        QLocalServer.removeServer(self.name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if server.listen(self.name):
            server.newConnection.connect(self._on_connection)
            self._server = server

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.release()

    def _on_connection(self) -> None:
        # The server owns its sockets and deletes them with itself; a knock is rare.
        assert self._server is not None
        while self._server.hasPendingConnections():
            self._server.nextPendingConnection().readyRead.connect(self._on_knock)

    def _on_knock(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            if bytes(sock.readAll().data()).startswith(KNOCK.strip()):
                self.raiseRequested.emit()
            sock.abort()


def knock(root: Path, timeout_ms: int = CONNECT_MS) -> bool:
    """Ask the running app on ``root`` to come forward; False when nobody answers."""
    sock = QLocalSocket()
    sock.connectToServer(server_name(root))
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(KNOCK)
    ok = sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    return ok

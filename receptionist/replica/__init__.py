"""The PC's side of sync, with no network: records as they travel (``records``), sealed
under the clinic key (``seal``), and applied back into the encrypted file.

See docs/sync-protocol.md. ``sync/`` carries these records over HTTP; nothing here
opens a socket.

May import every room of the core except ``ops``, ``demo`` and ``cli``.
"""

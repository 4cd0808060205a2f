"""What changed, and who changed it: audited writes of synced rows (``records``), the
hash-chained audit log (``audit``), what the log must cover of the file's rows
(``coverage``), and its head written down outside the file (``anchor``).

May import: the kernel, ``receptionist.models`` and ``receptionist.store``.
"""

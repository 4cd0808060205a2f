"""What changed, and who changed it: audited writes of synced rows (``records``) and
the hash-chained audit log (``audit``).

May import: the kernel, ``receptionist.models`` and ``receptionist.store``.
"""

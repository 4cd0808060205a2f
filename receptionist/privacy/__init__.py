"""The data-subject side: consents given and withdrawn (``consents``).

May import: the kernel, ``models``, ``store`` and ``journal``.
"""

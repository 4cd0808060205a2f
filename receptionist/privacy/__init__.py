"""The data-subject side: consents given and withdrawn (``consents``), and the
restriction of processing (``restriction``).

May import: the kernel, ``models``, ``store`` and ``journal``.
"""

"""The encrypted store and its keys.

The SQLCipher file and its connections (``storage``), schema upgrades (``migrate`` and
``migrations/``), the integrity check, the file locks, the data key and the slots that
wrap it (``keys``, ``keyfile``, ``keystore``), opening a data folder (``vault``), and
the two whole-file rewrites (``rekey``, ``compact`` through ``sidecopy``).

May import: the kernel (``receptionist.errors``, ``texts``, ``clock``, ...) and
``receptionist.models``. Nothing here knows what a patient or an appointment is.
"""

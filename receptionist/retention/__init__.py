"""Retention: how long each kind of data is kept, the holds that stop it, and the
sweep that destroys what is past its time, writing a destruction record.

May import the kernel, ``models``, ``store``, ``journal``, ``settings`` and
``patients``. The operations (``ops/retention.py``) own the transactions; this room
holds the rules and the SQL, one batch at a time.
"""

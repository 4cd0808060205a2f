"""Staff accounts: sign-in with Argon2id (``accounts``), and what an administrator does
to them (``admin``: roles, disabling, password resets). Roles and permissions are
the kernel's ``receptionist.roles``.

May import: the kernel, ``models``, ``store`` and ``journal``.
"""

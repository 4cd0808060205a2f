"""One settings registry: each setting declared once, with its type, default, check,
label, help and scope.

Scopes: ``clinic`` (kept in the encrypted database as one row per key, audited, in
the change feed, synced later), ``pc`` (this PC's preferences, a JSON file in the
platform's config folder) and ``secret`` (the OS keychain). The machinery lives here
(``registry``, ``kinds``, the three stores); each room declares the settings it owns
(the schedule its clinic settings, ``desk`` this PC's), and ``receptionist.ops.settings``
is what front ends call. Adding a setting is one declaration: no column, no migration.

May import: the kernel, ``models``, ``store`` and ``journal``.
"""

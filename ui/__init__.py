"""The desktop app (PySide6) over the ``receptionist`` core; the core never imports it."""

"""Receptionist core: models, storage, keys and the rules of a clinic's day.

This package imports neither Qt nor network code; ``ui`` and ``sync`` build on it.
"""

__version__ = "0.1.0"

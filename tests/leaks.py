"""What would keep one test's objects alive into the next ones, let go of.

Each mapper keeps the INSERT and UPDATE statements it compiled in a cache keyed by the
engine's dialect, 100 entries deep (``Mapper._compiled_cache``). Through the dialect's
listeners, that key holds the ``Database`` that wrote, its engine and the engine's own
cache of compiled statements. A program opens one clinic and keeps it; a test run opens
thousands, and after a few hundred tests a worker held ~100 closed clinics and millions
of objects, all walked by each full pass of the cycle collector (up to 4 s of CPU a
pass by the end of a run). The cache is only a cache: emptying it changes no result,
and a statement is compiled again on its next use.
"""

from __future__ import annotations

from receptionist.models.base import Base


def let_go_of_compiled_statements() -> None:
    """Empty every mapper's cache of compiled statements (the ``orm_caches_let_go``
    fixture does it after each test)."""
    for mapper in Base.registry.mappers:
        compiled = mapper.__dict__.get("_compiled_cache")  # made on a mapper's first write
        if compiled is not None:
            compiled.clear()

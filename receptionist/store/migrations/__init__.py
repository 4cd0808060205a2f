"""Alembic revisions, shipped in the package and run from code on open."""

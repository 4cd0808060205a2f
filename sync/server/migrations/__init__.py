"""The endpoint's Alembic revisions, shipped in the package and run at start."""

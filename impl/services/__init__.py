"""Service layer: plain functions over a team-scoped SQLAlchemy session (no web framework)."""

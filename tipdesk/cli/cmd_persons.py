"""CLI commands for persons (filled in by the persons feature)."""

from __future__ import annotations

from tipdesk.cli.types import SubParsers


def register(sub: SubParsers) -> None:
    """Add the persons commands."""

"""CLI commands for tips (filled in by the tips feature)."""

from __future__ import annotations

from tipdesk.cli.types import SubParsers


def register(sub: SubParsers) -> None:
    """Add the tips commands."""

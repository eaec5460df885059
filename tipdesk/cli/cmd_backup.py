"""CLI commands for backups, restore and the self-test (filled in by the backup feature)."""

from __future__ import annotations

from tipdesk.cli.types import SubParsers


def register(sub: SubParsers) -> None:
    """Add the backup commands."""

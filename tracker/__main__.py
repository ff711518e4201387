"""``python -m tracker`` runs the CLI."""

from tracker.cli.main import entry

entry()

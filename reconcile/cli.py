"""The command line: a thin click shell over the library. The only module that imports click."""

from __future__ import annotations

import click

from reconcile import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconcile")
def main() -> None:
    """Reconcile competing accounts of one violent event, victim by victim and field by field."""

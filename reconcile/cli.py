"""The command line: a thin click shell over the library. The only module that imports click."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from reconcile import __version__
from reconcile.case import Case


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconcile")
def main() -> None:
    """Reconcile competing accounts of one violent event, victim by victim and field by field."""


def _check_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from reconcile.csvread import encoding_name

    try:
        return encoding_name(value) if value else None
    except ValueError as e:
        raise click.BadParameter(f"{e} (try utf-8, utf-16, cp1256, cp1252)") from None


def _check_delimiter(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from reconcile.csvread import delimiter_char

    try:
        return delimiter_char(value) if value else None
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def input_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The arguments and options shared by commands that read a case."""
    fn = click.option(
        "--delimiter",
        callback=_check_delimiter,
        help="Read every CSV with this delimiter (, ; tab |) instead of detecting it.",
    )(fn)
    fn = click.option(
        "--encoding",
        callback=_check_encoding,
        help="Read every CSV in this encoding (utf-8, utf-16, cp1256, cp1252...) "
        "instead of detecting it.",
    )(fn)
    return click.argument("paths", nargs=-1, required=True, metavar="CASE_OR_FILES...")(fn)


def _load(paths: tuple[str, ...], encoding: str | None, delimiter: str | None) -> Case:
    """load_case at the CLI boundary: no traceback ever reaches the user."""
    from reconcile.load import load_case

    try:
        return load_case(list(paths), encoding=encoding, delimiter=delimiter)
    except Exception as e:  # a bug, not bad input: load_case reports bad input as problems
        raise click.ClickException(
            f"could not load {' '.join(paths)}: {type(e).__name__}: {e} "
            "(this is a bug in reconcile; please report it)"
        ) from e


@main.command()
@input_options
def check(paths: tuple[str, ...], encoding: str | None, delimiter: str | None) -> None:
    """Validate a case folder or claim CSV files: print every problem; exit 1 on any error.

    Each problem is one line, `file:row:column: code: message` (row 1 is the header), sorted by
    file and row, then a summary line. Warnings do not fail the check.
    """
    from reconcile.problems import has_errors
    from reconcile.summary import check_summary, problem_lines

    case = _load(paths, encoding, delimiter)
    for line in problem_lines(case.problems):
        click.echo(line)
    click.echo(check_summary(case))
    if has_errors(case.problems):
        raise SystemExit(1)


@main.command()
@input_options
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for the outputs (persons.csv, links.csv, counts.csv, reports).",
)
def run(
    paths: tuple[str, ...], encoding: str | None, delimiter: str | None, out: str | None
) -> None:
    """Load and validate a case, then summarise its claims and records.

    Problems are printed as by `reconcile check`; any error stops the run with exit code 1.
    """
    from reconcile.problems import has_errors
    from reconcile.summary import check_summary, claims_summary, problem_lines

    case = _load(paths, encoding, delimiter)
    for line in problem_lines(case.problems):
        click.echo(line)
    if has_errors(case.problems):
        click.echo(check_summary(case))
        raise SystemExit(1)
    click.echo(claims_summary(case))


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


def _load(
    paths: tuple[str, ...], encoding: str | None, delimiter: str | None, progress: Any = None
) -> Case:
    """load_case at the CLI boundary: no traceback ever reaches the user."""
    from reconcile.load import load_case

    try:
        return load_case(list(paths), encoding=encoding, delimiter=delimiter, progress=progress)
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
    from reconcile.pipeline import settings_problems
    from reconcile.problems import has_errors
    from reconcile.summary import check_summary, problem_lines

    case = _load(paths, encoding, delimiter)
    case.problems += settings_problems(case)
    for line in problem_lines(case.problems):
        click.echo(line)
    click.echo(check_summary(case))
    if has_errors(case.problems):
        raise SystemExit(1)


def _matching_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by commands that match."""
    fn = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")(fn)
    fn = click.option(
        "--jobs",
        "-j",
        type=int,
        default=None,
        help="Worker threads for comparisons (default: all cores).",
    )(fn)
    fn = click.option(
        "--threshold",
        type=float,
        default=None,
        help="Link pairs whose match weight is at least this many bits (default 0: even odds).",
    )(fn)
    return fn


def _loaded_or_exit(
    paths: tuple[str, ...], encoding: str | None, delimiter: str | None, quiet: bool = True
) -> Case:
    """Load (a bar on a terminal unless quiet), print the problems; exit 1 on an error."""
    from reconcile.problems import has_errors
    from reconcile.summary import check_summary, problem_lines

    rep = _progress(quiet)
    try:
        case = _load(paths, encoding, delimiter, rep)
    finally:
        rep.close()
    for line in problem_lines(case.problems):
        click.echo(line, err=True)
    if has_errors(case.problems):
        click.echo(check_summary(case), err=True)
        raise SystemExit(1)
    return case


def _settings(case: Case, threshold: float | None, jobs: int | None) -> Any:
    from reconcile.pipeline import SettingsError, settings_from

    try:
        return settings_from(case.settings, threshold=threshold, jobs=jobs)
    except SettingsError as e:
        raise click.ClickException(f"case.toml: {e}") from None


def _progress(quiet: bool) -> Any:
    """A progress reporter on stderr: bars on a terminal, and (unless quiet) the pair estimate
    matching prints before a large run."""
    from reconcile.progress import reporter

    return reporter(enabled=not quiet)


def _default_out(paths: tuple[str, ...]) -> str:
    from pathlib import Path

    first = Path(paths[0])
    return str(first / "out") if first.is_dir() else str(first.parent / "out")


@main.command()
@input_options
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for the outputs (default: CASE/out).",
)
@click.option(
    "--format",
    "formats",
    default="all",
    show_default=True,
    help="Outputs to write, comma-separated: csv, md, html, json, xlsx, sqlite.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["conflict", "never"]),
    default="never",
    show_default=True,
    help="Exit 1 when contradictions exist (for scripted pipelines).",
)
@_matching_options
def run(
    paths: tuple[str, ...],
    encoding: str | None,
    delimiter: str | None,
    out: str | None,
    formats: str,
    fail_on: str,
    threshold: float | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Reconcile a case: match records into persons, merge their fields, reconcile the counts,
    and write persons.csv, links.csv, counts.csv and the discrepancy reports.

    Problems are printed as by `reconcile check`; any error stops the run with exit code 1.
    """
    from reconcile.changes import changes_frame
    from reconcile.memory import release
    from reconcile.pipeline import reconcile_case
    from reconcile.report.model import build_report
    from reconcile.report.render_text import render_text
    from reconcile.write import OutputError, parse_formats, write_outputs

    try:
        chosen = parse_formats(formats)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--format") from None
    case = _loaded_or_exit(paths, encoding, delimiter, quiet)
    settings = _settings(case, threshold, jobs)
    rep = _progress(quiet)
    result = reconcile_case(case, settings, progress=rep)
    rep.message("writing reports")
    out_dir = out or _default_out(paths)
    rep.start("comparing with the last run", 1)
    changes = _changes_since(out_dir, result.persons, result.match.links)  # before overwriting
    rep.advance()
    rep.finish()
    rep.start("building the report", 1)  # one step: the bar shows the time it takes
    report = build_report(
        case,
        result.records,
        result.match.links,
        result.match.pairs,
        result.persons,
        result.person_fields,
        result.counts,
        result.people_range,
        case.problems,
        {
            "matching": settings.to_dict(),
            "model": result.match.model.to_dict(),
            "stats": result.match.stats,
        },
        changes=changes,
    )
    rep.advance()
    rep.finish()
    release()  # what the report model and the comparison with the last run freed
    try:
        frames = {**result.frames(), "changes": changes_frame(changes)}  # xlsx, sqlite
        written = write_outputs(report, frames, out_dir, chosen, progress=rep)
    except OutputError as e:
        raise click.ClickException(str(e)) from None
    finally:
        rep.close()
    click.echo(render_text(report), nl=False)
    click.echo(f"Wrote {len(written)} files to {out_dir}")
    if fail_on == "conflict" and report.has_contradictions:
        raise SystemExit(1)


def _changes_since(out_dir: str, persons: Any, links: Any) -> Any:
    """What changed since the outputs already in out_dir (read before they are overwritten)."""
    from reconcile.changes import compare_runs, first_run
    from reconcile.previous import PreviousRunError, load_previous_outputs

    try:
        previous = load_previous_outputs(out_dir)
    except PreviousRunError as e:
        click.echo(f"warning: {e}; not compared with the last run", err=True)
        return first_run(f"not compared with the last run: {e}")
    if previous is None:
        return first_run()
    return compare_runs(previous.persons, previous.links, persons, links)


@main.command("match")
@input_options
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for links.csv and pairs.csv (default: CASE/out).",
)
@_matching_options
def match_cmd(
    paths: tuple[str, ...],
    encoding: str | None,
    delimiter: str | None,
    out: str | None,
    threshold: float | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Match the records of a case and write the scored links (links.csv, pairs.csv)."""
    from reconcile.pipeline import match_case
    from reconcile.write import OutputError, write_frames_csv

    case = _loaded_or_exit(paths, encoding, delimiter, quiet)
    rep = _progress(quiet)
    try:
        result = match_case(case, _settings(case, threshold, jobs), progress=rep)
    finally:
        rep.close()
    out_dir = out or _default_out(paths)
    try:
        written = write_frames_csv({"links": result.links, "pairs": result.pairs}, out_dir)
    except OutputError as e:
        raise click.ClickException(str(e)) from None
    st = result.stats
    click.echo(
        f"{st['records']} records in {st['claims']} claims; {st['pairs_compared']:,} pairs "
        f"compared; {st['persons']} persons; {st['ambiguous_records']} records in ambiguous "
        f"matches; {st['possible_duplicates']} possible duplicates within a claim"
    )
    click.echo(f"Wrote {', '.join(str(p) for p in written)}")


@main.command()
@click.argument("case_path", metavar="CASE")
@click.argument("first", metavar="CLAIM:ID")
@click.argument("second", metavar="CLAIM:ID")
@click.option("--encoding", callback=_check_encoding, help="Read every CSV in this encoding.")
@click.option("--delimiter", callback=_check_delimiter, help="Read every CSV with this delimiter.")
@_matching_options
def explain(
    case_path: str,
    first: str,
    second: str,
    encoding: str | None,
    delimiter: str | None,
    threshold: float | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Explain how two records compare: each field's level and its weight, the total, and
    whether blocking ever proposed the pair ("never compared")."""
    from reconcile.explain import explain_text
    from reconcile.match import match_records
    from reconcile.pipeline import claim_ids

    case = _loaded_or_exit((case_path,), encoding, delimiter)
    records = case.records
    index = {
        f"{c}:{r}": i
        for i, (c, r) in enumerate(zip(records["claim"], records["record_id"], strict=True))
    }
    for ref in (first, second):
        if ref not in index:
            raise click.BadParameter(
                f"no record {ref!r} (write CLAIM:ID, e.g. {next(iter(index), 'sohr:1')})",
                param_hint="CLAIM:ID",
            )
    a, b = index[first], index[second]
    if a == b:
        raise click.BadParameter("give two different records", param_hint="CLAIM:ID")
    result = match_records(
        records,
        claim_ids(case),
        case.decisions,
        _settings(case, threshold, jobs),
        progress=_progress(True),
        probe=[(a, b)],
    )
    probe = result.probes.iloc[0] if len(result.probes) else None
    lo, hi = min(a, b), max(a, b)
    click.echo(explain_text(probe, records.iloc[lo], records.iloc[hi]), nl=False)


@main.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--title", default="", help='The event, e.g. "US raid on Atmeh, Idlib".')
@click.option("--date", default="", help="The event's date, YYYY-MM-DD.")
@click.option("--place", default="", help="Where it happened.")
@click.option(
    "--claim",
    "claim_id",
    default="claim1",
    show_default=True,
    help="Id of the first claim; its file is claims/ID.csv.",
)
@click.option("--source", default="", help="Whose account the first claim is.")
def init(directory: str, title: str, date: str, place: str, claim_id: str, source: str) -> None:
    """Start a case in DIR: case.toml, a claim CSV with every standard column, counts.csv,
    decisions.csv and a README saying what goes where. Never overwrites a file.
    """
    from reconcile.scaffold import ScaffoldError, scaffold_files, write_new_files

    try:
        written = write_new_files(directory, scaffold_files(title, date, place, claim_id, source))
    except ScaffoldError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Started a case in {directory}:")
    for path in written:
        click.echo(f"  {path}")
    click.echo(f"Next: fill in claims/{claim_id}.csv, then run `reconcile check {directory}`.")


@main.command("add-claim")
@click.argument("case_dir", metavar="CASE", type=click.Path(file_okay=False))
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--id", "claim_id", required=True, help="Short id for the claim, e.g. sohr.")
@click.option("--source", required=True, help="Whose account it is.")
@click.option("--published", default="", help="When the source published it, YYYY-MM-DD.")
@click.option("--url", default="", help="Where it was published.")
@click.option(
    "--complete",
    is_flag=True,
    help="The source presents its list as complete: a person it omits is denied.",
)
@click.option(
    "--copy", "copy_file", is_flag=True, help="Copy FILE into CASE/claims/ and register the copy."
)
@click.option(
    "--map",
    "edits",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Read FIELD from column HEADER instead of the proposal (repeat a field to join "
    "columns; FIELD= drops a proposal).",
)
@click.option("--encoding", help="Read FILE in this encoding instead of detecting it.")
@click.option("--delimiter", help="Read FILE with this delimiter (, ; tab |).")
@click.option("--yes", "-y", is_flag=True, help="Accept the mapping without asking.")
def add_claim(
    case_dir: str,
    file: str,
    claim_id: str,
    source: str,
    published: str,
    url: str,
    complete: bool,
    copy_file: bool,
    edits: tuple[str, ...],
    encoding: str | None,
    delimiter: str | None,
    yes: bool,
) -> None:
    """Register FILE as a claim of CASE: propose how its columns map onto the fields, ask, then
    append a [[claims]] table to case.toml (the rest of the file is kept as it is).
    """
    from pathlib import Path

    from reconcile import scaffold as sc

    try:
        pairs = sc.parse_edits(edits)
        enc, delim = sc.reading_options(encoding, delimiter)
        case_text = sc.read_case_text(case_dir)
        rel = f"claims/{Path(file).name}" if copy_file else sc.case_relative(case_dir, file)
        if copy_file:
            sc.check_free(case_dir, rel)
        table, read_problems = sc.read_claim_header(file, rel, enc or None, delim or None)
        new = sc.plan_new_claim(
            case_text,
            table,
            claim_id,
            rel,
            source=source,
            published=published,
            url=url,
            complete=complete,
            edits=pairs,
            encoding=enc,
            delimiter=delim,
        )
    except sc.ScaffoldError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Columns of {file} ({sc.describe_reading(table)}) and how they will be read:")
    click.echo(sc.format_reading(new.reading))
    for problem in read_problems + new.problems:
        click.echo(problem.format())
    if rel.startswith("../"):
        click.echo(
            f"{file} is outside {case_dir}: the case will point to it there (--copy copies it in)."
        )
    click.echo("To append to case.toml:")
    click.echo("".join(f"    {line}".rstrip() + "\n" for line in new.block.splitlines()), nl=False)
    if not yes and not click.confirm(f"Add claim '{claim_id}'?", default=True):
        raise click.ClickException("nothing written; change the mapping with --map FIELD=HEADER")
    try:
        copy_from, copy_to = (file, rel) if copy_file else (None, None)
        sc.write_case_toml(case_dir, case_text, new.new_text, copy_from, copy_to)
    except sc.ScaffoldError as e:
        raise click.ClickException(str(e)) from None
    copied = f" (copied to {Path(case_dir) / rel})" if copy_file else ""
    click.echo(f"Added claim '{claim_id}' to {Path(case_dir) / 'case.toml'}{copied}.")


def _review_answer(prompt: str) -> Any:
    """One answer line from the terminal or piped input; end of input means quit."""
    from reconcile.review import KEYS_HELP, Answer, parse_answer

    while True:
        try:
            line = click.prompt(prompt, default="", show_default=False)
        except click.Abort:
            return Answer("quit")
        answer = parse_answer(line)
        if answer is not None:
            return answer
        click.echo(KEYS_HELP)


@main.command()
@click.argument("case_dir", metavar="CASE", type=click.Path(file_okay=False))
@click.option("--by", default=None, help="Who decides (default: your login name).")
@click.option("--blind", is_flag=True, help="Hide levels, weights and scores: judge the records.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Ask at most N pairs this session."
)
@_matching_options
def review(
    case_dir: str,
    by: str | None,
    blind: bool,
    limit: int | None,
    threshold: float | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Review the pairs that need a person, most consequential first: ambiguous matches, pairs
    near the threshold, links conflicting on sex or age group, unnamed records' best candidates.

    Answer each with s (same), d (different), k (skip), u (undo the last decision), q (quit),
    optionally followed by a note: `s the ground-floor wife`. Each decision is added to the
    case's decisions.csv at once; pairs already decided there are never asked again.
    """
    from pathlib import Path

    from reconcile import review as rv
    from reconcile.decisions_io import (
        DecisionsFileError,
        append_decision,
        missing_columns,
        remove_decision,
    )
    from reconcile.load import CASE_FILE, DECISIONS_FILE
    from reconcile.pipeline import match_case

    if not (Path(case_dir) / CASE_FILE).is_file():
        raise click.ClickException(
            f"{case_dir} is not a case folder (no {CASE_FILE}): review keeps its decisions in "
            f"the case's {DECISIONS_FILE}"
        )
    case = _loaded_or_exit((case_dir,), None, None, quiet)
    settings = _settings(case, threshold, jobs)
    rep = _progress(quiet)
    try:
        result = match_case(case, settings, progress=rep)
    finally:
        rep.close()
    queue = rv.build_queue(result.pairs, case.records, case.decisions, settings.threshold)
    session = rv.Session(queue, limit, rv.same_refs(case.decisions))
    records = rv.record_index(case.records)
    path = Path(case_dir) / DECISIONS_FILE
    try:
        lacking = missing_columns(path)
    except DecisionsFileError as e:
        raise click.ClickException(str(e)) from None
    if lacking:
        click.echo(
            f"warning: {path} has no column {', '.join(lacking)}: add them to its first line to "
            "record who decided, when and why",
            err=True,
        )
    who, lines = by or rv.default_by(), []
    click.echo(f"{session.summary()[2]} pairs to review. Keys: {rv.KEYS_HELP}.")
    while (item := session.current()) is not None:
        click.echo("")
        click.echo(rv.render_item(item, records, session.number(), blind), nl=False)
        answer = _review_answer("same person? [s/d/k/u/q]")
        try:
            if answer.action in ("same", "different"):
                row = session.decide(answer.action, who, rv.today(), answer.note)
                lines.append(append_decision(path, row))
                click.echo(f"recorded in {path}: {lines[-1].decode('utf-8').rstrip()}")
            elif answer.action == "undo":
                if not lines:
                    click.echo("nothing to undo in this session")
                    continue
                removed = remove_decision(path, lines.pop())
                row = session.undo() or {}
                pair = (
                    f"{row.get('claim_a')}:{row.get('record_a')} ~ "
                    f"{row.get('claim_b')}:{row.get('record_b')}"
                )
                click.echo(
                    f"undone: {pair} removed from {path}"
                    if removed
                    else f"undone: {pair} was no longer in {path}; nothing removed"
                )
            elif answer.action == "skip":
                session.skip()
            else:
                break
        except DecisionsFileError as e:
            if answer.action in ("same", "different"):
                session.undo()
            raise click.ClickException(str(e)) from None
    decided, skipped, left = session.summary()
    click.echo("")
    click.echo(f"{decided} decided, {skipped} skipped, {left} left.")
    click.echo(
        f"Run `reconcile run {case_dir}` to apply the decisions; "
        f"`reconcile review {case_dir}` asks the rest."
    )

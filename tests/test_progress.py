"""Progress appears on a terminal only; chunked comparison gives what one pass gives."""

from __future__ import annotations

import io

import numpy as np
from test_match import FAMILY_A, FAMILY_B, case, claim

from reconcile import match
from reconcile.match import compare_pairs, match_records
from reconcile.prepare import prepare
from reconcile.progress import NoticeReporter, RichReporter, reporter


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_progress_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    rep = reporter(stream=stream)
    assert isinstance(rep, NoticeReporter)  # notices only, no bars
    rep.start("comparing pairs", 10)
    rep.advance(5)
    rep.message("hello")
    rep.close()
    assert stream.getvalue() == ""


def test_progress_bar_on_a_terminal() -> None:
    stream = FakeTerminal()
    rep = reporter(stream=stream)
    assert isinstance(rep, RichReporter)
    rep.start("comparing pairs", 10)
    rep.advance(10)
    rep.message("a x b: 10 candidate pairs")
    rep.close()
    out = stream.getvalue()
    assert "comparing pairs" in out
    assert "10/10" in out
    assert "a x b: 10 candidate pairs" in out


def test_quiet_means_silent_even_on_a_terminal() -> None:
    stream = FakeTerminal()
    rep = reporter(enabled=False, stream=stream)
    rep.start("x", 1)
    rep.close()
    assert stream.getvalue() == ""


def test_chunked_comparison_equals_one_pass() -> None:
    recs = case(claim("a", FAMILY_A * 3), claim("b", FAMILY_B * 3))
    p = prepare(recs, ["a", "b"])
    ra, rb = np.meshgrid(np.arange(12), np.arange(12, 24), indexing="ij")
    ra, rb = ra.ravel(), rb.ravel()
    one_n, one_l = compare_pairs(p, ra, rb, chunk=10_000)
    many_n, many_l = compare_pairs(p, ra, rb, chunk=7)
    assert np.array_equal(one_n, many_n)
    assert set(one_l) == {
        "name",
        "sex",
        "age",
        "dob",
        "national_id",
        "relation",
        "status",
        "location",
        "nationality",
    }
    for f in one_l:
        assert np.array_equal(one_l[f], many_l[f])


def test_match_with_a_terminal_reporter_gives_the_same_links() -> None:
    recs = case(claim("a", FAMILY_A), claim("b", FAMILY_B))
    quiet = match_records(recs, ["a", "b"])
    shown = match_records(recs, ["a", "b"], progress=reporter(stream=FakeTerminal()))
    assert quiet.links.equals(shown.links)


def test_a_large_run_tells_its_estimated_pairs_on_stderr_terminal_or_not(monkeypatch) -> None:
    monkeypatch.setattr(match, "LARGE_RUN", 8)  # records from which a run is "large"
    recs = case(claim("a", FAMILY_A * 3), claim("b", FAMILY_B * 3))
    for stream in (io.StringIO(), FakeTerminal()):
        rep = reporter(stream=stream)
        match_records(recs, ["a", "b"], progress=rep)
        rep.close()
        assert f"{len(recs)} records: about 144 pairs to compare across claims" in (
            stream.getvalue()
        )
        assert "pairs compared: 276" in stream.getvalue()  # 144 across claims, 2 x 66 within
    quiet = FakeTerminal()
    match_records(recs, ["a", "b"], progress=reporter(enabled=False, stream=quiet))
    assert quiet.getvalue() == ""
    # below LARGE_RUN records, nothing is estimated
    monkeypatch.setattr(match, "LARGE_RUN", 10_000)
    stream = io.StringIO()
    match_records(recs, ["a", "b"], progress=reporter(stream=stream))
    assert stream.getvalue() == ""


def test_every_long_stage_after_blocking_has_a_bar_on_a_terminal(tmp_path) -> None:
    from pathlib import Path

    from report_sample import build_kwargs, frames

    from reconcile import load_case
    from reconcile.pipeline import reconcile_case
    from reconcile.report import build_report
    from reconcile.score import Model, estimate_m
    from reconcile.write import write_outputs

    stream = FakeTerminal()
    rep = reporter(stream=stream)
    example = Path(__file__).resolve().parents[1] / "examples" / "atmeh-2022"
    reconcile_case(load_case(example), progress=rep)
    kw = build_kwargs()
    write_outputs(build_report(**kw), frames(kw), tmp_path, "csv,md", progress=rep)  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    n = 6_000
    levels = {"sex": (rng.integers(0, 3, n), np.array(["missing", "agree", "conflict"], object))}
    estimate_m(Model(), rng.normal(0, 8, n), levels, progress=rep)
    rep.close()
    out = stream.getvalue()
    stages = ("preparing names", "clustering", "merging persons", "writing files")
    for stage in (*stages, "estimating m (EM)"):
        assert stage in out, stage
    # five CSVs and report.md, counted (the bar is redrawn in place: the last drawing)
    assert "6/6" in [x for x in out.splitlines() if "writing files" in x][-1]


def _two_claims(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "a.csv").write_text("id,name,sex\n1,Layla Haddad,f\n2,Omar Haddad,m\n")
    (tmp_path / "b.csv").write_text("id,name,age\n1,Layla Hadad,30\n")
    return [tmp_path / "a.csv", tmp_path / "b.csv"]


def test_loading_shows_a_bar_of_claims_on_a_terminal(tmp_path) -> None:
    from reconcile.load import load_case

    stream = FakeTerminal()
    rep = reporter(stream=stream)
    case = load_case(_two_claims(tmp_path), progress=rep)
    rep.close()
    out = stream.getvalue()
    assert "loading claims" in out and "2/2" in out
    plain = load_case(_two_claims(tmp_path))
    assert [len(c.records) for c in case.claims] == [2, 1]
    for shown, quiet in zip(case.claims, plain.claims, strict=True):
        assert shown.records.equals(quiet.records)


def test_loading_advances_by_each_claims_share_of_the_bytes(tmp_path) -> None:
    from reconcile.load import load_case
    from reconcile.progress import Reporter

    class Steps(Reporter):
        def __init__(self) -> None:
            self.seen: list[tuple[str, float]] = []

        def start(self, stage: str, total: int) -> None:
            self.seen.append((stage, total))

        def advance(self, n: float = 1) -> None:
            self.seen.append(("advance", n))

    paths = _two_claims(tmp_path)
    steps = Steps()
    load_case(paths, progress=steps)
    assert steps.seen[0] == ("loading claims", 2)
    moves = [n for what, n in steps.seen[1:] if what == "advance"]
    assert len(moves) == 6 and abs(sum(moves) - 2) < 1e-9
    size_a, size_b = (p.stat().st_size for p in paths)
    assert abs(sum(moves[:3]) - 2 * size_a / (size_a + size_b)) < 1e-9


def test_no_loading_bar_in_files_or_off_a_terminal(tmp_path) -> None:
    from click.testing import CliRunner

    from reconcile.cli import main
    from reconcile.load import load_case

    stream = io.StringIO()
    rep = reporter(stream=stream)
    load_case(_two_claims(tmp_path), progress=rep)
    rep.close()
    assert stream.getvalue() == ""
    paths = [str(p) for p in _two_claims(tmp_path)]
    result = CliRunner().invoke(main, ["run", *paths, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "loading claims" not in result.output
    assert all(b"loading claims" not in f.read_bytes() for f in (tmp_path / "out").glob("*.*"))

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

"""EM on a long list learns m from a fixed random sample of the cross-claim pairs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from reconcile import load_case, match
from reconcile.match import match_records

SYNTH = Path(__file__).resolve().parents[1] / "benchmarks" / "synth.py"


@pytest.fixture(scope="module")
def case_records(tmp_path_factory: pytest.TempPathFactory):
    spec = importlib.util.spec_from_file_location("bench_synth_em", SYNTH)
    assert spec is not None and spec.loader is not None
    synth = importlib.util.module_from_spec(spec)
    sys.modules["bench_synth_em"] = synth
    spec.loader.exec_module(synth)
    out = tmp_path_factory.mktemp("em") / "case"
    synth.generate(400, 5, out, quiet=True)
    case = load_case(out)
    return case.records, [c.id for c in case.claims]


def test_em_on_a_sample_learns_nearly_the_m_of_every_pair(case_records, monkeypatch):
    records, claims = case_records
    full = match_records(records, claims)
    assert full.model.em_iterations > 0  # a list long enough for EM
    monkeypatch.setattr(match, "EM_SAMPLE", 20_000)
    sampled = match_records(records, claims)
    again = match_records(records, claims)
    assert sampled.model.to_dict() == again.model.to_dict()  # the same sample every run
    for fld, levels in full.model.mu.items():
        for level, (m, _) in levels.items():
            assert sampled.model.mu[fld][level][0] == pytest.approx(m, abs=0.01), (fld, level)
    assert sampled.model.to_dict() != full.model.to_dict()  # it did learn from the sample

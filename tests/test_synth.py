"""The synthetic list generator (benchmarks/synth.py): valid case folders, truth, determinism."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

SYNTH = Path(__file__).resolve().parents[1] / "benchmarks" / "synth.py"


def _load_synth() -> Any:
    spec = importlib.util.spec_from_file_location("bench_synth", SYNTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_synth"] = module
    spec.loader.exec_module(module)
    return module


synth = _load_synth()


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "case"
    synth.generate(300, 7, out, quiet=True)
    return out


def test_writes_a_case_folder_with_truth(case_dir: Path) -> None:
    assert (case_dir / "case.toml").is_file()
    a, b = _read(case_dir / "claims" / "a.csv"), _read(case_dir / "claims" / "b.csv")
    truth = _read(case_dir / "truth.csv")
    assert list(truth.columns) == ["claim", "record_id", "person_id"]
    assert sorted(truth.loc[truth["claim"] == "a", "record_id"]) == sorted(a["id"])
    assert sorted(truth.loc[truth["claim"] == "b", "record_id"]) == sorted(b["id"])
    # one record per person per claim, and the claims overlap without being equal
    assert not truth.duplicated(["claim", "person_id"]).any()
    pa = set(truth.loc[truth["claim"] == "a", "person_id"])
    pb = set(truth.loc[truth["claim"] == "b", "person_id"])
    shared = len(pa & pb) / len(pa | pb)
    assert 0.6 < shared < 0.98
    assert (a["name"] != "").all() and (b["name"] != "").all()


def test_reconciles_loader_reads_it_without_errors(case_dir: Path) -> None:
    from reconcile.load import load_case
    from reconcile.problems import has_errors

    case = load_case(case_dir)
    assert not has_errors(case.problems), case.problem_table.head(10).to_string()
    assert [c.id for c in case.claims] == ["a", "b"]
    truth = _read(case_dir / "truth.csv")
    assert len(case.records) == len(truth)
    got = set(zip(case.records["claim"], case.records["record_id"], strict=True))
    assert got == set(zip(truth["claim"], truth["record_id"], strict=True))


def test_same_seed_same_bytes_other_seed_other_lists(tmp_path: Path) -> None:
    synth.generate(200, 3, tmp_path / "x", quiet=True)
    synth.generate(200, 3, tmp_path / "y", quiet=True)
    synth.generate(200, 4, tmp_path / "z", quiet=True)
    for rel in ("case.toml", "claims/a.csv", "claims/b.csv", "truth.csv"):
        assert (tmp_path / "x" / rel).read_bytes() == (tmp_path / "y" / rel).read_bytes()
    assert (tmp_path / "x/claims/b.csv").read_bytes() != (tmp_path / "z/claims/b.csv").read_bytes()


def test_children_carry_father_and_grandfather_names() -> None:
    rng = np.random.default_rng(5)
    vocab = synth.build_vocab(2000, np.random.default_rng(12345))
    people = synth.make_persons(2000, rng, vocab)
    assert len(people) == 2000 and people["person_id"].is_unique
    heads = people[people["role"] == "head"].set_index("household")
    kids = people[people["role"] == "child"]
    assert len(kids) > 100
    assert (kids["father"].to_numpy() == heads.loc[kids["household"], "given"].to_numpy()).all()
    assert (
        kids["grandfather"].to_numpy() == heads.loc[kids["household"], "father"].to_numpy()
    ).all()
    assert (kids["family"].to_numpy() == heads.loc[kids["household"], "family"].to_numpy()).all()
    assert (heads["sex"] == "m").all()
    assert (people.loc[people["role"] == "spouse", "sex"] == "f").all()
    # no two children of one household share a given name (the generator redraws clashes)
    assert not kids.duplicated(["household", "given"]).any()


def test_no_family_name_holds_a_large_share_of_households() -> None:
    """Family names are spread as in real national lists (the commonest about 1% of households,
    the ten commonest about 6%), so that namesakes are no more frequent than in real lists."""
    vocab = synth.build_vocab(2200, np.random.default_rng(12345))
    people = synth.make_persons(40_000, np.random.default_rng(3), vocab)
    share = people.drop_duplicates("household")["family"].value_counts(normalize=True)
    assert share.iloc[0] < 0.02
    assert 0.03 < share.iloc[:10].sum() < 0.09


def test_monitor_claim_corrupts_as_sources_do(case_dir: Path) -> None:
    b = _read(case_dir / "claims" / "b.csv")
    a = _read(case_dir / "claims" / "a.csv")
    parts_b = b["name"].str.split().map(len)
    parts_a = a["name"].str.split().map(len)
    assert parts_b.mean() < parts_a.mean()  # the monitor drops name parts
    assert (b["name_alt"].str.contains("[A-Za-z]", regex=True)).any()  # Latin spellings
    assert "dob" in a.columns and "national_id" in a.columns and "group" in b.columns


def test_transliteration_is_latin_and_varies() -> None:
    for token in ("محمد", "النجار", "عبد الله", "أبو طه", "حسين"):
        for v in (0, 1):
            latin = synth.transliterate(token, v)
            assert latin and latin.isascii(), (token, latin)
    assert synth.transliterate("محمد", 0) != synth.transliterate("محمد", 1)
    assert synth.transliterate("النجار", 0).startswith("Al-")
    assert synth.joined("عبد الله") == "عبدالله"


def test_cli_writes_the_folder(tmp_path: Path) -> None:
    assert synth.main(["--persons", "50", "--seed", "2", "--out", str(tmp_path / "c")]) == 0
    assert (tmp_path / "c" / "claims" / "b.csv").is_file()

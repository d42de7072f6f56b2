"""load_case never raises, whatever bytes a claim file or case.toml holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconcile import load_case
from reconcile.problems import Problem

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# CSV-ish text: delimiters, quotes, line breaks, Arabic and accented letters, controls
csv_text = st.text(
    alphabet=st.sampled_from([*',;\t|"\n\r ab1-?\x00\x1fé ع محمدNan', "\ufeff"]),
    max_size=200,
)


def _load_bytes(data: bytes, name: str = "claim.csv") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        case = load_case(path)
        assert all(isinstance(p, Problem) for p in case.problems)
        for claim in case.claims:
            assert list(claim.records.columns[:4]) == ["claim", "record_id", "file", "row"]


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    _load_bytes(data)


@FUZZ
@given(csv_text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1256"]))
def test_random_csv_text_never_raises(text, encoding):
    _load_bytes(text.encode(encoding, errors="replace"))


@FUZZ
@given(st.text(max_size=300))
def test_random_case_toml_never_raises(text):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "case.toml").write_text(text, encoding="utf-8", errors="replace")
        (Path(tmp) / "a.csv").write_text("id,name\n1,x\n", encoding="utf-8")
        load_case(tmp)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["id", "file", "source", "complete", "columns", "encoding", "x"]),
        st.one_of(
            st.text(max_size=10), st.booleans(), st.integers(), st.lists(st.text(max_size=5))
        ),
        max_size=6,
    )
)
def test_random_claim_tables_never_raise(spec):
    import json

    lines = ["[[claims]]"] + [f"{k} = {json.dumps(v)}" for k, v in spec.items()]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "case.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        load_case(tmp)

"""recordkeys: the records' claim and record_id codes, factorised once per records."""

from __future__ import annotations

import pandas as pd

from reconcile.recordkeys import key_codes


def frame(ids: list[str], claims: list[str] | None = None) -> pd.DataFrame:
    claims = claims or ["b", "a", "b", "a"][: len(ids)]
    return pd.DataFrame({"claim": claims, "record_id": ids}, dtype="str")


def test_codes_are_positions_in_sorted_texts() -> None:
    got = key_codes(frame(["r2", "r10", "r1", "r2"]))
    assert got is not None
    assert list(got.claims) == ["a", "b"] and list(got.ids) == ["r1", "r10", "r2"]
    assert list(got.claim_code) == [1, 0, 1, 0] and list(got.id_code) == [2, 1, 0, 2]


def test_the_same_texts_again_are_not_factorised_again() -> None:
    first = key_codes(frame(["x", "y", "z"]))
    again = key_codes(pd.concat([frame(["x", "y"]), frame(["z"], ["b"])], ignore_index=True))
    assert again is first  # equal Arrow data: the kept answer
    other = key_codes(frame(["x", "y", "w"]))
    assert other is not first and other is not None and list(other.ids) == ["w", "x", "y"]


def test_missing_cells_and_plain_objects() -> None:
    assert key_codes(frame(["x", None])) is None  # type: ignore[list-item]
    objects = pd.DataFrame({"claim": ["a", "a"], "record_id": pd.Series(["2", "1"], dtype=object)})
    got = key_codes(objects)
    assert got is not None and list(got.id_code) == [1, 0]
    assert key_codes(objects) is not got  # not Arrow data: computed each time

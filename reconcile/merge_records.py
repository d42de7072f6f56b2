"""The records of a merge as arrays in person order, with the text facts merging keeps asking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Strings = np.ndarray  # object array of str

# Every character Python's str.strip() removes (str.isspace()), as Arrow reads them.
PY_SPACES: tuple[str, ...] = (
    *"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680",
    *(chr(c) for c in range(0x2000, 0x200B)),
    *"\u2028\u2029\u202f\u205f\u3000",
)
_SPACES = pa.array(PY_SPACES, type=pa.large_string())
_SPACE_CHARS = "".join(PY_SPACES)
SAMPLE = 4096  # cells looked at to tell a column of mostly distinct values
TEXT = pa.large_string()  # what pandas keeps str columns in: no cast on the way in or out

# Text columns merge reads from a record ("" when absent), and its boolean columns.
TEXT_COLS: tuple[str, ...] = (
    "name",
    "name_alt",
    "alias",
    "relation",
    "cause",
    "location",
    "nationality",
    "affiliation",
    "sex_n",
    "age_group_n",
    "dob_n",
    "national_id_n",
    "status_n",
    "identified_n",
    "sex",
    "age_group",
    "dob",
    "national_id",
    "status",
    "identified",
    "age",
    "age_n",
    "relation_term",
    "relation_to",
    "file",
)
FLAG_COLS: tuple[str, ...] = ("name_is_relation", "name_unknown", "ambiguous")


def as_flag(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().casefold() in {"true", "1", "yes"}
    return bool(v) and v == v  # NaN is not a flag


def arrow_texts(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A column as Arrow strings, "" where blank (str() of any other value); a str column's own
    buffers when it has no blanks (no copy)."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        arr = pa.chunked_array(column.array._pa_array)
        arr = arr.cast(TEXT) if arr.type != TEXT else arr
        return pc.fill_null(arr, "") if arr.null_count else arr
    if isinstance(column.dtype, pd.StringDtype):
        return pa.array(column.to_numpy(dtype=object, na_value=""), type=TEXT)
    values = [
        "" if v is None or v != v else v if isinstance(v, str) else str(v) for v in column.tolist()
    ]
    return pa.array(values, type=TEXT)


def one(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """An Arrow array in one piece."""
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def objects(arr: pa.Array) -> Strings:
    """Arrow strings as an object array of str, one Python string per distinct value (a column
    of a million cells holds a few thousand values: memory for those, not for every cell)."""
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    uniques = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return uniques.reshape(-1)[codes] if len(codes) else np.zeros(0, dtype=object)


def flags(column: pd.Series) -> np.ndarray:
    if column.dtype == bool:
        return column.to_numpy(dtype=bool)
    return np.fromiter(map(as_flag, column.tolist()), dtype=bool, count=len(column))


class Text:
    """One text column in person order, held as its distinct values (`uniques`) and each cell's
    code into them: the values (object array of str), each value's length in characters, and
    whether it has spaces to strip at either end."""

    def __init__(
        self, uniques: Strings, codes: np.ndarray, length: np.ndarray, untrimmed: np.ndarray
    ) -> None:
        self.uniques, self.codes = uniques, codes
        self.unique_length, self.unique_untrimmed = length, untrimmed
        self._values: Strings | None = None
        self._stripped: Strings | None = None
        self._stripped_uniques: Strings | None = None
        self.distinct = False  # uniques are the cells themselves (codes say nothing)

    @classmethod
    def of(cls, arr: pa.Array | pa.ChunkedArray, order: np.ndarray) -> Text:
        if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 0:
            return cls.blank(len(order))
        sample = arr.slice(0, SAMPLE)
        if len(sample) >= SAMPLE and pc.count_distinct(sample).as_py() > SAMPLE // 2:
            return cls._distinct(arr, order)
        encoded = pc.dictionary_encode(arr)
        if isinstance(encoded, pa.ChunkedArray):  # chunk by chunk, on one dictionary: no copy
            encoded = encoded.unify_dictionaries()
            dictionary = encoded.chunk(0).dictionary
            indices = np.concatenate(
                [c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks]
            )
        else:
            dictionary = encoded.dictionary
            indices = encoded.indices.to_numpy(zero_copy_only=False)
        uniques = np.asarray(dictionary.to_numpy(zero_copy_only=False), dtype=object).reshape(-1)
        codes = indices.astype(np.int64)[order]
        length = pc.utf8_length(dictionary).to_numpy(zero_copy_only=False).astype(np.int64)
        first = pc.is_in(pc.utf8_slice_codeunits(dictionary, 0, 1), value_set=_SPACES)
        last = pc.is_in(pc.utf8_slice_codeunits(dictionary, -1, 2**31 - 1), value_set=_SPACES)
        untrimmed = pc.or_(first, last).to_numpy(zero_copy_only=False).astype(bool)
        return cls(uniques, codes, length, untrimmed)

    @classmethod
    def _distinct(cls, arr: pa.Array | pa.ChunkedArray, order: np.ndarray) -> Text:
        """A column of mostly distinct values (names): each cell its own value, no hashing."""
        values = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object).reshape(-1)[order]
        length = pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)[order]
        first = pc.is_in(pc.utf8_slice_codeunits(arr, 0, 1), value_set=_SPACES)
        last = pc.is_in(pc.utf8_slice_codeunits(arr, -1, 2**31 - 1), value_set=_SPACES)
        untrimmed = pc.or_(first, last).to_numpy(zero_copy_only=False).astype(bool)[order]
        text = cls(values, np.arange(len(values)), length, untrimmed)
        text._values, text.distinct = values, True
        return text

    @classmethod
    def blank(cls, n: int) -> Text:
        return cls(
            np.array([""], dtype=object),
            np.zeros(n, np.int64),
            np.zeros(1, np.int64),
            np.zeros(1, bool),
        )

    @property
    def values(self) -> Strings:
        if self._values is None:
            self._values = self.uniques[self.codes] if len(self.codes) else np.zeros(0, object)
        return self._values

    @property
    def length(self) -> np.ndarray:
        return self.unique_length[self.codes]

    @property
    def untrimmed(self) -> np.ndarray:
        return self.unique_untrimmed[self.codes]

    def codes_at(self, idx: np.ndarray) -> np.ndarray:
        """The values at records idx as integers, equal where the values are."""
        if self.distinct:
            return np.asarray(pd.factorize(self.values[idx])[0], dtype=np.int64)
        return self.codes[idx]

    def equals(self, value: str) -> np.ndarray:
        """values == value, compared once per distinct value."""
        return (self.uniques == value)[self.codes]

    def stripped_uniques(self) -> Strings:
        """The distinct values with str.strip() applied (the same order as `uniques`)."""
        if self._stripped_uniques is None:
            at = np.flatnonzero(self.unique_untrimmed)
            if not len(at):
                self._stripped_uniques = self.uniques
            else:
                uniques = self.uniques.copy()
                uniques[at] = [v.strip() for v in self.uniques[at].tolist()]
                self._stripped_uniques = uniques
        return self._stripped_uniques

    def stripped(self) -> Strings:
        """The values with str.strip() applied (once per distinct value that has spaces)."""
        if self._stripped is None:
            uniques = self.stripped_uniques()
            if uniques is self.uniques or not len(self.codes):
                self._stripped = self.values
            elif self.distinct:  # a value per cell already
                self._stripped = uniques
            else:
                self._stripped = uniques[self.codes]
        return self._stripped


def mapped(values: Strings, fn: Callable[[str], Any], dtype: Any = object) -> np.ndarray:
    """fn of every value, called once per distinct value."""
    if not len(values):
        return np.zeros(0, dtype=dtype)
    codes, uniques = pd.factorize(values)
    return np.array([fn(u) for u in uniques], dtype=dtype).reshape(-1)[codes]


def _same_keys(recs: pd.DataFrame, lk: pd.DataFrame) -> bool:
    """Whether links hold exactly the records' keys, row for row (as the pipeline makes them)."""
    if len(recs) != len(lk):
        return False
    for c in ("claim", "record_id"):
        a, b = recs[c], lk[c]
        if a.isna().any() or b.isna().any():
            return False
        if _arrow_str(a) and _arrow_str(b):
            same = pc.all(pc.equal(arrow_texts(a), arrow_texts(b))).as_py()
        else:
            same = (a.to_numpy(dtype=object) == b.to_numpy(dtype=object)).all()
        if not same:
            return False
    return True


def _arrow_str(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"


def _repeats_a_key(claim: pa.Array | pa.ChunkedArray, rid: pa.Array | pa.ChunkedArray) -> bool:
    """Whether some (claim, record_id) occurs twice (keys as integer codes, sorted)."""
    cc = pc.dictionary_encode(one(claim)).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    rc = np.asarray(pd.factorize(pd.Series(pd.arrays.ArrowStringArray(one(rid))))[0])
    key = np.sort(rc.astype(np.int64) * (int(cc.max(initial=0)) + 1) + cc)
    return bool((key[1:] == key[:-1]).any())


class Records:
    """The records with their person, in person order (persons ordered by their first record in
    claim order, then row, then record id; each person's records in that order), as arrays."""

    def __init__(self, records: pd.DataFrame, links: pd.DataFrame, order: dict[str, int]) -> None:
        link_cols = ["claim", "record_id", "person_id", "ambiguous"]
        missing = [c for c in link_cols[:3] if c not in links.columns]
        if missing:
            raise ValueError(f"links lacks column(s) {', '.join(missing)}")
        lk = links.reindex(columns=link_cols).astype({"claim": str, "record_id": str})
        recs = records.drop(columns=["ambiguous", "person_id"], errors="ignore")
        recs = recs.astype({"claim": str, "record_id": str})
        same = _same_keys(recs, lk)
        if same and not _repeats_a_key(arrow_texts(recs["claim"]), arrow_texts(recs["record_id"])):
            checks: tuple[tuple[pd.DataFrame, str], ...] = ()  # every key once, links alike
        else:
            checks = ((recs, "records"),) if same else ((recs, "records"), (lk, "links"))
        for frame, what in checks:
            twice = frame[frame.duplicated(["claim", "record_id"])]
            if len(twice):
                first = twice.iloc[0]
                raise ValueError(
                    f"{what} hold {first['claim']}:{first['record_id']} more than once"
                )
        if same:  # the links are the records' own, row for row: no join
            merged = recs.assign(person_id=lk["person_id"].array, ambiguous=lk["ambiguous"].array)
        else:
            merged = recs.merge(lk, on=["claim", "record_id"], how="left")
        unlinked = merged[merged["person_id"].isna()]
        if len(unlinked):
            first = unlinked.iloc[0]
            example = f"{first['claim']}:{first['record_id']}"
            raise ValueError(f"{len(unlinked)} record(s) have no link, e.g. {example}")
        claim = objects(one(arrow_texts(merged["claim"])))
        codes, uniques = pd.factorize(claim)
        self.claim_names = np.asarray(uniques, dtype=object)  # claim_code -> claim id
        claim_rank = np.array([order[c] for c in uniques], dtype=np.int64)[codes]
        if pd.api.types.is_integer_dtype(merged["row"].dtype):
            row = merged["row"].to_numpy(dtype=np.int64)
        else:
            row = np.array([int(x) for x in merged["row"].tolist()], dtype=np.int64)
        rid_arr = arrow_texts(merged["record_id"])
        by = np.lexsort((row, claim_rank))
        ties = (np.diff(claim_rank[by]) == 0) & (np.diff(row[by]) == 0)
        if ties.any():  # rows repeated within a claim: the record id decides
            rid = np.asarray(rid_arr.to_numpy(zero_copy_only=False), dtype=object)
            by = np.lexsort((pd.factorize(rid, sort=True)[0], row, claim_rank))
        pid_sorted = one(arrow_texts(merged["person_id"].astype(str)).take(pa.array(by)))
        dictionary = pc.dictionary_encode(pid_sorted)
        pid_codes = dictionary.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        pid_uniques = dictionary.dictionary
        within = np.argsort(pid_codes, kind="stable")
        g = by[within]  # record positions in person order
        self.person = pid_codes[within]
        self.person_ids_arrow = pid_uniques  # person ids by person code, as Arrow strings
        self._person_ids: Strings | None = None
        self.n_persons = len(pid_uniques)
        self.size = np.bincount(self.person, minlength=self.n_persons)
        self.order = g
        self.claim, self.claim_rank, self.row = claim[g], claim_rank[g], row[g]
        self.claim_code = codes[g]
        self.record_id_arrow = one(rid_arr.take(pa.array(g)))
        self._merged = merged
        self._texts: dict[str, Text] = {}
        self._arrow: dict[str, pa.Array] = {}  # text columns in record order, as read
        self.flag: dict[str, np.ndarray] = {}
        for c in FLAG_COLS:
            self.flag[c] = flags(merged[c])[g] if c in merged else np.zeros(len(g), bool)
        self.age: dict[str, np.ndarray] = {}
        for c in ("age_min", "age_max"):
            col = merged[c] if c in merged else pd.Series(np.nan, index=merged.index)
            self.age[c] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)[g]

    @property
    def person_ids(self) -> Strings:
        """Person ids by person code as Python strings (made on first use: most merges need
        the id of only a few persons, see person_id)."""
        if self._person_ids is None:
            ids = self.person_ids_arrow.to_numpy(zero_copy_only=False)
            self._person_ids = np.asarray(ids, dtype=object).reshape(-1)
        return self._person_ids

    def person_id(self, p: int) -> str:
        """The id of person p."""
        if self._person_ids is not None:
            return str(self._person_ids[p])
        return str(self.person_ids_arrow[p].as_py())

    def texts(self, column: str) -> Text:
        """A text column in person order (computed on first use)."""
        got = self._texts.get(column)
        if got is None:
            if column in self._merged:
                got = Text.of(arrow_texts(self._merged[column]), self.order)
            else:
                got = Text.blank(len(self.order))
            self._texts[column] = got
        return got

    def arrow(self, column: str, at: np.ndarray | None = None) -> pa.Array:
        """A text column in person order as Arrow strings ("" where blank); with `at`, only
        the records at those positions (of the person order)."""
        rows = self.order if at is None else self.order[at]
        if column not in self._merged:
            return pa.array([""] * len(rows), type=TEXT)
        got = self._arrow.get(column)
        if got is None:
            got = self._arrow[column] = arrow_texts(self._merged[column])
        return one(got.take(pa.array(rows)))

    def nonblank(self, column: str, strip: bool = True) -> np.ndarray:
        """Whether each record's value of a text column is not blank once stripped (as
        str.strip() strips; not "" when not `strip`), in person order; computed in Arrow, no
        Python string per cell."""
        if column not in self._merged:
            return np.zeros(len(self.order), dtype=bool)
        got = self._arrow.get(column)
        if got is None:
            got = self._arrow[column] = arrow_texts(self._merged[column])
        kept = pc.not_equal(pc.utf8_trim(got, _SPACE_CHARS) if strip else got, "")
        return np.asarray(kept.to_numpy(zero_copy_only=False), dtype=bool)[self.order]

    def arrow_stripped(self, column: str, at: np.ndarray) -> pa.Array:
        """A text column's values at records `at` (of the person order) stripped as str.strip()
        strips, as Arrow strings."""
        return pc.utf8_trim(self.arrow(column, at), _SPACE_CHARS)

    def cached(self) -> list[str]:
        """The text columns read so far."""
        return list(self._texts)

    def forget(self, column: str) -> None:
        """Let go of a text column's values by record (all of it when its values are mostly
        distinct); read again on next use."""
        got = self._texts.get(column)
        if got is None:
            return
        if got.distinct:
            del self._texts[column]
        else:
            got._values = got._stripped = None

    @property
    def text(self) -> _TextView:
        return _TextView(self)

    def __len__(self) -> int:
        return len(self.person)


class _TextView:
    """records.text[column]: the values of a text column in person order."""

    def __init__(self, recs: Records) -> None:
        self._recs = recs

    def __getitem__(self, column: str) -> Strings:
        return self._recs.texts(column).values

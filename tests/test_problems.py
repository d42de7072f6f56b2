import pytest

from reconcile.problems import CODES, Problem, has_errors, problems_table


def test_format_has_file_row_column_code_message():
    p = Problem("E201", "claims/sohr.csv", "'femal' is not a sex; did you mean 'female'?", 7, "sex")
    assert p.format() == (
        "claims/sohr.csv:7:sex: E201: 'femal' is not a sex; did you mean 'female'?"
    )


def test_format_omits_missing_parts():
    assert Problem("E001", "case.toml", "bad", 3).format() == "case.toml:3: E001: bad"
    assert Problem("E102", "a.csv", "empty").format() == "a.csv: E102: empty"


def test_unknown_code_is_refused():
    with pytest.raises(ValueError):
        Problem("E999", "a.csv", "x")


def test_table_and_severity():
    ps = [Problem("W301", "a.csv", "no id", 2, "id"), Problem("E102", "b.csv", "empty")]
    t = problems_table(ps)
    assert list(t["severity"]) == ["warning", "error"]
    assert list(t["slug"]) == ["missing-id", "empty-file"]
    assert has_errors(ps) and not has_errors(ps[:1])


def test_codes_are_prefixed_by_severity():
    for code, (severity, _) in CODES.items():
        assert code[0] == severity[0].upper()

"""explorer.userdata: a visitor's table read in memory, rows dropped with counts, refusals explained.

The caps are tested with small caps passed as arguments (the real 50 MB upload is in
tests/e2e/test_upload.py); the module is checked to open no file at all."""

from __future__ import annotations

import builtins
import io
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from explorer.userdata import MAX_BYTES, MAX_ROWS, column_samples, parse_table


def test_the_defaults_are_the_issue_s_caps():
    assert MAX_BYTES == 50 * 2**20 and MAX_ROWS == 10**6


def test_the_core_module_imports_no_ui():
    code = ("import sys, explorer.userdata; "
            "print(sorted({'ipywidgets', 'plotly', 'pandas'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("content, delimiter", [
    ("a,b\n1,2\n3,4\n5,7\n", "comma"),
    ("a;b\n1;2\n3;4\n5;7\n", "semicolon"),
    ("a\tb\n1\t2\n3\t4\n5\t7\n", "tab"),
    ("a  b\n1 2\n3   4\n5 7\n", "whitespace"),
    ('"a","b"\n"1","2"\n3,4\n5,7\n', "comma"),
])
def test_delimiters_and_header(content, delimiter):
    for c in (content, content.encode()):
        t = parse_table(c)
        assert t.delimiter == delimiter and t.header and t.columns == ("a", "b")
        np.testing.assert_array_equal(t.values, [[1, 2], [3, 4], [5, 7]])
        x, rep = column_samples(t, ["a", "b"])
        np.testing.assert_array_equal(x, [[1, 2], [3, 4], [5, 7]])
        assert rep.kept == 3 and rep.n_dropped == 0


def test_no_header_names_the_columns_by_position():
    t = parse_table(b"1.5,2\n2.5,3\n-1e3,4\n")
    assert not t.header and t.columns == ("column 1", "column 2")
    x, _ = column_samples(t, 0)
    np.testing.assert_array_equal(x, [1.5, 2.5, -1000.0])
    assert column_samples(t, "column 2")[0].tolist() == [2, 3, 4]


def test_utf8_bom_utf16_and_windows_1252():
    t = parse_table(b"\xef\xbb\xbftemp\xc2\xb0C\n1\n2\n")
    assert t.columns == ("temp°C",) and t.encoding == "utf-8"
    t = parse_table("x,y\n1,2\n3,5\n".encode("utf-16"))
    assert t.encoding == "utf-16" and t.columns == ("x", "y")
    t = parse_table("temp\xb0C\n1\n2\n".encode("cp1252"))
    assert t.columns == ("temp°C",) and t.encoding == "windows-1252"
    assert parse_table("\ufeffv\n1\n2").columns == ("v",)


def test_decimal_commas_in_a_semicolon_file():
    t = parse_table("x;y\n1,5;2\n-2,25;3e1\n")
    assert t.decimal_comma
    np.testing.assert_array_equal(t.values, [[1.5, 2], [-2.25, 30]])


def test_comments_blank_lines_duplicate_and_blank_names():
    t = parse_table("# from the lab\n\nx,x,\n1,2,3\n\n4,5,6\n")
    assert t.columns == ("x", "x (2)", "column 3") and t.n_rows == 2


def test_bad_rows_are_dropped_and_counted_by_reason():
    text = "x,y\n1,10\nabc,11\n,12\nnan,13\n inf,14\n-inf,15\n2,16\n3,NA\n4\n5,17\n"
    t = parse_table(text)
    x, rep = column_samples(t, "x")
    np.testing.assert_array_equal(x, [1, 2, 3, 4, 5])
    assert rep.dropped == {"not a number": 1, "empty": 1, "NaN or missing marker": 1, "infinite": 2}
    assert rep.summary() == ("kept 5 of 10 rows; dropped 5: 1 not a number, 1 empty, "
                             "1 NaN or missing marker, 2 infinite")
    xy, rep2 = column_samples(t, ["x", "y"])  # a row counts once, dropped if either cell is bad
    np.testing.assert_array_equal(xy, [[1, 10], [2, 16], [5, 17]])
    assert rep2.kept == 3 and rep2.dropped["empty"] == 2 and rep2.dropped["NaN or missing marker"] == 2


def test_a_constant_column_is_refused_by_name():
    t = parse_table("a,b\n1,7\n2,7\n3,7\n")
    with pytest.raises(ValueError, match=r"column 'b' is constant \(every kept row is 7\)"):
        column_samples(t, "b")
    with pytest.raises(ValueError, match="column 'b' is constant"):
        column_samples(t, ["a", "b"])
    with pytest.raises(ValueError, match="column 'a' is constant"):  # constant once the bad rows go
        column_samples(parse_table("a\n1\nx\n1\n"), "a")


def test_one_row_is_refused():
    with pytest.raises(ValueError, match="only 1 row"):
        column_samples(parse_table("x,y\n1,2\n"), "x")
    with pytest.raises(ValueError, match="only 1 row"):
        column_samples(parse_table("1,2,3\n"), 0)


def test_one_line_of_pasted_numbers_is_a_column():
    t = parse_table("1.2 1.9, 2.1;2.4", one_line_as_column=False)
    assert t.n_rows == 1
    t = parse_table("1.2 1.9 2.1 2.4", one_line_as_column=True)
    np.testing.assert_array_equal(column_samples(t, 0)[0], [1.2, 1.9, 2.1, 2.4])


def test_all_nan_is_refused_with_the_count():
    with pytest.raises(ValueError, match=r"0 usable rows .*3 NaN or missing marker"):
        column_samples(parse_table("x\nnan\nNaN\nn/a\n"), "x")


def test_a_wrong_delimiter_says_only_one_column_was_found():
    with pytest.raises(ValueError, match="only one column was found"):
        column_samples(parse_table("x|y\n1|2\n3|4\n"), 0)


def test_unknown_and_repeated_columns():
    t = parse_table("a,b\n1,2\n3,4\n")
    with pytest.raises(ValueError, match="no column 'c'; the columns are 'a', 'b'"):
        column_samples(t, "c")
    with pytest.raises(ValueError, match="no column 5"):
        column_samples(t, 5)
    with pytest.raises(ValueError, match="different columns"):
        column_samples(t, ["a", "a"])


def test_the_byte_cap_is_checked_first_and_named():
    with pytest.raises(ValueError, match=r"the data are 0\.0 MB; the limit is 0\.0 MB"):
        parse_table(b"1\n2\n3\n", max_bytes=5)
    big = b"1\n" * 600_000
    with pytest.raises(ValueError, match=r"1\.1 MB; the limit is 1\.0 MB"):
        parse_table(big, max_bytes=2**20)
    assert parse_table(b"1\n2\n", max_bytes=4).n_rows == 2


def test_the_row_cap_is_named():
    with pytest.raises(ValueError, match="the data have 11 rows; the limit is 10 rows"):
        parse_table("\n".join(map(str, range(11))), max_rows=10)
    assert parse_table("x\n" + "\n".join(map(str, range(10))), max_rows=10).n_rows == 10  # header free


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    bytes(range(256)) * 4,
    np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
    b"PK\x03\x04" + b"\x00" * 40,
])
def test_binary_content_is_refused(content):
    with pytest.raises(ValueError, match="not a text file"):
        parse_table(content)


@pytest.mark.parametrize("content", [b"", "   \n\n", "# only a comment\n"])
def test_empty_content_is_refused(content):
    with pytest.raises(ValueError, match="no data"):
        parse_table(content)


def test_a_header_without_data_is_refused():
    with pytest.raises(ValueError, match="no data row"):
        parse_table("x,y\n")


def test_nothing_is_opened(monkeypatch):
    def no_open(*args, **kwargs):
        raise AssertionError(f"opened {args!r}")

    monkeypatch.setattr(builtins, "open", no_open)
    monkeypatch.setattr(io, "open", no_open)
    t = parse_table(b"/etc/passwd\n1\n2\n")  # a path in the content is only a column name
    assert t.columns == ("/etc/passwd",)
    column_samples(t, 0)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 3)),
                  elements=st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)),
       st.sampled_from([",", ";", "\t", " "]), st.booleans())
def test_round_trip_of_finite_arrays_written_as_csv(a, sep, header):
    lines = [sep.join(repr(float(v)) for v in row) for row in a]
    if header:
        lines.insert(0, sep.join(f"c{j}" for j in range(a.shape[1])))
    t = parse_table("\n".join(lines).encode())
    assert t.header == header and t.n_rows == a.shape[0]
    np.testing.assert_array_equal(t.values, a)
    j = a.shape[1] - 1
    if np.unique(a[:, j]).size >= 2:
        x, rep = column_samples(t, j)
        np.testing.assert_array_equal(x, a[:, j])
        assert rep.n_dropped == 0

"""A visitor's own data: a CSV/TSV/text table (uploaded or pasted) read in memory, and numeric
samples taken from its columns, with every dropped row counted and every refusal explained.

Two steps, both pure (no files written, no path ever opened — the content arrives as bytes or
text, and nothing else is read):

* :func:`parse_table` decodes the content (UTF-8 with or without a byte-order mark, UTF-16 with a
  BOM, else Windows-1252 for text that is not UTF-8), refuses binary content (both by
  :func:`decode_text`, which other uploads of text share), guesses the
  delimiter among comma, semicolon, tab and whitespace (the standard library's :mod:`csv` reads
  the quoted fields), sees whether the first row is a header, and turns every cell into a float
  (NaN where the cell is empty or not a number, remembering which). Content above ``max_bytes``
  or with more than ``max_rows`` data rows is refused before it is parsed.
* :func:`column_samples` takes one or two columns, drops the rows where a chosen cell is not a
  finite number (counted by reason: not a number, empty, NaN, infinite) and refuses a column
  with fewer than two distinct values, which has no density to estimate.

Text cells are NaN in :attr:`ParsedTable.values`; a column whose text cells hold at most
:data:`MAX_LEVELS` different values also keeps them (:attr:`ParsedTable.levels`,
:attr:`ParsedTable.level_codes`), so that a column of class names (``setosa``, ``virginica``) can
be read as labels (:func:`explorer.userdata_labels.labelled_samples`).

Every refusal is a ``ValueError`` whose message names the limit or the column and says what to do.

Examples
--------
>>> t = parse_table("eruptions,waiting\\n3.6,79\\n1.8,54\\nn/a,74\\n3.3,inf\\n")
>>> t.columns, t.header, t.delimiter
(('eruptions', 'waiting'), True, 'comma')
>>> x, report = column_samples(t, ["eruptions", "waiting"])
>>> x.tolist()
[[3.6, 79.0], [1.8, 54.0]]
>>> report.summary()
'kept 2 of 4 rows; dropped 2: 1 NaN or missing marker, 1 infinite'
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["DELIMITERS", "MAX_BYTES", "MAX_LEVELS", "MAX_ROWS", "TABLE_FILE", "ParsedTable", "SampleReport",
           "column_samples", "decode_text", "parse_table", "row_drops"]

#: Largest content accepted (bytes): 50 MiB, far more than a teaching page needs, small enough
#: for a kernel's memory. The app's websocket limit (voila.json) sits above it, so an upload
#: just over the cap reaches this check and gets its message.
MAX_BYTES = 50 * 2**20
#: Most data rows accepted: the KDE page stays interactive up to 10⁶ points.
MAX_ROWS = 10**6
#: Most different texts kept per column (class names); a column with more is free text, not kept.
MAX_LEVELS = 50
#: The delimiters tried, in order of preference (a semicolon file may use decimal commas).
DELIMITERS = {"tab": "\t", "semicolon": ";", "comma": ",", "whitespace": None}
#: Cells read as a missing value (NaN), case-insensitive.
MISSING = frozenset({"nan", "na", "n/a", "null", "none", "-", "?"})
#: Bytes looked at to decide whether the content is text.
SNIFF_BYTES = 8192
#: Lines looked at to guess the delimiter.
SNIFF_LINES = 50

# cell kinds (ParsedTable.kind)
NUMBER, TEXT, EMPTY = 0, 1, 2

_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+(?:[eE][-+]?\d+)?\s*$")


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


@dataclass(frozen=True)
class ParsedTable:
    """A table read by :func:`parse_table`.

    Attributes
    ----------
    columns : tuple of str
        Column names: the header's, or ``"column 1"``, ``"column 2"``, … without a header.
    values : ndarray, shape (n_rows, n_columns)
        Each cell as a float; NaN where the cell is empty, a missing marker or not a number.
    kind : ndarray of uint8, shape (n_rows, n_columns)
        What each cell was: 0 a number (possibly NaN or ±inf), 1 text that is not a number,
        2 empty or absent (a short row).
    header : bool
        Whether the first row was read as column names.
    delimiter : str
        ``"comma"``, ``"semicolon"``, ``"tab"``, ``"whitespace"`` or ``"none"`` (one column).
    encoding : str
        How the bytes were decoded.
    decimal_comma : bool
        Whether ``3,5`` was read as 3.5 (semicolon-separated files only).
    levels : dict of int to tuple of str
        For each column (by position) whose text cells hold 1 to :data:`MAX_LEVELS` different
        values: those values, sorted.
    level_codes : dict of int to ndarray of int16, shape (n_rows,)
        For the same columns: each text cell's position in ``levels``, −1 for the other cells.
    """

    columns: tuple[str, ...]
    values: np.ndarray = field(repr=False)
    kind: np.ndarray = field(repr=False)
    header: bool
    delimiter: str
    encoding: str = "utf-8"
    decimal_comma: bool = False
    levels: dict[int, tuple[str, ...]] = field(default_factory=dict, repr=False)
    level_codes: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n_rows(self) -> int:
        """Number of data rows (the header not counted)."""
        return int(self.values.shape[0])

    def index(self, column: str | int) -> int:
        """Position of ``column`` (a name, or a 0-based position); ``ValueError`` listing the names."""
        if isinstance(column, int | np.integer) and not isinstance(column, bool):
            if 0 <= column < len(self.columns):
                return int(column)
        elif column in self.columns:
            return self.columns.index(column)
        raise ValueError(f"no column {column!r}; the columns are {', '.join(map(repr, self.columns))}")

    def describe(self) -> str:
        """One line: rows, columns, delimiter, header."""
        head = "a header row" if self.header else "no header row"
        sep = "one column" if self.delimiter == "none" else f"{self.delimiter}-separated"
        dec = ", decimal commas" if self.decimal_comma else ""
        return (f"{self.n_rows:,} row{'s' * (self.n_rows != 1)} × {len(self.columns)} "
                f"column{'s' * (len(self.columns) != 1)}, "
                f"{sep}, {head}{dec}")


@dataclass(frozen=True)
class SampleReport:
    """What :func:`column_samples` kept and dropped.

    ``dropped`` maps a reason (``"not a number"``, ``"empty"``, ``"NaN or missing marker"``,
    ``"infinite"``) to the number of rows dropped for it; a row is counted once, under the first
    reason met in that order.
    """

    columns: tuple[str, ...]
    n_rows: int
    kept: int
    dropped: dict[str, int]

    @property
    def n_dropped(self) -> int:
        return self.n_rows - self.kept

    def summary(self) -> str:
        """``"kept 98 of 100 rows; dropped 2: 1 not a number, 1 infinite"``."""
        out = f"kept {self.kept:,} of {self.n_rows:,} rows"
        if self.n_dropped:
            why = ", ".join(f"{n:,} {reason}" for reason, n in self.dropped.items() if n)
            out += f"; dropped {self.n_dropped:,}: {why}"
        return out


#: The advice of a refusal of binary content, for a table (:func:`decode_text`'s ``expected``).
TABLE_FILE = "a CSV, TSV or plain-text table, e.g. exported with 'Save as CSV'"


def decode_text(raw: bytes, *, expected: str = TABLE_FILE) -> tuple[str, str]:
    """The text of ``raw`` and the encoding used; ``ValueError`` for binary content.

    UTF-8 (a byte-order mark removed), UTF-16 with a byte-order mark, else Windows-1252. Content
    is binary when its first :data:`SNIFF_BYTES` bytes hold a NUL byte, or more than 1 % control
    characters (other than whitespace) or undecodable bytes. The refusal ends "upload
    ``expected``" (what the caller takes).
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ValueError("the file starts like UTF-16 text but is not valid UTF-16; "
                             "save it as UTF-8 text and try again") from None
    binary = f"this is not a text file (it contains binary bytes); upload {expected}"
    head = raw[:SNIFF_BYTES]
    if b"\x00" in head:
        raise ValueError(binary)
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("cp1252", errors="replace"), "windows-1252"
    sample = text[:SNIFF_BYTES]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if control > 0.01 * max(len(sample), 1) or sample.count("\ufffd") > 0.01 * max(len(sample), 1):
        raise ValueError(binary)
    return text, encoding


def _split(lines: list[str], delimiter: str | None) -> list[list[str]]:
    if delimiter is None:
        return [ln.split() for ln in lines]
    return [[c.strip() for c in row] for row in csv.reader(lines, delimiter=delimiter, skipinitialspace=True)]


def _sniff(lines: list[str]) -> str:
    """The delimiter name that splits the first lines into one consistent number (> 1) of fields."""
    head = lines[:SNIFF_LINES]
    for name, delim in DELIMITERS.items():
        if delim is not None and not any(delim in ln for ln in head):
            continue
        counts = Counter(len(row) for row in _split(head, delim))
        width, times = counts.most_common(1)[0]
        if width > 1 and times >= 0.9 * len(head):
            return name
    return "none"


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return cell.strip().lower() in MISSING
    return True


def _to_float(cell: str, decimal_comma: bool) -> tuple[float, int]:
    s = cell.strip()
    if not s:
        return math.nan, EMPTY
    if decimal_comma and "," in s:
        s = s.replace(",", ".")
    try:
        return float(s), NUMBER
    except ValueError:
        return math.nan, (NUMBER if s.lower() in MISSING else TEXT)


def parse_table(content: bytes | str, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
                one_line_as_column: bool = False) -> ParsedTable:
    """Read a delimited table from ``content``, in memory.

    Parameters
    ----------
    content : bytes or str
        The file's bytes (an upload) or text (pasted). Never a path: nothing is opened.
    max_bytes : int
        Larger content is refused (``ValueError`` naming the size and the limit).
    max_rows : int
        More data rows are refused (``ValueError`` naming the count and the limit).
    one_line_as_column : bool
        Read a single line of several values (``"1.2 3.4 5.1"``, pasted numbers) as one column
        rather than as one row.

    Returns
    -------
    ParsedTable
        Column names, the cells as floats (NaN where not a number) and what each cell was.

    Raises
    ------
    ValueError
        Empty, binary or oversized content, too many rows, or no data row.

    Examples
    --------
    >>> t = parse_table(b"\\xef\\xbb\\xbfx;y\\n1,5;2\\n2,5;4\\n")
    >>> t.columns, t.delimiter, t.decimal_comma, t.values.tolist()
    (('x', 'y'), 'semicolon', True, [[1.5, 2.0], [2.5, 4.0]])
    """
    raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    if len(raw) > max_bytes:
        raise ValueError(f"the data are {_mb(len(raw))}; the limit is {_mb(max_bytes)}. "
                         "Upload a smaller file (e.g. only the columns you need, or a sample of the rows)")
    if isinstance(content, str):
        text, encoding = content.removeprefix("\ufeff"), "text"
    else:
        text, encoding = decode_text(raw)
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError("there are no data: the file or text is empty (blank lines and lines starting "
                         "with # are skipped)")
    if len(lines) > max_rows + 1:  # + 1: a header row (checked exactly below)
        raise ValueError(f"the data have {len(lines):,} rows; the limit is {max_rows:,} rows. "
                         "Keep a sample of the rows (e.g. every 10th) and try again")
    delimiter = _sniff(lines)
    rows = _split(lines, DELIMITERS.get(delimiter))
    if one_line_as_column and len(rows) == 1 and len(rows[0]) > 1:
        rows, delimiter = [[c] for c in rows[0]], "none"
    header = any(rows[0]) and not any(c and _is_number(c) for c in rows[0])
    body = rows[1:] if header else rows
    if len(body) > max_rows:
        raise ValueError(f"the data have {len(body):,} rows; the limit is {max_rows:,} rows. "
                         "Keep a sample of the rows (e.g. every 10th) and try again")
    if not body:
        raise ValueError("there is a header row but no data row below it")
    width = len(rows[0]) if header else Counter(len(r) for r in body).most_common(1)[0][0]
    if header:
        names, seen = [], Counter()
        for i, c in enumerate(rows[0]):
            name = c or f"column {i + 1}"
            seen[name] += 1
            names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    else:
        names = [f"column {i + 1}" for i in range(width)]
    decimal_comma = delimiter == "semicolon" and any(
        _DECIMAL_COMMA.match(c) for r in body[:SNIFF_LINES] for c in r)
    values = np.full((len(body), width), np.nan)
    kind = np.full((len(body), width), EMPTY, dtype=np.uint8)
    levels: dict[int, tuple[str, ...]] = {}
    level_codes: dict[int, np.ndarray] = {}
    for j in range(width):
        col = [r[j] if j < len(r) else "" for r in body]
        try:  # fast path: every cell a plain number
            if decimal_comma or any(not c for c in col):
                raise ValueError
            values[:, j] = np.array(col, dtype=float)
            kind[:, j] = NUMBER
        except ValueError:
            for i, c in enumerate(col):
                values[i, j], kind[i, j] = _to_float(c, decimal_comma)
            rows_text = np.flatnonzero(kind[:, j] == TEXT)
            if rows_text.size:
                found, where = np.unique(np.array([col[i].strip() for i in rows_text]), return_inverse=True)
                if found.size <= MAX_LEVELS:
                    levels[j] = tuple(str(v) for v in found)
                    level_codes[j] = np.full(len(body), -1, dtype=np.int16)
                    level_codes[j][rows_text] = where.ravel()
                    level_codes[j].setflags(write=False)
    values.setflags(write=False)
    kind.setflags(write=False)
    return ParsedTable(tuple(names), values, kind, header, delimiter, encoding, decimal_comma, levels,
                       level_codes)


def row_drops(table: ParsedTable, idx: Sequence[int], text_ok: Sequence[bool] | None = None
              ) -> tuple[np.ndarray, dict[str, int]]:
    """Rows to drop for the columns at positions ``idx``: a cell that is text (unless ``text_ok``
    for its column), empty, NaN or a missing marker, or infinite; and the count per reason (a row
    counted once, under the first reason in that order).

    Returns
    -------
    bad : ndarray of bool, shape (n_rows,)
    dropped : dict of str to int
    """
    v, k = table.values[:, idx], table.kind[:, idx]
    is_text = k == TEXT
    if text_ok is not None:
        allowed = np.asarray(text_ok, dtype=bool)
        is_text = is_text & ~allowed
        v = np.where((k == TEXT) & allowed, 0.0, v)
    text, empty = is_text.any(axis=1), (k == EMPTY).any(axis=1)
    nan, inf = np.isnan(v).any(axis=1), np.isinf(v).any(axis=1)
    dropped: dict[str, int] = {}
    bad = np.zeros(table.n_rows, dtype=bool)
    for reason, rows in (("not a number", text), ("empty", empty), ("NaN or missing marker", nan),
                         ("infinite", inf)):
        new = rows & ~bad
        dropped[reason] = int(new.sum())
        bad |= new
    return bad, dropped


def column_samples(table: ParsedTable, columns: str | int | Sequence[str | int]
                   ) -> tuple[np.ndarray, SampleReport]:
    """The finite numbers of ``columns``, the rows with any other cell dropped and counted.

    Parameters
    ----------
    table : ParsedTable
        From :func:`parse_table`.
    columns : str, int, or a sequence of them
        One column (names or 0-based positions) for a 1-D sample, two for a 2-D sample.

    Returns
    -------
    x : ndarray, shape (n,) for one column, (n, k) for k columns
        The kept rows, in file order.
    report : SampleReport
        Rows kept and dropped, by reason.

    Raises
    ------
    ValueError
        An unknown or repeated column; fewer than two usable rows; a column with fewer than two
        distinct values (a constant has no density to estimate). The message names the column.
    """
    single = isinstance(columns, str | int | np.integer)
    idx = [table.index(c) for c in ([columns] if single else list(columns))]
    if not idx:
        raise ValueError("choose at least one column")
    if len(set(idx)) != len(idx):
        raise ValueError("choose different columns: the same column was chosen twice")
    names = tuple(table.columns[i] for i in idx)
    bad, dropped = row_drops(table, idx)
    x = table.values[:, idx][~bad]
    report = SampleReport(names, table.n_rows, int(x.shape[0]), dropped)
    quoted = " and ".join(repr(n) for n in names)
    if table.n_rows < 2:
        raise ValueError(f"the data have only {table.n_rows} row; a density estimate needs at least 2 rows "
                         "(one value per row, the columns side by side)")
    if report.kept < 2:
        why = "" if not report.n_dropped else f" ({report.summary()})"
        if table.delimiter == "none" and dropped["not a number"]:
            why += (": only one column was found — separate the columns by commas, semicolons, "
                    "tabs or spaces")
        raise ValueError(f"column {quoted} has {report.kept} usable row{'s' * (report.kept != 1)}{why}; "
                         "a density estimate needs at least 2 rows of finite numbers")
    for j, name in enumerate(names):
        if np.unique(x[:, j]).size < 2:
            raise ValueError(f"column {name!r} is constant (every kept row is {x[0, j]:g}): a density "
                             "needs at least two different values; choose another column")
    return (x[:, 0].copy() if single else x.copy()), report

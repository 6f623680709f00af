"""Labelled samples from a visitor's table: one column of class labels (numbers or names) and
feature columns of numbers, the rows with a bad cell dropped and counted (as
:func:`explorer.userdata.column_samples` does for plain samples).

A label column is read as **text** when it has kept text values (:attr:`ParsedTable.levels`:
at most :data:`~explorer.userdata.MAX_LEVELS` different ones) and more text cells than number
cells; its number cells are then labels too, written with ``%g``. Otherwise it is read as
**numbers** (class codes) and its text cells are dropped as "not a number". Which column is the
label, and which are features, is the caller's choice; :func:`guess_label` and
:func:`default_features` suggest them.

Examples
--------
>>> from explorer.userdata import parse_table
>>> t = parse_table("petal,width,species\\n1.4,0.2,setosa\\n4.7,1.4,versicolor\\n5.1,?,setosa\\n")
>>> guess_label(t), default_features(t, "species")
('species', ('petal', 'width'))
>>> x, labels, report = labelled_samples(t, "species", ["petal", "width"])
>>> x.tolist(), labels.tolist(), report.summary()
([[1.4, 0.2], [4.7, 1.4]], ['setosa', 'versicolor'], 'kept 2 of 3 rows; dropped 1: 1 NaN or missing marker')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from explorer.userdata import MAX_LEVELS, NUMBER, TEXT, ParsedTable, SampleReport, row_drops

__all__ = ["LABEL_NAMES", "default_features", "guess_label", "label_is_text", "labelled_samples"]

#: Column names taken for the label column first (case-insensitive, whole name).
LABEL_NAMES = re.compile(r"^(label|labels|class|classes|target|y|species|category|group|outcome)$", re.I)


def label_is_text(table: ParsedTable, column: int) -> bool:
    """Whether the column at position ``column`` is read as text labels (see the module docstring)."""
    if column not in table.levels:
        return False
    kinds = table.kind[:, column]
    numbers = (kinds == NUMBER) & np.isfinite(table.values[:, column])
    return int((kinds == TEXT).sum()) > int(numbers.sum())


def _distinct(table: ParsedTable, j: int) -> int:
    if label_is_text(table, j):
        return len(table.levels[j])
    v = table.values[:, j]
    return int(np.unique(v[np.isfinite(v)]).size)


def guess_label(table: ParsedTable, max_classes: int = 20) -> str:
    """The column most likely to hold class labels: one named like a label (``class``,
    ``species``, ``target``, ``y``, …), else the last column of text labels, else the last column
    with 2 to ``max_classes`` different values, else the last column."""
    named = [c for c in table.columns if LABEL_NAMES.match(c.strip())]
    if named:
        return named[0]
    text = [j for j in range(len(table.columns)) if label_is_text(table, j)]
    if text:
        return table.columns[text[-1]]
    few = [j for j in range(len(table.columns)) if 2 <= _distinct(table, j) <= max_classes]
    return table.columns[few[-1] if few else -1]


def default_features(table: ParsedTable, label: str | int, limit: int | None = None) -> tuple[str, ...]:
    """The numeric columns other than ``label`` (at least two finite numbers), the first
    ``limit`` of them; without any, every other column (so that a refusal counts the rows)."""
    j_label = table.index(label)
    others = [(j, c) for j, c in enumerate(table.columns) if j != j_label]
    out = (tuple(c for j, c in others if np.isfinite(table.values[:, j]).sum() >= 2)
           or tuple(c for _, c in others))
    return out if limit is None else out[:limit]


def labelled_samples(table: ParsedTable, label: str | int, features: Sequence[str | int]
                     ) -> tuple[np.ndarray, np.ndarray, SampleReport]:
    """Features and labels of the rows whose chosen cells are all usable.

    Parameters
    ----------
    table : ParsedTable
        From :func:`explorer.userdata.parse_table`.
    label : str or int
        The label column (name or 0-based position).
    features : sequence of str or int
        The feature columns (numbers); not the label column.

    Returns
    -------
    x : ndarray of float, shape (n, len(features))
    labels : ndarray, shape (n,)
        Floats for a column of numbers, ``str`` objects for a column of text labels.
    report : SampleReport
        Rows kept and dropped by reason; ``columns`` is the label then the features.

    Raises
    ------
    ValueError
        No feature column, the label among the features, a repeated or unknown column, a label
        column of free text (more than :data:`~explorer.userdata.MAX_LEVELS` different texts),
        fewer than 2 rows or fewer than 2 usable rows. The message names the column.
    """
    j_label = table.index(label)
    idx = [table.index(c) for c in features]
    if not idx:
        raise ValueError("choose at least one feature column (the inputs of the network)")
    if j_label in idx:
        raise ValueError(f"column {table.columns[j_label]!r} is the label: it cannot be a feature too")
    if len(set(idx)) != len(idx):
        raise ValueError("choose different feature columns: the same column was chosen twice")
    name = table.columns[j_label]
    text = label_is_text(table, j_label)
    kinds = table.kind[:, j_label]
    if not text and (kinds == TEXT).sum() > np.isfinite(table.values[:, j_label]).sum():
        raise ValueError(f"column {name!r} holds text with many different values (more than {MAX_LEVELS}), "
                         "not class labels; choose a column of class names or codes as the label")
    bad, dropped = row_drops(table, [j_label, *idx], [text] + [False] * len(idx))
    names = (name, *(table.columns[i] for i in idx))
    report = SampleReport(names, table.n_rows, int((~bad).sum()), dropped)
    if table.n_rows < 2:
        raise ValueError(f"the data have only {table.n_rows} row; the information plane needs at least 2 "
                         "rows of each class (one sample per row, the columns side by side)")
    if report.kept < 2:
        why = "" if not report.n_dropped else f" ({report.summary()})"
        raise ValueError(f"columns {', '.join(map(repr, names))} have {report.kept} usable "
                         f"row{'s' * (report.kept != 1)}{why}; each row needs a label and finite "
                         "numbers in every feature column")
    x = table.values[:, idx][~bad]
    if text:
        codes, v = table.level_codes[j_label][~bad], table.values[~bad, j_label]
        levels = table.levels[j_label]
        labels = np.array([levels[c] if c >= 0 else f"{f:g}" for c, f in zip(codes, v, strict=True)],
                          dtype=object)
    else:
        labels = table.values[~bad, j_label].copy()
    return x.copy(), labels, report

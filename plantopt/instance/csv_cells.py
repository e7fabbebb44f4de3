"""The text cells of a well-formed instance CSV file, read with Python's ``csv`` module.

The loader reads every table as text first (so that each cell is checked and reported with
its file, row and column). For the small tables of an instance, pandas' ``read_csv`` and the
Arrow string columns it builds cost more than the rest of reading and typing together
(~0.1 s of ~0.15 s per generated S instance, issue 17), so a file that is plainly
well-formed is read here; anything unusual is left to the pandas path, which reports it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd


class RawCells:
    """A table of text cells read by the fast CSV path: what :func:`coerce_table` needs of a
    text DataFrame (``columns``, ``index`` = data line number - 2, cells by column), without
    building one (pandas builds an Arrow string array per column, the main cost of reading
    the small tables of an instance)."""

    def __init__(self, columns: list[str], index: pd.Index, cells: dict[str, list[str]]):
        self.columns = columns
        self.index = index
        self.cells = cells

    def __len__(self) -> int:
        return len(self.index)


def read_csv_cells(path: Path, data: bytes | None = None) -> RawCells | None:
    """The text cells of a well-formed CSV file with Python's ``csv`` module, exactly as the
    loader's pandas reading (``plantopt.instance.loader._read_csv``) gives them; None when
    the file is anything else (not UTF-8, a byte-order mark, NUL bytes, CR line ends, one
    column, an empty or repeated header name, a row with more or fewer cells than the
    header, a blank line), which pandas then reads and reports.

    Same rules as the pandas call: every cell text, empty cells "", spaces after a
    delimiter skipped, double quotes around a cell (``""`` inside one is a quote), header
    names stripped. ``data``: the file's bytes, when the caller has read them already.
    """
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text or text[0] == "\ufeff" or "\x00" in text or "\r" in text:
        return None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), skipinitialspace=True))
    except csv.Error:
        return None
    if not rows:
        return None
    header = [c.strip() for c in rows[0]]
    n = len(header)
    if n < 2 or len(set(header)) != n or "" in header:
        return None
    body = rows[1:]
    for row in body:
        if len(row) != n or not any(row):
            return None
    cols = [list(c) for c in zip(*body)] if body else [[] for _ in header]
    return RawCells(header, pd.RangeIndex(len(body)), dict(zip(header, cols)))

"""Rows of a typed table as plain Python values, for the checks that walk them.

``DataFrame.to_dict("records")`` boxes every element of an extension-typed column (pandas'
``str``) one call at a time (1.4 ms for the 19 x 14 feeds table of a generated S instance);
:func:`records` takes the frame as one object array and its ``tolist()`` (0.23 ms): the same
dictionaries, the same Python types (``str``, ``float``, ``int``, ``bool``, NaN for a missing
text). The column helpers below do the same for the model build: a column's cells as
Python values in one ``tolist`` (what iterating the column or ``itertuples`` gives), no
Series per cell.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """``df.to_dict("records")`` for a frame with distinct column names."""
    names = [str(c) for c in df.columns]
    rows = df.to_numpy(dtype=object).tolist()
    return [dict(zip(names, row, strict=True)) for row in rows]


def floats(df: pd.DataFrame, name: str) -> list[float]:
    """Column ``name`` as Python floats (``df[name].astype(float)`` iterated, no Series)."""
    return df[name].to_numpy(float).tolist()


def column(df: pd.DataFrame, name: str, default: object) -> list[Any]:
    """Column ``name``'s cells as Python values; ``default`` for every row when the table
    has no such column."""
    return df[name].tolist() if name in df.columns else [default] * len(df)


def cells(df: pd.DataFrame, *names: str) -> Iterator[tuple[Any, ...]]:
    """The cells of columns ``names`` row by row, as Python values (as ``itertuples``
    gives them; each column taken once as a list); nothing for an empty table."""
    if not len(df):
        return iter(())
    return zip(*(df[n].tolist() for n in names))


def positions(df: pd.DataFrame, key: str, order: Sequence[Any]) -> list[int]:
    """Row positions of the cells ``order`` in column ``key`` (distinct keys): the table's
    rows in that order (a key missing from the table: KeyError)."""
    at = {k: i for i, k in enumerate(df[key].tolist())}
    return [at[k] for k in order]

"""The in-memory instance: typed tables plus the manifest, never mutated after loading."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.errors import Problem
from plantopt.instance.manifest import Manifest
from plantopt.instance.table_cache import derived

#: The content-hash scheme new summaries record (``instance.hash_scheme``).
HASH_SCHEME = 2


@dataclass(frozen=True)
class Instance:
    """A loaded, typed instance.

    ``tables`` maps each table name of :data:`plantopt.instance.schema.TABLES` to a DataFrame whose
    columns are exactly the schema's columns, with defaults filled in. ``manifest`` is the
    typed, frozen :class:`~plantopt.instance.manifest.Manifest` (defaults filled in).
    ``warnings`` are the non-fatal problems validation found. Treat it as read-only: model
    building and solving never change it; use :meth:`with_manifest` to derive a variant.
    """

    name: str
    manifest: Manifest
    tables: dict[str, pd.DataFrame]
    path: Path | None = None
    warnings: tuple[Problem, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.manifest, Manifest):  # a plain mapping of typed values
            object.__setattr__(self, "manifest", Manifest.from_values(self.manifest))

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    def with_manifest(self, **overrides: Any) -> Instance:
        """A copy with some manifest fields replaced (tables are shared, read-only)."""
        return replace(self, manifest=self.manifest.replace(**overrides))

    def content_hash(self, scheme: int | None = None) -> str:
        """SHA-256 over the manifest and every table's content, stable across runs.

        ``scheme`` 2 (the default, :data:`HASH_SCHEME`) hashes each column's typed values
        (:func:`_column_bytes`); scheme 1, what summaries without ``hash_scheme`` recorded
        (plantopt before session 6), hashes the text ``to_csv(index=False)`` writes. Both
        give equal hashes exactly when the manifest and every cell are equal (a missing
        number or string counts as an empty cell); scheme 2 costs a fraction of scheme 1
        (which formats every float). :func:`hash_matches` checks a recorded hash.
        """
        scheme = HASH_SCHEME if scheme is None else scheme
        if scheme not in (1, 2):
            raise ValueError(f"unknown content-hash scheme {scheme!r} (this plantopt knows 1, 2)")
        h = hashlib.sha256()
        fields = self.manifest.as_dict()
        for key in sorted(fields):
            h.update(f"{key}={fields[key]!r};".encode())
        for name in sorted(self.tables):
            h.update(name.encode())
            df = self.tables[name]
            if scheme == 1:
                h.update(df.to_csv(index=False).encode())
            else:
                h.update(derived(df, "hash2", _table_bytes))
        return h.hexdigest()

    def hash_matches(self, recorded: str, scheme: Any = None) -> bool:
        """Whether ``recorded`` (a summary's ``instance.hash``, made with ``scheme``: its
        ``instance.hash_scheme``, 1 when absent) is this instance's content hash."""
        return self.content_hash(1 if scheme is None else int(scheme)) == recorded


class _Bytes:
    """Collects what :func:`_hash_table` feeds a hash (the same bytes, in order)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def update(self, data: bytes) -> None:
        self.parts.append(data)


def _table_bytes(df: pd.DataFrame) -> bytes:
    """What :func:`_hash_table` feeds the hash for ``df``, as one string of bytes."""
    out = _Bytes()
    _hash_table(out, df)
    return b"".join(out.parts)


def _hash_table(h: Any, df: pd.DataFrame) -> None:
    """Scheme 2 of one table: per column its name, a type letter and its values' bytes;
    a table with a column of another type (or labels that are not unique strings) adds
    its ``to_csv`` text instead, after the letter ``T``."""
    cols = list(df.columns)
    parts = []
    if len(set(cols)) == len(cols) and all(isinstance(c, str) for c in cols):
        for i, name in enumerate(cols):
            part = _column_bytes(_column_values(df, i, name))
            if part is None:
                break
            parts.append((name, part))
    if len(parts) != len(cols):
        h.update(b"T" + df.to_csv(index=False).encode())
        return
    h.update(b"C%d;" % len(df))
    for name, (kind, data) in parts:
        h.update(f"{name}\x1e{kind}".encode())
        h.update(b"%d;" % len(data))
        h.update(data)


def _column_values(df: pd.DataFrame, i: int, name: str) -> Any:
    """Column i's array: through the block manager when this pandas has it (a Series per
    column costs ~50 us, most of a small table's hash), else ``df[name].array``."""
    mgr = getattr(df, "_mgr", None)
    try:
        return mgr.iget_values(i)  # type: ignore[union-attr]
    except AttributeError:
        return df[name].array


def _column_bytes(values: Any) -> tuple[str, bytes] | None:
    """(type letter, bytes) of one column, or None for a type not handled here.

    float64 ``f``: little-endian IEEE doubles, every NaN as the one quiet NaN; int64 ``i``;
    bool ``b``: one byte per cell; str ``s``: the cells' lengths in characters (int64),
    then the cells in UTF-8, a missing string as '' (as ``to_csv`` writes both)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        cells = values.to_numpy(dtype=object, na_value="").tolist()
        lengths = np.fromiter(map(len, cells), dtype="<i8", count=len(cells))
        return "s", lengths.tobytes() + "".join(cells).encode()
    if not isinstance(values, np.ndarray):
        return None
    if dtype == np.float64:
        nan = np.isnan(values)
        return "f", (np.where(nan, np.nan, values) if nan.any() else values).astype("<f8").tobytes()
    if dtype == np.int64:
        return "i", values.astype("<i8").tobytes()
    if dtype == np.bool_:
        return "b", values.astype(np.uint8).tobytes()
    return None

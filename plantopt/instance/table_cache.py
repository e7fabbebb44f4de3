"""A per-process cache of typed instance tables, keyed by the bytes of their CSV files.

A batch worker loads one instance folder per job, and the folders of a batch mostly hold the
same files: the generated S instances of the batch benchmark differ in two of 32 files
(``capacity_options.csv`` and ``instance.yaml``), and a scenario study writes variants of one
base. Reading and typing those files again cost ~20 ms of a ~130 ms job (issue 17). With the
cache on (:func:`enable`, done by the batch workers' warm-up), a table whose file bytes were
read, typed and found clean before in this process is taken from the cache:

* the key is the table's name, pandas' string storage option and the file's exact bytes
  (a dict key compared byte for byte, so two files share an entry only when they are equal);
* only tables the well-formed fast CSV path read with no problem at all are stored, so a
  file with any error or warning is read and reported exactly as without the cache;
* a hit is a shallow copy of the stored frame: pandas 3 copies on write, so changing the
  copy (or a frame derived from it) never changes the stored one;
* the cache holds at most ``max_bytes`` of file bytes and ``max_entries`` tables, least
  recently used first out.

Each frame the cache hands out carries a *token* (:func:`token`): the key of its content,
as long as the frame still holds the arrays it was handed out with.
:func:`plantopt.instance.checks.collect_problems` uses it to reuse a check's problems when
every table that check read has the same content as before.

The cache is off unless enabled: the command line reads one instance per process.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

#: Default bound of the file bytes held (the typed frames take a few times more).
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
#: Default bound of the tables held: a small table's typed frame takes ~5x its file (600
#: distinct gen-S capacity_options.csv, 8 MB of files, held ~42 MiB), so a batch whose
#: folders differ in one table keeps the last few hundred of it, not 16 MiB of it.
DEFAULT_MAX_ENTRIES = 256

Key = tuple[str, str, bytes]


class TableCache:
    """Typed tables by (table name, string storage, file bytes); LRU within ``max_bytes``."""

    def __init__(
        self, max_bytes: int = DEFAULT_MAX_BYTES, max_entries: int = DEFAULT_MAX_ENTRIES
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, pd.DataFrame] = OrderedDict()
        self._derived: dict[Key, dict[str, Any]] = {}
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def read(path: Path) -> bytes | None:
        """The file's bytes, or None when it is not a readable file (the loader reports it)."""
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError:
            return None

    @staticmethod
    def key(table: str, data: bytes) -> Key:
        return table, str(pd.get_option("mode.string_storage")), data

    def get(self, table: str, data: bytes) -> pd.DataFrame | None:
        """A copy of the stored frame of this table's file content, or None."""
        key = self.key(table, data)
        df = self._entries.get(key)
        if df is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return _handed_out(df, key)

    def put(self, table: str, data: bytes, df: pd.DataFrame) -> pd.DataFrame:
        """Store ``df`` (the typed, clean table read from ``data``); return the frame to use
        in its place (a copy with a token; ``df`` itself when too large to keep)."""
        if len(data) > self.max_bytes:
            return df
        key = self.key(table, data)
        if key not in self._entries:
            self._entries[key] = df
            self._bytes += len(data)
            while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
                old, _ = self._entries.popitem(last=False)
                self._derived.pop(old, None)
                self._bytes -= len(old[2])
        return _handed_out(df, key)

    def derived(self, key: Key, name: str, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per stored content (dropped with its entry)."""
        if key not in self._entries:
            return make()
        values = self._derived.setdefault(key, {})
        if name not in values:
            values[name] = make()
        return values[name]

    def clear(self) -> None:
        self._derived.clear()
        self._entries.clear()
        self._bytes = 0


def _handed_out(df: pd.DataFrame, key: Key) -> pd.DataFrame:
    out = df.copy(deep=False)
    parts = _parts(out)
    if parts is not None:
        _TOKENS[id(out)] = (weakref.ref(out, _forget(id(out))), parts, key)
    return out


def _parts(df: pd.DataFrame) -> tuple[Any, ...] | None:
    """The objects a frame's content is held in: its labels and its blocks' arrays.

    pandas copies on write, so changing a frame handed out (which shares its arrays with the
    stored one) replaces the array changed: the same objects mean the content handed out."""
    try:
        blocks = tuple(blk.values for blk in df._mgr.blocks)
    except AttributeError:  # another pandas: no token, every check runs
        return None
    return (df.columns, df.index, *blocks)


#: id of a frame handed out -> (weak reference to it, its parts, its content key).
_TOKENS: dict[int, tuple[weakref.ref, tuple[Any, ...], Key]] = {}


def _forget(ident: int) -> Any:
    def drop(_ref: weakref.ref) -> None:
        entry = _TOKENS.get(ident)
        if entry is not None and entry[0] is _ref:
            del _TOKENS[ident]

    return drop


def token(df: object) -> Key | None:
    """The content key of a frame as the cache handed it out (None for any other object,
    and for a handed-out frame changed since: a cell set, a column added or dropped)."""
    entry = _TOKENS.get(id(df))
    if entry is None or entry[0]() is not df or not isinstance(df, pd.DataFrame):
        return None
    now = _parts(df)
    if now is None or len(now) != len(entry[1]):
        return None
    if any(a is not b for a, b in zip(now, entry[1], strict=True)):
        return None
    return entry[2]


_ACTIVE: TableCache | None = None


def derived(df: pd.DataFrame, name: str, make: Callable[[pd.DataFrame], Any]) -> Any:
    """``make(df)``, a value computed from ``df`` alone (e.g. its content-hash bytes): once
    per content for a frame the enabled cache handed out and that is unchanged since,
    every time for any other frame."""
    key = None if _ACTIVE is None else token(df)
    if key is None or _ACTIVE is None:
        return make(df)
    return _ACTIVE.derived(key, name, lambda: make(df))


def enable(max_bytes: int = DEFAULT_MAX_BYTES) -> TableCache:
    """Turn the cache on for this process (idempotent); return it."""
    global _ACTIVE
    if _ACTIVE is None:
        _ACTIVE = TableCache(max_bytes)
    return _ACTIVE


def disable() -> None:
    """Turn the cache off and drop what it holds."""
    global _ACTIVE
    if _ACTIVE is not None:
        _ACTIVE.clear()
    _ACTIVE = None


def active() -> TableCache | None:
    """The cache when enabled in this process, else None."""
    return _ACTIVE

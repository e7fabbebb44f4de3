"""Reuse a cross-table check's problems when every input it read is unchanged (batch workers).

With the per-process table cache on (:mod:`plantopt.instance.table_cache`), each table an
instance got from the cache carries a token, the key of its file content. A check runs on
a recording view of the instance: the tables it looked up (present or absent), the manifest
fields and the instance attributes it read. When every table it read carries a token, the
check's problems are stored under those inputs. The next instance whose same tables carry
the same tokens and whose same manifest fields and attributes have equal values gets the
stored problems without running the check.

This is exact for a check that is a function of what it reads, as every check of
:func:`plantopt.instance.checks.collect_problems` is (they read the instance and append to
their own problem list): a check that reads the same inputs takes the same path and reads
nothing else. A check that read a table without a token (one a scenario changed, one the
cache did not store) is run every time. Off (every check simply runs) unless the table
cache is enabled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from plantopt.instance import table_cache
from plantopt.instance.errors import Problem, ProblemList
from plantopt.instance.instance import Instance

_ALL = "*"
_ABSENT = ("absent",)
#: Stored input sets per check (the newest first out of a full list).
MAX_ENTRIES = 4


class _Reads:
    """What one run of a check read."""

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.fields: set[str] = set()
        self.attrs: set[str] = set()


class _Tables(dict[str, Any]):
    """The instance's tables, recording each name looked up (iteration reads all)."""

    def __init__(self, tables: dict[str, Any], reads: _Reads) -> None:
        super().__init__(tables)
        self._reads = reads

    def __getitem__(self, key: str) -> Any:
        self._reads.tables.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._reads.tables.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._reads.tables.add(str(key))
        return super().__contains__(key)

    def _all(self) -> None:
        self._reads.tables.add(_ALL)

    def __iter__(self) -> Iterator[str]:
        self._all()
        return super().__iter__()

    def keys(self) -> Any:
        self._all()
        return super().keys()

    def items(self) -> Any:
        self._all()
        return super().items()

    def values(self) -> Any:
        self._all()
        return super().values()

    def __len__(self) -> int:
        self._all()
        return super().__len__()

    def copy(self) -> dict[str, Any]:
        self._all()
        return dict(super().items())


class _Manifest:
    """The manifest, recording each field read; anything but a field read reads all."""

    def __init__(self, manifest: Any, reads: _Reads) -> None:
        object.__setattr__(self, "_m", manifest)
        object.__setattr__(self, "_reads", reads)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._m, name)
        self._reads.fields.add(_ALL if callable(value) or name.startswith("_") else name)
        return value

    def __getitem__(self, key: str) -> Any:
        self._reads.fields.add(key)
        return self._m[key]

    def get(self, key: str, default: Any = None) -> Any:
        self._reads.fields.add(key)
        return self._m.get(key, default)

    def __iter__(self) -> Iterator[str]:
        self._reads.fields.add(_ALL)
        return iter(self._m)

    def __len__(self) -> int:
        self._reads.fields.add(_ALL)
        return len(self._m)

    def __eq__(self, other: object) -> bool:
        self._reads.fields.add(_ALL)
        return bool(self._m == other)

    __hash__ = None  # type: ignore[assignment]


class _Recording(Instance):
    """An instance whose reads of ``name``, ``path`` and ``warnings`` are recorded too."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("name", "path", "warnings"):
            object.__getattribute__(self, "_reads").attrs.add(name)
        return object.__getattribute__(self, name)


def _recording(instance: Instance, reads: _Reads) -> Instance:
    view = object.__new__(_Recording)
    for name, value in (
        ("name", instance.name),
        ("manifest", _Manifest(instance.manifest, reads)),
        ("tables", _Tables(instance.tables, reads)),
        ("path", instance.path),
        ("warnings", instance.warnings),
        ("_reads", reads),
    ):
        object.__setattr__(view, name, value)
    return view


def _table_key(instance: Instance, names: tuple[str, ...]) -> tuple[Any, ...] | None:
    """Tokens of the named tables (all of them for ``*``); None when one has no token."""
    if _ALL in names:
        names = tuple(sorted(instance.tables))
    out = []
    for name in names:
        df = instance.tables.get(name)
        tok = _ABSENT if df is None else table_cache.token(df)
        if tok is None:
            return None
        out.append(tok)
    return tuple(out)


def _value_key(instance: Instance, fields: tuple[str, ...], attrs: tuple[str, ...]) -> Any:
    """The values of the manifest fields (all for ``*``) and instance attributes read."""
    manifest = instance.manifest
    if _ALL in fields:
        values = tuple(sorted(manifest.as_dict().items()))
    else:
        values = tuple((f, getattr(manifest, f, None)) for f in fields)
    return values, tuple(getattr(instance, a) for a in attrs)


class _Entry:
    """One stored run of a check: what it read, their keys, and its problems."""

    def __init__(self, reads: _Reads, args: tuple[Any, ...], instance: Instance) -> None:
        self.tables = tuple(sorted(reads.tables))
        self.fields = tuple(sorted(reads.fields))
        self.attrs = tuple(sorted(reads.attrs))
        self.args = args
        self.table_key = _table_key(instance, self.tables)
        self.value_key = _value_key(instance, self.fields, self.attrs)
        self.problems: tuple[Problem, ...] = ()

    def matches(self, instance: Instance, args: tuple[Any, ...]) -> bool:
        return (
            self.args == args
            and _table_key(instance, self.tables) == self.table_key
            and _value_key(instance, self.fields, self.attrs) == self.value_key
        )


#: (check name, its extra arguments) -> its stored runs, the most recently used last.
_MEMO: dict[tuple[str, tuple[Any, ...]], list[_Entry]] = {}


def run_check(
    check: Callable[..., None], instance: Instance, problems: ProblemList, *args: Any
) -> None:
    """``check(instance, problems, *args)``, or its stored problems for the same inputs."""
    if table_cache.active() is None:
        check(instance, problems, *args)
        return
    memo = _MEMO.setdefault((f"{check.__module__}.{check.__qualname__}", args), [])
    for i, entry in enumerate(memo):
        if entry.matches(instance, args):
            memo.append(memo.pop(i))
            problems.extend(entry.problems)
            return
    reads = _Reads()
    own = ProblemList()
    check(_recording(instance, reads), own, *args)
    problems.extend(own)
    entry = _Entry(reads, args, instance)
    if entry.table_key is None:  # it read a table without a token: not stored
        return
    entry.problems = tuple(own)
    memo.append(entry)
    del memo[:-MAX_ENTRIES]


def clear() -> None:
    """Forget every stored check result."""
    _MEMO.clear()

"""Read an instance folder into typed tables, checking every cell against the schema.

Each CSV is read as text first so that every cell can be checked and reported with its file,
row and column; only then is it converted to the schema's types. Cross-table checks live in
:mod:`plantopt.instance.checks`. :func:`load_instance` runs both and raises one
:class:`~plantopt.instance.errors.InstanceError` listing every problem.
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from plantopt.instance import table_cache
from plantopt.instance.checks import check, collect_problems
from plantopt.instance.csv_cells import RawCells, read_csv_cells
from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance
from plantopt.instance.manifest import Manifest
from plantopt.instance.safe_yaml import MAX_YAML_BYTES, load_yaml
from plantopt.instance.schema import MANIFEST, MANIFEST_FILES, TABLES, Column, Table
from plantopt.instance.schema_types import MAX_ABS_VALUE

DEFAULT_INSTANCE = "nl-2027"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def packaged_instance_path(name: str = DEFAULT_INSTANCE) -> Path:
    """Path of an instance shipped inside the package (``plantopt/data/instances/NAME``)."""
    root = Path(str(resources.files("plantopt") / "data" / "instances"))
    path = root / name
    if not path.is_dir():
        available = sorted(p.name for p in root.iterdir() if p.is_dir())
        raise FileNotFoundError(f"no packaged instance {name!r}; available: {available}")
    return path


def _convert(value: str, col: Column) -> tuple[Any, str | None]:
    """Convert one non-empty cell; return (value, None) or (None, reason)."""
    text = value.strip()
    if col.dtype == "str":
        out: Any = text
    elif col.dtype == "bool":
        low = text.lower()
        if low in _TRUE:
            out = True
        elif low in _FALSE:
            out = False
        else:
            return None, "not a true/false value"
    else:
        try:
            number = float(text)
        except (ValueError, OverflowError):
            return None, "not a number"
        if math.isnan(number):
            return None, "not a number"
        if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
            return None, "not a finite number of a usable size"
        if col.dtype == "int":
            if not number.is_integer():
                return None, "not a whole number"
            out = int(number)
        else:
            out = number
    if col.choices is not None and out not in col.choices:
        return None, "not an allowed value"
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        if col.lo is not None and (out < col.lo or (col.lo_open and out == col.lo)):
            return None, "below the allowed range"
        if col.hi is not None and out > col.hi:
            return None, "above the allowed range"
    return out, None


def _cells_of(raw: pd.DataFrame | RawCells, name: str) -> list[Any]:
    if isinstance(raw, RawCells):
        return raw.cells[name]
    return raw[name].tolist()


def coerce_table(raw: pd.DataFrame | RawCells, table: Table, problems: ProblemList) -> pd.DataFrame:
    """Check a table of text cells against its schema; return it typed, defaults filled.

    Problems (missing or unknown columns, empty required cells, wrong types, out-of-range
    values, duplicate keys) are appended to ``problems`` with 1-based spreadsheet row numbers:
    index value + 2 (the index of ``raw`` is the data line number, blank lines included).
    The typed table keeps the index of ``raw``.
    """
    file = table.file
    _check_columns(raw, table, problems)
    if not len(raw):  # an absent or empty table: its typed empty frame (many optional ones)
        return _empty_typed(table).set_axis(raw.index, axis=0)
    rows = [int(r) + 2 for r in raw.index]
    out: dict[str, Any] = {}
    for col in table.columns:
        present = col.name in raw.columns
        cells = _cells_of(raw, col.name) if present else [""] * len(raw)
        values = _coerce_cells(cells, col, present, rows, file, problems)
        out[col.name] = _float_array(values) if col.dtype == "float" else values
    df = pd.DataFrame(out, columns=table.column_names, index=raw.index)
    for col in table.columns:  # a float column _float_array could not type
        if col.dtype == "float" and df[col.name].dtype != float:
            df[col.name] = pd.to_numeric(df[col.name], errors="coerce").astype(float)
    _check_duplicate_keys(df, raw, table, problems)
    return df


def _coerce_cells(
    cells: list[Any],
    col: Column,
    present: bool,
    rows: list[int],
    file: str,
    problems: ProblemList,
) -> list[Any]:
    """One column's cells typed (its default where empty); a problem per bad cell."""
    fast = _fast_cells(cells, col) if present else None
    if fast is not None:
        return fast
    values: list[Any] = []
    for i, cell in enumerate(cells):
        text = "" if cell is None else str(cell)
        if text.strip() == "":
            if col.required and present:
                problems.error(
                    file,
                    "required value is empty",
                    row=rows[i],
                    column=col.name,
                    expected=col.expected(),
                )
            values.append(col.default)
            continue
        value, reason = _convert(text, col)
        if reason is not None:
            problems.error(
                file, reason, row=rows[i], column=col.name, found=text, expected=col.expected()
            )
        values.append(value)
    return values


def _fast_cells(cells: list[Any], col: Column) -> Any:
    """A column whose every cell is a valid, non-empty value, typed in one pass; ``None``
    when any cell is empty or not valid (then :func:`_coerce_cells` goes cell by cell and
    reports each problem).

    Exactly what the cell-by-cell path gives for such a column: text cells stripped, numbers
    by Python's ``float`` (which ignores surrounding blanks), finite, ``|x| <= MAX_ABS_VALUE``
    and within the column's bounds, whole for ``int`` columns. Bool columns and columns with
    allowed numeric values take the cell-by-cell path."""
    try:
        if col.dtype == "str":
            text = [c.strip() for c in cells]
            ok = all(text) and (col.choices is None or all(t in col.choices for t in text))
            return text if ok else None
        if col.dtype not in ("float", "int") or col.choices is not None:
            return None
        numbers = np.array(list(map(float, cells)), dtype=float)
    except (AttributeError, TypeError, ValueError, OverflowError):
        return None  # a cell that is not text, empty or not a number
    if not _numbers_valid(numbers, col):
        return None
    if col.dtype == "int":
        return [int(x) for x in numbers.tolist()]
    return numbers  # a float column: coerce_table keeps it as the float64 array


def _numbers_valid(x: np.ndarray, col: Column) -> bool:
    """Every number finite, of a usable size, within the bounds, whole for int columns."""
    ok = bool(np.isfinite(x).all()) and not bool((np.abs(x) > MAX_ABS_VALUE).any())
    if ok and col.lo is not None:
        ok = not bool((x < col.lo).any() or (col.lo_open and (x == col.lo).any()))
    if ok and col.hi is not None:
        ok = not bool((x > col.hi).any())
    if ok and col.dtype == "int":
        ok = bool((x == np.trunc(x)).all())
    return ok


def _float_array(values: list[Any]) -> Any:
    """A float column as a float64 array (None -> NaN), or the list when a value is not a
    number (then :func:`coerce_table` converts it as ``pd.to_numeric(errors="coerce")``)."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        return values


def _check_duplicate_keys(
    df: pd.DataFrame, raw: pd.DataFrame | RawCells, table: Table, problems: ProblemList
) -> None:
    key = list(table.key)
    if len(df) and all(k in raw.columns for k in key):
        if _keys_distinct(df, key):
            return
        dup = df.duplicated(subset=key, keep="first")
        if not dup.any():
            return
        for i in df.index[dup]:
            problems.error(
                table.file,
                "duplicate key " + ", ".join(key),
                row=int(i) + 2,
                column=key[-1],
                found=" / ".join(str(df.at[i, k]) for k in key),
                expected="each key once",
            )


def _keys_distinct(df: pd.DataFrame, key: list[str]) -> bool:
    """True when no two rows share the key (a set of Python tuples; a key with a NaN, which
    pandas counts as equal to another NaN, is left to ``DataFrame.duplicated``)."""
    keys = list(zip(*(df[k].tolist() for k in key), strict=True))
    if any(v != v for row in keys for v in row):  # NaN
        return False
    return len(set(keys)) == len(keys)


_EMPTY: dict[str, pd.DataFrame] = {}


def _empty_typed(table: Table) -> pd.DataFrame:
    """The typed frame of a table without rows, exactly what the general path of
    :func:`coerce_table` makes of no rows, made once per table (a copy each time)."""
    if table.name not in _EMPTY:
        df = pd.DataFrame({c.name: [] for c in table.columns}, columns=table.column_names)
        for col in table.columns:  # pandas 3 makes empty columns float64 already
            if col.dtype == "float" and df[col.name].dtype != float:
                df[col.name] = pd.to_numeric(df[col.name], errors="coerce").astype(float)
        _EMPTY[table.name] = df
    return _EMPTY[table.name].copy()


def _check_columns(raw: pd.DataFrame | RawCells, table: Table, problems: ProblemList) -> None:
    """Unknown columns and missing required columns of ``raw``."""
    known = set(table.column_names)
    for name in raw.columns:
        if name not in known:
            problems.error(
                table.file,
                "unknown column",
                column=str(name),
                expected="one of " + ", ".join(table.column_names),
            )
    for col in table.columns:
        if col.required and col.name not in raw.columns:
            problems.error(
                table.file, "missing required column", column=col.name, expected=col.description
            )


def coerce_manifest(raw: Mapping[str, Any], file: str, problems: ProblemList) -> Manifest:
    """Check the raw manifest mapping against every field's declaration; return it typed.

    Unknown fields, values of the wrong type and values out of bounds are appended to
    ``problems`` (file, field, found, expected); such a field keeps its default.
    """
    known = {c.name: c for c in MANIFEST}
    out: dict[str, Any] = {}
    for key in raw:
        if key not in known:
            problems.error(
                file,
                "unknown manifest field",
                column=str(key),
                expected="one of " + ", ".join(known),
            )
    for col in MANIFEST:
        value = raw.get(col.name)
        if isinstance(value, (dict, list, tuple, set)):
            problems.error(
                file,
                "not a single value",
                column=col.name,
                found=_short(value),
                expected=col.expected(),
            )
            out[col.name] = col.default
            continue
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if col.required:
                problems.error(
                    file, "required field is missing", column=col.name, expected=col.expected()
                )
            out[col.name] = col.default
            continue
        converted, reason = _convert(str(value).lower() if col.dtype == "bool" else str(value), col)
        if reason is not None:
            problems.error(file, reason, column=col.name, found=value, expected=col.expected())
            converted = col.default
        out[col.name] = converted
    return Manifest(**{k: v for k, v in out.items() if v is not None or k != "name"})


def _short(value: object, limit: int = 60) -> str:
    """``repr`` of a value cut to ``limit`` characters (for messages about big values)."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit] + "..."


def _parse_manifest(path: Path) -> Any:
    """Parse a YAML or TOML manifest within the size, depth and alias limits."""
    if path.stat().st_size > MAX_YAML_BYTES:
        raise ValueError(f"the file is larger than {MAX_YAML_BYTES // 1024} KiB")
    text = path.read_text(encoding="utf-8")
    return tomllib.loads(text) if path.name.endswith(".toml") else load_yaml(text)


def _read_manifest(folder: Path, problems: ProblemList) -> tuple[dict[str, Any], str]:
    for name in MANIFEST_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = _parse_manifest(path)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
            problems.error(
                name,
                _short(f"cannot read manifest: {what}", 400),
                row=None if mark is None else mark.line + 1,
                expected="a mapping of field: value lines",
            )
            return {}, name
        except (
            OSError,
            UnicodeDecodeError,
            yaml.YAMLError,
            tomllib.TOMLDecodeError,
            ValueError,
        ) as exc:
            problems.error(
                name,
                _short(f"cannot read manifest: {exc}".replace("\n", " "), 400),
                expected="a mapping of field: value lines",
            )
            return {}, name
        except RecursionError:  # TOML nested beyond Python's recursion limit
            problems.error(
                name,
                "cannot read manifest: nested too deeply",
                expected="a mapping of field: value lines",
            )
            return {}, name
        if data is None:
            data = {}
        if not isinstance(data, dict):
            problems.error(
                name,
                "manifest is not a mapping of field: value",
                found=type(data).__name__,
                expected="key: value lines",
            )
            return {}, name
        return data, name
    problems.error(
        MANIFEST_FILES[0],
        "manifest file is missing",
        expected="one of " + ", ".join(MANIFEST_FILES),
    )
    return {}, MANIFEST_FILES[0]


def _read_csv(
    path: Path, table: Table, problems: ProblemList, data: bytes | None = None
) -> pd.DataFrame | RawCells | None:
    """The text cells of one table file (``data``: its bytes, when already read)."""
    if data is None and not path.is_file():
        if table.required:
            problems.error(table.file, "table file is missing", expected=table.description)
        return None
    fast = read_csv_cells(path) if data is None else read_csv_cells(path, data)
    if fast is not None:
        return fast
    try:
        # index_col=False: a row with more cells than the header is an error, never an index
        with warnings.catch_warnings():  # short rows: their missing cells are reported
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            raw = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
                comment=None,
                encoding="utf-8",
                skip_blank_lines=False,
                index_col=False,
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        line = re.search(r"line (\d+)", str(exc))
        problems.error(
            table.file,
            _short(f"cannot parse CSV: {exc}".replace("\n", " "), 300),
            row=int(line.group(1)) if line else None,
            expected="comma-separated UTF-8 text with a header row and no more "
            "cells per row than header columns",
        )
        return None
    raw.columns = [str(c).strip() for c in raw.columns]
    # drop blank lines but keep the index (line number - 2), so rows are counted as a
    # spreadsheet counts them
    blank = (raw.fillna("") == "").all(axis=1)
    return raw[~blank] if len(raw.columns) and blank.any() else raw


def _read_table(
    path: Path, table: Table, problems: ProblemList, cache: table_cache.TableCache | None
) -> tuple[pd.DataFrame, bool]:
    """One table read and typed (its problems appended); whether its file was read.

    With the per-process table cache on, a file whose bytes were read, typed and found
    clean before is taken from it; any other file is read exactly as without it."""
    data = None if cache is None else cache.read(path)
    if cache is not None and data is not None:
        hit = cache.get(table.name, data)
        if hit is not None:
            return hit, True
    before = len(problems)
    raw = _read_csv(path, table, problems, data)
    if raw is None:
        empty = pd.DataFrame({c: pd.Series(dtype=str) for c in table.column_names})
        return coerce_table(empty, table, problems), False
    typed = coerce_table(raw, table, problems)
    if cache is not None and data is not None and isinstance(raw, RawCells):
        if len(problems) == before:
            typed = cache.put(table.name, data, typed)
    return typed, True


def _read(folder: Path) -> tuple[Instance | None, ProblemList, bool]:
    """Read and type a folder; return (instance, cell problems, all files present)."""
    problems = ProblemList()
    if not folder.is_dir():
        problems.error(
            str(folder),
            "instance folder does not exist",
            expected="a folder with instance.yaml and the table CSV files",
        )
        return None, problems, False
    raw_manifest, manifest_file = _read_manifest(folder, problems)
    files_ok = not problems.has_errors
    # an unreadable manifest is one problem, not also "required field is missing"
    manifest = coerce_manifest(raw_manifest, manifest_file, problems if files_ok else ProblemList())
    tables: dict[str, pd.DataFrame] = {}
    cache = table_cache.active()
    for table in TABLES.values():
        before = len(problems)
        typed, found = _read_table(folder / table.file, table, problems, cache)
        files_ok = files_ok and (found or len(problems) == before)
        tables[table.name] = typed
    name = manifest.name or folder.name
    return Instance(name=name, manifest=manifest, tables=tables, path=folder), problems, files_ok


def read_instance(folder: str | Path) -> Instance:
    """Read and type an instance folder without cross-table validation.

    Raises :class:`InstanceError` when any file is missing or any cell is malformed.
    """
    instance, problems, _ = _read(Path(folder))
    problems.raise_if_errors(str(folder))
    assert instance is not None
    return instance


def read_and_check(folder: str | Path) -> tuple[Instance | None, list]:
    """Every problem of an instance folder in one pass: cells, then cross-table checks.

    Cross-table checks also run when some cells are malformed (those cells hold their
    column's default), so a user sees every problem at once; they are skipped only when a
    file is missing or unreadable.
    """
    instance, problems, files_ok = _read(Path(folder))
    if instance is not None and files_ok:
        cell_errors = problems.has_errors
        try:
            problems.extend(collect_problems(instance))
        except Exception:  # partial data after cell errors; those are reported already
            if not cell_errors:
                raise
    return instance, list(problems)


def instance_from_tables(
    manifest: Mapping[str, Any],
    tables: dict[str, pd.DataFrame],
    validate: bool = True,
    checked: Mapping[str, pd.DataFrame] | None = None,
) -> Instance:
    """Build an instance from in-memory tables (any cell types), with the same checks as files.

    Used by the generator, batch scenarios and tests; cells are converted to text and checked
    exactly as if read from CSV, so the same errors are reported. ``checked``: tables that are
    already typed and checked cell by cell (the tables of a loaded instance that a scenario
    leaves unchanged), taken as they are; the cross-table checks still see every table.
    """
    problems = ProblemList()
    typed_manifest = coerce_manifest(manifest, "instance.yaml", problems)
    typed: dict[str, pd.DataFrame] = {}
    for table in TABLES.values():
        if checked is not None and table.name in checked:
            typed[table.name] = checked[table.name]
            continue
        df = tables.get(table.name)
        if df is None:
            if table.required:
                problems.error(table.file, "table is missing", expected=table.description)
            df = pd.DataFrame({c: pd.Series(dtype=str) for c in table.column_names})
        df = df.reset_index(drop=True)  # rows count from 2 whatever the caller's index
        raw = df.astype(object).where(pd.notna(df), "").astype(str)
        typed[table.name] = coerce_table(raw, table, problems)
    problems.raise_if_errors("instance")
    instance = Instance(name=typed_manifest.name, manifest=typed_manifest, tables=typed)
    if validate:
        return check(instance)
    return instance


def load_instance(path: str | Path | None = None, validate: bool = True) -> Instance:
    """Load an instance folder (the packaged default when ``path`` is None) and validate it.

    Raises :class:`InstanceError` listing every problem; warnings are kept on
    ``instance.warnings``.
    """
    folder = packaged_instance_path() if path is None else Path(path)
    if not validate:
        return _released(read_instance(folder))
    instance, problems = read_and_check(folder)
    found = ProblemList(problems)
    found.raise_if_errors(str(folder))
    assert instance is not None
    return _released(replace(instance, warnings=tuple(found)))


def _released(instance: Instance) -> Instance:
    """``instance``, after handing back to the OS what reading the tables left unused in
    pyarrow's memory pool (pandas' string columns: ~20 MiB after the generated XL instance,
    resident for the rest of the process otherwise; issue 11)."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
    return instance


def validate(instance_or_path: Instance | str | object) -> list:
    """Return every problem (errors and warnings) of an instance or instance folder.

    Never raises for bad input: file-level and cell-level problems are returned too, together
    with the cross-table problems.
    """
    if isinstance(instance_or_path, Instance):
        return list(collect_problems(instance_or_path))
    return read_and_check(Path(str(instance_or_path)))[1]

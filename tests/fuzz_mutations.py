"""Mutations of an instance folder for the fuzz suite (tests/test_fuzz.py).

A :class:`Mutation` is plain data (what to change, where, to what) drawn by hypothesis;
:func:`apply` performs it on a copy of a packaged instance. Kinds:

* ``cell``      set one cell of one CSV to a hostile or plausible value
* ``column``    drop, rename, duplicate or add a column
* ``row``       delete, duplicate, blank or add a row
* ``file``      delete, empty, header-only, binary, wrong separator, BOM, CRLF, Latin-1
* ``manifest``  set a field to a YAML snippet, add an unknown field, duplicate a key,
                replace the whole manifest, delete it

Row and column positions are drawn as integers and taken modulo what the file has, so every
draw applies to every instance.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from plantopt.instance.schema import MANIFEST, TABLES

FILES = [t.file for t in TABLES.values()]

CELL_VALUES = [
    "",
    " ",
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "1e999",
    "-1e999",
    "9" * 400,
    "1" * 100_000,
    "1e308",
    "-1e308",
    "1e12",
    "1e13",
    "-1",
    "-0",
    "0",
    "0.5",
    "1",
    "1.0000001",
    "2",
    "100",
    "1e-320",
    "5e-324",
    "abc",
    "true",
    "false",
    "yes",
    "*",
    "../../x",
    "<script>alert(1)</script>",
    "é" * 50,
    "x" * 10_000,
    "1,5",
    "0x10",
    "1_000",
    " 7 ",
    "\t",
    "None",
    "null",
    "[1, 2]",
    "unit",
    "product",
    "disposal",
    "loss",
    "shredder",
    "other",
    "Li",
    "Co",
    "li_ion",
    "refining",
    "preprocessing",
    "battery:lithium",
    "weee:6",
    "=1+1",
    "'",
    '"',
]

MANIFEST_VALUES = [
    ".inf",
    "-.inf",
    ".nan",
    "1e308",
    "-1e308",
    "1e999",
    "9" * 500,
    "1" * 5000,
    "-1",
    "0",
    "0.5",
    "2027",
    "2027.5",
    "1e12",
    "1e13",
    "[a, b]",
    "{a: 1}",
    "[]",
    "{}",
    "null",
    "''",
    "yes",
    "no",
    "true",
    "recovery",
    "profit",
    "npv",
    "other",
    "EUR",
    "[EUR]",
    "../../x",
    "/abs/path",
    "!!python/object/apply:os.system ['true']",
    "!!binary aGVsbG8=",
    "&a [1, 2]",
    "*undefined",
    "2026-12-01",
    "'" + "x" * 10_000 + "'",
    "[" * 400 + "]" * 400,
    '"\\u0000"',
    "0x1F",
    "1_000",
]


def _bomb(levels: int) -> str:
    text = "b0: &b0 [" + ", ".join(['"lol"'] * 9) + "]\n"
    for i in range(1, levels):
        text += f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 9) + "]\n"
    return text + f"description: *b{levels - 1}\n"


WHOLE_MANIFESTS = [
    "",
    "- a\n- list\n",
    "just text",
    "name: [unclosed\n",
    "name: x\nname: y\n",
    _bomb(9),
    _bomb(5),
    "name: x\ndescription: " + "[" * 5000 + "]" * 5000 + "\n",
    "\x00\x01\x02",
    "name: x\n" + "f: 1\n" * 20_000,
    "name: {a: 1}\n",
    "name: x\n<<: {objective: npv}\n",
]

FILE_ACTIONS = [
    "delete",
    "empty",
    "header_only",
    "binary",
    "semicolons",
    "bom",
    "crlf",
    "latin1",
    "garbage_line",
    "quote",
]
COLUMN_ACTIONS = ["drop", "rename", "duplicate", "add"]
ROW_ACTIONS = ["delete", "duplicate", "blank", "add_empty", "add_copy_new_key", "short", "long"]
MANIFEST_ACTIONS = ["set", "unknown", "duplicate", "whole", "delete"]


@dataclass(frozen=True)
class Mutation:
    kind: str  # cell, column, row, file, manifest
    file: str = ""
    action: str = ""
    row: int = 0  # data row position, taken modulo the rows present
    column: int = 0  # column position, taken modulo the columns present
    value: str = ""

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 40 else self.value[:40] + "..."
        return f"{self.kind}:{self.action}:{self.file}:r{self.row}:c{self.column}:{shown!r}"


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _cell(folder: Path, m: Mutation) -> None:
    rows = _read(folder / m.file)
    if len(rows) < 2:
        rows.append([""] * len(rows[0]))
    r = 1 + m.row % (len(rows) - 1)
    c = m.column % len(rows[0])
    rows[r] += [""] * (len(rows[0]) - len(rows[r]))
    rows[r][c] = m.value
    _write(folder / m.file, rows)


def _column(folder: Path, m: Mutation) -> None:
    rows = _read(folder / m.file)
    c = m.column % len(rows[0])
    for r in rows:
        r += [""] * (len(rows[0]) - len(r))
    if m.action == "drop":
        rows = [r[:c] + r[c + 1 :] for r in rows]
    elif m.action == "rename":
        rows[0][c] = m.value or "renamed"
    elif m.action == "duplicate":
        rows = [r[: c + 1] + [r[c]] + r[c + 1 :] for r in rows]
    else:
        rows = [rows[0] + [m.value or "extra"]] + [r + ["1"] for r in rows[1:]]
    _write(folder / m.file, rows)


def _row(folder: Path, m: Mutation) -> None:
    rows = _read(folder / m.file)
    width = len(rows[0])
    if len(rows) < 2:
        rows.append([""] * width)
    r = 1 + m.row % (len(rows) - 1)
    if m.action == "delete":
        del rows[r]
    elif m.action == "duplicate":
        rows.insert(r, list(rows[r]))
    elif m.action == "blank":
        rows[r] = [""] * width
    elif m.action == "add_empty":
        rows.append([""] * width)
    elif m.action == "add_copy_new_key":
        new = list(rows[r])
        new[0] = (new[0] or "k") + "_fuzz"
        rows.append(new)
    elif m.action == "short":
        rows[r] = rows[r][: max(1, width // 2)]
    else:
        rows[r] = rows[r] + ["surplus", "cells"]
    _write(folder / m.file, rows)


def _file(folder: Path, m: Mutation) -> None:
    path = folder / m.file
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):  # deleted or made binary before
        text = "a,b\n"
    if m.action == "delete":
        path.unlink(missing_ok=True)
    elif m.action == "empty":
        path.write_text("")
    elif m.action == "header_only":
        path.write_text(text.splitlines()[0] + "\n")
    elif m.action == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif m.action == "semicolons":
        path.write_text(text.replace(",", ";"))
    elif m.action == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    elif m.action == "crlf":
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    elif m.action == "latin1":
        path.write_bytes((text + "caf\xe9,\n").encode("latin-1", errors="replace"))
    elif m.action == "garbage_line":
        path.write_text(text + '"unterminated,quote\n')
    else:
        path.write_text(text.replace(",", ',"', 1))


def _manifest(folder: Path, m: Mutation) -> None:
    path = folder / "instance.yaml"
    try:
        lines = path.read_text(encoding="utf-8").splitlines() or [""]
    except (FileNotFoundError, UnicodeDecodeError):  # deleted or garbled before
        lines = [""]
    field = MANIFEST[m.column % len(MANIFEST)].name
    if m.action == "set":
        kept = [ln for ln in lines if not ln.startswith(f"{field}:")]
        if field == "description":  # drop its folded continuation lines too
            kept = [ln for ln in kept if not ln.startswith("  ")]
        path.write_text("\n".join(kept) + f"\n{field}: {m.value}\n", encoding="utf-8")
    elif m.action == "unknown":
        path.write_text("\n".join(lines) + f"\nfuzz_field: {m.value}\n", encoding="utf-8")
    elif m.action == "duplicate":
        path.write_text("\n".join(lines) + f"\n{lines[0]}\n", encoding="utf-8")
    elif m.action == "whole":
        path.write_text(m.value, encoding="utf-8")
    else:
        path.unlink(missing_ok=True)


def _ensure(folder: Path, file: str) -> None:
    """An optional table the instance lacks is created with its header (then mutated)."""
    path = folder / file
    if not path.exists():
        table = next(t for t in TABLES.values() if t.file == file)
        path.write_text(",".join(table.column_names) + "\n", encoding="utf-8")


def apply(folder: Path, m: Mutation) -> None:
    """Apply ``m`` to the instance folder ``folder`` in place."""
    if m.kind != "manifest":
        _ensure(folder, m.file)
    if m.kind in ("cell", "column", "row"):
        try:
            rows = _read(folder / m.file)
        except (UnicodeDecodeError, csv.Error):
            return  # an earlier mutation made it unreadable: nothing to edit
        if not rows or not rows[0]:
            return
    try:
        {"cell": _cell, "column": _column, "row": _row, "file": _file, "manifest": _manifest}[
            m.kind
        ](folder, m)
    except (IndexError, ValueError, csv.Error, UnicodeDecodeError, FileNotFoundError):
        pass  # an earlier mutation left nothing this one applies to (e.g. an empty file)


__all__ = [
    "CELL_VALUES",
    "COLUMN_ACTIONS",
    "FILES",
    "FILE_ACTIONS",
    "MANIFEST_ACTIONS",
    "MANIFEST_VALUES",
    "Mutation",
    "ROW_ACTIONS",
    "WHOLE_MANIFESTS",
    "apply",
]

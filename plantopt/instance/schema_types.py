"""Building blocks of the instance schema: column and table declarations.

See :mod:`plantopt.instance.schema`, which declares every table and manifest field with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

Dtype = Literal["str", "float", "int", "bool"]

#: Largest magnitude of any number in an instance (cells and manifest). Non-finite values
#: (inf, nan, 1e999) and anything larger are rejected: HiGHS treats 1e20 as infinity and
#: rejects matrix entries above 1e15, so a plant's tonnes and euros stay far below that.
MAX_ABS_VALUE = 1e12


@dataclass(frozen=True)
class Column:
    """One column of a table (or one field of the manifest)."""

    name: str
    dtype: Dtype
    description: str
    unit: str = "-"
    required: bool = False
    default: object = None
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False  # True: the value must be strictly greater than ``lo``
    choices: tuple[str, ...] | None = None

    def expected(self) -> str:
        """Human-readable statement of what a valid value looks like."""
        parts = [
            {"str": "text", "float": "a number", "int": "a whole number", "bool": "true/false"}[
                self.dtype
            ]
        ]
        if self.choices:
            parts = ["one of " + ", ".join(self.choices)]
        if self.lo is not None and self.hi is not None:
            parts.append(f"in {'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}]")
        elif self.lo is not None:
            parts.append(f"{'>' if self.lo_open else '>='} {self.lo:g} and <= {MAX_ABS_VALUE:g}")
        elif self.hi is not None:
            parts.append(f"in [{-MAX_ABS_VALUE:g}, {self.hi:g}]")
        elif self.dtype in ("float", "int"):
            parts.append(f"in [{-MAX_ABS_VALUE:g}, {MAX_ABS_VALUE:g}]")
        return " ".join(parts)


@dataclass(frozen=True)
class Table:
    """One CSV table of an instance folder."""

    name: str
    file: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _source() -> Column:
    return Column(
        "source",
        "str",
        "Publication or data set and year behind the row's numbers, or 'assumption: <reason>'.",
        default="",
    )


class Bounds(TypedDict):
    """Keyword arguments ``lo`` and ``hi`` of :class:`Column`, to unpack with ``**``."""

    lo: float
    hi: float


#: Bounds of a fraction: [0, 1].
FRACTION: Bounds = {"lo": 0.0, "hi": 1.0}

"""Problems found in input, collected and reported together.

Validation never stops at the first problem: every check appends a :class:`Problem` and the
caller raises one :class:`InstanceError` carrying the whole list, so that a user fixes an
instance in one pass. Nothing is built from an instance with errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem with an input: where it is, what was found, what was expected.

    ``row`` is the 1-based line number in the file as a spreadsheet shows it (the header is
    line 1, so the first data row is line 2); ``None`` when the problem concerns a whole file
    or column.
    """

    file: str
    message: str
    expected: str = ""
    row: int | None = None
    column: str | None = None
    found: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        text = f"{where}: {self.message}"
        if self.found is not None:
            text += f" (found {self.found!r}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text


class PlantoptError(Exception):
    """Base class of plantopt's own errors."""


class InstanceError(PlantoptError):
    """An instance has one or more errors; ``problems`` lists them all (warnings too)."""

    def __init__(self, problems: list[Problem], source: str = "instance") -> None:
        self.problems = list(problems)
        self.source = source
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"{len(errors)} problem(s) in {source}:"]
        lines += [f"  - {p}" for p in errors]
        super().__init__("\n".join(lines))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class RouteTreeTooLarge(PlantoptError):
    """The route tree would exceed the configured node limit."""


class ProblemList(list[Problem]):
    """A list of problems with helpers to add errors and warnings tersely."""

    def error(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        found: object = None,
        expected: str = "",
    ) -> None:
        self.append(
            Problem(
                file, message, expected, row, column, None if found is None else str(found), "error"
            )
        )

    def warning(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        found: object = None,
        expected: str = "",
    ) -> None:
        self.append(
            Problem(
                file,
                message,
                expected,
                row,
                column,
                None if found is None else str(found),
                "warning",
            )
        )

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self)

    def raise_if_errors(self, source: str) -> None:
        if self.has_errors:
            raise InstanceError(list(self), source)

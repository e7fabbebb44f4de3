"""A terminal table laid out in one pass, with the look of rich's default table.

``rich.table.Table`` measures, wraps and re-measures every cell; for the dozen small tables a
``plantopt solve`` prints that was ~0.2 s CPU of every command. :class:`PlainTable` keeps the
same API subset (``title``, ``add_column(header, justify=)``, ``add_row(*cells)``) and the same
look without an outer edge: a heavy rule under the header, light rules between columns, one
space of padding. Column j's width is

    w_j = max(cell_len(header_j), max_i cell_len(cell_ij))

(cell lengths in terminal columns, markup not counted), and a line is the cells padded to
``w_j`` (left or right) joined by ``" │ "`` (``" ┃ "`` in the header, ``"━╇━"`` in the rule).
A table wider than the console falls back to rich's own table, which wraps cells to fit.
Cells may hold rich markup (``[red]violated[/]``), as with rich's table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from rich.cells import cell_len
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.table import Table

Justify = Literal["left", "right"]


class PlainTable:
    """Columns with headers and justification, rows of text cells; printed with
    ``console.print(table)`` like a rich table."""

    def __init__(self, title: str = "", **_rich_options: object) -> None:
        # rich's options the callers pass (title_justify="left", show_edge=False,
        # pad_edge=False) are the look this table always has
        self.title = title
        self.headers: list[str] = []
        self.justify: list[Justify] = []
        self.rows: list[list[Text]] = []

    def add_column(self, header: str, justify: Justify = "left") -> None:
        """A column ``header`` whose cells are justified ``justify``."""
        self.headers.append(header)
        self.justify.append(justify)

    def add_row(self, *cells: str) -> None:
        """One row; missing trailing cells are empty, as in rich."""
        row = [Text.from_markup(c) if "[" in c else Text(c) for c in cells]
        row += [Text("")] * (len(self.headers) - len(row))
        self.rows.append(row)

    def widths(self) -> list[int]:
        """The width of every column: its widest cell or header."""
        out = [cell_len(h) for h in self.headers]
        for row in self.rows:
            for j, cell in enumerate(row):
                out[j] = max(out[j], cell.cell_len)
        return out

    def _line(self, cells: list[Text], widths: list[int], sep: str, style: str = "") -> Text:
        line = Text(style=style)
        for j, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            if j:
                line.append(sep)
            pad = " " * (w - cell.cell_len)
            if self.justify[j] == "right":
                line.append(pad)
                line.append_text(cell)
            else:
                line.append_text(cell)
                if j < len(widths) - 1:
                    line.append(pad)
        return line

    def lines(self) -> Iterator[Text]:
        """The title, the header, the rule and the rows, one Text per line."""
        widths = self.widths()
        if self.title:
            yield Text(self.title, style="italic")
        yield self._line([Text(h) for h in self.headers], widths, " ┃ ", "bold")
        yield Text("━╇━".join("━" * w for w in widths))
        for row in self.rows:
            yield self._line(row, widths, " │ ")

    def rich_table(self) -> Table:
        """The same table as rich's, which wraps cells to fit a narrow console."""
        from rich.table import Table

        tab = Table(title=self.title, title_justify="left", show_edge=False, pad_edge=False)
        for header, justify in zip(self.headers, self.justify, strict=True):
            tab.add_column(header, justify=justify)
        for row in self.rows:
            tab.add_row(*row)
        return tab

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self.widths()
        if sum(widths) + 3 * max(len(widths) - 1, 0) > options.max_width:
            yield self.rich_table()
            return
        yield from self.lines()

"""Axes of the static (matplotlib) figures formatted for people.

Tick labels are written by :class:`PeopleFormatter`: ``12.3 M``, ``950``, ``0.25`` (no
e-notation, no offset such as ``1e7`` or ``+1.234e3`` above the axis), shares as ``45 %``;
just enough significant digits that neighbouring ticks read differently. Money axes carry
the manifest's currency in their label (``money_label``). matplotlib is imported by the
callers; this module only subclasses its ``Formatter`` when asked (:func:`people_ticks`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from plantopt.results.numfmt import fmt_amount


def tick_digits(locs: Sequence[float], least: int = 2) -> int:
    """Significant digits so that ticks ``locs`` (evenly spaced) print differently:
    digits of the largest |tick| down to the digit of the step, at least ``least``."""
    vals = sorted({float(v) for v in locs if math.isfinite(v)})
    if len(vals) < 2:
        return max(least, 3)
    step = min(b - a for a, b in zip(vals, vals[1:]))
    top = max(abs(v) for v in vals)
    if step <= 0 or top == 0:
        return max(least, 3)
    return max(least, int(math.floor(math.log10(top)) - math.floor(math.log10(step))) + 1)


def tick_text(value: float, digits: int, share: bool = False) -> str:
    """One tick label: a share (fraction) as ``45 %``, else an amount (``12.3 M``)."""
    if share:
        pct = 100 * value
        d = max(0, digits - 1 - int(math.floor(math.log10(abs(pct))))) if pct else 0
        return f"{pct:.{min(d, 2)}f} %"
    return fmt_amount(value, digits)


def people_ticks(axis: Any, share: bool = False) -> None:
    """Give a matplotlib axis (``ax.xaxis`` or ``ax.yaxis``) people's tick labels."""
    from matplotlib.ticker import Formatter

    class PeopleFormatter(Formatter):
        digits = 3

        def format_ticks(self, values: Any) -> list[str]:
            self.digits = tick_digits(list(values))
            return [tick_text(float(v), self.digits, share) for v in values]

        def __call__(self, x: float, pos: int | None = None) -> str:
            return tick_text(x, self.digits, share)

        def get_offset(self) -> str:
            return ""

    axis.set_major_formatter(PeopleFormatter())


def money_label(what: str, currency: str, per: str = "") -> str:
    """``NPV (M EUR)``-style axis label; ``per`` e.g. ``/yr``."""
    return f"{what} ({currency}{per})"


def currency_of(manifest: dict[str, Any] | None) -> str:
    """The manifest's currency (default EUR)."""
    return str((manifest or {}).get("currency") or "EUR")


__all__ = ["currency_of", "money_label", "people_ticks", "tick_digits", "tick_text"]

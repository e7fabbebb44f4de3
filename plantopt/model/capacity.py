"""Capex curves of continuous capacity options (issue 16), from capex_curves.csv points or
generated from a reference point and a scale exponent.

A continuous option (u, j) has breakpoints s_0 < s_1 < ... < s_K (t/yr) with capex c_k and
fixed opex F_k; between breakpoints both are linear. Generated (no capex_curves.csv rows):

    s_k = s_min (s_max / s_min)^(k / K),   k = 0..K, K = curve_points - 1
    c_k = C_ref (s_k / S_ref)^n            (n = scale_exponent; n = 0.6: the six-tenths rule)

with (S_ref, C_ref) = the option row's (capacity_t_per_yr, capex_eur). Fixed opex:
F_k = phi c_k with phi = fixed_opex_frac_of_capex, else the curve's fixed_opex_eur_per_yr
column (all points), else phi = fixed_opex_eur_per_yr / capex_eur of the row (F_k = the
row's fixed opex when its capex is 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from plantopt.instance.rows import column

if TYPE_CHECKING:
    import pandas as pd

    from plantopt.instance.instance import Instance


@dataclass(frozen=True)
class Curve:
    size_t_per_yr: np.ndarray  # s_0..s_K
    capex_eur: np.ndarray  # c_0..c_K
    fixed_opex_eur_per_yr: np.ndarray  # F_0..F_K

    @property
    def n_segments(self) -> int:
        return len(self.size_t_per_yr) - 1

    def at(self, size: float) -> tuple[float, float]:
        """(capex, fixed opex) at ``size`` by linear interpolation."""
        s = self.size_t_per_yr
        return (
            float(np.interp(size, s, self.capex_eur)),
            float(np.interp(size, s, self.fixed_opex_eur_per_yr)),
        )


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def is_continuous(row: Any, curve_keys: set[tuple[str, str]]) -> bool:
    """An option row is continuous with a size_max_t_per_yr or capex_curves.csv rows."""
    key = (row.unit_id, row.option_id)
    return key in curve_keys or not _missing(getattr(row, "size_max_t_per_yr", None))


def _fixed(row: Any, capex: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    frac: Any = getattr(row, "fixed_opex_frac_of_capex", None)
    if not _missing(frac):
        return float(frac) * capex
    if given is not None:
        return given
    ref_capex, ref_fixed = float(row.capex_eur), float(row.fixed_opex_eur_per_yr)
    if ref_capex > 0:
        return ref_fixed / ref_capex * capex
    return np.full(len(capex), ref_fixed)


def generated_curve(row: Any) -> Curve:
    """The six-tenths-rule curve of an option row (module docstring)."""
    ref_s, ref_c = float(row.capacity_t_per_yr), float(row.capex_eur)
    lo_raw: Any = getattr(row, "size_min_t_per_yr", None)
    lo = ref_s if _missing(lo_raw) else float(lo_raw)
    hi = float(row.size_max_t_per_yr)
    k = int(getattr(row, "curve_points", 5) or 5) - 1
    sizes = lo * (hi / lo) ** (np.arange(k + 1) / k)
    sizes[0], sizes[-1] = lo, hi
    capex = ref_c * (sizes / ref_s) ** float(row.scale_exponent)
    return Curve(sizes, capex, _fixed(row, capex, None))


def _continuous_rows(co: pd.DataFrame, curve_keys: set[tuple[str, str]]) -> Iterator[Any]:
    """The option rows (as ``itertuples`` gives them) that :func:`is_continuous` picks, in
    table order; only those rows are made (most options are discrete)."""
    size_max = column(co, "size_max_t_per_yr", None)
    picked = [
        i
        for i, (u, j, hi) in enumerate(
            zip(co["unit_id"].tolist(), co["option_id"].tolist(), size_max)
        )
        if (u, j) in curve_keys or not _missing(hi)
    ]
    return co.iloc[picked].itertuples(index=False) if picked else iter(())


def capex_curves(instance: Instance) -> dict[tuple[str, str], Curve]:
    """The curve of every continuous option of a (validated) instance."""
    pts = instance.tables.get("capex_curves")
    by_key: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    if pts is not None and len(pts):
        for u, j, s, c, f in zip(
            pts["unit_id"],
            pts["option_id"],
            pts["capacity_t_per_yr"].astype(float),
            pts["capex_eur"].astype(float),
            pts["fixed_opex_eur_per_yr"].astype(float),
        ):
            by_key.setdefault((u, j), []).append((s, c, f))
    out: dict[tuple[str, str], Curve] = {}
    for row in _continuous_rows(instance["capacity_options"], set(by_key)):
        key = (row.unit_id, row.option_id)
        if key not in by_key:
            out[key] = generated_curve(row)
            continue
        p = np.array(sorted(by_key[key]))
        given = None if np.isnan(p[:, 2]).any() else p[:, 2]
        out[key] = Curve(p[:, 0], p[:, 1], _fixed(row, p[:, 1], given))
    return out


__all__ = ["Curve", "capex_curves", "generated_curve", "is_continuous"]

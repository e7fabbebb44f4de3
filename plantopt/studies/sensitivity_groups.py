"""Uncertain input groups of an instance for the tornado, each as overrides at its low and
its high value (read from the low/high columns of the instance tables).

Kinds and what moves (every row of the group at once):

* ``tonnage``   one feed:    ``available_t_per_yr`` to ``available_t_per_yr_low/high``;
* ``gate_fee``  one feed:    ``gate_fee_eur_per_t`` to ``gate_fee_eur_per_t_low/high``;
* ``price``     one product: ``price_eur_per_t`` of each of its materials to the low/high;
* ``capex``     one unit:    ``capex_eur`` of each capacity option to ``capex_eur_low/high``,
  and every ``capex_curves.csv`` point of the unit's continuous options to its
  ``capex_eur_low/high`` (the curve moves with the group; a curve generated from the
  option row by the six-tenths rule scales with the row's capex_eur, its reference point);
* ``tc``        one unit:    for every (feed class, material) of the unit the *main* output
  (largest nominal tc_frac) goes to its tc_frac_low (low) or tc_frac_high (high), and the other
  outputs share the difference in proportion to their nominal values, so that the fractions
  still sum to 1: tc'_o = tc_o * (1 - tc'_main) / (1 - tc_main). A main output at 1 with no
  other output, or without a range, does not move.

A group whose low and high equal its nominal everywhere is left out. Empty low/high cells
mean "equal to the nominal" (the instance format's rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from plantopt.batch.fields import Override

KINDS = ("tonnage", "price", "capex", "tc", "gate_fee")
TOL = 1e-12


@dataclass(frozen=True)
class InputGroup:
    """One uncertain input group and its overrides at the low and the high end."""

    kind: str
    target: str
    low: tuple[Override, ...]
    high: tuple[Override, ...]
    low_label: str
    high_label: str

    @property
    def group_id(self) -> str:
        return f"{self.kind}:{self.target}"


def _ends(df: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nom = df[col].astype(float).to_numpy()
    lo = pd.to_numeric(df.get(f"{col}_low"), errors="coerce") if f"{col}_low" in df else None
    hi = pd.to_numeric(df.get(f"{col}_high"), errors="coerce") if f"{col}_high" in df else None
    lo = nom if lo is None else np.where(np.isnan(lo.to_numpy(float)), nom, lo.to_numpy(float))
    hi = nom if hi is None else np.where(np.isnan(hi.to_numpy(float)), nom, hi.to_numpy(float))
    return lo, nom, hi


def _cell(table: str, keys: dict[str, str], column: str) -> str:
    return f"{table}[{','.join(f'{k}={v}' for k, v in keys.items())}].{column}"


def _feed_groups(feeds: pd.DataFrame, col: str, kind: str, unit: str) -> list[InputGroup]:
    lo, nom, hi = _ends(feeds, col)
    out = []
    for i, fid in enumerate(feeds["feed_id"].astype(str)):
        if abs(lo[i] - nom[i]) < TOL and abs(hi[i] - nom[i]) < TOL:
            continue
        field = _cell("feeds", {"feed_id": fid}, col)
        out.append(
            InputGroup(
                kind,
                fid,
                (Override(field, "set", float(lo[i])),),
                (Override(field, "set", float(hi[i])),),
                f"{lo[i]:,.0f} {unit}",
                f"{hi[i]:,.0f} {unit}",
            )
        )
    return out


def _rows_group(
    df: pd.DataFrame, table: str, key: str, keys: tuple[str, ...], col: str, kind: str, unit: str
) -> list[InputGroup]:
    lo, nom, hi = _ends(df, col)
    out = []
    for target, idx in df.groupby(df[key].astype(str), sort=False).indices.items():
        if np.all(np.abs(lo[idx] - nom[idx]) < TOL) and np.all(np.abs(hi[idx] - nom[idx]) < TOL):
            continue
        low, high = [], []
        for i in idx:
            field = _cell(table, {k: str(df[k].iloc[i]) for k in keys}, col)
            low.append(Override(field, "set", float(lo[i])))
            high.append(Override(field, "set", float(hi[i])))
        ratio_lo = float(lo[idx].sum() / nom[idx].sum()) if nom[idx].sum() else 0.0
        ratio_hi = float(hi[idx].sum() / nom[idx].sum()) if nom[idx].sum() else 0.0
        out.append(
            InputGroup(
                kind,
                target,
                tuple(low),
                tuple(high),
                f"x{ratio_lo:.2f} {unit}",
                f"x{ratio_hi:.2f} {unit}",
            )
        )
    return out


def _capex_groups(tables: dict[str, pd.DataFrame]) -> list[InputGroup]:
    """One group per unit: its capacity options' capex_eur (not of an option whose curve has
    capex_curves.csv points: they give its capex) and its curve points' capex_eur to their
    low / high ends, all at once; the label is the ratio of the sums over the moved cells."""
    cells: dict[str, list[tuple[str, float, float, float]]] = {}
    pts = tables.get("capex_curves")
    with_points = (
        set(zip(pts["unit_id"].astype(str), pts["option_id"].astype(str)))
        if pts is not None and len(pts)
        else set()
    )
    parts = [
        ("capacity_options", ("unit_id", "option_id")),
        ("capex_curves", ("unit_id", "option_id", "capacity_t_per_yr")),
    ]
    for table, keys in parts:
        df = tables.get(table)
        if df is None or not len(df):
            continue
        lo, nom, hi = _ends(df, "capex_eur")
        for i, unit in enumerate(df["unit_id"].astype(str)):
            if table == "capacity_options" and (unit, str(df["option_id"].iloc[i])) in with_points:
                continue  # the curve's points give its capex, not the option row
            field = _cell(table, {k: str(df[k].iloc[i]) for k in keys}, "capex_eur")
            cells.setdefault(unit, []).append((field, lo[i], nom[i], hi[i]))
    out = []
    for unit, rows in cells.items():
        if all(abs(lo - n) < TOL and abs(hi - n) < TOL for _, lo, n, hi in rows):
            continue
        total = sum(n for _, _, n, _ in rows)
        ratio_lo = sum(lo for _, lo, _, _ in rows) / total if total else 0.0
        ratio_hi = sum(hi for _, _, _, hi in rows) / total if total else 0.0
        out.append(
            InputGroup(
                "capex",
                unit,
                tuple(Override(f, "set", float(lo)) for f, lo, _, _ in rows),
                tuple(Override(f, "set", float(hi)) for f, _, _, hi in rows),
                f"x{ratio_lo:.2f} capex",
                f"x{ratio_hi:.2f} capex",
            )
        )
    return out


def _tc_side(block: pd.DataFrame, side: str) -> dict[int, float] | None:
    """New tc_frac per row index of one (unit, feed class, material) block, or None."""
    nom = block["tc_frac"].astype(float)
    main = nom.idxmax()
    end = pd.to_numeric(block.loc[main, f"tc_frac_{side}"], errors="coerce")
    rest = float(nom.sum() - nom[main])
    if np.isnan(end) or abs(end - nom[main]) < TOL or rest <= TOL:
        return None
    scale = (1.0 - end) / rest
    return {i: (float(end) if i == main else float(nom[i]) * scale) for i in block.index}


def _tc_groups(tc: pd.DataFrame) -> list[InputGroup]:
    out = []
    keys = ("unit_id", "feed_class", "material", "output_id")
    for unit, udf in tc.groupby("unit_id", sort=False):
        sides: dict[str, list[Override]] = {"low": [], "high": []}
        for _, block in udf.groupby(["feed_class", "material"], sort=False):
            for side in sides:
                new = _tc_side(block, side)
                for i, v in (new or {}).items():
                    k = {c: str(block.loc[i, c]) for c in keys}
                    for col in ("tc_frac", "tc_frac_low", "tc_frac_high"):
                        sides[side].append(
                            Override(_cell("transfer_coefficients", k, col), "set", round(v, 12))
                        )
        if sides["low"] or sides["high"]:
            out.append(
                InputGroup(
                    "tc",
                    str(unit),
                    tuple(sides["low"]),
                    tuple(sides["high"]),
                    "main outputs at tc_frac_low",
                    "main outputs at tc_frac_high",
                )
            )
    return out


def input_groups(
    tables: dict[str, pd.DataFrame], kinds: tuple[str, ...] = KINDS
) -> list[InputGroup]:
    """Every uncertain input group of the instance tables, in kind order."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(
            f"unknown input group kind(s) {sorted(unknown)}; expected some of {', '.join(KINDS)}"
        )
    make = {
        "tonnage": lambda: _feed_groups(tables["feeds"], "available_t_per_yr", "tonnage", "t/yr"),
        "gate_fee": lambda: _feed_groups(
            tables["feeds"], "gate_fee_eur_per_t", "gate_fee", "EUR/t"
        ),
        "price": lambda: _rows_group(
            tables["product_prices"],
            "product_prices",
            "product_id",
            ("product_id", "material"),
            "price_eur_per_t",
            "price",
            "price",
        ),
        "capex": lambda: _capex_groups(tables),
        "tc": lambda: _tc_groups(tables["transfer_coefficients"]),
    }
    return [g for k in KINDS if k in kinds for g in make[k]()]

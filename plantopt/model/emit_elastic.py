"""Elastic emitter: the families' matrix form with non-negative slack on the rows and bounds a
user can move, for the infeasibility diagnosis (:mod:`plantopt.regulation.diagnosis`).

Groups of relaxable rows (slack s >= 0, one per key; rows sharing a key share it):

    target            target_ratio[t] + s >= 0
    collection        collection_target[t] + s >= R_t POM_t   (Battery Regulation collection)
    capacity          capacity_limit[u] - s <= existing_u,  run_upper[u] - s <= 0
    budget            capex_total - s <= budget
    offtake           product mass at p - s <= max_offtake_p
    floor             profit + s >= profit_floor,  weighted_recovery + s >= recovery_floor
and the minimums that are column bounds, moved to rows:
    feed_minimum      accept[f] + s >= contracted_min_f      (accept's lower bound -> 0)
    contract_minimum  take[c] + s >= min_c                   (take's lower bound -> 0)

The elastic objective maximises -sum s / scale, scale being the value the slack is measured
against (R_t times the largest possible denominator, the contracted minimum, the largest
installable capacity, the budget, ...), so groups with different units are comparable. Only
the groups asked for become elastic; the others stay hard. No row is written again here:
the slack columns are added to the families' own rows.

With several planning periods every period's rows get their own slacks (label
``group:key@period``, :attr:`Slack.period` the period's index), so the diagnosis can say
which period needs which relaxation; the global rows (budget, floors) have one slack each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from plantopt.model.build import Families
from plantopt.model.emit_matrix import constraint_families, emit_matrix
from plantopt.model.matrix_form import MatrixModel

GROUPS = (
    "target",
    "collection",
    "feed_minimum",
    "contract_minimum",
    "capacity",
    "budget",
    "offtake",
    "floor",
)


@dataclass(frozen=True)
class Slack:
    """One slack column: the group and key it relaxes, the value it is measured against."""

    group: str
    key: str
    rhs: float
    scale: float
    unit: str
    column: int  # in the elastic model
    period: int | None = None  # index of the period whose row it relaxes (None: global)


@dataclass(frozen=True)
class Elastic:
    mm: MatrixModel  # cost row 0: the elastic objective
    slacks: dict[str, Slack]  # by label "group:key"
    n_model_cols: int  # columns before the slacks (the families' global layout)
    row_of: dict[tuple[str, object, int | None], int]  # (family, label, period) -> row in mm


def _label_of(fams: Families, group: str, key: str, period: int | None) -> str:
    """Slack label: ``group:key``, with ``@period_id`` for a period's row of several."""
    if period is None or not fams.multi:
        return f"{group}:{key}"
    timing = fams.data.timing
    assert timing is not None
    return f"{group}:{key}@{timing.periods[period].period_id}"


def _block_periods(fams: Families) -> list[int | None]:
    """The period of every family of :func:`constraint_families`, in its order (None: the
    global rows)."""
    out: list[int | None] = [t for t, per in enumerate(fams.periods) for f in per.rows if f.n]
    return out + [None for f in fams.global_rows if f.n]


def _minimum_rows(fams: Families, groups: set[str]) -> list[tuple[str, str, int, float, str, int]]:
    """(group, key, column, lower bound, unit, period) of the positive column minimums to
    relax."""
    lay = fams.layout
    out = []
    for t in range(lay.n_periods):
        b = t * lay.block
        if "feed_minimum" in groups:
            for i, f in enumerate(lay.feeds):
                if fams.col_lower[b + i] > 0:
                    lb = float(fams.col_lower[b + i])
                    out.append(("feed_minimum", f, b + i, lb, "t/yr", t))
        if "contract_minimum" in groups:
            for i, c in enumerate(lay.contracts):
                col = b + lay.take0 + i
                if fams.col_lower[col] > 0:
                    lb = float(fams.col_lower[col])
                    out.append(("contract_minimum", c, col, lb, "t/yr", t))
    return out


def _row_slacks(
    fams: Families, groups: set[str], n: int
) -> tuple[
    dict[str, Slack],
    dict[tuple[str, object, int | None], int],
    tuple[list[int], list[int], list[float]],
    int,
]:
    """Slack columns (numbered from ``n``) of the relaxable rows of the named groups:
    +1 in a >= row, -1 in a <= row; rows sharing a key share the slack. Also the row of
    every (family, label) and the number of rows."""
    row_of: dict[tuple[str, object, int | None], int] = {}
    slacks: dict[str, Slack] = {}
    triplets: tuple[list[int], list[int], list[float]] = ([], [], [])
    r0 = 0
    families = constraint_families(fams)
    periods = _block_periods(fams)
    assert len(periods) == len(families)
    for f, t in zip(families, periods):
        for i, label in enumerate(f.index):
            row_of[(f.name, label, t)] = r0 + i
        if f.relax is not None and f.relax.group in groups:
            assert f.lower is not None
            for i in range(f.n):
                label = _label_of(fams, f.relax.group, str(f.relax.keys[i]), t)
                if label not in slacks:
                    slacks[label] = Slack(
                        f.relax.group,
                        str(f.relax.keys[i]),
                        float(f.relax.rhs[i]),
                        max(abs(float(f.relax.scale[i])), 1e-9),
                        f.relax.unit,
                        n + len(slacks),
                        t,
                    )
                triplets[0].append(r0 + i)
                triplets[1].append(slacks[label].column)
                triplets[2].append(1.0 if np.isfinite(f.lower[i]) else -1.0)
        r0 += f.n
    return slacks, row_of, triplets, r0


def emit_elastic(
    fams: Families,
    groups: tuple[str, ...] | set[str],
    drop: tuple[str, object, int | None] | None = None,
    extra_objective: np.ndarray | None = None,
) -> Elastic:
    """The elastic model of ``fams`` with the named ``groups`` elastic.

    ``drop`` = (family, label, period index or None) removes that row (the Dinkelbach step
    leaves its own target out); ``extra_objective`` replaces the elastic objective by a
    vector over the model's columns (slacks then cost nothing).
    """
    groups = set(groups)
    base = emit_matrix(fams, ["recovery"])
    n = base.a_csc.shape[1]
    slacks, row_of, (s_rows, s_cols, s_vals), r0 = _row_slacks(fams, groups, n)
    col_lower = base.col_lower.copy()
    lo, hi = base.row_lower.copy(), base.row_upper.copy()
    extra_r, extra_c, extra_v = [], [], []
    mins = _minimum_rows(fams, groups)
    for k, (group, key, col, lb, unit, t) in enumerate(mins):
        label = _label_of(fams, group, key, t)
        slacks[label] = Slack(group, key, lb, lb, unit, n + len(slacks), t)
        col_lower[col] = 0.0
        extra_r += [k, k]
        extra_c += [col, slacks[label].column]
        extra_v += [1.0, 1.0]
    n_all = n + len(slacks)
    slack_block = sp.csc_array(
        (s_vals, (s_rows, np.asarray(s_cols, np.int64) - n)), shape=(r0, len(slacks))
    )
    a = sp.hstack([base.a_csc.tocsc(), slack_block]) if slacks else base.a_csc.tocsc()
    if mins:
        a = sp.vstack([a, sp.csr_array((extra_v, (extra_r, extra_c)), shape=(len(mins), n_all))])
        lo = np.concatenate([lo, [m[3] for m in mins]])
        hi = np.concatenate([hi, np.full(len(mins), np.inf)])
    if drop is not None and drop in row_of:
        lo[row_of[drop]], hi[row_of[drop]] = -np.inf, np.inf
    cost = np.zeros(n_all)
    if extra_objective is not None:
        cost[:n] = extra_objective
    else:
        for s in slacks.values():
            cost[s.column] = -1.0 / s.scale
    mm = replace(
        base,
        a_csc=sp.csc_array(a),
        row_lower=lo,
        row_upper=hi,
        col_lower=np.concatenate([col_lower, np.zeros(len(slacks))]),
        col_upper=np.concatenate([base.col_upper, np.full(len(slacks), np.inf)]),
        costs=cost[None, :],
        offsets=np.zeros(1),
        integrality=np.concatenate([base.integrality, np.zeros(len(slacks), np.int32)]),
        objective_names=["elastic"],
    )
    return Elastic(mm, slacks, n, row_of)


def row_names(fams: Families) -> list[str]:
    """Readable row names in matrix order: ``family[label]`` (period-qualified with several
    periods)."""
    timing = fams.data.timing
    assert timing is not None
    out = []
    for t, per in enumerate(fams.periods):
        pre = f"period[{timing.periods[t].period_id}]." if fams.multi else ""
        out += [f"{pre}{f.name}[{_label(x)}]" for f in per.rows for x in f.index]
    out += [
        f"{f.name}[{_label(x)}]" if x is not None else f.name
        for f in fams.global_rows
        for x in f.index
    ]
    return out


def column_names(fams: Families) -> list[str]:
    lay = fams.layout
    timing = fams.data.timing
    assert timing is not None
    out = []
    for t in range(lay.n_periods):
        pre = f"period[{timing.periods[t].period_id}]." if fams.multi else ""
        for name, _, labels, _ in lay.families():
            if name == "build":
                out += [f"build[{_label(timing.key(k, t))}]" for k in labels]
            else:
                out += [f"{pre}{name}[{_label(k)}]" for k in labels]
    return out


def _label(x: object) -> str:
    return ",".join(map(str, x)) if isinstance(x, tuple) else str(x)


__all__ = ["Elastic", "GROUPS", "Slack", "column_names", "emit_elastic", "row_names"]

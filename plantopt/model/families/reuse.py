"""Reuse and second-life families: their money terms and the return of second-life packs.

Value and cost per node come from :mod:`plantopt.model.reuse_terms` (v_p, r_p EUR per t of
product mass). In a multi-period instance, packs repurposed in period t (years
[y_t, y_t + d_t)) come back after L years (``second_life_yr``) as feed f (``returns_as_feed``):
in period t' they are on offer at the mean rate

    a_{t, t'} = |[y_t + L, y_t + d_t + L) ∩ [y_t', y_t' + d_t')| / d_t'      (yr per yr)

    second_life_return[f, t']:
        accept[f, t'] - sum_t a_{t, t'} sum_{n at p} mass_n flow[n, t] <= available_f(t')

(available_f is what is on offer besides the returns, usually 0). A single period is a
steady state without returns: the row is not built.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, family


def reuse_money(ctx: PeriodContext) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(local column, EUR per feed-equivalent t) of reuse_revenue and repurposing_cost."""
    terms = ctx.regulation.reuse if ctx.regulation is not None else None
    empty = (np.zeros(0, np.int64), np.zeros(0))
    if terms is None:
        return {"reuse_revenue": empty, "repurposing_cost": empty}
    f0 = ctx.layout.flow0
    return {
        "reuse_revenue": (f0 + terms.value_node, terms.value_coef),
        "repurposing_cost": (f0 + terms.cost_node, terms.cost_coef),
    }


def overlap_share(start: int, dur: int, lag: float, start2: int, dur2: int) -> float:
    """a_{t, t'}: share of period t' covered by period t shifted by ``lag`` years."""
    lo, hi = max(start + lag, start2), min(start + dur + lag, start2 + dur2)
    return max(0.0, hi - lo) / dur2


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype)


def second_life_return(fams: Any) -> Family:
    """second_life_return[f, t'] over the global columns (multi-period instances only);
    ``fams`` is the :class:`plantopt.model.build.Families` being built (not imported here:
    build imports this module)."""
    reg, glob, data = fams.regulation, fams.layout, fams.data
    timing = data.timing
    returns = reg.reuse.returns if reg is not None and reg.reuse is not None else ()
    index: list[object] = []
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    upper: list[float] = []
    if timing is None or not fams.multi or not returns:
        returns = ()
    periods = timing.periods if timing is not None else ()
    mass = data.tree.node_mass()
    f_index = {f: i for i, f in enumerate(glob.feeds)}
    for ret in returns:
        nodes = np.asarray(data.product_nodes.get(ret.product_id, []), np.int64)
        for t2, p2 in enumerate(periods):
            i = len(index)
            index.append((ret.feed_id, p2.period_id))
            rows.append(np.array([i]))
            cols.append(np.array([t2 * glob.block + f_index[ret.feed_id]]))
            vals.append(np.ones(1))
            for t, p in enumerate(periods):
                a = overlap_share(
                    p.offset_yr, p.duration_yr, ret.lag_yr, p2.offset_yr, p2.duration_yr
                )
                if a > 0 and len(nodes):
                    rows.append(np.full(len(nodes), i))
                    cols.append(t * glob.block + glob.flow0 + nodes)
                    vals.append(-a * mass[nodes])
            upper.append(float(data.per_period[t2].feed_ub[ret.feed_id]))
    return family(
        "second_life_return",
        index,
        _cat(rows, np.int64),
        _cat(cols, np.int64),
        _cat(vals, float),
        -INF,
        np.asarray(upper, float),
        scope="global",
        block="model",
        doc="returned second-life packs on offer: what was repurposed second_life_yr earlier",
    )

"""Collection families: the supply curve of collection steps and the collection-rate targets.

A feed f may have collection steps s (``collection_steps.csv``): each adds up to size_s t/yr
on top of f's available tonnage (collected at today's rate) at the marginal cost c_s per
tonne, with c_s increasing along f's steps, so the linear programme climbs the curve from
its cheapest step. Columns collect[s] in [0, size_s] (the accept column's upper bound is
available_f + sum_s size_s):

    collection_supply[f]:  accept[f] - sum_{s of f} collect[s] <= available_f      (t/yr)
    collection_cost      =  sum_s c_s collect[s]                                  (EUR/yr,
                            a ledger item)

Collection-rate target t (Battery Regulation: portable 63 % by 2027 / 73 % by 2030, LMT
51 % by 2028 / 61 % by 2031) over the feeds F_t of its collection class, with POM_t the
tonnes placed on the market (feeds.placed_on_market_t_per_yr), when enforced:

    collection_target[t]:  sum_{f in F_t} accept[f] >= R_t POM_t                  (t/yr)

The plant is taken as the scheme's collector and treater: what it collects it accepts.

The collect columns are not free: given accept, the tonnes collected are the excess over
what is on offer anyway, e_f = max(0, accept[f] - available_f), filled cheapest step first

    collect[s] = min(size_s, max(0, e_f - sum_{s' before s} size_s'))        (canonical)

An objective that prices collection (profit, npv, the tie-break's profit stage) chooses
exactly this at its optimum (marginal costs do not fall along a feed's steps). One that does
not (recovery without the tie-break) leaves the columns degenerate: any collect with
collection_supply met is optimal, so the solve may report tonnes collected, and paid for,
beyond e_f, even with nothing accepted. A linear programme cannot pin the fill without the
objective's pressure (that needs binaries, one per step, and would turn LP instances into
MIPs). So the solution is read back through :func:`canonical_collect`, which replaces the
solve's collect by the fill above: for the solved accept it satisfies every row
(collection_supply holds as accept - sum collect = min(accept, available) <= available;
no other row reads collect except the profit floor, and the fill has the least collection
cost of any feasible collect, so the profit can only rise), and it leaves the objective of
recovery unchanged (it does not read collect) and that of profit or npv at their optimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, Relax, family


def _steps(ctx: PeriodContext) -> tuple:
    return ctx.regulation.steps if ctx.regulation is not None else ()


def collection_supply(ctx: PeriodContext) -> Family:
    steps = _steps(ctx)
    f_index = {f: i for i, f in enumerate(ctx.data.feeds)}
    feeds = list(dict.fromkeys(s.feed_id for s in steps if s.feed_id in f_index))
    r_index = {f: i for i, f in enumerate(feeds)}
    on = [i for i, s in enumerate(steps) if s.feed_id in r_index]
    row = np.concatenate(
        [np.arange(len(feeds)), np.array([r_index[steps[i].feed_id] for i in on], np.int64)]
    )
    col = np.concatenate(
        [
            np.array([f_index[f] for f in feeds], np.int64),
            ctx.layout.collect0 + np.asarray(on, np.int64),
        ]
    )
    val = np.concatenate([np.ones(len(feeds)), -np.ones(len(on))])
    avail = np.array([ctx.data.feed_ub[f] for f in feeds], dtype=float)
    return family(
        "collection_supply",
        feeds,
        row,
        col,
        val,
        -INF,
        avail,
        doc="a feed accepts at most its available tonnage plus what its collection steps add",
    )


def collection_target(ctx: PeriodContext) -> Family:
    targets = ctx.regulation.enforced_collection if ctx.regulation is not None else []
    f_index = {f: i for i, f in enumerate(ctx.data.feeds)}
    rows, cols = [], []
    for i, t in enumerate(targets):
        fs = [f_index[f] for f in t.feeds if f in f_index]
        rows += [i] * len(fs)
        cols += fs
    need = np.array([t.required_frac * t.placed_on_market_t_per_yr for t in targets], float)
    return family(
        "collection_target",
        [t.target_id for t in targets],
        np.asarray(rows, np.int64),
        np.asarray(cols, np.int64),
        np.ones(len(rows)),
        need,
        INF,
        doc="tonnes collected at least the collection rate times what is placed on the market",
        relax=Relax(
            "collection", tuple(t.target_id for t in targets), need, np.maximum(need, 1.0), "t/yr"
        ),
    )


def collection_cost(ctx: PeriodContext) -> tuple[np.ndarray, np.ndarray]:
    """(local column, EUR per t) of every collection step."""
    steps = _steps(ctx)
    cost = np.array([s.cost_eur_per_t for s in steps], dtype=float)
    return ctx.layout.collect0 + np.arange(len(steps)), cost


def canonical_collect(fams: Any, x: np.ndarray) -> np.ndarray:
    """x with every period's collect columns replaced by the cheapest-first fill of the
    excess accept[f] - available_f over the feed's steps (module docstring). ``fams`` is
    the :class:`plantopt.model.build.Families` of x (not imported: build imports this
    module)."""
    out = np.array(x, dtype=float)
    for t, per in enumerate(fams.periods):
        fam = next((r for r in per.rows if r.name == "collection_supply"), None)
        if fam is None or fam.n == 0:
            continue
        off = t * fams.layout.block if fams.multi else 0
        order = np.lexsort((fam.col, fam.row))
        rows, cols, vals = fam.row[order], fam.col[order] + off, fam.val[order]
        assert fam.upper is not None
        for i in range(fam.n):
            mine = rows == i
            acc = cols[mine & (vals > 0)]
            steps = cols[mine & (vals < 0)]
            excess = max(0.0, float(out[acc].sum()) - float(fam.upper[i]))
            for c in steps:  # file order = cheapest first
                q = min(float(fams.col_upper[c]), excess)
                out[c] = q
                excess -= q
    return out

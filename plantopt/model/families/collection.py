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
"""

from __future__ import annotations

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

"""Regulation families: EU targets as linear rows, recycled-content offtake contracts.

For every target t in force and enforced (N_t, D_t from :mod:`plantopt.model.regulation_terms`):

    target_num[t] = sum_{(n, a) in N_t} a flow[n]           (t/yr that count)
    target_den[t] = sum_{(f, b) in D_t} b accept[f]         (t/yr entering)
                    - sum_{(n, c) in O_t} c flow[n]         (minus what leaves the waste
                                                             stage: second life, re-use)
    target_ratio[t]:  target_num[t] - R_t target_den[t] >= 0

which is num / den >= R_t whenever covered feed is accepted (0 >= 0 when none is).
Offtake contracts c (columns take[c] in [min_c, max_c], t/yr of contained material):

    contract_supply[p, k]:  sum_{c on (p, k)} take[c] - sum_{n at p} coef[n, k] flow[n] <= 0

A positive minimum is take-or-pay: the plan must deliver it.

Take-back obligation (manifest ``treat_all_collected``; Battery Regulation Art. 71(1): a
facility accepts every waste battery handed to it), for every feed f with a reg_class:

    take_back[f]:  accept[f] >= available_f                 (t/yr)

so no target can be met by refusing the feeds it covers.
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, Relax, family, stack


def _targets(ctx: PeriodContext) -> list:
    return list(ctx.regulation.enforced) if ctx.regulation is not None else []


def _num(ctx: PeriodContext, targets: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not targets:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    r = [np.full(len(t.num_node), i, np.int64) for i, t in enumerate(targets)]
    return (
        np.concatenate(r),
        ctx.layout.flow0 + np.concatenate([t.num_node for t in targets]),
        np.concatenate([t.num_coef for t in targets]),
    )


def _den(ctx: PeriodContext, targets: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D_t over accept columns (column = feed index), then minus the out-of-waste nodes."""
    r, f, b = _den_feeds(ctx, targets)
    if not targets:
        return r, f, b
    rn = np.concatenate([np.full(len(t.den_node), i, np.int64) for i, t in enumerate(targets)])
    cn = ctx.layout.flow0 + np.concatenate([t.den_node for t in targets]).astype(np.int64)
    vn = -np.concatenate([t.den_node_coef for t in targets])
    return stack((r, f, b), (rn, cn, vn))


def _den_feeds(ctx: PeriodContext, targets: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f_index = {f: i for i, f in enumerate(ctx.data.feeds)}
    if not targets:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    r = np.concatenate([np.full(len(t.den), i, np.int64) for i, t in enumerate(targets)])
    f = np.array([f_index[x[0]] for t in targets for x in t.den], dtype=np.int64)
    b = np.array([x[1] for t in targets for x in t.den], dtype=float)
    return r, f, b


def target_num(ctx: PeriodContext) -> Family:
    targets = _targets(ctx)
    return family(
        "target_num",
        [t.target_id for t in targets],
        *_num(ctx, targets),
        doc="t/yr of output that counts for the target",
    )


def target_den(ctx: PeriodContext) -> Family:
    targets = _targets(ctx)
    return family(
        "target_den",
        [t.target_id for t in targets],
        *_den(ctx, targets),
        doc="t/yr entering that the target is measured against",
    )


def target_ratio(ctx: PeriodContext) -> Family:
    targets = _targets(ctx)
    req = np.array([t.required_frac for t in targets], dtype=float)
    fr, fc, fv = _den_feeds(ctx, targets)
    max_den = np.zeros(len(targets))
    ub = np.array([ctx.data.feed_ub[f] for f in ctx.data.feeds], dtype=float)
    np.add.at(max_den, fr, fv * ub[fc])
    dr, dc, dv = _den(ctx, targets)
    ids = [t.target_id for t in targets]
    return family(
        "target_ratio",
        ids,
        *stack(_num(ctx, targets), (dr, dc, -req[dr] * dv)),
        0.0,
        INF,
        doc="regulatory ratio at least its required value",
        relax=Relax("target", tuple(ids), req, req * np.maximum(max_den, 1e-9), "t/t"),
    )


def contract_pairs(ctx: PeriodContext) -> dict[tuple[str, str], list[int]]:
    """(product, material) -> contract positions, in contract order."""
    pairs: dict[tuple[str, str], list[int]] = {}
    contracts = ctx.regulation.contracts if ctx.regulation is not None else ()
    for i, c in enumerate(contracts):
        pairs.setdefault((c.product_id, c.material), []).append(i)
    return pairs


def contract_supply(ctx: PeriodContext) -> Family:
    pairs = contract_pairs(ctx)
    contracts = ctx.regulation.contracts if ctx.regulation is not None else ()
    parts = []
    for row, idx in enumerate(pairs.values()):
        supply = contracts[idx[0]].supply
        n = np.fromiter((x[0] for x in supply), np.int64, len(supply))
        a = np.fromiter((x[1] for x in supply), float, len(supply))
        parts.append(
            (
                np.full(len(idx), row),
                ctx.layout.take0 + np.asarray(idx, np.int64),
                np.ones(len(idx)),
            )
        )
        parts.append((np.full(len(n), row), ctx.layout.flow0 + n, -a))
    triplets = stack(*parts) if parts else ([], [], [])
    return family(
        "contract_supply",
        list(pairs),
        *triplets,
        -INF,
        0.0,
        doc="contracts take no more than the material contained in the product",
    )


def take_back(ctx: PeriodContext) -> Family:
    feeds = list(ctx.regulation.take_back) if ctx.regulation is not None else []
    f_index = {f: i for i, f in enumerate(ctx.data.feeds)}
    feeds = [f for f in feeds if f in f_index]
    avail = np.array([ctx.data.feed_ub[f] for f in feeds], dtype=float)
    return family(
        "take_back",
        feeds,
        np.arange(len(feeds)),
        np.array([f_index[f] for f in feeds], dtype=np.int64),
        np.ones(len(feeds)),
        avail,
        INF,
        doc="take-back obligation: every covered feed accepted at its available tonnage",
        relax=Relax(
            "feed_minimum",
            tuple(f"{f} (take-back)" for f in feeds),
            avail,
            np.maximum(avail, 1.0),
            "t/yr",
        ),
    )

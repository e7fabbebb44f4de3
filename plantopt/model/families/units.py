"""Unit families: throughput, installed capacity, capacity limits and minimum load.

    throughput[u] = sum_{n at u} mass_n flow[n]                           (real t/yr)
    capacity[u]   = existing_u + sum_j cap_{u,j} build[u, j]              (t/yr)
                    + sum_{j continuous, k} (s_k - s_{k-1}) segment[u, j, k]
                    (cap_{u,j} = s_0 for a continuous option; families/capacity.py; every
                    "sum_j cap build" below includes the segments)
    capacity_limit[u]:  throughput[u] - sum_j cap_{u,j} build[u, j] <= existing_u
and, for units with min_load_u > 0 (Cmax_u = the largest capacity u can have):
    run_upper[u]:  throughput[u] - Cmax_u run[u] <= 0
    min_load[u]:   throughput[u] - ml_u sum_j cap_{u,j} build[u, j] - Cmax_u run[u]
                   >= ml_u existing_u - Cmax_u
                   (a running unit is loaded to at least ml_u capacity[u])
    run_if_built[u]:  run[u] - sum_j build[u, j] <= 0     (units without existing capacity)
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.capacity import segment_capacity_terms
from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, Relax, family, stack


def _throughput_terms(
    ctx: PeriodContext, units: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, flow column, mass_n) of every node at each unit of ``units``."""
    terms = ctx.data.unit_node_terms
    assert terms is not None and terms.ptr is not None  # set by build_model_data
    u_index = {u: i for i, u in enumerate(ctx.data.tree.units)}
    keys = np.array([u_index[u] for u in units], dtype=np.int64)
    counts = terms.ptr[keys + 1] - terms.ptr[keys]
    r = np.repeat(np.arange(len(keys)), counts)
    starts = np.repeat(terms.ptr[keys] - np.cumsum(counts) + counts, counts)
    pos = starts + np.arange(int(counts.sum()))
    return r, ctx.layout.flow0 + terms.node[pos], terms.coef[pos]


def _capacity_terms(
    ctx: PeriodContext, units: list[str], scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, capacity added per unit of the column) of every option of each unit
    (cap_{u,j} on build) and every segment of its continuous options (s_k - s_{k-1} on
    segment[u, j, k]), times ``scale`` of the row."""
    r, c = ctx.options_of(units)
    opts = ctx.layout.options
    caps = np.array(
        [ctx.data.options[opts[i - ctx.layout.build0]].capacity_t_per_yr for i in c], dtype=float
    )
    sr, sc, sv = segment_capacity_terms(ctx, units)
    r, c, caps = np.concatenate([r, sr]), np.concatenate([c, sc]), np.concatenate([caps, sv])
    return r, c, caps * scale[r] if len(r) else caps


def throughput(ctx: PeriodContext) -> Family:
    units = ctx.data.units
    return family(
        "throughput",
        units,
        *_throughput_terms(ctx, units),
        doc="real tonnes entering the unit, t/yr",
    )


def capacity(ctx: PeriodContext) -> Family:
    d = ctx.data
    units = d.units
    existing = np.array([d.unit_existing[u] for u in units], dtype=float)
    return family(
        "capacity",
        units,
        *_capacity_terms(ctx, units, np.ones(len(units))),
        constant=existing,
        doc="installed capacity, t/yr",
    )


def capacity_limit(ctx: PeriodContext) -> Family:
    d, used = ctx.data, ctx.used_units
    tr, tc, tv = _throughput_terms(ctx, used)
    cr, cc, cv = _capacity_terms(ctx, used, np.ones(len(used)))
    existing = np.array([d.unit_existing[u] for u in used], dtype=float)
    cmax = np.array([d.unit_max_capacity[u] for u in used], dtype=float)
    return family(
        "capacity_limit",
        used,
        *stack((tr, tc, tv), (cr, cc, -cv)),
        -INF,
        existing,
        doc="throughput within installed capacity",
        relax=Relax("capacity", tuple(used), cmax, np.maximum(cmax, 1.0), "t/yr"),
    )


def run_upper(ctx: PeriodContext) -> Family:
    d, units = ctx.data, ctx.run_units
    R = len(units)
    cmax = np.array([d.unit_max_capacity[u] for u in units], dtype=float)
    tr, tc, tv = _throughput_terms(ctx, units)
    runs = ctx.layout.run0 + np.arange(R)
    return family(
        "run_upper",
        units,
        *stack((tr, tc, tv), (np.arange(R), runs, -cmax)),
        -INF,
        0.0,
        doc="no throughput unless running",
        relax=Relax("capacity", tuple(units), cmax, np.maximum(cmax, 1.0), "t/yr"),
    )


def min_load(ctx: PeriodContext) -> Family:
    d, units = ctx.data, ctx.run_units
    R = len(units)
    cmax = np.array([d.unit_max_capacity[u] for u in units], dtype=float)
    ml = np.array([d.unit_min_load[u] for u in units], dtype=float)
    existing = np.array([d.unit_existing[u] for u in units], dtype=float)
    tr, tc, tv = _throughput_terms(ctx, units)
    cr, cc, cv = _capacity_terms(ctx, units, ml)
    runs = ctx.layout.run0 + np.arange(R)
    return family(
        "min_load",
        units,
        *stack((tr, tc, tv), (cr, cc, -cv), (np.arange(R), runs, -cmax)),
        ml * existing - cmax,
        INF,
        doc="a running unit is loaded to at least its minimum",
    )


def run_if_built(ctx: PeriodContext) -> Family:
    d = ctx.data
    units = [u for u in ctx.run_units if d.unit_existing[u] <= 0]
    run_col = {u: ctx.layout.run0 + i for i, u in enumerate(ctx.run_units)}
    br, bc = ctx.options_of(units)
    n = len(units)
    return family(
        "run_if_built",
        units,
        *stack(
            (np.arange(n), [run_col[u] for u in units], np.ones(n)), (br, bc, -np.ones(len(bc)))
        ),
        -INF,
        0.0,
        doc="only a built unit runs",
    )

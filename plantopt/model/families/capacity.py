"""Continuous capacity options (issue 16): a size between s_0 and s_K once built, capex and
fixed opex piecewise linear through the curve's breakpoints (model/capacity.py), by the
incremental (delta) formulation:

    size_{u,j}  = s_0 build[u, j] + sum_{k=1..K} (s_k - s_{k-1}) segment[u, j, k]
    capex_{u,j} = c_0 build[u, j] + sum_k (c_k - c_{k-1}) segment[u, j, k]   (fixed opex alike)
    segment_order[u, j, 1, "built"]:   segment[u,j,1] - build[u,j]          <= 0
    segment_order[u, j, k, "next"]:    segment[u,j,k+1] - segment_on[u,j,k] <= 0  (k < K)
    segment_order[u, j, k, "full"]:    segment_on[u,j,k] - segment[u,j,k]   <= 0  (k < K)
    0 <= segment <= 1,  segment_on in {0, 1}

so segment k+1 is used only when segment k is full: any point of the curve, and only those.

Multi-period (periods.csv): the segment columns of block tau belong to the build decided in
period tau, as build[u, j, tau] does; segment_order holds per decision (over block tau's
columns), and period t's rows see the sum over the builds in service, as for build:
segment[u, j, k] -> sum_{tau in A(u, j, t)} segment[u, j, k, tau] (the substitution S_t of
model/build.py). A later build of the option (an expansion, as for a discrete option) has
its own size on the curve and pays its own smallest-point capex.
Staffing (``crew_need``, below) is here too: a plant-wide integer crew per shift.

Why incremental rather than SOS2 (lambda weights on the breakpoints): HiGHS has no SOS
constraints, so SOS2 would need K binaries and K+1 lambda columns with a formulation whose LP
relaxation is weaker; the incremental one needs K-1 binaries and K columns and is locally
ideal (its LP relaxation's vertices are integral; Padberg 2000, Vielma, Ahmed and Nemhauser
2010): with K = 1 (a fixed charge plus a linear cost) it is just segment <= build, the convex
hull. The binaries are needed because capex curves of economies of scale are concave (falling
slopes): an LP would otherwise fill the cheap large-size segments first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, family
from plantopt.model.layout import Layout


def segment_capacity_terms(
    ctx: PeriodContext, units: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of the unit in ``units``, segment column, s_k - s_{k-1}) of every segment."""
    lay, curves = ctx.layout, ctx.data.curves
    row_of = {u: i for i, u in enumerate(units)}
    keep = [i for i, (u, _, _) in enumerate(lay.segments) if u in row_of]
    rows = np.array([row_of[lay.segments[i][0]] for i in keep], dtype=np.int64)
    cols = lay.segment0 + np.array(keep, dtype=np.int64)
    vals = np.array(
        [
            curves[(u, j)].size_t_per_yr[k] - curves[(u, j)].size_t_per_yr[k - 1]
            for u, j, k in (lay.segments[i] for i in keep)
        ],
        dtype=float,
    )
    return rows, cols, vals


def segment_increments(ctx: PeriodContext, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(segment column, c_k - c_{k-1}) of ``what`` = "capex_eur" or "fixed_opex_eur_per_yr"."""
    lay, curves = ctx.layout, ctx.data.curves
    vals = np.array(
        [
            getattr(curves[(u, j)], what)[k] - getattr(curves[(u, j)], what)[k - 1]
            for u, j, k in lay.segments
        ],
        dtype=float,
    )
    return lay.segment0 + np.arange(len(lay.segments)), vals


def segment_order(
    ctx: PeriodContext, glob: Layout, key: Callable[[tuple, int], object] | None = None
) -> Family:
    """The rows of the module docstring, once per build decision: for every period tau,
    over block tau's columns of the global layout ``glob`` (build[u, j, tau],
    segment[u, j, k, tau], segment_on[u, j, k, tau]), so each build of a multi-period plan
    has its own size on the curve. ``key(label, tau)`` is the row label (the label itself
    with one period). None without continuous options."""
    lay = ctx.layout
    seg = {k: lay.segment0 + i for i, k in enumerate(lay.segments)}
    on = {k: lay.segment_on0 + i for i, k in enumerate(lay.segment_binaries)}
    index: list[object] = []
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []

    def row(label: tuple[str, str, int, str], tau: int, plus: int, minus: int) -> None:
        rows.extend((len(index), len(index)))
        cols.extend((tau * glob.block + plus, tau * glob.block + minus))
        vals.extend((1.0, -1.0))
        index.append(label if key is None else key(label, tau))

    for tau in range(glob.n_periods):
        for u, j, k in lay.segments:
            if k == 1:
                b = lay.build0 + lay.o_index[(u, j)]
                row((u, j, 1, "built"), tau, seg[(u, j, 1)], b)
            if (u, j, k) in on:
                row((u, j, k, "next"), tau, seg[(u, j, k + 1)], on[(u, j, k)])
                row((u, j, k, "full"), tau, on[(u, j, k)], seg[(u, j, k)])
    return family(
        "segment_order",
        index,
        rows,
        cols,
        vals,
        -INF,
        0.0,
        scope="global",
        block="model",
        doc="segments of a continuous option's capex curve fill in order, once built "
        "(per build decision)",
    )


def crew_need(ctx: PeriodContext) -> Family:
    """crew_need: sum_{u,j} o_{u,j} build[u, j] - crew <= 0 (o = operators_per_shift; the
    in-service builds, modules counted), so the integer crew is the need rounded up: a
    plant-wide cost (staff_cost = shift_crews x operator cost x crew) that does not split
    across units. No row without staffing (manifest shift_crews empty)."""
    lay, d = ctx.layout, ctx.data
    if not lay.crew:
        return family("crew_need", [], [], [], [], -INF, 0.0, doc="operators per shift")
    need = np.array([d.options[k].operators_per_shift for k in lay.options], dtype=float)
    nz = np.flatnonzero(need)
    return family(
        "crew_need",
        [None],
        np.zeros(len(nz) + 1),
        np.concatenate([lay.build0 + nz, [lay.crew0]]),
        np.concatenate([need[nz], [-1.0]]),
        -INF,
        0.0,
        doc="the crew per shift covers the operators the built options need",
    )


__all__ = ["crew_need", "segment_capacity_terms", "segment_increments", "segment_order"]

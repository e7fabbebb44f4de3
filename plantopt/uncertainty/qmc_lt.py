"""Sobol' with a linear transformation (``sampling="sobol-lt"``): the headline metrics' main
directions on the first Sobol' coordinates.

A P5 or P95 is the mean of an indicator 1{f(x) <= q}. When f (profit, say) is a sum of some
200 inputs of similar weight, the indicator depends on all of them at once, and scrambled
Sobol' points, uniform mostly in their low-dimensional projections, do little better than
random ones. Imai and Tan's linear transformation (J. Imai and K. S. Tan, "A general
dimension reduction technique for derivative pricing", Journal of Computational Finance
10(2), 2006) works in normal scores instead: with z = Phi^-1(u) the point's normal scores,

    z' = R z,      u' = Phi(z'),      the draws = the usual inverse CDFs of u'

with R orthogonal, its column j the direction of metric j's gradient (orthogonalised against
the earlier ones). To first order f(x(u')) = f0 + |g| z_1 + ..., so the indicator depends
mainly on one Sobol' coordinate, which the points stratify perfectly.

Distribution: a scrambled Sobol' point is uniform on the unit cube, so z is iid N(0, 1); an
orthogonal map of iid standard normals is iid standard normal, so u' is uniform on the cube
again and every sample has exactly the distribution of the random sampler's sample (each
input its PERT, triangular or log-normal marginal, and with correlated prices the scenario
pick is uniform, so the joint price table is unchanged). Only the point set's uniformity
structure moves. Points are mapped row by row (:func:`plantopt.uncertainty.qmc.rotate_uniforms`),
so results stay bit-identical for any chunking, thread count and batch split.

The gradients are central differences in normal-score space at the median point, with step
h = sqrt(3) (the 3-point Gauss-Hermite rule: the slope of the best linear fit of a cubic in
z_i along that axis):

    g_j[i] = (f_j(h e_i) - f_j(-h e_i)) / (2 h)       2 D + 1 kernel samples in all

R is stored as k Householder reflections (``MCArrays.qmc_v``, ``qmc_tau``); applying it costs
O(k D) per sample, plus one inverse normal CDF and one normal CDF per dimension. (Dropping
each gradient's smallest entries, so that R would move only the 63 of 226 dimensions that
carry 99.9 % of the gradients on nl-2027, made the P5/P95 of recovered Nd and of profit
clearly worse in bench_qmc: 1.06-1.17 against 0.73-0.93 of random's RMSE; not done.)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from plantopt.uncertainty import kernels_mc
from plantopt.uncertainty.mc_arrays import MCArrays, Spec
from plantopt.uncertainty.mc_metrics import derive_metrics
from plantopt.uncertainty.plan import Plan
from plantopt.uncertainty.qmc import QMC_SOBOL, householder, qmc_columns
from plantopt.uncertainty.targets import Target

STEP = math.sqrt(3.0)  # finite-difference step in normal scores (3-point Gauss-Hermite node)

#: the metrics whose directions lead, in this order, when present in the plan's metrics
DEFAULT_METRICS: tuple[str, ...] = ("profit_eur_per_yr", "revenue_eur_per_yr")
#: then these metric families, material by material in the tree's order
DEFAULT_FAMILIES: tuple[str, ...] = ("recovered_t_per_yr:", "recovery_frac:")


def gradients(
    plan: Plan, a: MCArrays, targets: list[Target], names: Sequence[str] | None = None
) -> tuple[list[str], np.ndarray]:
    """(metric names, gradients (m, D)) in normal scores of the Sobol' dimensions, by central
    differences at the median point; ``names`` None: :func:`default_metric_names`."""
    from scipy.special import ndtr

    base = dataclasses.replace(a, qmc=QMC_SOBOL, qmc_v=np.zeros((0, 0)), qmc_tau=np.zeros(0))
    dim = int(qmc_columns(base).max(initial=-1)) + 1
    u = np.full((2 * dim + 1, dim), 0.5)
    idx = np.arange(dim)
    u[1 + 2 * idx, idx] = ndtr(STEP)
    u[2 + 2 * idx, idx] = ndtr(-STEP)
    raw = kernels_mc.evaluate(base, 0, 0, 2 * dim + 1, uniforms=u)
    df = derive_metrics(plan, Spec(base, targets), raw)
    chosen = default_metric_names(plan, list(df.columns)) if names is None else list(names)
    chosen = [n for n in chosen if n in df.columns]
    rows = []
    for name in chosen:
        f = df[name].to_numpy(dtype=float)
        rows.append((f[1::2] - f[2::2]) / (2.0 * STEP))
    g = np.array(rows).reshape(len(rows), dim)
    g = np.where(np.isfinite(g), g, 0.0)
    return chosen, g


def default_metric_names(plan: Plan, columns: list[str]) -> list[str]:
    """Profit, revenue, then recovered tonnes and recovery fraction of each material."""
    out = [c for c in DEFAULT_METRICS if c in columns]
    for fam in DEFAULT_FAMILIES:
        out += [fam + m for m in plan.tree.materials if fam + m in columns]
    return out


def with_rotation(
    plan: Plan, a: MCArrays, targets: list[Target], names: Sequence[str] | None = None
) -> MCArrays:
    """``a`` with the linear transformation of the chosen metrics' gradients (qmc_v, qmc_tau)."""
    _, g = gradients(plan, a, targets, names)
    norms = np.sqrt((g**2).sum(axis=1))
    g = g[norms > 0] / norms[norms > 0, None]
    v, tau = householder(g)
    return dataclasses.replace(a, qmc=QMC_SOBOL, qmc_v=v, qmc_tau=tau)

"""Shared layout of the Monte Carlo kernels: counter-based RNG constants, the seed key, and the
flat input/output arrays (:class:`MCArrays`, :class:`MCOutput`) read by both the numba kernel
(:mod:`plantopt.uncertainty.kernels_mc`) and its NumPy twin
(:mod:`plantopt.uncertainty.kernels_mc_twin`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from plantopt.uncertainty.targets import Target

GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
INV_2_53 = 1.0 / 9007199254740992.0
TWO_PI = 2.0 * math.pi
SUB = 64  # uniforms reserved per random entry: counter = entry * SUB + sub
COMP_GROUPS = 3  # correlated composition groups (correlation.COMPOSITION_GROUPS)
MAX_ENTRIES = 2**32 // SUB
GAMMA_TRIES = 8  # Marsaglia-Tsang attempts per gamma variate (each rejects < 5 %)
DIST_TRIANGULAR, DIST_PERT = 0, 1  # PERT by the inverse-CDF table (pert_table.py)
LHS_ROUNDS = 3  # rounds of the keyed permutation that assigns Latin-hypercube strata
DIST_PERT_EXACT = 2  # PERT as G0 / (G0 + G1) of two Marsaglia-Tsang gammas (the reference)
MAX_SAMPLES = 2**31


def seed_key(seed: int) -> int:
    """64-bit stream key of a master seed (one SplitMix64 step, so nearby seeds differ)."""
    z = (int(seed) * GOLDEN + GOLDEN) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * MIX1) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * MIX2) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


@dataclass(frozen=True)
class MCArrays:
    """Flat, contiguous inputs of the kernel (see :mod:`plantopt.uncertainty.spec`)."""

    # sampling: compositions (F, M)
    comp_nom: np.ndarray
    comp_lo: np.ndarray
    comp_hi: np.ndarray
    feed_total: np.ndarray  # (F,) nominal row total; cap when 'other' runs out
    feed_spread: np.ndarray  # (F,) int8: any entry of the feed is uncertain
    other: int  # material index of 'other', -1 when absent
    # sampling: transfer coefficients over extended rows (K, M), grouped by (unit, class)
    tc_nom: np.ndarray
    tc_lo: np.ndarray
    tc_hi: np.ndarray
    pair_ptr: np.ndarray  # (Q+1,) rows of pair q are pair_ptr[q]:pair_ptr[q+1]
    pair_spread: np.ndarray  # (Q, M) int8: renormalise this (pair, material)
    dist: int  # DIST_TRIANGULAR, DIST_PERT or DIST_PERT_EXACT for compositions and tcs
    pert_table: np.ndarray  # (N_R, N_U) Beta-PERT quantiles (pert_table.pert_quantile_table)
    lhs_n: int  # 0: plain draws; n > 0: Latin hypercube over samples 0..n-1; -1: over the run
    # prices
    value: np.ndarray  # (P, M) EUR per t contained = price * payable
    rec: np.ndarray  # (P, M) 1.0 where the material counts as recovered
    price_sigma: np.ndarray  # (M,) sigma of log price factor (mode 0)
    price_mode: int  # 0 log-normal, 1 scenarios
    scen_factor: np.ndarray  # (C, M) price factors per scenario (mode 1)
    scen_cum: np.ndarray  # (C,) cumulative scenario probabilities, last = 1
    # plan over active nodes A (parents first)
    accept: np.ndarray  # (F,) t/yr
    node_parent: np.ndarray  # (A,) active index of parent, -1 entry
    node_feed: np.ndarray
    node_row: np.ndarray  # (A,) extended tc row, -1 entry
    node_kind: np.ndarray  # 0 unit, 1 product, 2 disposal, 3 loss
    node_target: np.ndarray
    node_flow: np.ndarray  # (A,) feed-equivalent t/yr
    node_route_cost: np.ndarray  # (A,) EUR per real t into the node
    node_sptr: np.ndarray  # (A+1,) CSR: materials with nominal coef > 0 at node a (support)
    node_smat: np.ndarray  # their material indices
    n_units: int
    # targets
    t_mat: np.ndarray  # (T,) material k_t counted by target t, -1 for total mass
    t_cover: np.ndarray  # (T, F) weight of feed f in target t's denominator
    node_tptr: np.ndarray  # (A+1,) CSR over active nodes: targets counting node a
    node_tidx: np.ndarray  # target index of each entry
    node_tw: np.ndarray  # weight w[t, a] of each entry
    # quasi-Monte Carlo: 0 none, 1 scrambled Sobol' (plantopt.uncertainty.qmc); not a kernel
    # argument (the kernel gets the batch's uniforms instead)
    qmc: int = 0
    # correlated compositions (plantopt.uncertainty.correlation): entry (f, m) loads
    # comp_load[f, m] on the factor of (f, comp_group[m]); empty (0, 0): independent
    comp_load: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    comp_group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # re-use money per product (P, 2): column 0 the value v_p, column 1 the repurposing cost
    # r_p, EUR per t of product mass (model/reuse_terms.py); entry (p, j) is drawn on (lo,
    # nom, hi) when hi > lo; empty (0, 2): no re-use money in the plan
    money_nom: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    money_lo: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    money_hi: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    # Sobol' with a linear transformation (plantopt.uncertainty.qmc_lt): Householder vectors
    # (k, D) and their factors (k,) of the orthogonal map applied to the points' normal
    # scores; empty: none. Not kernel arguments (qmc.qmc_tables applies them).
    qmc_v: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    qmc_tau: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_materials(self) -> int:
        return int(self.comp_nom.shape[1])

    @property
    def n_targets(self) -> int:
        return int(self.t_mat.shape[0])

    def factor_entry0(self) -> int:
        """First random entry of the composition factors: (f, g) is factor_entry0 + f G + g
        (after the prices and the F feed tonnages of the robust scenarios)."""
        return self.entry_offsets()[2] + self.comp_nom.shape[0]

    def money_entry0(self) -> int:
        """First random entry of the re-use money: (p, j) is money_entry0 + 2 p + j (after
        the composition factors)."""
        return self.factor_entry0() + self.comp_nom.shape[0] * COMP_GROUPS

    def n_entries(self) -> int:
        """One past the last random entry of a sample."""
        return self.money_entry0() + 2 * self.money_nom.shape[0]

    def entry_offsets(self) -> tuple[int, int, int]:
        """First random-entry index of tc, of prices, and one past the last entry."""
        f, m = self.comp_nom.shape
        tc0 = f * m
        pr0 = tc0 + self.tc_nom.shape[0] * m
        return tc0, pr0, pr0 + m + 1

    def as_tuple(self) -> tuple:
        """Kernel arguments in declaration order (without ``n_units`` and the QMC fields)."""
        skip = ("n_units", "qmc", "qmc_v", "qmc_tau")
        return tuple(getattr(self, f.name) for f in fields(self) if f.name not in skip)


@dataclass
class MCOutput:
    """Per-sample raw metrics of a batch of samples (rows = samples)."""

    input_t: np.ndarray  # (S, M)
    recovered_t: np.ndarray  # (S, M)
    throughput_t: np.ndarray  # (S, U)
    revenue_eur: np.ndarray  # (S,)
    route_eur: np.ndarray  # (S,)
    mb_error: np.ndarray  # (S,)
    tnum: np.ndarray  # (S, T)
    tden: np.ndarray  # (S, T)
    reuse_eur: np.ndarray  # (S,) re-use and second-life value, EUR/yr
    repurposing_eur: np.ndarray  # (S,) repurposing cost, EUR/yr

    @classmethod
    def empty(cls, n: int, arrays: MCArrays) -> MCOutput:
        m, t = arrays.n_materials, arrays.n_targets
        return cls(
            np.empty((n, m)),
            np.empty((n, m)),
            np.empty((n, arrays.n_units)),
            np.empty(n),
            np.empty(n),
            np.empty(n),
            np.empty((n, t)),
            np.empty((n, t)),
            np.empty(n),
            np.empty(n),
        )

    def as_tuple(self) -> tuple:
        return (
            self.input_t,
            self.recovered_t,
            self.throughput_t,
            self.revenue_eur,
            self.route_eur,
            self.mb_error,
            self.tnum,
            self.tden,
            self.reuse_eur,
            self.repurposing_eur,
        )


@dataclass
class Spec:
    """A plan's kernel inputs with its targets (built by ``spec.build_spec``)."""

    arrays: MCArrays
    targets: list[Target]
    warnings: list[str] = field(default_factory=list)
    tree_tc_rows: dict[int, int] = field(default_factory=dict)  # tree tc row -> tc_nom row

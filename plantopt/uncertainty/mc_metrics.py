"""Per-sample metrics of a Monte Carlo run and their summary (quantiles, probabilities).

Formulas: :mod:`plantopt.uncertainty.montecarlo`. The kernel's raw sums are (samples x
materials) and (samples x units) arrays: they are transposed once, so that every metric
column is built from, and stored as, one contiguous run of samples (reading a column of a
row-major array touches one cache line per sample). Quantiles are read off one sort of each
column with NumPy's own 'linear' formulas (:func:`sorted_quantiles`; ``np.quantile``
partitions the column at eight positions, a few times slower than sorting it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from plantopt.uncertainty.mc_arrays import MCOutput, Spec
from plantopt.uncertainty.plan import Plan
from plantopt.uncertainty.targets import Target

QUANTILES = (0.05, 0.5, 0.95)
SUMMARY_COLUMNS = ["metric", "mean", "std", "p5", "p50", "p95", "min", "max"]


ROWS_BLOCK = 2048  # samples per block of a gather (a block of the source fits in cache)
MAX_INSERTED = 64  # more non-float columns than this: the consolidating constructor


def _gather(x: np.ndarray, idx: np.ndarray, out: np.ndarray, row0: int, step: int) -> None:
    """out[row0 + j step, s] = x[s, idx[j]]: columns of a row-major (samples, k) array into
    every ``step``-th row of ``out`` from ``row0``, in blocks of samples (a plain column read
    touches one cache line per sample)."""
    rows = slice(row0, row0 + step * idx.size, step)
    for s0 in range(0, x.shape[0], ROWS_BLOCK):
        out[rows, s0 : s0 + ROWS_BLOCK] = x[s0 : s0 + ROWS_BLOCK, idx].T


class _Table:
    """The metrics table under construction: float columns are rows of one (columns,
    samples) block written in place (it becomes the frame's float block without a copy);
    the few integer and boolean columns are inserted at their places afterwards."""

    def __init__(self, n_samples: int, n_float: int) -> None:
        self.block = np.empty((n_float, n_samples))
        self.names: list[str] = []  # every column, in order
        self.floats: list[str] = []
        self.others: dict[str, np.ndarray] = {}

    def row(self, name: str) -> np.ndarray:
        """The block row of a new float column (to be filled by the caller)."""
        return self.block[self.index(name)]

    def index(self, name: str) -> int:
        """Block row index of a new float column (to be filled by the caller)."""
        self.names.append(name)
        self.floats.append(name)
        return len(self.floats) - 1

    def put(self, name: str, values: np.ndarray) -> None:
        if values.dtype == np.float64:
            self.row(name)[:] = values
        else:
            self.names.append(name)
            self.others[name] = values

    def frame(self) -> pd.DataFrame:
        block = self.block[: len(self.floats)]
        if len(self.others) > MAX_INSERTED:  # many single-column blocks: consolidate
            floats = dict(zip(self.floats, block))
            return pd.DataFrame({n: self.others.get(n, floats.get(n)) for n in self.names})
        df = pd.DataFrame(block.T, columns=self.floats, copy=False)
        for name in self.others:
            df.insert(self.names.index(name), name, self.others[name])
        return df


def _ratio(num: np.ndarray, den: np.ndarray, out: np.ndarray) -> None:
    """out = num / den element-wise; NaN where 0 / 0 (nothing enters), without the warning."""
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(num, den, out=out)


def derive_metrics(plan: Plan, spec: Spec, raw: MCOutput) -> pd.DataFrame:
    """Per-sample metrics table (one row per sample) from the kernel's raw sums."""
    tree = plan.tree
    entering = np.flatnonzero(raw.input_t.max(axis=0) > 0)
    used = np.flatnonzero((raw.throughput_t.max(axis=0) > 0) | (plan.capacity_t_per_yr > 0))
    used = used[raw.throughput_t[:, used].any(axis=0)]
    n_t = len(spec.targets)
    n_s = raw.revenue_eur.shape[0]
    tab = _Table(n_s, 8 + 3 * entering.size + 2 * used.size + n_t)
    for name, values in _money_columns(plan, spec, raw).items():
        tab.put(name, values)
    blk = tab.block
    i_in, i_rec = [], []
    for m in entering:
        name = tree.materials[m]
        i_in.append(tab.index(f"input_t_per_yr:{name}"))
        i_rec.append(tab.index(f"recovered_t_per_yr:{name}"))
        tab.index(f"recovery_frac:{name}")  # i_rec + 1, filled below
    if entering.size:  # rows input, recovered, fraction per material, in turn
        _gather(raw.input_t, entering, blk, i_in[0], 3)
        _gather(raw.recovered_t, entering, blk, i_rec[0], 3)
    for i, r in zip(i_in, i_rec):
        _ratio(blk[r], blk[i], blk[r + 1])  # NaN where input is 0
    i_thr = []
    for u in used:
        name = tree.units[u]
        i_thr.append(tab.index(f"throughput_t_per_yr:{name}"))
        tab.index(f"utilisation_frac:{name}")  # i_thr + 1
        tab.put(f"overloaded:{name}", np.empty(0, dtype=bool))  # filled below
    if used.size:  # rows throughput, utilisation per unit, in turn
        _gather(raw.throughput_t, used, blk, i_thr[0], 2)
    for i, u in zip(i_thr, used):
        cap = plan.capacity_t_per_yr[u]
        if cap > 0:
            np.divide(blk[i], cap, out=blk[i + 1])
        else:
            blk[i + 1] = np.inf
        tab.others[f"overloaded:{tree.units[u]}"] = blk[i] > cap * (1 + 1e-9) + 1e-9
    tnum, tden = np.empty((n_t, n_s)), np.empty((n_t, n_s))
    _gather(raw.tnum, np.arange(n_t), tnum, 0, 1)
    _gather(raw.tden, np.arange(n_t), tden, 0, 1)
    for t, target in enumerate(spec.targets):
        ratio = tab.row(f"target_ratio:{target.label}")
        ratio[:] = np.nan
        np.divide(tnum[t], tden[t], out=ratio, where=tden[t] > 0)
        # nothing covered entering: trivially met (as the compliance report says)
        tab.put(f"target_met:{target.label}", ~(ratio < target.required_frac - 1e-9))
    tab.put("mass_balance_rel_error", raw.mb_error)
    return tab.frame()


def _money_columns(plan: Plan, spec: Spec, raw: MCOutput) -> dict[str, np.ndarray]:
    """The sample index and the money columns (profit, revenue, costs) per sample."""
    tree = plan.tree
    units = plan.instance["units"].set_index("unit_id")
    opex = units["opex_eur_per_t"].astype(float)
    opex_u = np.array([opex[u] for u in tree.units]) * plan.opex_factor  # sites' factors
    var_opex = raw.throughput_t @ opex_u
    co2 = units["co2_t_per_t"].astype(float)
    price = float(plan.instance.manifest.co2_price_eur_per_t or 0.0)
    co2_cost = price * (raw.throughput_t @ np.array([co2[u] for u in tree.units]))
    profit = (
        raw.revenue_eur
        + plan.gate_fees_eur_per_yr
        - var_opex
        - plan.fixed_cost_eur_per_yr
        - raw.route_eur
        - co2_cost
        + plan.offtake_premium_eur_per_yr
        + raw.reuse_eur
        - raw.repurposing_eur
    )
    cols: dict[str, np.ndarray] = {
        "sample": np.arange(raw.revenue_eur.shape[0]),
        "profit_eur_per_yr": profit,
        "revenue_eur_per_yr": raw.revenue_eur,
        "variable_opex_eur_per_yr": var_opex,
        "route_costs_eur_per_yr": raw.route_eur,
        "co2_cost_eur_per_yr": co2_cost,
    }
    if spec.arrays.money_nom.shape[0]:
        cols["reuse_revenue_eur_per_yr"] = raw.reuse_eur
        cols["repurposing_cost_eur_per_yr"] = raw.repurposing_eur
    return cols


def sorted_quantiles(s: np.ndarray, q: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """``np.quantile(s, q)`` (method 'linear') of an ascending array ``s`` without NaN, by
    NumPy's own formulas: v = (n - 1) q, i = floor(v) (n - 1 when v >= n - 1), gamma = v - i,
    x = a + (b - a) gamma, or b - (b - a)(1 - gamma) when gamma >= 0.5 (a = s[i],
    b = s[i + 1]). The same numbers bit for bit (tests compare with np.quantile)."""
    n = s.shape[0]
    v = (n - 1) * np.asarray(q, dtype=np.float64)
    prev = np.floor(v)
    nxt = prev + 1
    above = v >= n - 1
    prev[above] = -1
    nxt[above] = -1
    i, j = prev.astype(np.intp), nxt.astype(np.intp)
    gamma = np.asarray(v - i, dtype=np.float64)
    a, b = s[i], s[j]
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _summary_row(name: str, x: np.ndarray) -> dict[str, object]:
    """Mean, std, P5/P50/P95, min and max of one column, NaNs left out."""
    nan = np.isnan(x)
    ok = x[~nan] if nan.any() else x
    if not ok.size:
        return {"metric": name, **dict.fromkeys(SUMMARY_COLUMNS[1:], np.nan), "std": 0.0}
    s = np.sort(ok)
    with np.errstate(invalid="ignore"):  # inf - inf in a column of infinite utilisation: NaN
        q = sorted_quantiles(s)
        std = ok.std(ddof=1) if ok.size > 1 else 0.0
    return {
        "metric": name,
        "mean": ok.mean(),
        "std": std,
        "p5": q[0],
        "p50": q[1],
        "p95": q[2],
        "min": s[0],
        "max": s[-1],
    }


def summarise(
    samples: pd.DataFrame, targets: list[Target]
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Quantiles of every numeric metric and the probabilities of the boolean ones."""
    rows = []
    for name in samples.columns:  # column by column: no copy of the whole table
        col = samples[name]
        if name == "sample" or col.dtype == bool or not np.issubdtype(col.dtype, np.number):
            continue
        rows.append(_summary_row(name, np.ascontiguousarray(col.to_numpy(dtype=float))))
    quantiles = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    prob: dict[str, float] = {"profit_positive": float((samples["profit_eur_per_yr"] > 0).mean())}
    met = [c for c in samples.columns if c.startswith("target_met:")]
    for c in met:
        prob[c] = float(samples[c].mean())
    if met:
        prob["all_targets_met"] = float(samples[met].all(axis=1).mean())
    over = [c for c in samples.columns if c.startswith("overloaded:")]
    for c in over:
        prob[c] = float(samples[c].mean())
    if over:
        prob["any_overload"] = float(samples[over].any(axis=1).mean())
    return quantiles, prob

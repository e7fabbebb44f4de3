"""Run the Monte Carlo evaluation of a plan in batches and turn raw sums into metrics.

Per sample (all annual):

    recovery_frac[m]   = recovered_t[m] / input_t[m]            (0 where nothing enters)
    utilisation[u]     = throughput_t[u] / capacity_t[u]        (plan's installed capacity)
    overloaded[u]      = throughput_t[u] > capacity_t[u] (1 + 1e-9) + 1e-9
    variable_opex      = sum_u opex_u throughput_t[u]
    co2_cost           = co2_price sum_u co2_u throughput_t[u]
    profit             = revenue + gate_fees - variable_opex - fixed_costs - route_costs
                         - co2_cost + reuse - repurposing (the kernel's, per sample:
                         sampled tonnes at sampled EUR per t) + offtake premiums less
                         collection costs (as solved, constant)
                         (fixed_costs = fixed opex + annualised capex of the built units:
                          the items of the money ledger, plantopt.model.ledger, that the
                          economics table prices; revenue, variable opex, route and CO2 costs
                          are re-priced per sample, the others are the plan's)
    target_ratio[t]    = tnum[t] / tden[t];  target_met[t] = ratio >= required - 1e-9
                         (NaN and met when no covered feed enters)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from plantopt.uncertainty import kernels_mc
from plantopt.uncertainty.kernels_mc import MCOutput, seed_key
from plantopt.uncertainty.plan import Plan
from plantopt.uncertainty.spec import SamplingOptions, Spec, build_spec
from plantopt.uncertainty.targets import Target

QUANTILES = (0.05, 0.5, 0.95)
TWIN_BYTES = 256 * 2**20  # NumPy twin batch memory budget (samples x nodes x materials)


@dataclass
class MonteCarloResult:
    """Per-sample metrics, their quantiles and the probabilities an operator asks for."""

    samples: pd.DataFrame
    quantiles: pd.DataFrame
    probabilities: dict[str, float]
    summary: dict[str, Any] = field(default_factory=dict)


def _batch_size(spec: Spec, n_samples: int, chunk: int, use_numba: bool) -> int:
    a = spec.arrays
    if not use_numba:
        per = 8 * max(a.node_parent.shape[0], 1) * a.n_materials * 3
        return max(1, min(n_samples, TWIN_BYTES // per))
    return max(chunk, min(n_samples, max(chunk * 32, -(-n_samples // 50))))


def run_raw(
    spec: Spec,
    n_samples: int,
    seed: int,
    chunk: int = kernels_mc.DEFAULT_CHUNK,
    use_numba: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MCOutput:
    """Raw per-sample sums for samples 0..n-1, in batches (progress called after each)."""
    if n_samples < 1:
        raise ValueError("n_samples must be >= 1")
    if use_numba is None:
        use_numba = kernels_mc.HAVE_NUMBA
    key = seed_key(seed)
    if spec.arrays.lhs_n < 0:  # Latin hypercube over this run's samples
        spec = replace(spec, arrays=replace(spec.arrays, lhs_n=n_samples))
    total = MCOutput.empty(n_samples, spec.arrays)
    step = _batch_size(spec, n_samples, chunk, use_numba)
    done = 0
    while done < n_samples:
        n = min(step, n_samples - done)
        out = kernels_mc.evaluate(spec.arrays, key, done, n, chunk=chunk, use_numba=use_numba)
        for dst, src in zip(total.as_tuple(), out.as_tuple()):
            dst[done : done + n] = src
        done += n
        if progress is not None:
            progress(done, n_samples)
    return total


def derive_metrics(plan: Plan, spec: Spec, raw: MCOutput) -> pd.DataFrame:
    """Per-sample metrics table (one row per sample) from the kernel's raw sums."""
    tree = plan.tree
    opex = plan.instance["units"].set_index("unit_id")["opex_eur_per_t"].astype(float)
    opex_u = np.array([opex[u] for u in tree.units]) * plan.opex_factor  # sites' factors
    var_opex = raw.throughput_t @ opex_u
    co2 = plan.instance["units"].set_index("unit_id")["co2_t_per_t"].astype(float)
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
    entering = np.flatnonzero(raw.input_t.max(axis=0) > 0)
    for m in entering:
        name = tree.materials[m]
        cols[f"input_t_per_yr:{name}"] = raw.input_t[:, m]
        cols[f"recovered_t_per_yr:{name}"] = raw.recovered_t[:, m]
        cols[f"recovery_frac:{name}"] = raw.recovered_t[:, m] / raw.input_t[:, m]
    used = np.flatnonzero((raw.throughput_t.max(axis=0) > 0) | (plan.capacity_t_per_yr > 0))
    for u in used:
        cap = plan.capacity_t_per_yr[u]
        thr = raw.throughput_t[:, u]
        name = tree.units[u]
        if not raw.throughput_t[:, u].any():
            continue
        cols[f"throughput_t_per_yr:{name}"] = thr
        cols[f"utilisation_frac:{name}"] = thr / cap if cap > 0 else np.full_like(thr, np.inf)
        cols[f"overloaded:{name}"] = thr > cap * (1 + 1e-9) + 1e-9
    for t, target in enumerate(spec.targets):
        den = raw.tden[:, t]
        ratio = np.divide(raw.tnum[:, t], den, out=np.full_like(den, np.nan), where=den > 0)
        cols[f"target_ratio:{target.label}"] = ratio
        # nothing covered entering: trivially met (as the compliance report says)
        cols[f"target_met:{target.label}"] = ~(ratio < target.required_frac - 1e-9)
    cols["mass_balance_rel_error"] = raw.mb_error
    return pd.DataFrame(cols)


def summarise(
    samples: pd.DataFrame, targets: list[Target]
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Quantiles of every numeric metric and the probabilities of the boolean ones."""
    rows = []
    for name in samples.columns:  # column by column: no copy of the whole table
        col = samples[name]
        if name == "sample" or col.dtype == bool or not np.issubdtype(col.dtype, np.number):
            continue
        x = col.to_numpy(dtype=float)
        ok = x[~np.isnan(x)]
        q = np.quantile(ok, QUANTILES) if ok.size else np.full(len(QUANTILES), np.nan)
        rows.append(
            {
                "metric": name,
                "mean": ok.mean() if ok.size else np.nan,
                "std": ok.std(ddof=1) if ok.size > 1 else 0.0,
                "p5": q[0],
                "p50": q[1],
                "p95": q[2],
                "min": ok.min() if ok.size else np.nan,
                "max": ok.max() if ok.size else np.nan,
            }
        )
    quantiles = pd.DataFrame(
        rows, columns=["metric", "mean", "std", "p5", "p50", "p95", "min", "max"]
    )
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


def nominal_metrics(plan: Plan, targets: list[Target] | None = None) -> dict[str, float]:
    """The plan's metrics without uncertainty (reproduces the result tables)."""
    spec = build_spec(plan, SamplingOptions(use_ranges=False), targets)
    raw = kernels_mc.evaluate(spec.arrays, 0, 0, 1, use_numba=False)
    row = derive_metrics(plan, spec, raw).iloc[0]
    return {k: float(v) for k, v in row.items() if k != "sample"}


def _summary(
    plan: Plan,
    spec: Spec,
    options: SamplingOptions,
    raw: MCOutput,
    prob: dict[str, float],
    n_samples: int,
    seed: int,
    elapsed: float,
    use_numba: bool | None,
) -> dict[str, Any]:
    """The run's summary: settings, engine, counts of uncertain entries, probabilities."""
    a = spec.arrays
    return {
        "samples": n_samples,
        "seed": seed,
        "engine": "numba"
        if (kernels_mc.HAVE_NUMBA if use_numba is None else use_numba)
        else "numpy",
        "elapsed_s": elapsed,
        "samples_per_s": n_samples / elapsed if elapsed > 0 else None,
        "options": {
            "distribution": options.distribution,
            "sampling": options.sampling,
            "comp_spread": options.comp_spread,
            "tc_spread": options.tc_spread,
            "use_ranges": options.use_ranges,
            "price_sigma": options.price_sigma,
            "price_scenarios": options.price_scenarios is not None,
            "price_correlation": None
            if options.price_correlation is None
            else options.price_correlation[["material_a", "material_b", "rho"]].to_dict("records"),
        },
        "uncertain_entries": {
            "composition": int((a.comp_hi > a.comp_lo).sum()),
            "transfer_coefficients": int((a.tc_hi > a.tc_lo).sum()),
            "reuse_money": int((a.money_hi > a.money_lo).sum()),
            "prices": int((a.price_sigma > 0).sum())
            if a.price_mode == 0 or options.price_correlation is not None
            else int(a.scen_factor.shape[0]),
        },
        "active_nodes": int(a.node_parent.shape[0]),
        "targets": [{"label": t.label, "required_frac": t.required_frac} for t in spec.targets],
        "probabilities": prob,
        "warnings": spec.warnings,
        "plan": {
            "source": plan.source,
            "instance": plan.summary.get("instance"),
            "currency": plan.instance.manifest.currency or "EUR",
            "conservation_error": plan.conservation_error,
        },
        "mass_balance_max_rel_error": float(raw.mb_error.max()),
    }


def run_monte_carlo(
    plan: Plan,
    n_samples: int,
    seed: int = 0,
    options: SamplingOptions | None = None,
    targets: list[Target] | None = None,
    chunk: int = kernels_mc.DEFAULT_CHUNK,
    use_numba: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarloResult:
    """Evaluate ``plan`` under ``n_samples`` samples; reproducible by ``seed``.

    Numbers depend only on (plan, options, targets, seed, sample index): not on the batch
    size, the chunk size, the thread count, or numba versus the NumPy twin (to rounding).
    """
    options = options or SamplingOptions()
    spec = build_spec(plan, options, targets)
    t0 = time.perf_counter()
    raw = run_raw(spec, n_samples, seed, chunk=chunk, use_numba=use_numba, progress=progress)
    elapsed = time.perf_counter() - t0
    samples = derive_metrics(plan, spec, raw)
    quantiles, prob = summarise(samples, spec.targets)
    summary = _summary(plan, spec, options, raw, prob, n_samples, seed, elapsed, use_numba)
    return MonteCarloResult(
        samples=samples, quantiles=quantiles, probabilities=prob, summary=summary
    )

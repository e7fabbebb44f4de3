"""Run the Monte Carlo evaluation of a plan in batches and turn raw sums into metrics.

Per sample (all annual):

    recovery_frac[m]   = recovered_t[m] / input_t[m]            (NaN where nothing enters)
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

import pandas as pd

from plantopt.uncertainty import kernels_mc
from plantopt.uncertainty.kernels_mc import MCOutput, seed_key
from plantopt.uncertainty.mc_metrics import (  # noqa: F401  (re-exported)
    QUANTILES,
    derive_metrics,
    summarise,
)
from plantopt.uncertainty.plan import Plan
from plantopt.uncertainty.spec import SamplingOptions, Spec, build_spec
from plantopt.uncertainty.targets import Target

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

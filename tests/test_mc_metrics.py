"""The Monte Carlo metrics table and its summary: the same numbers as the straightforward
column-by-column code they replace (kept below as the reference), bit for bit, with zero
inputs (NaN fractions), units without capacity (infinite utilisation), targets with nothing
covered (NaN ratio, met), and no floating-point warnings; the quantiles read off a sorted
column equal np.quantile's."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.uncertainty import (
    SamplingOptions,
    build_spec,
    material_recovery_target,
    mc_metrics,
    plan_from_result,
)
from plantopt.uncertainty.mc_arrays import MCOutput
from plantopt.uncertainty.mc_metrics import derive_metrics, sorted_quantiles, summarise
from tests.test_montecarlo import priced_tiny


def reference_derive(plan, spec, raw) -> pd.DataFrame:  # the code before this change
    tree = plan.tree
    opex = plan.instance["units"].set_index("unit_id")["opex_eur_per_t"].astype(float)
    opex_u = np.array([opex[u] for u in tree.units]) * plan.opex_factor
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
    cols = {
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
    with np.errstate(divide="ignore", invalid="ignore"):
        for m in np.flatnonzero(raw.input_t.max(axis=0) > 0):
            name = tree.materials[m]
            cols[f"input_t_per_yr:{name}"] = raw.input_t[:, m]
            cols[f"recovered_t_per_yr:{name}"] = raw.recovered_t[:, m]
            cols[f"recovery_frac:{name}"] = raw.recovered_t[:, m] / raw.input_t[:, m]
    used = np.flatnonzero((raw.throughput_t.max(axis=0) > 0) | (plan.capacity_t_per_yr > 0))
    for u in used:
        cap = plan.capacity_t_per_yr[u]
        thr = raw.throughput_t[:, u]
        if not thr.any():
            continue
        cols[f"throughput_t_per_yr:{tree.units[u]}"] = thr
        cols[f"utilisation_frac:{tree.units[u]}"] = (
            thr / cap if cap > 0 else np.full_like(thr, np.inf)
        )
        cols[f"overloaded:{tree.units[u]}"] = thr > cap * (1 + 1e-9) + 1e-9
    for t, target in enumerate(spec.targets):
        den = raw.tden[:, t]
        ratio = np.divide(raw.tnum[:, t], den, out=np.full_like(den, np.nan), where=den > 0)
        cols[f"target_ratio:{target.label}"] = ratio
        cols[f"target_met:{target.label}"] = ~(ratio < target.required_frac - 1e-9)
    cols["mass_balance_rel_error"] = raw.mb_error
    return pd.DataFrame(cols)


def reference_quantiles(samples: pd.DataFrame) -> pd.DataFrame:  # the code before
    rows = []
    for name in samples.columns:
        col = samples[name]
        if name == "sample" or col.dtype == bool or not np.issubdtype(col.dtype, np.number):
            continue
        x = col.to_numpy(dtype=float)
        ok = x[~np.isnan(x)]
        q = np.quantile(ok, (0.05, 0.5, 0.95)) if ok.size else np.full(3, np.nan)
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
    return pd.DataFrame(rows, columns=["metric", "mean", "std", "p5", "p50", "p95", "min", "max"])


@pytest.fixture(scope="module")
def tiny():
    inst = priced_tiny()
    plan = plan_from_result(plantopt.solve(inst, objective="profit"), inst)
    targets = [material_recovery_target(plan, m, 0.5) for m in ("Li", "Co")]
    spec = build_spec(plan, SamplingOptions(comp_spread=0.1, price_sigma=0.2), targets)
    return plan, spec


def _raw(spec, n: int, seed: int) -> MCOutput:
    """Random raw sums of the plan's shapes, with zero inputs, throughputs and denominators
    (and every unit used, one of them without capacity)."""
    rng = np.random.default_rng(seed)
    out = MCOutput.empty(n, spec.arrays)
    for x in out.as_tuple():
        x[...] = rng.lognormal(0.0, 1.0, x.shape)
    out.input_t[::5, 0] = 0.0  # 0 / 0: NaN fraction
    out.recovered_t[out.input_t == 0] = 0.0
    out.input_t[:, -1] = 0.0  # a material that never enters: no columns
    out.tden[1::4, 0] = 0.0  # nothing covered: NaN ratio, met
    out.throughput_t[:, 0] = 0.0  # a unit that never runs
    return out


@pytest.mark.parametrize("n", [1, 2, 7, 5000])
def test_metrics_and_summary_equal_the_reference(tiny, n: int) -> None:
    plan, spec = tiny
    plan = dataclasses.replace(plan, capacity_t_per_yr=plan.capacity_t_per_yr.copy())
    plan.capacity_t_per_yr[-1] = 0.0  # runs without capacity: infinite utilisation
    raw = _raw(spec, n, n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value encountered in divide"
        df = derive_metrics(plan, spec, raw)
        q, p = summarise(df, spec.targets)
    ref = reference_derive(plan, spec, raw)
    pd.testing.assert_frame_equal(df, ref, check_exact=True)
    if n > 1:  # sample 0 has no input of material 0
        assert df["recovery_frac:" + plan.tree.materials[0]].isna().any()
    with np.errstate(invalid="ignore"):
        expected = reference_quantiles(ref)
    pd.testing.assert_frame_equal(q, expected, check_exact=True)
    assert p["profit_positive"] == float((ref["profit_eur_per_yr"] > 0).mean())


def test_many_boolean_columns_take_the_consolidating_path(tiny, monkeypatch) -> None:
    plan, spec = tiny
    raw = _raw(spec, 300, 3)
    fast = derive_metrics(plan, spec, raw)
    monkeypatch.setattr(mc_metrics, "MAX_INSERTED", 0)
    pd.testing.assert_frame_equal(derive_metrics(plan, spec, raw), fast, check_exact=True)


def test_sorted_quantiles_equal_numpy() -> None:
    rng = np.random.default_rng(0)
    qs = [(0.05, 0.5, 0.95), (0.0, 1.0), (0.25, 0.333, 0.999)]
    for n in (1, 2, 3, 4, 5, 10, 19, 20, 21, 101, 1000, 4097):
        for x in (
            rng.standard_normal(n) * 1e6,
            rng.integers(0, 3, n).astype(float),  # ties
            np.full(n, 2.5),
            rng.lognormal(0.0, 5.0, n),
        ):
            for q in qs:
                a = sorted_quantiles(np.sort(x), q)
                b = np.quantile(x, q)
                assert np.array_equal(a, b), (n, q)

"""What ``robust`` reports: robust vs nominal plan, VSS, EVPI, out-of-sample check.

Out of sample, each plan is a fixed plan for ``evaluate``'s Monte Carlo (fresh seed, same
sampling options): with ``stage="static"`` the plan itself; with a first stage of builds (and
contracted intake) the operating plan that the first stage gives on the nominal data (the
second stage re-optimised once, on the nominal scenario). Per sample

    NPV_s = NPV(plan) + AF(r, H) (profit_s - profit_nominal)

(one period: only the annual profit moves; AF the annuity factor of the horizon).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from plantopt.model.build import Families
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import Risk, extensive_form
from plantopt.uncertainty.robust_solve import (
    RobustResult,
    Solved,
    highest_alpha,
    scenario_table,
    solve_ef,
)
from plantopt.uncertainty.spec import SamplingOptions


def built_options(fams: Families, x: np.ndarray) -> list[str]:
    """'unit=option' (with ', period' when several) of every build column at 1."""
    glob, timing = fams.layout, fams.data.timing
    assert timing is not None
    out = []
    for t in range(glob.n_periods):
        b = t * glob.block + glob.build0
        at = f"@{timing.periods[t].period_id}" if fams.multi else ""
        out += [f"{u}={j}{at}" for i, (u, j) in enumerate(glob.options) if x[b + i] > 0.5]
    return out


def _ef_summary(sol: Solved, objective: str, beta: float | None = None) -> dict[str, Any]:
    if not sol.ok:
        return {"status": sol.raw.status.value, "message": sol.raw.message}
    table = scenario_table(sol, objective)
    vals = np.array([r[objective] for r in table])
    extra = {} if beta is None else {f"cvar_{beta:g}_" + objective: cvar_lower(vals, beta)}
    return {
        **extra,
        "status": sol.raw.status.value,
        "expected_" + objective: float(vals @ sol.ef.weights),
        "ef_objective": sol.objective,
        "gap": sol.raw.gap,
        "solve_s": sol.raw.solve_s,
        "builds": built_options(sol.ef.families[0], sol.x(0)),
        "in_sample_all_targets_met": float(np.mean([r["all_targets_met"] for r in table])),
        objective + "_p5_p50_p95": [float(v) for v in np.quantile(vals, (0.05, 0.5, 0.95))],
        "columns": int(sol.ef.mm.a_csc.shape[1]),
        "rows": int(sol.ef.mm.a_csc.shape[0]),
    }


def risk_of(settings: dict[str, Any]) -> Risk:
    """The :class:`Risk` of a run's settings."""
    w = settings.get("cvar_weight")
    return Risk(settings.get("chance", "exact"), settings.get("cvar_beta"), 1.0 if w is None else w)


def cvar_lower(values: np.ndarray, beta: float, weights: np.ndarray | None = None) -> float:
    """CVaR_beta of a gain: max_eta eta - sum_s p_s max(0, eta - V_s) / (1 - beta) (the mean
    of the worst 1 - beta of the distribution); concave piecewise linear in eta with its
    breakpoints at the V_s, so the maximum is at one of them."""
    v = np.asarray(values, float)
    p = np.full(v.size, 1.0 / v.size) if weights is None else np.asarray(weights, float)
    excess = np.maximum(v[:, None] - v[None, :], 0.0)  # [eta candidate, s]: max(0, eta - V_s)
    return float(np.max(v - excess @ p / (1.0 - beta)))


def wait_and_see(
    fams: list[Families],
    obj: str,
    stage: str,
    alpha: float | None,
    per_target: bool,
    options: SolveOptions,
    risk: Risk | None = None,
) -> tuple[float, float]:
    """(WS, worst relative gap): without a chance row or a CVaR term the problem decomposes,
    so each scenario is solved alone (sum_s p_s max c_s x_s); else one anticipative form."""
    risk = risk or Risk()
    if alpha is None and risk.cvar_beta is None:
        sols = [solve_ef(extensive_form([f], obj, stage), options) for f in fams]
        vals = np.array([x.objective for x in sols])
        gaps = [x.raw.gap or 0.0 for x in sols if x.ok]
        return float(vals.mean()), float(max(gaps, default=0.0))
    ef = extensive_form(fams, obj, stage, alpha, per_target, anticipative=True, risk=risk)
    ws = solve_ef(ef, options)
    return ws.objective, float(ws.raw.gap or 0.0)


def _beside_nominal(
    out: RobustResult, nominal: Solved, options: SolveOptions, settings: dict[str, Any]
) -> dict[str, Any]:
    """nominal (its builds, and its first stage in the scenarios: EEV) and VSS = RP - EEV."""
    obj, stage = settings["objective"], settings["stage"]
    risk = risk_of(settings)
    s: dict[str, Any] = {"nominal": {"status": nominal.raw.status.value}}
    if not nominal.ok:
        return s
    s["nominal"]["builds"] = built_options(out.nominal_families, nominal.x(0))
    s["nominal"][obj + "_nominal_data"] = nominal.objective
    eev = solve_ef(
        extensive_form(
            out.families, obj, stage, settings["alpha"], settings["per_target"],
            fixed_first=nominal.first(), risk=risk,
        ),
        options,
    )  # fmt: skip
    s["nominal"]["in_scenarios"] = _ef_summary(eev, obj, risk.cvar_beta)
    s["eev"] = eev.objective
    if eev.ok and eev.objective > out.solved.objective:
        # a time-limited RP solve ended below the nominal first stage, which is feasible
        # for RP: keep the better plan (the RP bound and gap stay as the solver gave them)
        rp = {"rp_status": out.solved.raw.status.value, "rp_gap": out.solved.raw.gap}
        out.solved = eev
        s["robust"] = {
            **_ef_summary(eev, obj, risk.cvar_beta),
            **rp,
            "incumbent": "nominal first stage",
        }
    s["vss"] = out.solved.objective - eev.objective if out.solved.ok else None
    return s


def fill_summary(
    out: RobustResult,
    nominal: Solved,
    opts: SamplingOptions,
    options: SolveOptions,
    settings: dict[str, Any],
    evpi: bool,
) -> None:
    """summary: settings, robust, nominal (as EEV), VSS, EVPI, highest alpha, out of sample
    (Monte Carlo of the fixed operating plan, and with recourse)."""
    obj, stage = settings["objective"], settings["stage"]
    alpha, per_target = settings["alpha"], settings["per_target"]
    risk = risk_of(settings)
    from plantopt.results.numfmt import rate_basis

    m = out.instance.manifest
    s: dict[str, Any] = {
        "settings": settings,
        # every NPV of this summary is discounted at this rate, in real or nominal money
        "npv_rate_basis": rate_basis(m.discount_rate, m.discount_rate_basis),
        "robust": _ef_summary(out.solved, obj, risk.cvar_beta),
    }
    s.update(_beside_nominal(out, nominal, options, settings))
    if evpi:
        t0 = time.perf_counter()
        ws, ws_gap = wait_and_see(out.families, obj, stage, alpha, per_target, options, risk)
        s["ws"], s["ws_gap"] = ws, ws_gap
        s["evpi"] = ws - out.solved.objective if out.solved.ok and np.isfinite(ws) else None
        s["ws_solve_s"] = time.perf_counter() - t0
    if not out.solved.ok and alpha is not None:
        from plantopt.uncertainty.robust_ceiling import alpha_ceiling

        s["highest_alpha"] = highest_alpha(out.families, obj, stage, per_target, options)
        s["highest_alpha"]["per_scenario"] = alpha_ceiling(out.families, stage, options)
    if settings["oos_samples"] > 0:
        s["out_of_sample"] = out_of_sample(out, nominal, opts, options, settings)
    if settings.get("recourse_samples", 0) > 0:
        from plantopt.uncertainty.robust_recourse import recourse

        s["recourse"] = recourse(out, nominal, opts, options, settings)
    out.summary.update(s)


def operating_x(
    out: RobustResult, sol: Solved, stage: str, obj: str, options: SolveOptions
) -> np.ndarray | None:
    """The plan ``evaluate`` checks: the static plan, or the first stage run on nominal data."""
    if not sol.ok:
        return None
    if stage == "static" or len(sol.ef.families) == 1:
        return sol.x(0)
    op = solve_ef(
        extensive_form([out.nominal_families], obj, stage, fixed_first=sol.first()), options
    )
    return op.x(0) if op.ok else None


def _plan_of(out: RobustResult, x: np.ndarray) -> Any:
    from plantopt.api.tables import result_tables
    from plantopt.results.solution import read_solution
    from plantopt.uncertainty.plan import plan_from_tables

    fams = out.nominal_families
    tables, _, _ = result_tables(out.instance, fams, read_solution(fams, x))
    return plan_from_tables(out.instance, tables, {}, tree=fams.data.tree, source="robust")


def check_plan(
    out: RobustResult, x: np.ndarray, opts: SamplingOptions, n: int, seed: int
) -> dict[str, Any]:
    """Monte Carlo of one plan: P(all targets met), P(profit > 0), NPV quantiles."""
    from plantopt.uncertainty.montecarlo import nominal_metrics, run_monte_carlo
    from plantopt.uncertainty.targets import regulation_targets

    plan = _plan_of(out, x)
    targets = regulation_targets(plan)
    mc = run_monte_carlo(plan, n, seed, opts, targets)
    fams = out.nominal_families
    profit0 = nominal_metrics(plan, targets)["profit_eur_per_yr"]
    timing = fams.data.timing
    assert timing is not None
    af = timing.periods[0].operating_pv
    npv = float(fams.objectives["npv"] @ x) + af * (
        mc.samples["profit_eur_per_yr"].to_numpy() - profit0
    )
    q = np.quantile(npv, (0.05, 0.5, 0.95))
    return {
        "all_targets_met": mc.probabilities.get("all_targets_met", 1.0),
        "profit_positive": mc.probabilities["profit_positive"],
        "npv_mean_eur": float(npv.mean()),
        "npv_p5_eur": float(q[0]),
        "npv_p50_eur": float(q[1]),
        "npv_p95_eur": float(q[2]),
        "targets": {
            k.split(":", 1)[1]: v
            for k, v in mc.probabilities.items()
            if k.startswith("target_met:")
        },
    }


def out_of_sample(
    out: RobustResult,
    nominal: Solved,
    opts: SamplingOptions,
    options: SolveOptions,
    settings: dict[str, Any],
) -> dict[str, Any]:
    if out.nominal_families.multi:
        return {"skipped": "out-of-sample NPV is single-period only; evaluate each period"}
    stage, obj = settings["stage"], settings["objective"]
    n, seed = settings["oos_samples"], settings["oos_seed"]
    res: dict[str, Any] = {"samples": n, "seed": seed}
    for name, sol in (("robust", out.solved), ("nominal", nominal)):
        x = operating_x(out, sol, stage, obj, options)
        res[name] = check_plan(out, x, opts, n, seed) if x is not None else {"status": "no plan"}
    return res


__all__ = ["built_options", "fill_summary", "out_of_sample"]

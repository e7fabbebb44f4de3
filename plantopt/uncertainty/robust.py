"""``robust``: a plan that holds under uncertainty (sample-average approximation, issue 19).

    rb = plantopt.robust("instances/nl-2027", scenarios=50, seed=1, alpha=0.9,
                         spread=0.05, price_sigma=0.3, stage="static")
    rb.summary["robust"], rb.summary["vss_eur"], rb.summary["out_of_sample"]

The S scenarios are samples 0..S-1 of ``evaluate --seed`` (:mod:`.robust_scenarios`); the
extensive form (:mod:`.robust_ef`) maximises the expected objective

    RP   = max_y  sum_s p_s max_{w_s} c_s(y, w_s)      s.t. every scenario's rows,
           [sum_s p_s z_s <= 1 - alpha, target rows relaxed by M z_s]

and is compared with

    EEV  = the same with y fixed to the nominal plan's first stage      VSS  = RP - EEV
    WS   = the same without non-anticipativity (each scenario its own y) EVPI = WS - RP

(both >= 0 up to the MIP gap; EEV is -inf when the nominal first stage cannot meet alpha).
When no plan reaches alpha, the extensive form that minimises sum_s p_s z_s gives the highest
reachable alpha and the targets that the remaining scenarios miss.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance
from plantopt.model.build import Families
from plantopt.model.pipeline import families_of
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import Extensive, Risk, extensive_form
from plantopt.uncertainty.robust_scenarios import draw_scenarios
from plantopt.uncertainty.robust_solve import (
    RobustResult,
    Solved,
    cvar_start,
    nominal_plan,
    solve_ef,
    solve_ef_from,
)
from plantopt.uncertainty.robust_start import tight_big_m, valued_start
from plantopt.uncertainty.spec import SamplingOptions


class RobustError(PlantoptError):
    """Bad robust options (alpha outside (0, 1], no scenarios)."""


def _check(scenarios: int, alpha: float | None, risk: Risk | None) -> None:
    if scenarios < 1:
        raise RobustError(f"--scenarios must be >= 1, not {scenarios}")
    if alpha is not None and not (0.0 < alpha <= 1.0):
        raise RobustError(f"--alpha must be in (0, 1], not {alpha}")
    if alpha is not None and alpha >= 1.0 and risk is not None and risk.chance == "cvar":
        raise RobustError("--chance cvar needs --alpha below 1 (alpha 1: targets hard)")


def solve_rp(
    fams: list[Families],
    objective: str,
    stage: str,
    alpha: float | None,
    per_target: bool,
    risk: Risk,
    options: SolveOptions,
) -> Solved:
    """The recourse problem. The exact chance form with a second stage (builds, contracts)
    starts from the best of two first stages valued exactly (:mod:`.robust_start`): the
    plan of its CVaR approximation (binary-free) and the plan with the targets free in
    every scenario; each is a feasible incumbent with its best choice of the scenarios that
    miss, so a time-limited solve ends no worse than either (else the CVaR start). Its
    big-M is the scenario's LP bound on each shortfall (:func:`.robust_start.tight_big_m`),
    not the box one."""
    ef = extensive_form(fams, objective, stage, alpha, per_target, risk=risk)
    if "z" not in ef.risk_cols or stage == "static" or alpha is None or alpha >= 1.0:
        return solve_ef(ef, options)
    ms = [tight_big_m(f, stage, options) for f in fams]
    ef = extensive_form(fams, objective, stage, alpha, per_target, risk=risk, big_ms=ms)
    cvar = solve_ef(
        extensive_form(
            fams, objective, stage, alpha, per_target, risk=replace(risk, chance="cvar")
        ),
        options,
    )
    start = exact_start(ef, cvar, objective, stage, alpha, options) if not per_target else None
    start = cvar_start(ef, cvar) if start is None else start
    return solve_ef(ef, options) if start is None else solve_ef_from(ef, options, start)


def exact_start(
    ef: Extensive, cvar: Solved, objective: str, stage: str, alpha: float, options: SolveOptions
) -> np.ndarray | None:
    """The better of the CVaR plan and the targets-free plan, valued exactly (joint alpha)."""
    free = extensive_form(ef.families, objective, stage, alpha=0.0)
    free.mm.col_lower[free.z.ravel()] = 1.0  # every scenario may miss: targets free
    plans = [s.first() for s in (cvar, solve_ef(free, options)) if s.ok]
    exact = replace(options, mip_rel_gap=1e-6, time_limit_s=None)
    best = valued_start(ef, objective, stage, alpha, plans, exact)
    return None if best is None else best[0]


def _risk_settings(risk: Risk) -> dict[str, Any]:
    beta = risk.cvar_beta
    return {
        "chance": risk.chance,
        "cvar_beta": beta,
        "cvar_weight": risk.cvar_weight if beta is not None else None,
    }


def robust(
    instance: Instance | str | Path | None = None,
    scenarios: int = 20,
    seed: int = 0,
    alpha: float | None = None,
    objective: str = "npv",
    stage: str = "builds",
    per_target: bool = False,
    spread: float = 0.0,
    price_sigma: float = 0.0,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = 1e-4,
    oos_samples: int = 2000,
    oos_seed: int | None = None,
    evpi: bool = True,
    risk: Risk | None = None,
    recourse_samples: int = 0,
    **sampling: Any,
) -> RobustResult:
    """Solve the SAA on ``scenarios`` samples of ``seed``; see the module docstring.

    ``alpha``: chance constraint P(all enforced targets met) >= alpha on the training
    scenarios (None: targets hard in every scenario). ``stage``: builds | contracts | static
    (:mod:`.robust_ef`). ``spread``, ``price_sigma`` and ``sampling`` as for ``evaluate``.
    ``risk``: the chance rows exact or by their CVaR approximation, and a CVaR term in the
    objective (:class:`.robust_ef.Risk`).
    The out-of-sample check evaluates both plans with ``evaluate``'s Monte Carlo on
    ``oos_samples`` samples of ``oos_seed`` (default seed + 1) (:mod:`.robust_report`);
    ``recourse_samples`` of them again with the second stage re-optimised per draw and the
    first stage fixed (:mod:`.robust_recourse`).
    """
    from plantopt.instance.loader import load_instance
    from plantopt.routetree.tree import build_route_tree
    from plantopt.uncertainty.robust_report import fill_summary

    _check(scenarios, alpha, risk)
    inst = instance if isinstance(instance, Instance) else load_instance(instance)
    opts = SamplingOptions(
        **{"comp_spread": spread, "tc_spread": spread, "price_sigma": price_sigma, **sampling}
    )
    options = SolveOptions(time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, tie_break=False)
    tree = build_route_tree(inst)
    scen = draw_scenarios(inst, scenarios, seed, opts, tree)
    fams = [families_of(s.instance, s.tree) for s in scen]
    nominal_fams = families_of(inst, tree)
    nominal = nominal_plan(nominal_fams, objective, stage, options)
    risk = risk or Risk()
    rp = solve_rp(fams, objective, stage, alpha, per_target, risk, options)
    out = RobustResult(
        rp, nominal.x(0) if nominal.ok else np.zeros(0), scen, fams, nominal_fams, inst
    )
    settings = dict(
        scenarios=scenarios, seed=seed, alpha=alpha, objective=objective, stage=stage,
        per_target=per_target, **_risk_settings(risk), spread=spread, price_sigma=price_sigma,
        oos_samples=oos_samples, oos_seed=seed + 1 if oos_seed is None else oos_seed,
        recourse_samples=recourse_samples,
    )  # fmt: skip
    fill_summary(out, nominal, opts, options, settings, evpi)
    return out


__all__ = ["RobustError", "RobustResult", "robust"]

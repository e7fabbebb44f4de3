"""``evaluate``: the Python twin of ``plantopt evaluate`` (Monte Carlo of a solved plan).

    res = plantopt.solve(inst, objective="npv", target_year=2031)
    mc = plantopt.evaluate(res, samples=10_000, spread=0.1, price_sigma=0.2)
    mc.probabilities["all_targets_met"], mc.quantiles
    mc = plantopt.evaluate("results/nl-2027-npv")          # any result folder

The plan's flows stay fixed; compositions, transfer coefficients and prices are sampled
(docs/uncertainty.md). Targets are those in force in ``target_year`` (default: the year the
plan was solved for) plus ``targets`` ({material: required fraction} over all feeds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plantopt.uncertainty.montecarlo import MonteCarloResult, nominal_metrics, run_monte_carlo
from plantopt.uncertainty.plan import load_plan, plan_from_result
from plantopt.uncertainty.spec import SamplingOptions
from plantopt.uncertainty.targets import material_recovery_target, regulation_targets


def evaluate(
    result: Any,
    samples: int = 10_000,
    seed: int = 0,
    spread: float = 0.0,
    price_sigma: float = 0.0,
    target_year: int | None = None,
    targets: dict[str, float] | None = None,
    regulation: bool = True,
    use_numba: bool | None = None,
    out: str | Path | None = None,
    **sampling: Any,
) -> MonteCarloResult:
    """Monte Carlo of ``result`` (a :class:`~plantopt.results.tables.Result` with its
    instance, or a result folder). ``sampling`` are further :class:`SamplingOptions` fields
    (``comp_spread``, ``tc_spread``, ``use_ranges``, ``distribution``, ``sampling``:
    "sobol-lt" gives the same P5/P95 accuracy with about 4x fewer samples). With ``out``
    the tables and the plot are written there as ``plantopt evaluate --out`` does.
    ``mc.summary["nominal"]`` holds the plan's own metrics."""
    if isinstance(result, (str, Path)):
        plan = load_plan(result)
    else:
        if result.instance is None:
            raise ValueError("the result carries no instance; pass its result folder")
        plan = plan_from_result(result, result.instance)
    opts = SamplingOptions(
        **{"comp_spread": spread, "tc_spread": spread, "price_sigma": price_sigma, **sampling}
    )
    found = regulation_targets(plan, target_year) if regulation else []
    found += [material_recovery_target(plan, m, f) for m, f in (targets or {}).items()]
    mc = run_monte_carlo(plan, samples, seed, opts, found, use_numba=use_numba)
    nominal = nominal_metrics(plan, found)
    mc.summary["nominal"] = nominal
    from plantopt.results.warnings import monte_carlo_warnings

    mc.summary["warnings"] = list(mc.summary["warnings"]) + monte_carlo_warnings(
        mc.quantiles, nominal
    )
    if out is not None:
        from plantopt.uncertainty.report import write_outputs

        write_outputs(mc, out, nominal)
    return mc


__all__ = ["evaluate"]

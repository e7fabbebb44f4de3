"""Uncertainty: how likely is a solved plan to hold when compositions, yields and prices vary?

    plan = load_plan("results/tiny-recovery")          # or plan_from_result(res, inst)
    mc = run_monte_carlo(plan, 10_000, seed=1,
                         options=SamplingOptions(comp_spread=0.1, price_sigma=0.3),
                         targets=[material_recovery_target(plan, "Li", 0.5)])
    mc.quantiles, mc.probabilities["profit_positive"]

The hot loop is :mod:`plantopt.uncertainty.kernels_mc` (numba, with a NumPy twin). Distributions are
documented in docs/uncertainty.md.
"""

from plantopt.uncertainty.montecarlo import (
    MonteCarloResult,
    derive_metrics,
    nominal_metrics,
    run_monte_carlo,
    run_raw,
    summarise,
)
from plantopt.uncertainty.plan import Plan, PlanError, load_plan, plan_from_result, plan_from_tables
from plantopt.uncertainty.spec import SamplingOptions, Spec, SpecError, build_spec
from plantopt.uncertainty.targets import Target, material_recovery_target, regulation_targets

__all__ = [
    "MonteCarloResult",
    "Plan",
    "PlanError",
    "SamplingOptions",
    "Spec",
    "SpecError",
    "Target",
    "build_spec",
    "derive_metrics",
    "load_plan",
    "material_recovery_target",
    "nominal_metrics",
    "plan_from_result",
    "plan_from_tables",
    "regulation_targets",
    "run_monte_carlo",
    "run_raw",
    "summarise",
]

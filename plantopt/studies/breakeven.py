"""Break-even of a policy lever: the smallest lever value at which the optimal NPV >= hurdle.

Levers (v is the lever value; each re-solves ``max npv`` on a copy of the instance):

    capex-subsidy     v in [0, 1]: manifest capex_subsidy_frac = v (units with their own row
                      in capex_subsidies.csv keep it)
    gate-fee          v >= 0 EUR/t added to every feed's gate fee
    price:<product>   v >= 1: factor on every price of <product> in product_prices.csv

The optimal NPV N*(v) = max over plans of an NPV that is linear in v, so N* is piecewise
linear, convex and non-decreasing in each of these levers (more subsidy, gate fee or price
never lowers the best plan's NPV); it jumps in slope where the optimal plan changes. So
{v : N*(v) >= hurdle} is an interval [v*, inf) and bisection finds v* within a stated
tolerance: after it, N*(lo) < hurdle <= N*(hi) and hi - lo <= tol; v* is reported as hi.
(An exact v* would need the slope of every plan the optimum passes through; bisection is
used because the value function is only known pointwise, one MILP per point.)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from plantopt.business.levers import LeverOverrides, apply_levers
from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance
from plantopt.solver.types import SolveOptions

#: lever -> (lower end, first upper bracket, largest upper bracket, default tolerance, unit)
LEVERS: dict[str, tuple[float, float, float, float, str]] = {
    "capex-subsidy": (0.0, 1.0, 1.0, 1e-3, "share of capex"),
    "gate-fee": (0.0, 50.0, 1e5, 0.1, "EUR/t added to every gate fee"),
    "price": (1.0, 2.0, 1024.0, 1e-3, "factor on the product's prices"),
}


@dataclass
class Breakeven:
    lever: str
    value: float | None  # None: not reached within the largest bracket
    status: str  # closes_without_lever | found | not_reached
    tolerance: float
    hurdle_eur: float
    iterations: pd.DataFrame  # value, npv_eur, built
    result: Any  # plantopt.Result at ``value`` (or at the largest value tried)
    summary: dict[str, Any]


def lever_kind(lever: str) -> tuple[str, str | None]:
    """``price:li2co3`` -> ("price", "li2co3"); others -> (lever, None)."""
    kind, _, product = lever.partition(":")
    if kind not in LEVERS or (kind == "price") != bool(product):
        raise PlantoptError(f"--lever {lever!r}: expected capex-subsidy, gate-fee or "
                            "price:<product_id>")
    return kind, product or None


def overrides(lever: str, value: float) -> LeverOverrides:
    kind, product = lever_kind(lever)
    if kind == "capex-subsidy":
        return LeverOverrides(capex_subsidy=value)
    if kind == "gate-fee":
        return LeverOverrides(gate_fee_shift=value)
    return LeverOverrides(price={str(product): value})


def breakeven(instance: Instance, lever: str, hurdle_eur: float = 0.0,
              tolerance: float | None = None, options: SolveOptions | None = None
              ) -> Breakeven:
    """Bracket, then bisect, the smallest lever value with optimal NPV >= ``hurdle_eur``."""
    from plantopt.api import solve

    kind, _ = lever_kind(lever)
    lo, hi, hi_max, default_tol, unit = LEVERS[kind]
    tol = default_tol if tolerance is None else float(tolerance)
    if not tol > 0:
        raise PlantoptError("--tolerance must be > 0")
    options = options or SolveOptions()
    apply_levers(instance, overrides(lever, lo), validate=True)  # bad input fails here
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    results: dict[float, Any] = {}

    def npv(v: float) -> float:
        res = solve(apply_levers(instance, overrides(lever, v), validate=False),
                    objective="npv", options=options, diagnose=False)
        results[v] = res
        value = -math.inf
        if res.has_solution:
            assert res.objective is not None  # a solution comes with its objective value
            value = res.objective
        built = "; ".join(f"{u}:{j}" for u, j in zip(res["built_units"]["unit_id"],
                                                     res["built_units"]["option_id"])) \
            if res.has_solution else ""
        rows.append({"value": v, "npv_eur": value, "status": res.status.value,
                     "built": built})
        return value

    if npv(lo) >= hurdle_eur:
        status, found = "closes_without_lever", lo
    else:
        while npv(hi) < hurdle_eur and hi < hi_max:
            lo, hi = hi, min(2 * hi, hi_max)
        if rows[-1]["npv_eur"] < hurdle_eur:
            status, found = "not_reached", None
        else:
            while hi - lo > tol:
                mid = 0.5 * (lo + hi)
                if npv(mid) >= hurdle_eur:
                    hi = mid
                else:
                    lo = mid
            status, found = "found", hi
    at = found if found is not None else max(results)
    summary = {"instance": instance.name, "lever": lever, "lever_unit": unit,
               "hurdle_eur": hurdle_eur, "tolerance": tol, "status": status,
               "value": found, "below": None if found is None or status != "found" else lo,
               "npv_at_value_eur": results[at].objective, "solves": len(rows),
               "seconds": time.perf_counter() - t0}
    return Breakeven(lever, found, status, tol, hurdle_eur,
                     pd.DataFrame(rows), results[at], summary)


__all__ = ["LEVERS", "Breakeven", "breakeven", "lever_kind", "overrides"]

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from plantopt.business.levers import LeverOverrides, apply_levers
from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance
from plantopt.results.numfmt import case_rate_basis
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
        raise PlantoptError(
            f"--lever {lever!r}: expected capex-subsidy, gate-fee or price:<product_id>"
        )
    return kind, product or None


def overrides(lever: str, value: float, subsidy_on: tuple[str, ...] = ()) -> LeverOverrides:
    """The lever at ``value``; a capex subsidy goes to the units or stages of ``subsidy_on``
    only (capex_subsidies rows) when given, else to the whole park (capex_subsidy_frac)."""
    kind, product = lever_kind(lever)
    if kind == "capex-subsidy" and subsidy_on:
        return LeverOverrides(capex_subsidy_for={name: value for name in subsidy_on})
    if kind == "capex-subsidy":
        return LeverOverrides(capex_subsidy=value)
    if kind == "gate-fee":
        return LeverOverrides(gate_fee_shift=value)
    return LeverOverrides(price={str(product): value})


@dataclass
class _Probe:
    """Solves the instance at lever values, keeping every result and one row per solve."""

    instance: Instance
    lever: str
    objective: str
    options: SolveOptions
    subsidy_on: tuple[str, ...]
    progress: Callable[[int], None] | None = None

    def __post_init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.results: dict[float, Any] = {}
        self.bracket = (math.nan, math.nan)  # the current [lo, hi], for progress

    def npv(self, v: float) -> float:
        """The plan's NPV at lever value v (-inf without a solution)."""
        from plantopt.api import solve

        inst = apply_levers(self.instance, overrides(self.lever, v, self.subsidy_on), False)
        res = solve(inst, objective=self.objective, options=self.options, diagnose=False)
        self.results[v] = res
        value, built = -math.inf, ""
        if res.has_solution:
            assert res.objective is not None  # a solution comes with its objective value
            value = (
                res.objective
                if self.objective == "npv"
                else float(res.summary["business_case"]["npv_eur"])
            )
            b = res["built_units"]
            built = "; ".join(f"{u}:{j}" for u, j in zip(b["unit_id"], b["option_id"]))
        self.rows.append({"value": v, "npv_eur": value, "status": res.status.value, "built": built})
        if self.progress is not None:
            self.progress(len(self.rows))
        return value


def _search(
    probe: _Probe, lo: float, hi: float, hi_max: float, tol: float, hurdle: float
) -> tuple[str, float | None, float]:
    """Bracket [lo, hi] (doubling hi up to hi_max), then bisect to width ``tol``:
    (status, value found or None, last lo)."""
    probe.bracket = (lo, hi)
    if probe.npv(lo) >= hurdle:
        return "closes_without_lever", lo, lo
    while probe.npv(hi) < hurdle and hi < hi_max:
        lo, hi = hi, min(2 * hi, hi_max)
        probe.bracket = (lo, hi)
    if probe.rows[-1]["npv_eur"] < hurdle:
        return "not_reached", None, lo
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if probe.npv(mid) >= hurdle:
            hi = mid
        else:
            lo = mid
        probe.bracket = (lo, hi)
    return "found", hi, lo


def breakeven(
    instance: Instance,
    lever: str,
    hurdle_eur: float = 0.0,
    tolerance: float | None = None,
    options: SolveOptions | None = None,
    objective: str = "npv",
    subsidy_on: tuple[str, ...] | list[str] = (),
    progress: Callable[[int, float, float], None] | None = None,
) -> Breakeven:
    """Bracket, then bisect, the smallest lever value with NPV >= ``hurdle_eur``.

    ``objective`` is what each solve maximises (``npv``: the optimal NPV; ``recovery`` or
    ``profit``: the NPV of the plan that objective picks, which is monotone in the lever as
    long as the plan does not change). ``subsidy_on`` restricts a capex subsidy to those
    units or stages. ``progress(solves, lo, hi)`` is called after every solve (lo, hi:
    the current bracket). Works on multi-period instances as on single-period ones
    (the NPV of the whole horizon).
    """
    subsidy_on = tuple(subsidy_on)
    if subsidy_on and lever != "capex-subsidy":
        raise PlantoptError("--subsidy-on applies to --lever capex-subsidy only")
    kind, _ = lever_kind(lever)
    lo, hi, hi_max, default_tol, unit = LEVERS[kind]
    tol = default_tol if tolerance is None else float(tolerance)
    if not tol > 0:
        raise PlantoptError("--tolerance must be > 0")
    options = options or SolveOptions()
    apply_levers(instance, overrides(lever, lo, subsidy_on), validate=True)  # bad input here
    t0 = time.perf_counter()
    probe = _Probe(instance, lever, objective, options, subsidy_on)
    if progress is not None:
        probe.progress = lambda n: progress(n, *probe.bracket)
    status, found, below = _search(probe, lo, hi, hi_max, tol, hurdle_eur)
    rows, results = probe.rows, probe.results
    at = found if found is not None else max(results)
    summary = {
        "instance": instance.name,
        "currency": instance.manifest.currency or "EUR",
        "lever": lever,
        "lever_unit": unit,
        "hurdle_eur": hurdle_eur,
        "tolerance": tol,
        "status": status,
        "value": found,
        "below": None if found is None or status != "found" else below,
        "objective": objective,
        "npv_rate_basis": case_rate_basis(results[at].summary.get("business_case")),
        "subsidy_on": list(subsidy_on),
        "npv_at_value_eur": rows[-1]["npv_eur"]
        if found is None
        else next(r["npv_eur"] for r in rows if r["value"] == at),
        "solves": len(rows),
        "seconds": time.perf_counter() - t0,
    }
    return Breakeven(
        lever, found, status, tol, hurdle_eur, pd.DataFrame(rows), results[at], summary
    )


__all__ = ["LEVERS", "Breakeven", "breakeven", "lever_kind", "overrides"]

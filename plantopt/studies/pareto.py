"""Epsilon-constraint Pareto front between an economic objective and weighted recovery.

Anchors: W_max = max weighted_recovery (tie-break: max E), and W_lo = weighted recovery of
the plan with max E (tie-break: max recovery). For k = 0..N-1 with
eps_k = W_lo + k (W_max - W_lo) / (N - 1):

    max E   s.t.  weighted_recovery >= eps_k    (the manifest's recovery floor, raised to eps_k)

with E = ``npv`` (default) or ``profit``, each solved with the lexicographic tie-break
(secondary: recovery), so every point is non-dominated up to the tie-break tolerance. E is
non-increasing and recovery non-decreasing along the sweep; plans that repeat are kept once.

CO2 as a third axis (issue 15): with ``co2_caps`` c_1 > c_2 > ... the whole sweep is repeated
under each cap, the manifest's ``net_co2_cap_t_per_yr`` set to c_j (the row
net_co2 = direct + transport + grid - avoided <= c_j, models/formulation.md section 15):

    max E   s.t.  weighted_recovery >= eps_k,  net_co2 <= c_j

a grid of epsilon-constraints over both axes; every point reports its net CO2. A cap under
which no plan exists adds no point.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.results.numfmt import case_rate_basis
from plantopt.solver.types import SolveOptions

if TYPE_CHECKING:  # matplotlib is imported where used
    from matplotlib.figure import Figure

ECONOMIC = ("npv", "profit")


@dataclass
class ParetoFront:
    points: pd.DataFrame  # one row per distinct non-dominated point
    plans: pd.DataFrame  # long: point, kind (unit/feed), id, value
    economic: str
    summary: dict[str, Any]
    results: list[Any] = field(default_factory=list)  # plantopt.Result of each point

    def point_folders(self) -> dict[str, Any]:
        """``points/<k>`` -> the result of point k (what ``plantopt pareto`` writes)."""
        return {f"points/{k}": r for k, r in enumerate(self.results)}


def _plan(res: Any) -> tuple[frozenset[str], dict[str, float]]:
    """Units built (``unit:option``, ``unit:option@period`` with several periods) and feeds
    accepted (t/yr; the largest over the periods) of a point."""
    builds = res.tables.get("builds")
    if builds is not None:  # multi-period: when a unit is built is part of the plan
        keys = zip(builds["unit_id"], builds["option_id"], builds["period_built"])
        built = frozenset(f"{u}:{j}@{p}" for u, j, p in keys)
    else:
        b = res["built_units"]
        built = frozenset(f"{u}:{j}" for u, j in zip(b["unit_id"], b["option_id"]))
    accepted = res.tables["feed_intake"].groupby("feed_id", sort=False)["accepted_t_per_yr"].max()
    feeds = {str(f): float(t) for f, t in accepted.items() if t > 1e-6}
    return built, feeds


def _changes(prev: tuple | None, cur: tuple) -> str:
    if prev is None:
        return ""
    (b0, f0), (b1, f1) = prev, cur
    parts = [f"+{x}" for x in sorted(b1 - b0)] + [f"-{x}" for x in sorted(b0 - b1)]
    parts += [f"+feed {x}" for x in sorted(set(f1) - set(f0))]
    parts += [f"-feed {x}" for x in sorted(set(f0) - set(f1))]
    return "; ".join(parts)


def _same(plan: tuple, prev: tuple, row: dict, last: dict, economic: str) -> bool:
    """Same units and feeds, and the same values to 1e-6 (relative; tie-break tolerance)."""
    col = "npv_eur" if economic == "npv" else "profit_eur_per_yr"
    close = all(
        abs(row[c] - last[c]) <= 1e-6 * max(1.0, abs(last[c]))
        for c in ("weighted_recovery_t_per_yr", col)
    )
    return plan[0] == prev[0] and set(plan[1]) == set(prev[1]) and close


def net_co2(res: Any) -> float | None:
    """Net CO2 (t/yr) of a result with emission expressions (``emissions`` table), else None."""
    em = res.tables.get("emissions")
    if em is None:
        return None
    values = dict(zip(em["item"], em["value"]))
    return float(values["net_co2"]) if "net_co2" in values else None


def _point_row(res: Any, eps: float, plan: tuple, prev: tuple | None) -> dict[str, Any]:
    """One point of the front: epsilon, its values, its plan and the change to the last."""
    case = res.summary["business_case"]
    return {
        "co2_cap_t_per_yr": res.instance.manifest.net_co2_cap_t_per_yr if res.instance else None,
        "net_co2_t_per_yr": net_co2(res),
        "epsilon_t_per_yr": eps,
        "weighted_recovery_t_per_yr": res.summary["weighted_recovery_t_per_yr"],
        "npv_eur": case["npv_eur"],
        "profit_eur_per_yr": res.summary["profit_eur_per_yr"],
        "capex_eur": case["capex_gross_eur"],
        "critical_recovered_t_per_yr": res.summary["critical_recovered_t_per_yr"],
        "built": "; ".join(sorted(plan[0])),
        "feeds_accepted": "; ".join(sorted(plan[1])),
        "changes": _changes(prev, plan),
        "status": res.status.value,
    }


def _rate_basis(results: list[Any]) -> str:
    """'8.0 % real': the discount rate and basis of the front's NPVs ("" without a point)."""
    return case_rate_basis(results[0].summary.get("business_case")) if results else ""


def _check_args(economic: str, n_points: int) -> None:
    if economic not in ECONOMIC:
        raise ValueError(f"economic objective must be one of {ECONOMIC}, not {economic!r}")
    if n_points < 2:
        raise ValueError("a Pareto front needs at least 2 points")


def _plan_rows(idx: int, plan: tuple) -> list[dict[str, Any]]:
    out = [{"point": idx, "kind": "unit", "id": b, "value": 1.0} for b in sorted(plan[0])]
    return out + [
        {"point": idx, "kind": "feed", "id": f, "value": t} for f, t in sorted(plan[1].items())
    ]


def pareto_front(
    instance: Instance,
    n_points: int = 7,
    economic: str = "npv",
    options: SolveOptions | None = None,
    progress: Callable[[str], None] | None = None,
    co2_caps: list[float] | None = None,
) -> ParetoFront:
    """Sweep ``n_points`` (>= 2) recovery floors between the two anchors (under each net-CO2
    cap of ``co2_caps``, when given); ``progress(text)`` is called after every solve
    (n_points + 1 solves per cap)."""
    _check_args(economic, n_points)
    options = options or SolveOptions()
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    results: list[Any] = []
    ranges = []
    for cap in co2_caps if co2_caps else [None]:
        inst = instance if cap is None else instance.with_manifest(net_co2_cap_t_per_yr=cap)
        try:
            w_range = _sweep(inst, n_points, economic, options, progress, (rows, plans, results))
        except ValueError:
            if cap is None:
                raise
            continue  # no plan under this cap
        ranges.append(w_range)
    if not rows:
        raise ValueError("the instance has no feasible plan under any of the CO2 caps")
    points = pd.DataFrame(rows)
    points.insert(0, "point", range(len(points)))
    if not co2_caps and points["net_co2_t_per_yr"].isna().all():  # no emissions: two axes
        points = points.drop(columns=["co2_cap_t_per_yr", "net_co2_t_per_yr"])
    summary = {
        "instance": instance.name,
        "economic_objective": economic,
        "points_requested": n_points * max(1, len(co2_caps or [])),
        "points": len(points),
        "recovery_range_t_per_yr": [min(r[0] for r in ranges), max(r[1] for r in ranges)],
        "co2_caps_t_per_yr": list(co2_caps or []),
        "currency": instance.manifest.currency or "EUR",
        "npv_rate_basis": _rate_basis(results),
        "seconds": time.perf_counter() - t0,
    }
    plans_df = pd.DataFrame(plans, columns=["point", "kind", "id", "value"])
    return ParetoFront(points, plans_df, economic, summary, results)


def _sweep(
    instance: Instance,
    n_points: int,
    economic: str,
    options: SolveOptions,
    progress: Callable[[str], None] | None,
    out: tuple[list, list, list],
) -> tuple[float, float]:
    """One recovery sweep (anchors, then n_points floors); appends the distinct points to
    ``out`` = (rows, plans, results) and returns the recovery range."""
    from plantopt.api import solve

    tick = progress or (lambda text: None)
    rows, plans, results = out
    first = len(rows)
    own_floor = float(instance.manifest.recovery_floor_t_per_yr or 0.0)
    hi = solve(instance, objective="recovery", options=options, diagnose=False)
    if not hi.has_solution:
        raise ValueError(f"the instance has no feasible plan ({hi.status.value})")
    w_max = hi.summary["weighted_recovery_t_per_yr"]
    tick("recovery anchor")
    lo = solve(instance, objective=economic, options=options, diagnose=False)
    tick(f"{economic} anchor")
    w_lo = max(own_floor, lo.summary["weighted_recovery_t_per_yr"])
    prev = None
    for k in range(n_points):
        eps = w_lo + k * (w_max - w_lo) / (n_points - 1)
        if k == n_points - 1:  # the anchor itself, less the tie-break tolerance
            eps = w_max - options.tie_break_rel_tol * 10 * max(1.0, abs(w_max))
        floored = instance.with_manifest(recovery_floor_t_per_yr=eps)
        res = lo if k == 0 else solve(floored, objective=economic, options=options, diagnose=False)
        if k:
            tick(f"point {k + 1}/{n_points}")
        if not res.has_solution:
            continue
        plan = _plan(res)
        row = _point_row(res, eps, plan, prev)
        if len(rows) > first and _same(plan, prev, row, rows[-1], economic):  # type: ignore[arg-type]
            continue  # the same point again
        rows.append(row)
        results.append(res)
        plans += _plan_rows(len(rows) - 1, plan)
        prev = plan
    return w_lo, w_max


def non_dominated(points: pd.DataFrame, economic: str, rel_tol: float = 1e-6) -> bool:
    """True when no point is better in both economic value and recovery than another."""
    col = "npv_eur" if economic == "npv" else "profit_eur_per_yr"
    e = points[col].to_numpy()
    w = points["weighted_recovery_t_per_yr"].to_numpy()
    tol_e = rel_tol * max(1.0, abs(e).max())
    tol_w = rel_tol * max(1.0, abs(w).max())
    for i in range(len(e)):
        better = (e > e[i] + tol_e) & (w > w[i] + tol_w)
        if better.any():
            return False
    return True


def front_figure(front: ParetoFront) -> Figure:
    """The front as a matplotlib figure: steps (the best value reachable with recovery at
    least x is that of the next point), each point numbered, money in the manifest's
    currency with people's ticks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from plantopt.results.figfmt import people_ticks

    p = front.points
    col = "npv_eur" if front.economic == "npv" else "profit_eur_per_yr"
    currency = str(front.summary.get("currency") or "EUR")
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    caps = p["co2_cap_t_per_yr"] if "co2_cap_t_per_yr" in p else pd.Series([None] * len(p))
    for cap, part in p.groupby(caps.fillna(float("inf")).to_numpy(), sort=False):
        label = None if cap == float("inf") else f"net CO2 <= {cap:,.0f} t/yr"
        ax.plot(part["weighted_recovery_t_per_yr"], part[col], "o-", drawstyle="steps-pre",
                label=label)  # fmt: skip
    if "co2_cap_t_per_yr" in p and p["co2_cap_t_per_yr"].notna().any():
        ax.legend(fontsize=8)
    for r in p.itertuples():
        ax.annotate(
            str(r.point),
            (r.weighted_recovery_t_per_yr, getattr(r, col)),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    ax.axhline(0.0, color="grey", lw=0.8, ls=":")
    people_ticks(ax.xaxis)
    people_ticks(ax.yaxis)
    ax.set_xlabel("weighted critical-material recovery (t/yr)")
    basis = front.summary.get("npv_rate_basis")
    label = (f"NPV at {basis}" if basis else "NPV") if front.economic == "npv" else "annual profit"
    ax.set_ylabel(f"{label} ({currency}{'' if front.economic == 'npv' else '/yr'})")
    ax.set_title(f"{front.summary['instance']}: {label} vs recovery (epsilon-constraint)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_front(front: ParetoFront) -> bytes:
    """:func:`front_figure` as PNG bytes."""
    import matplotlib.pyplot as plt

    fig = front_figure(front)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


__all__ = ["ECONOMIC", "ParetoFront", "non_dominated", "pareto_front", "front_figure", "plot_front"]

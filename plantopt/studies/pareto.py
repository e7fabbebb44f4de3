"""Epsilon-constraint Pareto front between an economic objective and weighted recovery.

Anchors: W_max = max weighted_recovery (tie-break: max E), and W_lo = weighted recovery of
the plan with max E (tie-break: max recovery). For k = 0..N-1 with
eps_k = W_lo + k (W_max - W_lo) / (N - 1):

    max E   s.t.  weighted_recovery >= eps_k    (the manifest's recovery floor, raised to eps_k)

with E = ``npv`` (default) or ``profit``, each solved with the lexicographic tie-break
(secondary: recovery), so every point is non-dominated up to the tie-break tolerance. E is
non-increasing and recovery non-decreasing along the sweep; plans that repeat are kept once.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.solver.types import SolveOptions

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
    built = frozenset(
        f"{u}:{j}" for u, j in zip(res["built_units"]["unit_id"], res["built_units"]["option_id"])
    )
    fi = res["feed_intake"]
    feeds = {f: float(t) for f, t in zip(fi["feed_id"], fi["accepted_t_per_yr"]) if t > 1e-6}
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


def pareto_front(
    instance: Instance,
    n_points: int = 7,
    economic: str = "npv",
    options: SolveOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> ParetoFront:
    """Sweep ``n_points`` (>= 2) recovery floors between the two anchors;
    ``progress(text)`` is called after every solve (n_points + 1 solves)."""
    from plantopt.api import solve

    tick = progress or (lambda text: None)

    if economic not in ECONOMIC:
        raise ValueError(f"economic objective must be one of {ECONOMIC}, not {economic!r}")
    if n_points < 2:
        raise ValueError("a Pareto front needs at least 2 points")
    options = options or SolveOptions()
    t0 = time.perf_counter()
    own_floor = float(instance.manifest.recovery_floor_t_per_yr or 0.0)
    hi = solve(instance, objective="recovery", options=options, diagnose=False)
    if not hi.has_solution:
        raise ValueError(f"the instance has no feasible plan ({hi.status.value})")
    w_max = hi.summary["weighted_recovery_t_per_yr"]
    tick("recovery anchor")
    lo = solve(instance, objective=economic, options=options, diagnose=False)
    tick(f"{economic} anchor")
    w_lo = max(own_floor, lo.summary["weighted_recovery_t_per_yr"])
    rows, plans, prev, results = [], [], None, []
    for k in range(n_points):
        eps = w_lo + k * (w_max - w_lo) / (n_points - 1)
        if k == n_points - 1:  # the anchor itself, less the tie-break tolerance
            eps = w_max - options.tie_break_rel_tol * 10 * max(1.0, abs(w_max))
        res = (
            lo
            if k == 0
            else solve(
                instance.with_manifest(recovery_floor_t_per_yr=eps),
                objective=economic,
                options=options,
                diagnose=False,
            )
        )
        if k:
            tick(f"point {k + 1}/{n_points}")
        if not res.has_solution:
            continue
        case = res.summary["business_case"]
        plan = _plan(res)
        row = {
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
        if prev is not None and _same(plan, prev, row, rows[-1], economic):
            continue  # the same point again
        rows.append(row)
        results.append(res)
        idx = len(rows) - 1
        plans += [{"point": idx, "kind": "unit", "id": b, "value": 1.0} for b in sorted(plan[0])]
        plans += [
            {"point": idx, "kind": "feed", "id": f, "value": t} for f, t in sorted(plan[1].items())
        ]
        prev = plan
    points = pd.DataFrame(rows)
    points.insert(0, "point", range(len(points)))
    summary = {
        "instance": instance.name,
        "economic_objective": economic,
        "points_requested": n_points,
        "points": len(points),
        "recovery_range_t_per_yr": [w_lo, w_max],
        "seconds": time.perf_counter() - t0,
    }
    return ParetoFront(
        points,
        pd.DataFrame(plans, columns=["point", "kind", "id", "value"]),
        economic,
        summary,
        results,
    )


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


def plot_front(front: ParetoFront) -> bytes:
    """PNG of the front: recovery (x) vs NPV or profit (y), each point labelled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = front.points
    col = "npv_eur" if front.economic == "npv" else "profit_eur_per_yr"
    scale, unit = (1e6, "M EUR") if p[col].abs().max() >= 1e6 else (1.0, "EUR")
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    # best value reachable with recovery >= x is that of the next point: a step, not a line
    ax.plot(
        p["weighted_recovery_t_per_yr"],
        p[col] / scale,
        "o-",
        color="#1f6f8b",
        drawstyle="steps-pre",
    )
    for r in p.itertuples():
        ax.annotate(
            str(r.point),
            (r.weighted_recovery_t_per_yr, getattr(r, col) / scale),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    ax.axhline(0.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("weighted critical-material recovery (t/yr)")
    label = "NPV" if front.economic == "npv" else "annual profit"
    ax.set_ylabel(f"{label} ({unit}{'' if front.economic == 'npv' else '/yr'})")
    ax.set_title(f"{front.summary['instance']}: {label} vs recovery (epsilon-constraint)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


__all__ = ["ECONOMIC", "ParetoFront", "non_dominated", "pareto_front", "plot_front"]

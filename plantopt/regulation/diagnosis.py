"""Explain an infeasible instance in the user's words, by elastic re-solves.

1. Combined: every group of :mod:`plantopt.model.emit_elastic` is elastic; minimise the sum
   of relative relaxations. Its positive slacks are the smallest joint relaxation restoring
   feasibility.
2. Alternatives: for each family that has rows in this instance, solve with only that family
   elastic (the others hard). If feasible, relaxing that family alone is enough; its
   relaxation is reported as "required X, at most Y possible".
   With several planning periods every period's rows are relaxed on their own, so each
   relaxation names its period ("period 2031: Li material recovery (2031): ...").
3. For a target relaxed in (2), the largest achievable ratio (with the other targets relaxed
   no further than in (2)) by Dinkelbach's method: lambda <- num(x)/den(x) where x maximises
   num - lambda den, until max(num - lambda den) ~ 0. Each step is one MILP.
4. The reason is read from the data: whether any product reachable by the covered feeds
   counts the element (or mass) at all, the best route's share (ignoring capacity and
   budget, by a max-plus pass over the route tree), and where the largest loss of the elastic
   plan goes (and whether any unit takes that stream further).

All solves go through :mod:`plantopt.solver.highs` (solve_matrix) on the elastic matrix form
of the same families the model is built from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.model.build import Families
from plantopt.model.emit_elastic import (
    GROUPS,
    Elastic,
    Slack,
    column_names,
    emit_elastic,
    row_names,
)
from plantopt.model.emit_matrix import emit_matrix
from plantopt.model.family import Family
from plantopt.model.pipeline import families_of
from plantopt.model.regulation_terms import TargetTerms
from plantopt.routetree.tree import RouteTree
from plantopt.solver.highs import lp_relaxation_iis, solve_matrix
from plantopt.solver.types import RawSolution, SolveOptions

SLACK_TOL = 1e-7  # relative slack below which a row counts as not relaxed


@dataclass
class Relaxation:
    family: str
    key: str
    required: float
    possible: float
    unit: str
    message: str
    period: str = ""  # the planning period whose row is relaxed ("" for one period, global rows)


COLUMNS = ["analysis", "period", "family", "key", "required", "possible", "unit", "message"]


@dataclass
class Diagnosis:
    """Outcome of the elastic analysis; ``messages`` are for people, ``table()`` for files."""

    explained: bool
    alternatives: dict[str, list[Relaxation]] = field(default_factory=dict)
    combined: list[Relaxation] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    iis: list[str] | None = None  # HiGHS IIS of the LP relaxation, by constraint name

    def table(self) -> pd.DataFrame:
        rows = [
            {"analysis": f"only {fam}", **r.__dict__}
            for fam, rs in self.alternatives.items()
            for r in rs
        ]
        rows += [{"analysis": "combined", **r.__dict__} for r in self.combined]
        rows += [
            {
                "analysis": "iis",
                "period": "",
                "family": "constraint",
                "key": name,
                "required": None,
                "possible": None,
                "unit": "",
                "message": "in the irreducible infeasible subset of the LP relaxation",
            }
            for name in self.iis or []
        ]
        return pd.DataFrame(rows, columns=COLUMNS)

    def text(self) -> str:
        return "\n".join(self.messages)


@dataclass
class _Plan:
    """The families of the instance and a solution of one elastic solve (model columns)."""

    fams: Families
    x: np.ndarray

    def local(self, t: int = 0) -> np.ndarray:
        """Period t's local columns S_t x."""
        return np.asarray(self.fams.periods[t].subst @ self.x)

    def expr(self, name: str, label: object, t: int = 0) -> float:
        f = self.fams.periods[t].expressions[name]
        return float(f.value(self.local(t))[f.index.index(label)])


def _period_id(fams: Families, t: int | None) -> str:
    """The id of period t when the model has several periods, else ""."""
    if t is None or not fams.multi:
        return ""
    timing = fams.data.timing
    assert timing is not None
    return str(timing.periods[t].period_id)


def _solve(el: Elastic, options: SolveOptions) -> tuple[RawSolution, np.ndarray | None]:
    raw = solve_matrix(el.mm, replace(options, tie_break=False))
    return raw, None if raw.x is None else np.asarray(raw.x)


def _best_share(tree: RouteTree, values: dict[int, float], feed: int) -> float:
    """Most of ``values`` (per feed-equivalent t) one route of ``feed`` can collect.

    Max-plus pass, children before parents: a unit node collects, per output, the best of
    the destinations that output may go to.
    """
    best = np.zeros(tree.n_nodes)
    for n, v in values.items():
        best[n] = v
    by_parent: dict[int, list[int]] = {}
    for g in range(tree.n_groups):
        by_parent.setdefault(int(tree.group_parent[g]), []).append(g)
    nodes = np.flatnonzero(tree.node_feed == feed)
    for n in nodes[::-1].tolist():
        for g in by_parent.get(n, []):
            kids = tree.group_children[tree.group_ptr[g] : tree.group_ptr[g + 1]]
            best[n] += best[kids].max() if len(kids) else 0.0
    roots = [g for g in by_parent.get(-1, []) if int(tree.group_feed[g]) == feed]
    entry = [
        c for g in roots for c in tree.group_children[tree.group_ptr[g] : tree.group_ptr[g + 1]]
    ]
    return float(best[entry].max()) if entry else 0.0


def _period_tables(instance: Instance, plan: _Plan, t: int) -> dict[str, pd.DataFrame]:
    """Flow tables of period t of the plan (on the period's view of the instance)."""
    from plantopt.model.periods import period_instance
    from plantopt.results.solution import read_solution
    from plantopt.results.stacked import extract_tables

    fams = plan.fams
    sol = read_solution(fams, plan.x).periods[t]
    inst_t = period_instance(instance, fams.data.periods[t]) if fams.multi else instance
    data_t = fams.periods[t].context.data
    return extract_tables(inst_t, data_t, sol.accept, sol.flow, sol.in_service, sol.run)


def _largest_loss(instance: Instance, plan: _Plan, terms: TargetTerms, t: int = 0) -> str:
    """Where the largest share of what the target counts is lost in period t of the plan."""
    tables = _period_tables(instance, plan, t)
    mf = tables["material_flows"]
    counted = {int(n) for n, _ in terms.num}
    fl = tables["flows"]
    counted_edges = set(
        zip(
            fl.loc[fl["node"].isin(counted), "feed_id"],
            fl.loc[fl["node"].isin(counted), "target_id"],
        )
    )
    sel = mf[mf["feed_id"].isin(terms.feeds) & (mf["target_kind"] != "unit")]
    if terms.kind == "material_recovery":
        sel = sel[sel["material"] == terms.material]
    sel = sel[[(f, x) not in counted_edges for f, x in zip(sel["feed_id"], sel["target_id"])]]
    if sel.empty:
        return ""
    g = (
        sel.groupby(["source_id", "output_id", "target_kind", "target_id"])["mass_t_per_yr"]
        .sum()
        .sort_values(ascending=False)
    )
    (unit, out, kind, to), mass = g.index[0], float(g.iloc[0])
    what = terms.material if terms.kind == "material_recovery" else "mass"
    text = (
        f"largest loss in the closest plan: {mass:,.2f} t/yr of {what} from {unit} "
        f"[{out}] to {kind} '{to}'"
    )
    r = instance["routing"]
    dests = r[(r["unit_id"] == unit) & (r["output_id"] == out)]
    if kind == "disposal" and not dests["to_kind"].isin(["unit", "product"]).any():
        text += f"; no unit in this instance takes {out} from {unit} further"
    return text


def _full_units(plan: _Plan, terms: TargetTerms, t: int = 0) -> list[str]:
    """Units the covered feeds pass through that run at their installed capacity in
    period t."""
    ctx = plan.fams.periods[t].context
    data = ctx.data
    tree = data.tree
    feeds = {tree.feeds.index(f) for f in terms.feeds}
    out = []
    for u in ctx.used_units:
        if not np.isin(tree.node_feed[data.unit_nodes[u]], list(feeds)).any():
            continue
        through = plan.expr("throughput", u, t)
        cap = data.unit_max_capacity[u]
        if through > 0 and through >= cap * (1 - 1e-6):
            out.append(f"{u} ({cap:,.1f} t/yr, the largest size)")
    return out


def _no_counting_product(instance: Instance, plan: _Plan, terms: TargetTerms, t: int) -> str:
    what = terms.material if terms.kind == "material_recovery" else "mass that counts"
    text = (
        f"no unit in this instance recovers {terms.material} from the covered feeds (no "
        f"reachable product counts {terms.material} as recovered)"
        if terms.kind == "material_recovery"
        else f"no reachable product counts for this target ({what})"
    )
    loss = _largest_loss(instance, plan, terms, t)
    return f"{text}; {loss}" if loss else text


def explain_target(instance: Instance, plan: _Plan, terms: TargetTerms, t: int = 0) -> str:
    """Reason for a target that cannot be met in period t, read from the route tree and
    the plan."""
    tree = plan.fams.data.tree
    if not terms.num:
        return _no_counting_product(instance, plan, terms, t)
    values: dict[int, float] = {}
    for n, a in terms.num:
        values[n] = values.get(n, 0.0) + a
    shares = [(f, _best_share(tree, values, tree.feeds.index(f)) / b) for f, b in terms.den]
    best_f, best = max(shares, key=lambda x: x[1])
    parts = []
    if best < terms.required_frac - 1e-9:
        parts.append(
            f"even the best route of any covered feed reaches only {100 * best:.1f} % "
            f"(feed {best_f}), ignoring capacity and budget"
        )
    else:
        full = _full_units(plan, terms, t)
        parts.append(
            "routes reaching the target exist, but they are limited"
            + (
                f": at capacity in the closest plan: {', '.join(full)}"
                if full
                else " by budget, contracts or other targets"
            )
        )
    loss = _largest_loss(instance, plan, terms, t)
    if loss:
        parts.append(loss)
    return "; ".join(parts)


def _max_ratio(
    fams: Families, target: str, options: SolveOptions, start: float, t: int = 0
) -> tuple[float, _Plan | None]:
    """Largest ratio of ``target`` in period t under every hard constraint, other targets
    left out (Dinkelbach: lambda <- num(x) / den(x), x maximising num - lambda den)."""
    per = fams.periods[t]
    num_f, den_f = per.expressions["target_num"], per.expressions["target_den"]
    k = num_f.index.index(target)
    n_local = fams.layout.local().n_cols

    def vec(f: Family) -> np.ndarray:
        keep = f.row == k
        v = np.zeros(n_local)
        np.add.at(v, f.col[keep], f.val[keep])
        return fams.period_vector(t, v)

    num, den = vec(num_f), vec(den_f)
    lam, plan = start, None
    for _ in range(12):
        el = emit_elastic(
            fams, ("target",), drop=("target_ratio", target, t), extra_objective=num - lam * den
        )
        raw, x = _solve(el, options)
        if x is None:
            break
        plan = _Plan(fams, x[: el.n_model_cols])
        n_val, d_val = float(num @ plan.x), float(den @ plan.x)
        if d_val <= 1e-12 or n_val - lam * d_val <= 1e-9 * max(1.0, d_val):
            break
        lam = n_val / d_val
    return lam, plan


_Parts = tuple[float, float, str, str]  # required, possible, unit, message


def _feed_minimum(info: Slack, slack: float, plan: _Plan) -> _Parts:
    k, rhs = info.key, info.rhs
    return (
        rhs,
        rhs - slack,
        "t/yr",
        f"feed {k}: contracted minimum {rhs:,.1f} t/yr, at most "
        f"{rhs - slack:,.1f} t/yr can be accepted and treated",
    )


def _contract_minimum(info: Slack, slack: float, plan: _Plan) -> _Parts:
    k, rhs = info.key, info.rhs
    reg = plan.fams.regulation
    assert reg is not None
    c = next(c for c in reg.contracts if c.contract_id == k)
    return (
        rhs,
        rhs - slack,
        "t/yr",
        f"offtake contract {k}: take-or-pay minimum {rhs:,.2f} t/yr of "
        f"{c.material} in {c.product_id}, at most {rhs - slack:,.2f} t/yr can be delivered",
    )


def _site_capacity(u: str, s: str, plan: _Plan, t: int) -> tuple[float, float]:
    """(installed, needed) t/yr of unit u at site s of a network: existing there plus the
    options built there, and the site's throughput of u."""
    ctx = plan.fams.periods[t].context
    d, lay, x = ctx.data, ctx.layout, plan.local(t)
    assert d.network is not None
    built = sum(
        d.options[(u, j)].capacity_t_per_yr * float(x[lay.site_build0 + i])
        for i, (s2, u2, j) in enumerate(lay.site_builds)
        if (s2, u2) == (s, u)
    )
    return d.network.existing.get((s, u), 0.0) + built, plan.expr("site_throughput", (s, u), t)


def _capacity(info: Slack, slack: float, plan: _Plan) -> _Parts:
    k, t = info.key, info.period or 0
    if "@" in str(k):  # a unit at a site of a network (site_capacity_limit)
        unit, site = str(k).split("@", 1)
        installed, need = _site_capacity(unit, site, plan, t)
        k = f"{unit} at site {site}"
    else:
        installed = max(0.0, plan.expr("capacity", k, t))
        need = plan.expr("throughput", k, t)
    return (
        installed,
        need,
        "t/yr",
        f"unit {k}: the plan needs {need:,.1f} t/yr, {installed:,.1f} t/yr "
        f"installed (largest size within the other limits; at most "
        f"{info.rhs:,.1f} t/yr can be installed at all)",
    )


def _budget(info: Slack, slack: float, plan: _Plan) -> _Parts:
    from plantopt.results.numfmt import fmt_money

    rhs, cur = info.rhs, plan.fams.data.manifest.currency or "EUR"
    return (
        rhs,
        rhs + slack,
        "EUR",
        f"budget {fmt_money(rhs, cur)} is below the cheapest feasible "
        f"plant: it needs {fmt_money(rhs + slack, cur)} of capex",
    )


def _collection(info: Slack, slack: float, plan: _Plan) -> _Parts:
    rhs = info.rhs
    return (
        rhs,
        rhs - slack,
        "t/yr",
        f"collection target {info.key}: {rhs:,.1f} t/yr must be collected (the rate times "
        f"what is placed on the market), at most {rhs - slack:,.1f} t/yr can be collected "
        "and treated (today's collection plus every collection step)",
    )


def _offtake(info: Slack, slack: float, plan: _Plan) -> _Parts:
    rhs = info.rhs
    return (
        rhs,
        rhs + slack,
        "t/yr",
        f"product {info.key}: buyers take at most {rhs:,.1f} t/yr, the plan "
        f"must sell {rhs + slack:,.1f} t/yr",
    )


def _floor(info: Slack, slack: float, plan: _Plan) -> _Parts:
    rhs = info.rhs
    mean = " (mean over the horizon)" if plan.fams.multi else ""
    return (
        rhs,
        rhs - slack,
        info.unit,
        f"{info.key.replace('_', ' ')}{mean}: {rhs:,.1f} {info.unit} required, at most "
        f"{rhs - slack:,.1f} achievable",
    )


_MESSAGES = {
    "feed_minimum": _feed_minimum,
    "contract_minimum": _contract_minimum,
    "capacity": _capacity,
    "budget": _budget,
    "offtake": _offtake,
    "floor": _floor,
    "collection": _collection,
}


def _relaxation(info: Slack, fams: Families, parts: _Parts) -> Relaxation:
    """A relaxation of ``info``'s row; its message names the period with several."""
    pid = _period_id(fams, info.period)
    required, possible, unit, text = parts
    return Relaxation(
        info.group,
        info.key,
        required,
        possible,
        unit,
        f"period {pid}: {text}" if pid else text,
        pid,
    )


def _message(info: Slack, slack: float, plan: _Plan) -> Relaxation:
    if info.group not in _MESSAGES:
        raise ValueError(info.group)
    return _relaxation(info, plan.fams, _MESSAGES[info.group](info, slack, plan))


def _target(
    instance: Instance, plan: _Plan, info: Slack, options: SolveOptions, detail: bool
) -> Relaxation:
    """How far target ``info.key`` (in its period) can go: the closest plan's ratio, with
    ``detail`` the largest achievable ratio on its own and why it falls short."""
    fams, t = plan.fams, info.period or 0
    reg = fams.regulation
    assert reg is not None
    terms = next(x for x in reg.per_period[t].targets if x.target_id == info.key)
    den = plan.expr("target_den", info.key, t)
    start = plan.expr("target_num", info.key, t) / den if den > 1e-12 else 0.0
    req = f"{100 * terms.required_frac:.0f} % required"
    if not detail:
        text = f"{terms.title}: {100 * start:.1f} % in the closest plan, {req}"
        return _relaxation(info, fams, (terms.required_frac, start, "t/t", text))
    best, best_plan = _max_ratio(fams, info.key, options, start, t)
    if best < terms.required_frac - 1e-6:
        why = explain_target(instance, best_plan or plan, terms, t)
        text = f"{terms.title}: at most {100 * best:.1f} % achievable, {req} — {why}"
        return _relaxation(info, fams, (terms.required_frac, best, "t/t", text))
    text = (
        f"{terms.title}: up to {100 * best:.1f} % achievable on its own, but not together "
        f"with the other targets and limits: {100 * start:.1f} % in the closest plan, {req}"
    )
    return _relaxation(info, fams, (terms.required_frac, start, "t/t", text))


def _relaxations(
    instance: Instance,
    fams: Families,
    el: Elastic,
    x: np.ndarray,
    options: SolveOptions,
    with_targets_detail: bool,
) -> list[Relaxation]:
    """Every row relaxed by the elastic solution ``x``, in the user's words."""
    plan = _Plan(fams, x[: el.n_model_cols])
    out = []
    for slack in el.slacks.values():
        s = float(x[slack.column])
        if s / slack.scale <= SLACK_TOL:
            continue
        if slack.group == "target":
            out.append(_target(instance, plan, slack, options, with_targets_detail))
        else:
            out.append(_message(slack, s, plan))
    return out


def diagnose(instance: Instance, tree: RouteTree, options: SolveOptions | None = None) -> Diagnosis:
    """Elastic analysis of an infeasible ``instance`` (see the module docstring)."""
    options = options or SolveOptions()
    fams = families_of(instance, tree)
    el = emit_elastic(fams, GROUPS)
    raw, x = _solve(el, options)
    diag = Diagnosis(explained=False)
    if x is None:
        diag.messages.append(
            "the instance stays infeasible even with every target, collection target, "
            "contracted minimum, capacity, budget, offtake limit and floor "
            f"relaxed ({raw.message}); check the data"
        )
        return diag
    diag.combined = _relaxations(instance, fams, el, x, options, False)
    for group in [g for g in GROUPS if any(s.group == g for s in el.slacks.values())]:
        el_g = emit_elastic(fams, (group,))
        _, x_g = _solve(el_g, options)
        if x_g is not None:
            diag.alternatives[group] = _relaxations(instance, fams, el_g, x_g, options, True)
    diag.explained = True
    if diag.alternatives:
        diag.messages.append("Infeasible. Each of these changes alone restores feasibility:")
        for i, (fam, rel) in enumerate(diag.alternatives.items()):
            diag.messages.append(f"  ({chr(97 + i)}) relax {fam.replace('_', ' ')}:")
            diag.messages += [f"      - {r.message}" for r in rel]
    else:
        diag.messages.append(
            "Infeasible. No single kind of change is enough; the smallest joint relaxation is:"
        )
        diag.messages += [f"  - {r.message}" for r in diag.combined]
    _add_iis(diag, fams)
    return diag


def _add_iis(diag: Diagnosis, fams: Families) -> None:
    """Name the constraints of an irreducible infeasible subset (IIS) of the LP relaxation."""
    tree = fams.data.tree
    mm = replace(
        emit_matrix(fams, ["recovery"]), row_names=row_names(fams), columns=column_names(fams)
    )
    names = lp_relaxation_iis(mm)
    if names is not None:  # route-tree node ids -> readable paths
        names = [
            re.sub(
                r"^(period\[[^\]]*\]\.)?flow\[(\d+)\]",
                lambda m: f"{m.group(1) or ''}flow on route {tree.paths([int(m.group(2))])[0]}",
                n,
            )
            for n in names
        ]
    diag.iis = names
    if diag.iis:
        diag.messages.append(
            "Constraints that conflict (irreducible infeasible subset of the "
            "LP relaxation, found by HiGHS): " + "; ".join(diag.iis)
        )
    elif diag.iis is None:
        diag.messages.append(
            "The LP relaxation is feasible: the conflict needs whole-number "
            "build or run decisions (capacity sizes, minimum loads)."
        )


__all__ = ["Diagnosis", "Relaxation", "diagnose", "explain_target"]

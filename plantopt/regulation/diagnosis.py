"""Explain an infeasible instance in the user's words, by elastic re-solves.

1. Combined: every family of :mod:`.elastic` is elastic; minimise the sum of relative
   relaxations. Its positive slacks are the smallest joint relaxation restoring feasibility.
2. Alternatives: for each family that has rows in this instance, solve with only that family
   elastic (the others hard). If feasible, relaxing that family alone is enough; its
   relaxation is reported as "required X, at most Y possible".
3. For a target relaxed in (2), the largest achievable ratio (with the other targets relaxed
   no further than in (2)) by Dinkelbach's method: lambda <- num(x)/den(x) where x maximises
   num - lambda den, until max(num - lambda den) ~ 0. Each step is one MILP.
4. The reason is read from the data: whether any product reachable by the covered feeds
   counts the element (or mass) at all, the best route's share (ignoring capacity and
   budget, by a max-plus pass over the route tree), and where the largest loss of the elastic
   plan goes (and whether any unit takes that stream further).

All solves go through :mod:`plantopt.solver.highs` (compile_model, solve_matrix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from plantopt.instance.instance import Instance
from plantopt.model.regulation_terms import TargetTerms
from plantopt.regulation.elastic import FAMILIES, SlackInfo, make_elastic
from plantopt.routetree.tree import RouteTree
from plantopt.solver.highs import compile_model, lp_relaxation_iis, solve_matrix
from plantopt.solver.types import SolveOptions

SLACK_TOL = 1e-7  # relative slack below which a row counts as not relaxed


@dataclass
class Relaxation:
    family: str
    key: str
    required: float
    possible: float
    unit: str
    message: str


@dataclass
class Diagnosis:
    """Outcome of the elastic analysis; ``messages`` are for people, ``table()`` for files."""

    explained: bool
    alternatives: dict[str, list[Relaxation]] = field(default_factory=dict)
    combined: list[Relaxation] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    iis: list[str] | None = None  # HiGHS IIS of the LP relaxation, by constraint name

    def table(self) -> pd.DataFrame:
        rows = [{"analysis": f"only {fam}", **r.__dict__} for fam, rs in self.alternatives.items()
                for r in rs]
        rows += [{"analysis": "combined", **r.__dict__} for r in self.combined]
        rows += [{"analysis": "iis", "family": "constraint", "key": name, "required": None,
                  "possible": None, "unit": "", "message": "in the irreducible infeasible "
                  "subset of the LP relaxation"} for name in self.iis or []]
        return pd.DataFrame(rows, columns=["analysis", "family", "key", "required", "possible",
                                           "unit", "message"])

    def text(self) -> str:
        return "\n".join(self.messages)


def _solve(model: pyo.ConcreteModel, obj: str, options: SolveOptions):
    mm = compile_model(model, [obj])
    raw = solve_matrix(mm, replace(options, tie_break=False))
    if raw.x is not None:
        for var, value in zip(mm.columns, raw.x):
            var.set_value(float(value), skip_validation=True)
    return raw


def _fresh(instance: Instance, tree: RouteTree) -> pyo.ConcreteModel:
    from plantopt.model import build_model
    return build_model(instance, None, tree=tree)


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
            kids = tree.group_children[tree.group_ptr[g]:tree.group_ptr[g + 1]]
            best[n] += best[kids].max() if len(kids) else 0.0
    roots = [g for g in by_parent.get(-1, []) if int(tree.group_feed[g]) == feed]
    kids = [c for g in roots for c in tree.group_children[tree.group_ptr[g]:tree.group_ptr[g + 1]]]
    return float(best[kids].max()) if kids else 0.0


def _largest_loss(instance: Instance, model: pyo.ConcreteModel, t: TargetTerms) -> str:
    """Where the largest share of what the target counts is lost in the current plan."""
    from plantopt.results.tables import extract_tables

    data = model.plantopt_data
    accept = np.array([model.accept[f].value or 0.0 for f in data.feeds])
    flow = np.array([model.flow[n].value or 0.0 for n in range(data.tree.n_nodes)])
    tables = extract_tables(instance, data, accept, flow,
                            {k: model.build[k].value or 0.0 for k in data.options},
                            {u: model.run[u].value or 0.0 for u in model.MIN_LOAD_UNITS})
    mf = tables["material_flows"]
    counted = {int(n) for n, _ in t.num}
    fl = tables["flows"]
    counted_edges = set(zip(fl.loc[fl["node"].isin(counted), "feed_id"],
                            fl.loc[fl["node"].isin(counted), "target_id"]))
    sel = mf[mf["feed_id"].isin(t.feeds) & (mf["target_kind"] != "unit")]
    if t.kind == "material_recovery":
        sel = sel[sel["material"] == t.material]
    sel = sel[[(f, x) not in counted_edges for f, x in zip(sel["feed_id"], sel["target_id"])]]
    if sel.empty:
        return ""
    g = sel.groupby(["source_id", "output_id", "target_kind", "target_id"])["mass_t_per_yr"] \
        .sum().sort_values(ascending=False)
    (unit, out, kind, to), mass = g.index[0], float(g.iloc[0])
    what = t.material if t.kind == "material_recovery" else "mass"
    text = f"largest loss in the closest plan: {mass:,.2f} t/yr of {what} from {unit} " \
           f"[{out}] to {kind} '{to}'"
    r = instance["routing"]
    dests = r[(r["unit_id"] == unit) & (r["output_id"] == out)]
    if kind == "disposal" and not dests["to_kind"].isin(["unit", "product"]).any():
        text += f"; no unit in this instance takes {out} from {unit} further"
    return text


def _full_units(model: pyo.ConcreteModel, t: TargetTerms) -> list[str]:
    """Units the covered feeds pass through that run at their installed capacity."""
    data = model.plantopt_data
    tree = data.tree
    feeds = {tree.feeds.index(f) for f in t.feeds}
    out = []
    for u in model.capacity_limit:
        if not any(int(tree.node_feed[n]) in feeds for n in data.unit_nodes[u]):
            continue
        through = pyo.value(model.throughput[u])
        cap = data.unit_max_capacity[u]
        if through > 0 and through >= cap * (1 - 1e-6):
            out.append(f"{u} ({cap:,.1f} t/yr, the largest size)")
    return out


def explain_target(instance: Instance, model: pyo.ConcreteModel, t: TargetTerms) -> str:
    """Reason for a target that cannot be met, read from the route tree and the plan."""
    tree = model.plantopt_data.tree
    what = t.material if t.kind == "material_recovery" else "mass that counts"
    if not t.num:
        text = (f"no unit in this instance recovers {t.material} from the covered feeds (no "
                f"reachable product counts {t.material} as recovered)"
                if t.kind == "material_recovery" else
                f"no reachable product counts for this target ({what})")
        loss = _largest_loss(instance, model, t)
        return f"{text}; {loss}" if loss else text
    values: dict[int, float] = {}
    for n, a in t.num:
        values[n] = values.get(n, 0.0) + a
    shares = []
    for f, b in t.den:
        fi = tree.feeds.index(f)
        shares.append((f, _best_share(tree, values, fi) / b))
    best_f, best = max(shares, key=lambda x: x[1])
    parts = []
    if best < t.required_frac - 1e-9:
        parts.append(f"even the best route of any covered feed reaches only {100 * best:.1f} % "
                     f"(feed {best_f}), ignoring capacity and budget")
    else:
        full = _full_units(model, t)
        parts.append("routes reaching the target exist, but they are limited" +
                     (f": at capacity in the closest plan: {', '.join(full)}" if full else
                      " by budget, contracts or other targets"))
    loss = _largest_loss(instance, model, t)
    if loss:
        parts.append(loss)
    return "; ".join(parts)


def _max_ratio(instance: Instance, tree: RouteTree, target: str,
               options: SolveOptions, start: float) -> tuple[float, pyo.ConcreteModel]:
    """Largest ratio of ``target`` under every hard constraint, other targets left out
    (Dinkelbach)."""
    model = _fresh(instance, tree)
    make_elastic(model, ("target",))  # every target elastic with free slack: left out
    model.elastic_rows[f"target:{target}"].deactivate()
    lam = start
    for _ in range(12):
        if hasattr(model, "obj_dinkelbach"):
            model.del_component(model.obj_dinkelbach)
        model.obj_dinkelbach = pyo.Objective(
            expr=model.target_num[target] - lam * model.target_den[target],
            sense=pyo.maximize)
        raw = _solve(model, "dinkelbach", options)
        if raw.x is None:
            break
        num = pyo.value(model.target_num[target])
        den = pyo.value(model.target_den[target])
        if den <= 1e-12 or num - lam * den <= 1e-9 * max(1.0, den):
            break
        lam = num / den
    return lam, model


def _message(info: SlackInfo, slack: float, model: pyo.ConcreteModel) -> Relaxation:
    f, k, rhs = info.family, info.key, info.rhs
    if f == "feed_minimum":
        return Relaxation(f, k, rhs, rhs - slack, "t/yr",
                          f"feed {k}: contracted minimum {rhs:,.1f} t/yr, at most "
                          f"{rhs - slack:,.1f} t/yr can be accepted and treated")
    if f == "contract_minimum":
        c = next(c for c in model.plantopt_regulation.contracts if c.contract_id == k)
        return Relaxation(f, k, rhs, rhs - slack, "t/yr",
                          f"offtake contract {k}: take-or-pay minimum {rhs:,.2f} t/yr of "
                          f"{c.material} in {c.product_id}, at most {rhs - slack:,.2f} t/yr "
                          "can be delivered")
    if f == "capacity":
        installed = max(0.0, float(pyo.value(model.capacity[k])))
        need = float(pyo.value(model.throughput[k]))
        return Relaxation(f, k, installed, need, "t/yr",
                          f"unit {k}: the plan needs {need:,.1f} t/yr, {installed:,.1f} t/yr "
                          f"installed (largest size within the other limits; at most "
                          f"{rhs:,.1f} t/yr can be installed at all)")
    if f == "budget":
        return Relaxation(f, k, rhs, rhs + slack, "EUR",
                          f"budget {rhs / 1e6:,.2f} M EUR is below the cheapest feasible "
                          f"plant: it needs {(rhs + slack) / 1e6:,.2f} M EUR of capex")
    if f == "offtake":
        return Relaxation(f, k, rhs, rhs + slack, "t/yr",
                          f"product {k}: buyers take at most {rhs:,.1f} t/yr, the plan "
                          f"must sell {rhs + slack:,.1f} t/yr")
    if f == "floor":
        return Relaxation(f, k, rhs, rhs - slack, info.unit,
                          f"{k.replace('_', ' ')}: {rhs:,.1f} {info.unit} required, at most "
                          f"{rhs - slack:,.1f} achievable")
    raise ValueError(f)


def _relaxations(instance: Instance, tree: RouteTree, model: pyo.ConcreteModel,
                 info: dict[str, SlackInfo], options: SolveOptions,
                 with_targets_detail: bool) -> list[Relaxation]:
    out = []
    slacks = {k: float(model.slack[k].value or 0.0) for k in info}
    terms = {t.target_id: t for t in model.plantopt_regulation.targets}
    for label, s in slacks.items():
        inf = info[label]
        if s / inf.scale <= SLACK_TOL:
            continue
        if inf.family != "target":
            out.append(_message(inf, s, model))
            continue
        t = terms[inf.key]
        den = pyo.value(model.target_den[inf.key])
        start = pyo.value(model.target_num[inf.key]) / den if den > 1e-12 else 0.0
        req = f"{100 * t.required_frac:.0f} % required"
        if not with_targets_detail:
            out.append(Relaxation("target", inf.key, t.required_frac, start, "t/t",
                                  f"{t.title}: {100 * start:.1f} % in the closest plan, {req}"))
            continue
        best, best_model = _max_ratio(instance, tree, inf.key, options, start)
        if best < t.required_frac - 1e-6:
            why = explain_target(instance, best_model, t)
            out.append(Relaxation("target", inf.key, t.required_frac, best, "t/t",
                                  f"{t.title}: at most {100 * best:.1f} % achievable, {req} "
                                  f"— {why}"))
        else:
            out.append(Relaxation(
                "target", inf.key, t.required_frac, start, "t/t",
                f"{t.title}: up to {100 * best:.1f} % achievable on its own, but not together "
                f"with the other targets and limits: {100 * start:.1f} % in the closest "
                f"plan, {req}"))
    return out


def diagnose(instance: Instance, tree: RouteTree,
             options: SolveOptions | None = None) -> Diagnosis:
    """Elastic analysis of an infeasible ``instance`` (see the module docstring)."""
    options = options or SolveOptions()
    model = _fresh(instance, tree)
    info = make_elastic(model, FAMILIES)
    raw = _solve(model, "elastic", options)
    diag = Diagnosis(explained=False)
    if raw.x is None:
        diag.messages.append("the instance stays infeasible even with every target, "
                             "contracted minimum, capacity, budget, offtake limit and floor "
                             f"relaxed ({raw.message}); check the data")
        return diag
    diag.combined = _relaxations(instance, tree, model, info, options, False)
    for fam in [f for f in FAMILIES if any(i.family == f for i in info.values())]:
        m = _fresh(instance, tree)
        finfo = make_elastic(m, (fam,))
        r = _solve(m, "elastic", options)
        if r.x is not None:
            diag.alternatives[fam] = _relaxations(instance, tree, m, finfo, options, True)
    diag.explained = True
    if diag.alternatives:
        diag.messages.append("Infeasible. Each of these changes alone restores feasibility:")
        for i, (fam, rel) in enumerate(diag.alternatives.items()):
            diag.messages.append(f"  ({chr(97 + i)}) relax {fam.replace('_', ' ')}:")
            diag.messages += [f"      - {r.message}" for r in rel]
    else:
        diag.messages.append("Infeasible. No single kind of change is enough; the smallest "
                             "joint relaxation is:")
        diag.messages += [f"  - {r.message}" for r in diag.combined]
    _add_iis(diag, instance, tree)
    return diag


def _add_iis(diag: Diagnosis, instance: Instance, tree: RouteTree) -> None:
    """Name the constraints of an irreducible infeasible subset (IIS) of the LP relaxation."""
    names = lp_relaxation_iis(compile_model(_fresh(instance, tree), ["recovery"]))
    if names is not None:  # route-tree node ids -> readable paths
        names = [re.sub(r"^flow\[(\d+)\]", lambda m: "flow on route "
                        + tree.paths([int(m.group(1))])[0], n) for n in names]
    diag.iis = names
    if diag.iis:
        diag.messages.append("Constraints that conflict (irreducible infeasible subset of the "
                             "LP relaxation, found by HiGHS): " + "; ".join(diag.iis))
    elif diag.iis is None:
        diag.messages.append("The LP relaxation is feasible: the conflict needs whole-number "
                             "build or run decisions (capacity sizes, minimum loads).")


__all__ = ["Diagnosis", "Relaxation", "diagnose", "explain_target"]

"""Elastic version of a plantopt model: non-negative slack on the constraints a user can move.

Families of relaxable constraints and their elastic rows (s >= 0, one slack per row):

    target            target_num[t] - R_t target_den[t] + s >= 0
    feed_minimum      accept[f] + s >= contracted_min_f        (accept's lower bound -> 0)
    contract_minimum  take[c] + s >= min_c                     (take's lower bound -> 0)
    capacity          throughput[u] <= capacity[u] + s,  throughput[u] <= Cmax_u run[u] + s
    budget            capex_total <= budget + s
    offtake           product mass at p <= max_offtake_p + s
    floor             profit + s >= profit_floor;  weighted_recovery + s >= recovery_floor

The elastic objective minimises the sum of relative relaxations, sum s / scale, where scale
is the right-hand side the slack is measured against (R_t times the largest possible
denominator, the contracted minimum, the largest installable capacity, the budget, ...), so
families with different units are comparable. Only the families asked for become elastic;
the others stay hard.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.environ as pyo

FAMILIES = ("target", "feed_minimum", "contract_minimum", "capacity", "budget", "offtake",
            "floor")


@dataclass(frozen=True)
class SlackInfo:
    """One elastic row: family, the id it relaxes, the rhs it is measured against."""

    family: str
    key: str
    rhs: float  # the original right-hand side (required value), in ``unit``
    scale: float  # divisor of the slack in the elastic objective
    unit: str


def make_elastic(model: pyo.ConcreteModel, families: tuple[str, ...] | set[str]
                 ) -> dict[str, SlackInfo]:
    """Turn the named families of ``model`` elastic; add ``obj_elastic`` (maximised).

    Returns the slack rows by label (``family:key``); the slack variable of a label is
    ``model.slack[label]``.
    """
    data = model.plantopt_data
    reg = model.plantopt_regulation
    info: dict[str, SlackInfo] = {}
    rows: dict[str, object] = {}  # label -> rule(m, s) -> relational expression

    def add(family: str, key: str, rhs: float, scale: float, unit: str, rule) -> None:
        label = f"{family}:{key}"
        info[label] = SlackInfo(family, key, rhs, max(abs(scale), 1e-9), unit)
        rows[label] = rule

    if "target" in families:
        terms = {t.target_id: t for t in reg.enforced}
        for t in list(model.TARGETS):
            tt = terms[t]
            max_den = sum(b * data.feed_ub[f] for f, b in tt.den)
            model.target_ratio[t].deactivate()
            add("target", t, tt.required_frac, tt.required_frac * max(max_den, 1e-9), "t/t",
                lambda m, s, t=t, r=tt.required_frac: m.target_num[t] - r * m.target_den[t]
                + s >= 0)
    if "feed_minimum" in families:
        for f in data.feeds:
            lb = data.feed_lb[f]
            if lb > 0:
                model.accept[f].setlb(0.0)
                add("feed_minimum", f, lb, lb, "t/yr",
                    lambda m, s, f=f, lb=lb: m.accept[f] + s >= lb)
    if "contract_minimum" in families:
        for c in reg.contracts:
            if c.min_t_per_yr > 0:
                model.take[c.contract_id].setlb(0.0)
                add("contract_minimum", c.contract_id, c.min_t_per_yr, c.min_t_per_yr, "t/yr",
                    lambda m, s, c=c.contract_id, lb=c.min_t_per_yr: m.take[c] + s >= lb)
    if "capacity" in families:
        run_units = set(model.MIN_LOAD_UNITS)
        for u in list(model.capacity_limit):
            model.capacity_limit[u].deactivate()
            cmax = data.unit_max_capacity[u]
            add("capacity", u, cmax, max(cmax, 1.0), "t/yr",
                lambda m, s, u=u: m.throughput[u] <= m.capacity[u] + s)
            if u in run_units:
                model.run_upper[u].deactivate()
                rows[f"capacity:{u}#run"] = (
                    lambda m, s, u=u, c=cmax: m.throughput[u] <= c * m.run[u] + s)
    if "budget" in families and hasattr(model, "budget"):
        model.budget.deactivate()
        b = float(data.budget_eur)
        add("budget", "budget", b, max(b, 1.0), "EUR",
            lambda m, s, b=b: m.capex_total <= b + s)
    if "offtake" in families:
        for p in list(model.offtake):
            model.offtake[p].deactivate()
            cap = data.product_offtake[p]
            nodes = data.product_nodes[p]
            add("offtake", p, cap, max(cap, 1.0), "t/yr",
                lambda m, s, nodes=nodes, cap=cap: pyo.quicksum(
                    data.node_mass[n] * m.flow[n] for n in nodes) <= cap + s)
    if "floor" in families:
        for name, expr_name, unit in (("profit_floor", "profit", "EUR/yr"),
                                      ("recovery_floor", "weighted_recovery", "t/yr")):
            con = getattr(model, name, None)
            if con is not None:
                con.deactivate()
                rhs = float(pyo.value(con.lower))
                add("floor", name, rhs, max(abs(rhs), 1.0), unit,
                    lambda m, s, e=expr_name, r=rhs: getattr(m, e) + s >= r)

    labels = list(info)
    model.SLACKS = pyo.Set(initialize=labels, ordered=True)
    model.slack = pyo.Var(model.SLACKS, domain=pyo.NonNegativeReals, doc="elastic slack")
    model.elastic_rows = pyo.Constraint(
        list(rows), rule=lambda m, label: rows[label](m, m.slack[label.split("#")[0]]))
    model.obj_elastic = pyo.Objective(
        expr=-pyo.quicksum(model.slack[k] / info[k].scale for k in labels),
        sense=pyo.maximize, doc="minus the sum of relative relaxations")
    model.obj_elastic.deactivate()
    return info


__all__ = ["FAMILIES", "SlackInfo", "make_elastic"]

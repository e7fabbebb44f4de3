"""Routing block: feed-equivalent flows on the route tree and their conservation.

Variables: ``flow[n] >= 0``, feed-equivalent t/yr reaching route-tree node n.
Constraint ``output_balance[g]``: for every unit node n and output o with children C(n, o),
sum_{c in C(n, o)} flow[c] = flow[n] — every output carries all the feed-equivalent tonnes
that entered the unit, with its own composition.
"""

from __future__ import annotations

import pyomo.environ as pyo

from plantopt.model.data import ModelData


def add_routing(model: pyo.ConcreteModel, data: ModelData) -> None:
    model.NODES = pyo.RangeSet(0, data.tree.n_nodes - 1)
    model.flow = pyo.Var(model.NODES, domain=pyo.NonNegativeReals,
                         doc="feed-equivalent flow into route-tree node, t/yr")
    model.GROUPS = pyo.Set(initialize=data.groups, ordered=True)
    children, parent = data.group_children, data.group_parent
    model.output_balance = pyo.Constraint(
        model.GROUPS,
        rule=lambda m, g: pyo.quicksum(m.flow[c] for c in children[g]) == m.flow[parent[g]],
        doc="each unit output routes all feed-equivalent tonnes that entered the unit")

"""Feed block: tonnes accepted per feed and their split over the entry units.

Variables: ``accept[f]`` in [contracted_min_f, available_f] (t/yr).
Constraint ``feed_balance[f]``: sum of flow[n] over the entry nodes n of f = accept[f].
"""

from __future__ import annotations

import pyomo.environ as pyo

from plantopt.model.data import ModelData


def add_feeds(model: pyo.ConcreteModel, data: ModelData) -> None:
    model.FEEDS = pyo.Set(initialize=data.feeds, ordered=True)
    model.accept = pyo.Var(
        model.FEEDS, domain=pyo.NonNegativeReals,
        bounds=lambda m, f: (data.feed_lb[f], data.feed_ub[f]),
        doc="feed accepted, t/yr")
    model.feed_balance = pyo.Constraint(
        model.FEEDS,
        rule=lambda m, f: pyo.quicksum(m.flow[n] for n in data.feed_root_nodes[f])
        == m.accept[f],
        doc="entry flows of a feed sum to the tonnage accepted")

"""Business cases (issue 5): policy levers, business-case metrics, Pareto front, break-even.

* :mod:`.levers` — apply lever overrides (CLI, break-even) to an instance copy;
* :mod:`.case` — cash-flow table, NPV, IRR, payback, cost and margin per tonne;
* :mod:`.pareto` — epsilon-constraint front between NPV (or profit) and weighted recovery;
* :mod:`.breakeven` — smallest lever value at which the optimal NPV reaches a hurdle.

The formulas are in ``docs/business-case.md``.
"""

from __future__ import annotations

from plantopt.business.case import business_results, cash_flow_table, irr, npv_of
from plantopt.business.levers import LeverOverrides, apply_levers

__all__ = ["LeverOverrides", "apply_levers", "business_results", "cash_flow_table", "irr", "npv_of"]

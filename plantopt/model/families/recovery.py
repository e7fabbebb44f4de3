"""Recovery expressions (the recovery objective).

recovered[m]      = sum_{(n, a) in R_m} a flow[n]    (t/yr of m in products where m counts
                    as recovered; a = coef[n, m])
weighted_recovery = sum_m w_m recovered[m]
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import Family, family


def _terms(ctx: PeriodContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    terms = ctx.data.recovered_terms
    return terms.group_of_entry(), ctx.layout.flow0 + terms.node, terms.coef


def recovered(ctx: PeriodContext) -> Family:
    return family(
        "recovered",
        list(ctx.data.tree.materials),
        *_terms(ctx),
        doc="material recovered in products, t/yr",
    )


def weighted_recovery(ctx: PeriodContext) -> Family:
    r, c, a = _terms(ctx)
    w = np.array([ctx.data.recovery_weight[m] for m in ctx.data.tree.materials], dtype=float)
    keep = w[r] != 0 if len(r) else np.zeros(0, bool)
    return family(
        "weighted_recovery",
        [None],
        np.zeros(int(keep.sum()), np.int32),
        c[keep],
        (w[r] * a)[keep],
        doc="weighted critical-material recovery, t/yr",
    )

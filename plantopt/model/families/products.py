"""Product families.

offtake[p]:  sum_{n at p} mass_n flow[n] <= max_offtake_p     (product mass buyers take)
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, Relax, csr_rows, family


def offtake(ctx: PeriodContext) -> Family:
    d = ctx.data
    limited = [p for p in d.products if p in d.product_offtake and len(d.product_nodes[p])]
    r, n = csr_rows([d.product_nodes[p] for p in limited])
    cap = np.array([d.product_offtake[p] for p in limited], dtype=float)
    return family(
        "offtake",
        limited,
        r,
        ctx.layout.flow0 + n,
        ctx.mass[n],
        -INF,
        cap,
        doc="product mass within what buyers take",
        relax=Relax("offtake", tuple(limited), cap, np.maximum(cap, 1.0), "t/yr"),
    )

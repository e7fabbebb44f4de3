"""Planning periods for an instance: a periods.csv and per-period feed and price paths.

    available_{f,t} = available_f (1 + g_feed)^(y_t - y_0)     (contracted minimum likewise)
    price_{p,m,t}   = price_{p,m} (1 + g_price)^(y_t - y_0)

Used by tests and ``benchmarks/bench_periods.py`` to turn any single-period instance
(e.g. ``plantopt.instance.generate.generate('M', seed)``) into a T-period one.
"""

from __future__ import annotations

import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.instance.loader import instance_from_tables


def with_periods(
    instance: Instance,
    starts: list[int],
    durations: list[int],
    feed_growth: float = 0.0,
    price_growth: float = 0.0,
    source: str = "assumption: generated growth path",
) -> Instance:
    """``instance`` with periods (start years, durations; contiguous) and growth paths."""
    pid = [str(y) for y in starts]
    tables = dict(instance.tables)
    tables["periods"] = pd.DataFrame(
        {"period_id": pid, "start_year": starts, "duration_yr": durations, "source": source}
    )
    feeds = instance["feeds"]
    rows = []
    for p, y in zip(pid, starts):
        g = (1.0 + feed_growth) ** (y - starts[0])
        rows.append(
            pd.DataFrame(
                {
                    "feed_id": feeds["feed_id"],
                    "period_id": p,
                    "available_t_per_yr": feeds["available_t_per_yr"].astype(float) * g,
                    "contracted_min_t_per_yr": feeds["contracted_min_t_per_yr"].astype(float) * g,
                    "gate_fee_eur_per_t": feeds["gate_fee_eur_per_t"].astype(float),
                    "source": source,
                }
            )
        )
    tables["feed_periods"] = pd.concat(rows, ignore_index=True)
    prices = instance["product_prices"]
    tables["price_periods"] = pd.concat(
        [
            pd.DataFrame(
                {
                    "product_id": prices["product_id"],
                    "material": prices["material"],
                    "period_id": p,
                    "price_eur_per_t": prices["price_eur_per_t"].astype(float)
                    * (1.0 + price_growth) ** (y - starts[0]),
                    "source": source,
                }
            )
            for p, y in zip(pid, starts)
        ],
        ignore_index=True,
    )
    return instance_from_tables(dict(instance.manifest), tables)


__all__ = ["with_periods"]

"""Monte Carlo of re-use value and repurposing cost, checked by hand (issue 14).

The plan is test_reuse's hand case (``packs``): 30 t/yr of second-life packs (100 kWh/t at
60 EUR/kWh = 6,000 EUR/t, repurposing 2,000 EUR/t) and 10 t/yr of small IT prepared for
re-use (20 EUR per item of 4 kg = 5,000 EUR/t); profit 308,000 EUR/yr, of which re-use value
230,000 and repurposing cost 60,000.

* Without ranges, or with zero-width ranges, every sample's profit is the solved profit.
* value_eur_per_kwh triangular on (lo, 60, hi), symmetric with half-width h: the profit's
  standard deviation is 30 t x 100 kWh/t x sd, sd = h / sqrt(6) (triangular(a, c, b):
  var = (a^2 + b^2 + c^2 - ab - ac - bc) / 18): 12,247 EUR/yr for h = 10, 24,495 for h = 20;
  its mean stays 308,000. A wider range widens the profit spread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from plantopt.instance.loader import instance_from_tables
from plantopt.uncertainty import kernels_mc
from plantopt.uncertainty.kernels_mc import evaluate, evaluate_numpy, seed_key
from plantopt.uncertainty.montecarlo import nominal_metrics, run_monte_carlo
from plantopt.uncertainty.plan import plan_from_result
from plantopt.uncertainty.spec import SamplingOptions, build_spec
from tests.builders import find
from tests.test_reuse import packs

PROFIT = 258_000 + 50_000


def _with_ranges(**cols: tuple[float, float]) -> plantopt.Instance:
    """packs() with ranges on the products: cols = {column: (low, high)} for product sl, and
    value_eur_per_item for eee when named."""
    base = packs()
    prods = base["products"].copy()
    for col, (lo, hi) in cols.items():
        pid = "eee" if col.startswith("value_eur_per_item") else "sl"
        prods.loc[prods["product_id"] == pid, f"{col}_low"] = lo
        prods.loc[prods["product_id"] == pid, f"{col}_high"] = hi
    return instance_from_tables(base.manifest, {**base.tables, "products": prods})


def _mc(inst: plantopt.Instance, n: int = 4000, **opts: object) -> pd.DataFrame:
    res = plantopt.solve(inst, tie_break=False, diagnose=False)
    assert res.has_solution and res.objective == pytest.approx(PROFIT, rel=1e-9)
    plan = plan_from_result(res, inst)
    return run_monte_carlo(plan, n, seed=5, options=SamplingOptions(**opts)).samples  # type: ignore[arg-type]


def test_no_range_and_zero_width_range_reproduce_the_solved_profit() -> None:
    for inst in (packs(), _with_ranges(value_eur_per_kwh=(60, 60))):
        s = _mc(inst, n=50, distribution="triangular")
        np.testing.assert_allclose(s["profit_eur_per_yr"], PROFIT, rtol=1e-12)
        np.testing.assert_allclose(s["reuse_revenue_eur_per_yr"], 230_000, rtol=1e-12)
        np.testing.assert_allclose(s["repurposing_cost_eur_per_yr"], 60_000, rtol=1e-12)
    inst = _with_ranges(value_eur_per_kwh=(40, 80))
    res = plantopt.solve(inst, tie_break=False, diagnose=False)
    nominal = nominal_metrics(plan_from_result(res, inst))
    assert nominal["profit_eur_per_yr"] == pytest.approx(PROFIT, rel=1e-12)


@pytest.mark.parametrize("half_width, sd", [(10.0, 12_247.4), (20.0, 24_494.9)])
def test_a_wider_value_range_widens_the_profit_spread(half_width: float, sd: float) -> None:
    inst = _with_ranges(value_eur_per_kwh=(60 - half_width, 60 + half_width))
    s = _mc(inst, distribution="triangular")
    profit = s["profit_eur_per_yr"]
    assert profit.std() == pytest.approx(sd, rel=0.05)
    assert profit.mean() == pytest.approx(PROFIT, abs=3 * sd / np.sqrt(len(s)))
    assert profit.min() >= PROFIT - 30 * 100 * half_width - 1e-6
    assert profit.max() <= PROFIT + 30 * 100 * half_width + 1e-6
    # the profit moves exactly with the re-use value (nothing else is uncertain)
    np.testing.assert_allclose(profit - s["reuse_revenue_eur_per_yr"], PROFIT - 230_000)


def test_repurposing_cost_and_item_value_ranges_are_drawn() -> None:
    inst = _with_ranges(repurposing_cost_eur_per_t=(1000, 4000), value_eur_per_item=(10, 30))
    s = _mc(inst, n=2000)
    cost = s["repurposing_cost_eur_per_yr"]
    assert cost.min() >= 30 * 1000 - 1e-6 and cost.max() <= 30 * 4000 + 1e-6
    assert cost.std() > 0
    item = s["reuse_revenue_eur_per_yr"] - 30 * 6000  # eee: 10 t at 2,500 .. 7,500 EUR/t
    assert item.min() >= 10 * 2500 - 1e-6 and item.max() <= 10 * 7500 + 1e-6
    assert item.std() > 0
    np.testing.assert_allclose(
        s["profit_eur_per_yr"],
        PROFIT + (s["reuse_revenue_eur_per_yr"] - 230_000) - (cost - 60_000),
        rtol=1e-12,
    )
    # no data range: no draw (use_ranges=False is the nominal plan)
    flat = _mc(inst, n=20, use_ranges=False)
    np.testing.assert_allclose(flat["profit_eur_per_yr"], PROFIT, rtol=1e-12)


@pytest.mark.skipif(not kernels_mc.HAVE_NUMBA, reason="numba disabled")
def test_reuse_money_bit_identical_across_threads_chunks_and_the_twin() -> None:
    import numba

    inst = _with_ranges(value_eur_per_kwh=(40, 90), repurposing_cost_eur_per_t=(1500, 3000))
    res = plantopt.solve(inst, tie_break=False, diagnose=False)
    a = build_spec(plan_from_result(res, inst), SamplingOptions(comp_spread=0.1)).arrays
    assert (a.money_hi > a.money_lo).sum() == 2
    key = seed_key(9)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = evaluate(a, key, 0, 300, chunk=16)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = evaluate(a, key, 0, 300, chunk=7)
    finally:
        numba.set_num_threads(before)
    split = [evaluate(a, key, 0, 100), evaluate(a, key, 100, 200)]
    twin = evaluate_numpy(a, key, 0, 300)
    for x in (one.reuse_eur, one.repurposing_eur):
        assert x.std() > 0
    for field in ("reuse_eur", "repurposing_eur", "revenue_eur"):
        x = getattr(one, field)
        assert np.array_equal(x, getattr(two, field))
        assert np.array_equal(x, np.concatenate([getattr(s, field) for s in split]))
        np.testing.assert_allclose(x, getattr(twin, field), rtol=1e-12)


def test_a_range_that_misses_its_nominal_value_is_an_error() -> None:
    with pytest.raises(InstanceError) as info:
        _with_ranges(value_eur_per_kwh=(70, 80))
    find(info.value.errors, "products.csv", 2, "value_eur_per_kwh_low", "does not contain")
    base = packs()
    prods = base["products"].copy()
    prods.loc[prods["product_id"] == "bm", "value_eur_per_item_high"] = 5.0
    with pytest.raises(InstanceError) as info:
        instance_from_tables(base.manifest, {**base.tables, "products": prods})
    find(info.value.errors, "products.csv", 3, "value_eur_per_item", "needs its nominal")

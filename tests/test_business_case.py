"""Business-case metrics (issue 5): NPV recomputed independently from the cash-flow table and
by hand, IRR, payback, per-tonne figures, saved tables.

Instance: ``tests/test_levers.plant`` (feed F 100 t/yr, Co 10 %, unit R ``big`` 100 t/yr,
capex 60 000 EUR, lifetime 10 yr; operating cash flow 100 t x (0.1 x 1000 - 50) = 5000 EUR/yr)
with a 60 % capex subsidy (net capex 24 000 EUR), r = 8 %, horizon 15 yr. By hand:

    outlays: 24 000 in year 0, 24 000 in year 10 (replacement);
    salvage: the replacement has 5 of 10 years left at year 15 -> 12 000 EUR in year 15;
    NPV = -24 000 - 24 000 x 1.08^-10 + 12 000 x 1.08^-15 + 5000 x AF(8 %, 15)
        = -24 000 - 11 116.68 + 3 782.89 + 42 797.39 = 11 463.6 EUR (> 0: built).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.business.case import irr, npv_of
from tests.conftest import INSTANCES, assert_mass_balance
from tests.test_levers import plant

R, H = 0.08, 15


def af(rate: float, years: int) -> float:
    return sum((1 + rate) ** -t for t in range(1, years + 1))


def by_hand_npv(net_capex: float, ocf: float) -> float:
    return (
        -net_capex - net_capex * (1 + R) ** -10 + 0.5 * net_capex * (1 + R) ** -H + ocf * af(R, H)
    )


@pytest.fixture(scope="module")
def case() -> tuple[plantopt.Instance, plantopt.Result]:
    inst = plant({"discount_rate": R, "horizon_yr": H, "capex_subsidy_frac": 0.6})
    res = plantopt.solve(inst, objective="npv")
    assert res.status == plantopt.SolveStatus.OPTIMAL
    assert_mass_balance(inst, res)
    return inst, res


def test_npv_objective_equals_cash_flow_npv_and_hand_value(case) -> None:
    _, res = case
    assert set(res["built_units"]["option_id"]) == {"big"}
    flows = res["cash_flows"]
    assert list(flows["year"]) == list(range(H + 1))
    # recomputed from the table's undiscounted net cash flows, not its discounted column
    npv = sum(cf / (1 + R) ** t for t, cf in zip(flows["year"], flows["net_cash_flow_eur"]))
    assert npv == pytest.approx(by_hand_npv(24_000, 5000), rel=1e-9)
    assert npv == pytest.approx(11_463.6, abs=0.1)
    assert res.objective == pytest.approx(npv, rel=1e-6)
    assert res.summary["business_case"]["npv_eur"] == pytest.approx(npv, rel=1e-12)
    # the table's own columns: capex and subsidy in years 0 and 10, salvage in year 15
    by_year = flows.set_index("year")
    assert by_year.at[0, "capex_eur"] == pytest.approx(-60_000)
    assert by_year.at[10, "subsidy_eur"] == pytest.approx(36_000)
    assert by_year.at[H, "salvage_eur"] == pytest.approx(12_000)
    assert by_year.at[0, "operating_cash_flow_eur"] == 0.0
    np.testing.assert_allclose(by_year.loc[1:, "operating_cash_flow_eur"], 5000.0, rtol=1e-9)


def test_irr_payback_and_per_tonne(case) -> None:
    _, res = case
    m = res.summary["business_case"]
    cf = res["cash_flows"]["net_cash_flow_eur"].to_numpy()
    assert m["irr"] is not None and m["irr"] > R  # NPV > 0 at 8 %
    assert sum(c / (1 + m["irr"]) ** t for t, c in enumerate(cf)) == pytest.approx(0, abs=1e-3)
    # cumulative: -24 000 + 5000 t >= 0 from year 5; at year 10: 2000 after the replacement
    assert m["payback_year"] == 5
    crf10 = R * (1 + R) ** 10 / ((1 + R) ** 10 - 1)
    cost = 100 * 50 + 24_000 * crf10  # variable opex + annualised net capex, EUR/yr
    assert m["cost_eur_per_t"] == pytest.approx(cost / 100, rel=1e-9)
    assert m["margin_eur_per_t"] == pytest.approx((10_000 - cost) / 100, rel=1e-6)
    rev = res["revenue_by_product"].set_index("product_id")["revenue_eur_per_yr"]
    assert rev["P"] == pytest.approx(10_000, rel=1e-9)
    cats = res["cost_by_category"].set_index("category")["eur_per_yr"]
    assert cats["variable_opex"] == pytest.approx(5000, rel=1e-9)
    sched = res["capex_schedule"]
    assert list(sched["kind"]) == ["investment", "replacement", "salvage"]


def test_irr_and_npv_helpers() -> None:
    # -100 then 110 one year later: IRR 10 %, NPV at 0 = 10
    assert irr(np.array([-100.0, 110.0])) == pytest.approx(0.10, abs=1e-9)
    assert npv_of(np.array([-100.0, 110.0]), 0.0) == pytest.approx(10.0)
    assert irr(np.array([100.0, 50.0])) is None  # no sign change, no IRR


def test_lifetime_equal_to_horizon_npv_is_annuity_times_profit() -> None:
    # L = H = 10: K = 1, so npv = AF(r, 10) x annual profit exactly
    inst = plant({"discount_rate": R, "horizon_yr": 10, "capex_subsidy_frac": 0.6})
    res = plantopt.solve(inst, objective="npv")
    assert_mass_balance(inst, res)
    profit = res.summary["profit_eur_per_yr"]
    assert res.objective == pytest.approx(af(R, 10) * profit, rel=1e-7)


def test_nl_2027_npv_both_builds_and_saved_tables(tmp_path: Path) -> None:
    inst = plantopt.load_instance(INSTANCES / "nl-2027")
    a = plantopt.solve(inst, objective="npv")
    b = plantopt.solve(inst, objective="npv", build="pyomo")
    for res in (a, b):
        assert_mass_balance(inst, res)
        assert res.summary["business_case"]["npv_eur"] == pytest.approx(res.objective, rel=1e-6)
    # two independent MILP solves each end within the relative MIP gap (1e-6) of the bound,
    # so they may differ by up to twice that
    gap2 = 2 * plantopt.SolveOptions().mip_rel_gap
    assert a.objective == pytest.approx(b.objective, rel=gap2)
    # the max-NPV plan is at least as good in NPV as the max-profit plan
    p = plantopt.solve(inst, objective="profit")
    assert a.objective >= p.summary["business_case"]["npv_eur"] - gap2 * abs(a.objective)
    out = a.save(tmp_path / "res")
    for name in (
        "business_case",
        "cash_flows",
        "capex_schedule",
        "revenue_by_product",
        "cost_by_category",
    ):
        assert (out / f"{name}.parquet").is_file()
    case = pd.read_parquet(out / "business_case.parquet").set_index("metric")["value"]
    assert case["npv_eur"] == pytest.approx(a.objective, rel=1e-6)

"""Finance as a bank reads it (issue 16): construction period and spend profile, capex,
opex and revenue escalation, corporate tax with straight-line depreciation, working
capital; the model's npv, the cash-flow table and a hand computation agree.

Instance ``tests/test_levers.plant`` with option R=big required (100 t/yr, capex 60 000 EUR,
lifetime 10 yr = horizon: no replacement, no salvage): revenue 10 t Co x 1000 = 10 000 EUR/yr,
variable opex 100 t x 50 = 5000 EUR/yr. Finance: r = 8 % (real), construction 2 yr with
spend profile 40/60, capex escalation 3 %/yr, revenue 1 %/yr, opex 2 %/yr, tax 25 %, tax
life 5 yr, working capital 36.5 days of revenue (a = 0.1). By hand, years 0..12:

    capex:  y0: 0.4 x 60 000 = 24 000;  y1: 0.6 x 60 000 x 1.03 = 37 080;  A = 61 080
    operation y = 3..12: rev_y = 10 000 x 1.01^y, cost_y = 5000 x 1.02^y
    depreciation A / 5 = 12 216 in y = 3..7 (from service start, 5 years)
    tax_y = 0.25 (rev_y - cost_y - dep_y);  WC_y = 0.1 rev_y, cash -(WC_y - WC_{y-1}),
    released in year 12
    NPV = sum_y net_y 1.08^-y = -26 841.48 EUR
"""

from __future__ import annotations

import numpy as np
import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from plantopt.model.finance import Finance, outlay_flows
from tests.conftest import assert_mass_balance
from tests.test_levers import plant

FIN = {
    "discount_rate": 0.08,
    "horizon_yr": 10,
    "construction_yr": 2,
    "capex_spend_profile": "0.4,0.6",
    "capex_escalation_rate": 0.03,
    "opex_escalation_rate": 0.02,
    "revenue_escalation_rate": 0.01,
    "tax_rate": 0.25,
    "tax_life_yr": 5,
    "working_capital_days_revenue": 36.5,
    "require_units": "R=big",
}


def hand_cash_flows() -> np.ndarray:
    cf = np.zeros(13)
    cf[0] -= 0.4 * 60_000
    cf[1] -= 0.6 * 60_000 * 1.03
    a = 24_000 + 37_080
    wc_prev = 0.0
    for y in range(3, 13):
        rev, cost = 10_000 * 1.01**y, 5000 * 1.02**y
        dep = a / 5 if y <= 7 else 0.0
        wc = 0.1 * rev
        cf[y] += rev - cost - 0.25 * (rev - cost - dep) - (wc - wc_prev)
        wc_prev = wc
    cf[12] += wc_prev
    return cf


@pytest.mark.parametrize("build", ["matrix", "pyomo"])
def test_npv_with_spend_profile_escalation_tax_and_working_capital(build: str) -> None:
    inst = plant(FIN)
    res = plantopt.solve(inst, objective="npv", build=build)
    assert res.status == plantopt.SolveStatus.OPTIMAL
    assert_mass_balance(inst, res)
    hand = hand_cash_flows()
    npv = float(sum(c / 1.08**y for y, c in enumerate(hand)))
    assert npv == pytest.approx(-26_841.48, abs=0.01)
    assert res.objective == pytest.approx(npv, rel=1e-9)
    flows = res["cash_flows"]
    assert list(flows["year"]) == list(range(13))
    np.testing.assert_allclose(flows["net_cash_flow_eur"], hand, rtol=1e-9, atol=1e-6)
    by = flows.set_index("year")
    assert by.at[1, "capex_eur"] == pytest.approx(-37_080)
    assert by.at[2, "operating_cash_flow_eur"] == 0.0
    assert by.at[5, "depreciation_eur"] == pytest.approx(12_216)
    assert by.at[8, "depreciation_eur"] == 0.0
    assert by.at[12, "working_capital_eur"] > 0  # released
    case = res["business_case"].set_index("metric")
    assert case.at["discount_rate", "unit"] == "1/yr (real)"
    assert case.at["npv_eur", "value"] == pytest.approx(npv, rel=1e-9)
    assert res.summary["business_case"]["discount_rate_basis"] == "real"
    assert res.summary["business_case"]["construction_yr"] == 2


def test_plain_finance_keeps_the_old_formula() -> None:
    """Defaults: K' = K(r, L, H) of capex_pv_factor (outlay, replacements, salvage)."""
    from plantopt.model.finance import capex_pv_factor

    fin = Finance(rate=0.08)
    f = outlay_flows(fin, 0.0, 0.0, 15, 10.0, 15)
    assert f.pv(fin) == pytest.approx(capex_pv_factor(0.08, 10.0, 15.0), rel=1e-12)
    assert [k for _, k, _ in f.rows] == ["investment", "replacement", "salvage"]


def test_tax_life_shorter_than_horizon_and_salvage_taxed() -> None:
    """Tax life 4 yr, lifetime 10 yr, horizon 5: dep 0.25 in years 1..4, the salvage 0.5 is
    taxed at 30 % (book value 0 at year 5)."""
    fin = Finance(rate=0.0, tax_rate=0.3, tax_life_yr=4.0)
    f = outlay_flows(fin, 0.0, 0.0, 5, 10.0, 5)
    np.testing.assert_allclose(f.dep, [0, 0.25, 0.25, 0.25, 0.25, 0.0])
    assert f.salvage[5] == pytest.approx(0.5)
    assert f.pv(fin) == pytest.approx(1.0 - 0.7 * 0.5 - 0.3 * 1.0)


def test_nominal_basis_is_stated() -> None:
    res = plantopt.solve(plant({**FIN, "discount_rate_basis": "nominal"}), objective="npv")
    case = res["business_case"].set_index("metric")
    assert case.at["discount_rate", "unit"] == "1/yr (nominal)"


@pytest.mark.parametrize("profile", ["0.5,0.6", "1.0", "a,b"])
def test_bad_spend_profile_names_the_field(profile: str) -> None:
    with pytest.raises(InstanceError) as err:
        plantopt.solve(plant({**FIN, "capex_spend_profile": profile}))
    assert "instance.yaml" in str(err.value) and "capex_spend_profile" in str(err.value)


@pytest.mark.parametrize("build", ["matrix", "pyomo"])
def test_multiperiod_npv_equals_the_cash_flow_table_with_finance(build: str) -> None:
    """Two periods (2027, 2031; 4 yr each), X needed from 2031 (test_multiperiod.li_plant):
    with construction, escalation, tax and working capital the npv objective still equals
    the table's NPV, recomputed from its undiscounted net cash flows."""
    from dataclasses import replace

    from tests.test_multiperiod import li_plant, periods

    base = li_plant(periods((2027, 4), (2031, 4)))
    terms = {k: v for k, v in FIN.items() if k not in ("require_units", "horizon_yr")}
    inst = replace(base, manifest={**base.manifest, **terms, "working_capital_days_cost": 20.0})
    res = plantopt.solve(inst, objective="npv", build=build)
    assert res.status == plantopt.SolveStatus.OPTIMAL
    flows = res["cash_flows"]
    assert len(flows) == 2 + 8 + 1
    assert list(flows["calendar_year"])[2] == 2027
    npv = float(sum(c / 1.08**y for y, c in zip(flows["year"], flows["net_cash_flow_eur"])))
    assert res.objective == pytest.approx(npv, rel=1e-9)
    assert list(res["builds"]["period_built"]) == ["2031"]
    sched = res["capex_schedule"]
    inv = sched[sched["kind"] == "investment"]
    # the 2031 build (offset 2 + 4 = 6) is paid over years 4 and 5, escalated
    assert list(inv["year"]) == [4.0, 5.0]
    np.testing.assert_allclose(inv["capex_eur"], [0.4 * 80_000 * 1.03**4, 0.6 * 80_000 * 1.03**5])


def test_every_income_ledger_item_is_revenue_class() -> None:
    """Items that bring money in (sign +1 in the ledger) escalate at the revenue rate and
    carry the revenue days of working capital; items that cost, at the opex rate."""
    from plantopt.model.finance import Finance
    from plantopt.model.ledger import ITEMS

    f = Finance(0.08, opex_escalation=0.01, revenue_escalation=0.03, wc_days_revenue=73.0)
    for name, sign, _ in ITEMS:
        if name == "annual_capex":
            continue  # capex has its own outlay flows
        assert f.growth(name) == (0.03 if sign > 0 else 0.01), name
        assert f.wc_share(name) == (0.2 if sign > 0 else 0.0), name

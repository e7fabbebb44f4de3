"""Infeasibility diagnosis: each infeasible crafted instance is explained with the right cause.

Numbers from tests/regulation_cases.py: Li per t of feed 0.02; through hydromet 0.95*0.90 of
it is recovered (1.71 t/yr at 100 t/yr of feed); the smelter sends all Li to slag.
"""

from __future__ import annotations

import pandas as pd
import pytest

import plantopt
from plantopt.regulation.diagnosis import diagnose
from tests.conftest import assert_mass_balance
from tests.regulation_cases import battery_case


def _infeasible(inst: plantopt.Instance) -> plantopt.Result:
    res = plantopt.solve(inst)
    assert res.status == plantopt.SolveStatus.INFEASIBLE
    assert res.summary["diagnosis"], "an infeasible solve carries a diagnosis"
    assert isinstance(res["diagnosis"], pd.DataFrame)
    return res


def _only(res: plantopt.Result, family: str) -> pd.DataFrame:
    d = res["diagnosis"]
    return d[d["analysis"] == f"only {family}"].set_index("key")


def test_li_2031_without_a_li_recovering_route() -> None:
    # only the smelter: Li goes to slag; 100 t/yr contracted, so Li 80 % (2031) cannot hold
    res = _infeasible(battery_case(hydromet=False, contracted_min=100.0, target_year=2031))
    targets = _only(res, "target")
    li = targets.loc["C-RM-Li-2031:lithium"]
    assert li["possible"] == pytest.approx(0.0, abs=1e-9) and li["required"] == 0.80
    assert "no unit in this instance recovers Li" in li["message"]
    assert "no unit in this instance takes slag from smelter further" in li["message"]
    # Co: best route 0.95*0.98 = 93.1 % < 95 %
    co = targets.loc["C-RM-Co-2031:lithium"]
    assert co["possible"] == pytest.approx(0.931, rel=1e-6)
    assert "best route" in co["message"]
    text = "\n".join(res.summary["diagnosis"])
    assert (
        "Li material recovery, lithium-based (2031): at most 0.0 % achievable, 80 % required"
        in text
    )
    # the alternative: take no Li-ion feed at all
    assert _only(res, "feed_minimum").loc["liion", "possible"] == pytest.approx(0.0, abs=1e-6)


def test_li_2031_partly_achievable_reports_the_maximum() -> None:
    # hydromet exists but holds only 10 t/yr of black mass (63.29 t of feed):
    # Li at most 10/0.158 * 0.0171 / 2.0 = 54.1 % of the Li in 100 t/yr of feed.
    inst = battery_case(contracted_min=100.0, target_year=2031)
    units = inst["units"].copy()
    units.loc[units["unit_id"] == "hydromet", "existing_capacity_t_per_yr"] = 10.0
    inst = plantopt.instance_from_tables(dict(inst.manifest), {**inst.tables, "units": units})
    res = _infeasible(inst)
    li = _only(res, "target").loc["C-RM-Li-2031:lithium"]
    assert li["possible"] == pytest.approx(10 / 0.158 * 0.0171 / 2.0, rel=1e-6)
    assert "hydromet" in li["message"] and "at capacity" in li["message"]
    # more hydromet capacity alone is not enough: Co 95 % (2031) stays out of reach (93.1 %)
    assert "only capacity" not in set(res["diagnosis"]["analysis"])


def test_contracted_feed_above_capacity() -> None:
    res = _infeasible(battery_case(contracted_min=80.0, shredder_capacity=60.0))
    feed = _only(res, "feed_minimum").loc["liion"]
    assert feed["required"] == 80.0 and feed["possible"] == pytest.approx(60.0)
    cap = _only(res, "capacity").loc["shredder"]
    assert cap["possible"] == pytest.approx(80.0) and cap["required"] == pytest.approx(60.0)
    assert "target" not in set(res["diagnosis"]["family"])


def test_budget_below_the_cheapest_compliant_plant() -> None:
    # Li 50 % (2027) with 100 t/yr contracted needs hydromet, whose only size costs 2 M EUR
    inst = battery_case(
        contracted_min=100.0, target_year=2027, hydromet_option=("h1", 50.0, 2e6, 10.0), budget=1e6
    )
    res = _infeasible(inst)
    budget = _only(res, "budget").loc["budget"]
    assert budget["possible"] == pytest.approx(2e6, rel=1e-9)
    assert "needs 2 M EUR" in budget["message"]
    # with that budget the instance solves, and the Li target binds
    ok = plantopt.solve(inst.with_manifest(budget_eur=2e6))
    assert ok.status == plantopt.SolveStatus.OPTIMAL
    assert_mass_balance(inst, ok)
    assert ok["compliance"].set_index("target_id").at["C-RM-Li-2027:lithium", "status"] == "binding"


def test_take_or_pay_above_what_the_plant_can_deliver() -> None:
    res = _infeasible(battery_case(contracts=[("c1", "li2co3", "Li", 5.0, 2.0, 0.0)]))
    c = _only(res, "contract_minimum").loc["c1"]
    assert c["possible"] == pytest.approx(1.71, rel=1e-6)


def test_diagnose_direct_call_and_feasible_instances_untouched() -> None:
    inst = battery_case(contracted_min=80.0, shredder_capacity=60.0)
    d = diagnose(inst, plantopt.build_route_tree(inst))
    assert d.explained and "feed_minimum" in d.alternatives
    res = plantopt.solve(battery_case())
    assert "diagnosis" not in res.summary and "diagnosis" not in res.tables


def test_iis_names_the_conflicting_constraints() -> None:
    # 80 t/yr contracted (lower bound of accept[liion]) against a 60 t/yr shredder: the
    # LP relaxation is infeasible and HiGHS's IIS holds exactly that conflict
    res = _infeasible(battery_case(contracted_min=80.0, shredder_capacity=60.0))
    iis = set(res["diagnosis"].loc[res["diagnosis"]["analysis"] == "iis", "key"])
    assert "capacity_limit[shredder] (upper bound)" in iis
    assert any(name.startswith("accept[liion] (") for name in iis)
    assert "flow on route liion > unit:shredder (lower bound)" in iis
    assert not any(name.startswith("target_ratio") for name in iis)
    assert any("irreducible infeasible subset" in line for line in res.summary["diagnosis"])


def test_iis_absent_when_only_whole_numbers_conflict() -> None:
    # half a 2 M EUR hydromet fits a 1 M EUR budget in the LP relaxation: no IIS, and the
    # diagnosis says the conflict needs whole-number build decisions
    res = _infeasible(
        battery_case(
            contracted_min=100.0,
            target_year=2027,
            hydromet_option=("h1", 50.0, 2e6, 10.0),
            budget=1e6,
        )
    )
    assert not (res["diagnosis"]["analysis"] == "iis").any()
    assert any("LP relaxation is feasible" in line for line in res.summary["diagnosis"])

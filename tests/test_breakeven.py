"""Break-even (issue 5): bisection result verified by re-solving just above and below.

Hand case: ``tests/test_levers.plant`` with r = 0 and horizon = lifetime = 10 yr, so
npv = 10 x annual profit, and a recovery floor of 10 t/yr that forces ``big`` to run fully
(100 t/yr: margin 100 x (0.1 x 1000 - 50) = 5000 EUR/yr; capital 60 000 / 10 = 6000 EUR/yr):

    capex subsidy s:  10 (5000 - 6000 (1 - s)) >= 0  <=>  s >= 1/6
    gate fee g:       10 (5000 + 100 g - 6000) >= 0   <=>  g >= 10 EUR/t
    price factor p:   10 (10 000 p - 5000 - 6000) >= 0 <=> p >= 1.1
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.business.levers import apply_levers
from plantopt.instance.errors import PlantoptError
from plantopt.studies.breakeven import breakeven, overrides
from tests.conftest import INSTANCES, assert_mass_balance
from tests.test_levers import plant


def forced() -> plantopt.Instance:
    return plant({"horizon_yr": 10, "recovery_floor_t_per_yr": 10.0})


def npv_at(inst: plantopt.Instance, lever: str, value: float) -> float:
    changed = apply_levers(inst, overrides(lever, value))
    res = plantopt.solve(changed, objective="npv")
    if not res.has_solution:
        return float("-inf")
    assert_mass_balance(changed, res)
    return res.objective


@pytest.mark.parametrize(
    "lever,exact", [("capex-subsidy", 1 / 6), ("gate-fee", 10.0), ("price:P", 1.1)]
)
def test_hand_break_even_within_tolerance(lever: str, exact: float) -> None:
    inst = forced()
    b = breakeven(inst, lever)
    assert b.status == "found"
    assert exact <= b.value <= exact + b.tolerance + 1e-12
    # re-solve just above (at the reported value) and just below (one tolerance less)
    assert npv_at(inst, lever, b.value) >= 0
    assert npv_at(inst, lever, b.value - b.tolerance) < 0
    assert set(b.result["built_units"]["option_id"]) == {"big"}


def test_closes_without_lever_and_not_reached() -> None:
    # without a recovery floor the empty plan has NPV 0 >= 0 already
    assert breakeven(plant({"horizon_yr": 10}), "capex-subsidy").status == "closes_without_lever"
    # hurdle 1e9 EUR cannot be met even with capex paid in full
    b = breakeven(forced(), "capex-subsidy", hurdle_eur=1e9)
    assert b.status == "not_reached" and b.value is None


def test_bad_lever_is_a_clear_error() -> None:
    with pytest.raises(PlantoptError, match="expected capex-subsidy"):
        breakeven(forced(), "subsidy")
    with pytest.raises(PlantoptError, match="no product 'nope'"):
        breakeven(forced(), "price:nope")


def test_nl_2027_recovery_floor_closes_without_subsidy_or_is_not_reached() -> None:
    """nl-2027 (data of issue 12): the max-recovery plan itself has a positive NPV, so every
    reachable floor closes without a subsidy, and a floor above the maximum is not reached.

    Changed with the data update of issue 12: with the old data (EV packs 9.7 kt/yr from the
    EU estimate, hydromet capex 245 MEUR for 5 kt) a 2000 t/yr floor needed a capex subsidy.
    With calibrated tonnages (1.4 kt/yr EV packs, below a hydromet line's minimum load) the
    most weighted recovery nl-2027 reaches is ~50.4 t/yr, and that plan earns money.
    """
    inst = plantopt.load_instance(INSTANCES / "nl-2027")
    at_max = breakeven(
        inst.with_manifest(recovery_floor_t_per_yr=50.0), "capex-subsidy", tolerance=0.005
    )
    assert at_max.status == "closes_without_lever" and at_max.value == 0.0
    above = breakeven(
        inst.with_manifest(recovery_floor_t_per_yr=60.0), "capex-subsidy", tolerance=0.005
    )
    assert above.status == "not_reached"


def test_cli_breakeven_writes_plan_and_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from plantopt.instance.writer import write_instance
    from tests.test_cli import run_main

    folder = write_instance(plant({"horizon_yr": 10}), tmp_path / "inst")
    out = tmp_path / "be"
    code, stdout, err = run_main(
        monkeypatch,
        capsys,
        "breakeven",
        folder,
        "--lever",
        "gate-fee",
        "--recovery-floor",
        "10",
        "--out",
        out,
    )
    assert code == 0, err
    assert "gate-fee" in stdout
    search = pd.read_parquet(out / "breakeven.parquet")
    assert (search["npv_eur"] >= 0).any() and (search["npv_eur"] < 0).any()
    assert (out / "built_units.parquet").is_file() and (out / "cash_flows.parquet").is_file()

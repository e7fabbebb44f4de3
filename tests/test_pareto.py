"""Pareto front (issue 5): points non-dominated and monotone, plan changes, CLI files.

Hand case (``tests/test_levers.plant`` with a 50 % subsidy, r = 0, horizon 10): ``big``
(100 t/yr, net capex 30 000 -> 3000 EUR/yr) earns 5000 - 3000 = 2000 EUR/yr and recovers
10 t Co; it is also the max-recovery plan. So the front is one point: (10 t, NPV 20 000).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.studies.pareto import non_dominated, pareto_front
from tests.conftest import INSTANCES, assert_mass_balance
from tests.test_levers import plant


def check_front(points: pd.DataFrame, economic: str) -> None:
    col = "npv_eur" if economic == "npv" else "profit_eur_per_yr"
    assert non_dominated(points, economic)
    w = points["weighted_recovery_t_per_yr"].to_numpy()
    e = points[col].to_numpy()
    tol = 1e-6 * max(1.0, np.abs(e).max())
    assert np.all(np.diff(w) > 0), "recovery strictly increases along the front"
    assert np.all(np.diff(e) <= tol), "the economic value never increases with recovery"
    assert np.all(w >= points["epsilon_t_per_yr"].to_numpy() - 1e-6 * max(1.0, w.max()))


def test_hand_front_single_point() -> None:
    inst = plant({"capex_subsidy_frac": 0.5, "horizon_yr": 10})
    front = pareto_front(inst, 4)
    assert len(front.points) == 1
    r = front.points.iloc[0]
    assert r["weighted_recovery_t_per_yr"] == pytest.approx(10.0, rel=1e-6)
    assert r["npv_eur"] == pytest.approx(20_000.0, rel=1e-6)
    assert r["built"] == "R:big"


def test_hand_front_trade_off() -> None:
    # subsidy 40 %, r = 0, H = L = 10 (npv = 10 x annual profit), CO2 30 EUR/t x 0.5 t/t:
    # big:   10 x (5000 - 6000 x 0.6 - 100 x 0.5 x 30) = -1000 EUR for 10 t Co
    # small: 10 x (2500 - 4000 x 0.6 - 50 x 0.5 x 30)  = -6500 EUR for 5 t (dominated)
    # nothing: 0 EUR for 0 t  ->  front {(0 t, 0 EUR), (10 t, -1000 EUR)}
    inst = plant({"capex_subsidy_frac": 0.4, "horizon_yr": 10, "co2_price_eur_per_t": 30}, co2=0.5)
    front = pareto_front(inst, 3)
    check_front(front.points, "npv")
    got = front.points[["weighted_recovery_t_per_yr", "npv_eur"]].to_numpy()
    np.testing.assert_allclose(got, [[0.0, 0.0], [10.0, -1000.0]], atol=1e-3)
    assert front.points["changes"].iloc[1] == "+R:big; +feed F"


@pytest.mark.parametrize("economic", ["npv", "profit"])
def test_nl_2027_front_non_dominated_and_monotone(economic: str) -> None:
    inst = plantopt.load_instance(INSTANCES / "nl-2027")
    front = pareto_front(inst, 5, economic)
    assert len(front.points) >= 2
    check_front(front.points, economic)
    # every point is a solved plan: recover it and check mass balance at the middle point
    mid = front.points.iloc[len(front.points) // 2]
    res = plantopt.solve(
        inst.with_manifest(recovery_floor_t_per_yr=mid["epsilon_t_per_yr"]), objective=economic
    )
    assert_mass_balance(inst, res)
    col = "npv_eur" if economic == "npv" else "profit_eur_per_yr"
    assert res.objective == pytest.approx(mid[col], rel=1e-6)


def test_cli_pareto_writes_table_and_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from plantopt.instance.writer import write_instance
    from tests.test_cli import run_main

    folder = write_instance(
        plant({"capex_subsidy_frac": 0.4, "horizon_yr": 10, "co2_price_eur_per_t": 30}, co2=0.5),
        tmp_path / "inst",
    )
    out = tmp_path / "front"
    code, stdout, err = run_main(
        monkeypatch, capsys, "pareto", folder, "--points", "3", "--out", out
    )
    assert code == 0, err
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    points = pd.read_parquet(out / "pareto.parquet")
    assert len(points) == 2 and "Pareto front" in stdout
    code, _, err = run_main(monkeypatch, capsys, "pareto", folder, "--economic", "fun")
    assert code == 2 and "npv or profit" in err

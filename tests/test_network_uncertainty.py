"""Monte Carlo (``evaluate``), robust (extensive form) and batch on a network instance
(issue 15), on tests/network_case.py with a site opex factor (worked by hand):

D (opex 10 EUR/t) dismantles 100 t at spoke A, H (opex 100 EUR/t) refines the 40 t of black
mass at hub X, whose opex factor is 1.5. Transport: haul 100 t x 10 km + ship 40 t x 100 km
at 0.1 EUR/t.km = 100 + 400 = 500 EUR/yr; variable opex 100 x 10 + 40 x 100 x 1.5 = 7,000;
revenue 10 t Co x 10,000 = 100,000; capex 150 over 15 years = 10 EUR/yr:
    profit = 100,000 - 7,000 - 500 - 10 = 92,490 EUR/yr.
The Monte Carlo re-prices both network items per sample: the shipment by the sampled real
tonnes of black mass, the hub's opex by its sampled throughput times the site's factor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import plantopt
from plantopt.solver.types import SolveOptions
from tests.builders import assert_solved
from tests.conftest import assert_mass_balance
from tests.network_case import network_instance, sites

UNITS = [
    {"unit_id": "D", "stage": "dismantling", "opex_eur_per_t": 10},
    {"unit_id": "H", "stage": "refining", "opex_eur_per_t": 100},
]
PROFIT = 100_000.0 - 7_000.0 - 500.0 - 10.0


def case(**kw: object) -> plantopt.Instance:
    return network_instance(site_rows=sites(X={"opex_factor": 1.5}), units=UNITS, **kw)  # type: ignore[arg-type]


def solve(inst: plantopt.Instance) -> plantopt.Result:
    r = plantopt.solve(inst, options=SolveOptions(tie_break=False))
    assert_solved(r)
    assert_mass_balance(inst, r)
    return r


def test_monte_carlo_reprices_transport_and_site_opex(tmp_path: Path) -> None:
    r = solve(case())
    assert r.objective == pytest.approx(PROFIT)
    econ = r["economics"]["eur_per_yr"]
    assert -econ["disposal_and_route_costs"] == pytest.approx(500.0)
    assert -econ["variable_opex"] == pytest.approx(7_000.0)
    nt = r.tables["node_transport"]
    assert nt["transport_eur_per_yr"].sum() == pytest.approx(500.0)
    mc = plantopt.evaluate(r, samples=400, spread=0.1, seed=3)
    nom = mc.summary["nominal"]
    assert nom["profit_eur_per_yr"] == pytest.approx(PROFIT)
    assert nom["route_costs_eur_per_yr"] == pytest.approx(500.0)
    assert nom["variable_opex_eur_per_yr"] == pytest.approx(7_000.0)
    s = mc.samples
    assert s["mass_balance_rel_error"].max() < 1e-9  # per material, every sample
    # per sample: the haul (100 t of feed, fixed) + 10 EUR per real t of black mass shipped,
    # and D's 10 EUR/t + H's 150 EUR/t of its sampled throughput
    bm = s["throughput_t_per_yr:H"]
    assert np.allclose(s["route_costs_eur_per_yr"], 100.0 + 10.0 * bm)
    assert np.allclose(s["variable_opex_eur_per_yr"], 10.0 * 100.0 + 150.0 * bm)
    assert bm.std() > 0  # the shipped tonnes do move with the sampled yields
    # the same from the result folder
    folder = r.save(tmp_path / "net")
    again = plantopt.evaluate(folder, samples=400, spread=0.1, seed=3)
    assert again.summary["nominal"]["profit_eur_per_yr"] == pytest.approx(PROFIT)
    assert np.allclose(again.samples["profit_eur_per_yr"], s["profit_eur_per_yr"])


def test_robust_extensive_form_on_a_network() -> None:
    """Two scenarios (extensive form, first stage = builds): optimal; each scenario's plan
    balances per site and material; the plan the out-of-sample Monte Carlo checks is priced
    at the model's own profit (transport and site opex included)."""
    from plantopt.api.tables import result_tables
    from plantopt.results.solution import read_solution
    from plantopt.uncertainty.montecarlo import nominal_metrics
    from plantopt.uncertainty.robust import robust
    from plantopt.uncertainty.robust_report import _plan_of

    out = robust(case(), scenarios=2, seed=1, objective="profit", spread=0.05,
                 oos_samples=50, evpi=False)  # fmt: skip
    s = out.summary
    assert s["robust"]["status"] == "optimal"
    lay = out.nominal_families.layout  # where to build is first stage, with how much
    assert set(range(lay.site_build0, lay.site_run0)) <= set(out.solved.ef.first.tolist())
    assert np.isfinite(s["out_of_sample"]["robust"]["npv_p50_eur"])
    for k, fams in enumerate(out.families):
        x = out.solved.x(k)
        tables, _, _ = result_tables(out.scenarios[k].instance, fams, read_solution(fams, x))
        assert tables["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6
        mb = tables["mass_balance"]
        assert (mb["residual_t_per_yr"].abs() <= 1e-6 * mb["input_t_per_yr"].max()).all()
        su = tables["site_units"]
        assert set(su.loc[su["unit_id"] == "D", "site_id"]) == {"A"}  # first stage
    x0 = out.nominal_x
    plan = _plan_of(out, x0)
    profit = float(out.nominal_families.objectives["profit"] @ x0)
    assert profit == pytest.approx(PROFIT)
    assert nominal_metrics(plan)["profit_eur_per_yr"] == pytest.approx(profit)


def test_batch_over_network_tables(tmp_path: Path) -> None:
    """A grid over a distance of distances.csv: R->A 10 km keeps the spoke at A (profit
    92,490), 60 km moves it to B (route 660: 100,000 - 7,000 - 660 - 10 = 92,330); every
    job balances per site."""
    from plantopt.batch import run_batch
    from plantopt.instance.writer import write_instance
    from plantopt.results.folder import read_tables

    base = write_instance(case(), tmp_path / "net")
    scen = tmp_path / "grid.yaml"
    field = "distances[from_id=R,to_id=A].distance_km"
    scen.write_text(f'name: km\nbase: {base}\ngrid:\n  "{field}": [10, 60]\n')
    rep = run_batch([str(scen)], tmp_path / "store", workers=1, progress=False)
    assert rep.n_failed == 0 and rep.n_jobs == 2
    t = rep.table.sort_values(f"p:{field}")
    assert t["profit_eur_per_yr"].to_numpy() == pytest.approx([PROFIT, 92_330.0])
    for rec in t["result_dir"]:
        tables = read_tables(tmp_path / "store" / rec)
        assert tables["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6
        assert "compliance_by_site" in tables and "node_transport" in tables

"""Network instances with modular options and planning periods (issue 15), hand-checked
on the case of tests/network_case.py (road EUR 0.1 per t.km; per tonne of feed: through
spoke A haul 1 + ship 0.4 x 10 = 5 EUR, through B 5 + 0.4 x 4 = 6.6 EUR; revenue 1,000
EUR per t of feed: 0.1 t Co x 10,000)."""

from __future__ import annotations

import pytest

from tests.builders import economics
from tests.conftest import assert_mass_balance
from tests.network_case import network_instance, sites
from tests.test_network_model import REVENUE, route_cost, solve

MODULE = {"unit_id": "D", "option_id": "m", "capacity_t_per_yr": 40, "capex_eur": 150,
          "max_modules": 3, "land_m2": 10}  # fmt: skip


def site_capacity(r, unit: str = "D") -> dict[str, float]:  # type: ignore[no-untyped-def]
    su = r["site_units"]
    su = su[su["unit_id"] == unit]
    return {s: c for s, c in zip(su["site_id"], su["capacity_t_per_yr"]) if c > 0}


def test_modular_option_counts_modules_per_site() -> None:
    """40 t modules, capex 150 (10 EUR/yr each): 3 modules at A carry the 100 t: 500 + 30.
    With land for 2 modules at A: 80 t through A (400) and 20 t through B in one module
    (132): 100,000 - 532 - 30."""
    inst = network_instance(capacity_options=[MODULE])
    r = solve(inst)
    assert site_capacity(r) == {"A": pytest.approx(120.0)}
    assert r.objective == pytest.approx(REVENUE - 500.0 - 30.0)
    assert economics(r)["capex_total"] == pytest.approx(450.0)
    assert_mass_balance(inst, r)
    inst = network_instance(capacity_options=[MODULE], site_rows=sites(A={"land_available_m2": 20}))
    r = solve(inst)
    assert site_capacity(r) == {"A": pytest.approx(80.0), "B": pytest.approx(40.0)}
    su = r["site_units"].set_index(["site_id", "unit_id"])
    assert su.loc[("A", "D"), "throughput_t_per_yr"] == pytest.approx(80.0)
    assert su.loc[("A", "D"), "built_option"] == "mx2"
    assert route_cost(r) == pytest.approx(400.0 + 132.0)
    assert r.objective == pytest.approx(REVENUE - 532.0 - 30.0)
    assert r["sites"].set_index("site_id").loc["A", "land_used_m2"] == pytest.approx(20.0)
    assert_mass_balance(inst, r)
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6
    assert solve(inst, build="pyomo").objective == pytest.approx(r.objective, rel=1e-9)

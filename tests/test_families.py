"""Every row family, expression and ledger item against coefficients computed by hand.

One micro plant: feed F (100 t/yr, contracted 10, gate fee 50 EUR/t; Co 10 %, other 90 %) is
shredded (unit S: no existing capacity, options small 40 t/yr and big 80 t/yr, minimum load
50 %, opex 5 EUR/t, 0.2 t CO2/t) into black mass (Co 0.9, other 0.2) sold as product BM
(Co at 20,000 EUR/t, payable 0.5, at most 20 t/yr) and residue (Co 0.1, other 0.8) landfilled
at 7 EUR/t. The route tree is three nodes: 0 = F entering S (1 t per t of feed), 1 = black
mass (0.1*0.9 + 0.9*0.2 = 0.27 t/t, 0.09 t Co/t), 2 = residue (0.01 + 0.72 = 0.73 t/t).

Each test reads one family as a dense row over named columns, so a wrong coefficient in the
shared model data fails here, not only as a disagreement between the two emitters.
"""

from __future__ import annotations

import numpy as np
import pytest

from plantopt.model.build import Families
from plantopt.model.family import Family
from plantopt.model.pipeline import families_of
from tests.builders import make_instance, materials, route, tc_rows

INF = float("inf")


def plant(**manifest: object) -> Families:
    inst = make_instance(
        manifest={
            "apply_targets": False,
            "co2_price_eur_per_t": 30,
            "co2_cap_t_per_yr": 15,
            "land_available_m2": 900,
            "budget_eur": 1200,
            "profit_floor_eur_per_yr": -1e6,
            **manifest,
        },
        materials=materials({"Co": 1.0}),
        feeds=[
            {
                "feed_id": "F",
                "feed_class": "c",
                "available_t_per_yr": 100,
                "contracted_min_t_per_yr": 10,
                "gate_fee_eur_per_t": 50,
            }
        ],
        composition=[
            {"feed_id": "F", "material": "Co", "mass_frac": 0.1},
            {"feed_id": "F", "material": "other", "mass_frac": 0.9},
        ],
        units=[
            {
                "unit_id": "S",
                "stage": "preprocessing",
                "opex_eur_per_t": 5,
                "min_load_frac": 0.5,
                "existing_capacity_t_per_yr": 0,
                "co2_t_per_t": 0.2,
            }
        ],
        capacity_options=[
            {
                "unit_id": "S",
                "option_id": "small",
                "capacity_t_per_yr": 40,
                "capex_eur": 1000,
                "fixed_opex_eur_per_yr": 10,
                "lifetime_yr": 10,
                "land_m2": 500,
            },
            {
                "unit_id": "S",
                "option_id": "big",
                "capacity_t_per_yr": 80,
                "capex_eur": 1500,
                "fixed_opex_eur_per_yr": 20,
                "lifetime_yr": 10,
                "land_m2": 800,
            },
        ],
        transfer_coefficients=tc_rows(
            "S", {"Co": {"bm": 0.9, "res": 0.1}, "other": {"bm": 0.2, "res": 0.8}}
        ),
        routing=[route("S", "bm", "product", "BM"), route("S", "res", "disposal", "landfill", 7)],
        feed_entry=[{"feed_class": "c", "unit_id": "S"}],
        products=[{"product_id": "BM", "max_offtake_t_per_yr": 20}],
        product_prices=[
            {"product_id": "BM", "material": "Co", "price_eur_per_t": 20000, "payable_frac": 0.5}
        ],
    )
    return families_of(inst)


@pytest.fixture(scope="module")
def fams() -> Families:
    return plant()


def names(fams: Families) -> list[str]:
    lay = fams.layout
    out = [f"accept[{f}]" for f in lay.feeds] + [f"flow[{n}]" for n in range(lay.n_nodes)]
    out += [f"build[{j}]" for _, j in lay.options] + [f"run[{u}]" for u in lay.run_units]
    return out + [f"take[{c}]" for c in lay.contracts]


def dense(fams: Families, f: Family) -> list[dict[str, float]]:
    """Each row of ``f`` as {column name: coefficient} (non-zeros only)."""
    cols = names(fams)
    width = fams.layout.n_cols if f.scope == "global" else fams.layout.local().n_cols
    a = f.matrix(width).toarray()
    return [{cols[j]: pytest.approx(v) for j, v in enumerate(row) if v != 0} for row in a]


def period(fams: Families, name: str) -> Family:
    per = fams.periods[0]
    found = [f for f in per.rows if f.name == name] + [
        f for f in per.expressions.values() if f.name == name
    ]
    if name in per.ledger.items:
        found.append(per.ledger.items[name])
    assert len(found) == 1, name
    return found[0]


def glob(fams: Families, name: str) -> Family:
    found = [f for f in fams.global_rows if f.name == name] + [
        f for f in fams.global_expressions.values() if f.name == name
    ]
    assert len(found) == 1, name
    return found[0]


def bounds(f: Family) -> list[tuple[float, float]]:
    assert f.lower is not None and f.upper is not None
    return list(zip(f.lower.tolist(), f.upper.tolist()))


def test_route_tree_of_the_micro_plant(fams: Families) -> None:
    tree = fams.data.tree
    assert tree.n_nodes == 3
    np.testing.assert_allclose(tree.node_mass(), [1.0, 0.27, 0.73])


def test_columns_and_their_bounds(fams: Families) -> None:
    assert names(fams) == [
        "accept[F]",
        "flow[0]",
        "flow[1]",
        "flow[2]",
        "build[small]",
        "build[big]",
        "run[S]",
    ]
    np.testing.assert_allclose(fams.col_lower, [10, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(fams.col_upper, [100, INF, INF, INF, 1, 1, 1])
    assert fams.layout.integrality().tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_feed_and_output_balance(fams: Families) -> None:
    f = period(fams, "feed_balance")
    assert dense(fams, f) == [{"flow[0]": 1, "accept[F]": -1}] and bounds(f) == [(0, 0)]
    g = period(fams, "output_balance")
    rows = dense(fams, g)
    assert len(rows) == 2
    assert {"flow[0]": -1, "flow[1]": 1} in rows and {"flow[0]": -1, "flow[2]": 1} in rows
    assert bounds(g) == [(0, 0), (0, 0)]


def test_capacity_and_minimum_load(fams: Families) -> None:
    cap = period(fams, "capacity_limit")
    assert dense(fams, cap) == [{"flow[0]": 1, "build[small]": -40, "build[big]": -80}]
    assert bounds(cap) == [(-INF, 0)]
    # Cmax = existing 0 + largest option 80
    up = period(fams, "run_upper")
    assert dense(fams, up) == [{"flow[0]": 1, "run[S]": -80}] and bounds(up) == [(-INF, 0)]
    # throughput - 0.5 (40 small + 80 big) - 80 run >= 0.5 * 0 - 80
    ml = period(fams, "min_load")
    assert dense(fams, ml) == [
        {"flow[0]": 1, "build[small]": -20, "build[big]": -40, "run[S]": -80}
    ]
    assert bounds(ml) == [(-80, INF)]
    rib = period(fams, "run_if_built")
    assert dense(fams, rib) == [{"run[S]": 1, "build[small]": -1, "build[big]": -1}]
    assert bounds(rib) == [(-INF, 0)]


def test_unit_expressions(fams: Families) -> None:
    assert dense(fams, period(fams, "throughput")) == [{"flow[0]": 1}]
    cap = period(fams, "capacity")
    assert dense(fams, cap) == [{"build[small]": 40, "build[big]": 80}]
    assert cap.const().tolist() == [0.0]


def test_offtake_co2_and_land(fams: Families) -> None:
    off = period(fams, "offtake")
    assert off.index == ["BM"] and dense(fams, off) == [{"flow[1]": 0.27}]
    assert bounds(off) == [(-INF, 20)]
    co2 = period(fams, "co2_cap")
    assert dense(fams, co2) == [{"flow[0]": 0.2}] and bounds(co2) == [(-INF, 15)]
    land = period(fams, "resource_limit")
    assert land.index == ["land"]
    assert dense(fams, land) == [{"build[small]": 500, "build[big]": 800}]
    assert bounds(land) == [(-INF, 900)]


def test_ledger_items(fams: Families) -> None:
    expected = {
        "revenue": {"flow[1]": 0.09 * 20000 * 0.5},  # 900 EUR per t of feed
        "gate_fees": {"accept[F]": 50},
        "variable_opex": {"flow[0]": 5},
        "fixed_opex": {"build[small]": 10, "build[big]": 20},
        "annual_capex": {"build[small]": 100, "build[big]": 150},  # capex / 10 at r = 0
        "route_costs": {"flow[2]": 7 * 0.73},
        "co2_cost": {"flow[0]": 30 * 0.2},
        "offtake_premium": {},
    }
    for name, row in expected.items():
        got = dense(fams, period(fams, name))
        assert got == [row], name
    profit = fams.periods[0].ledger.profit(fams.layout.local().n_cols)
    np.testing.assert_allclose(profit, [50, -5 - 6, 900, -5.11, -110, -170, 0])


def test_recovery_expressions(fams: Families) -> None:
    rec = period(fams, "recovered")
    assert rec.index == ["Co", "other"]
    assert dense(fams, rec) == [{"flow[1]": 0.09}, {}]
    assert dense(fams, period(fams, "weighted_recovery")) == [{"flow[1]": 0.09}]


def test_global_rows(fams: Families) -> None:
    one = glob(fams, "one_option")
    assert one.index == ["S"] and dense(fams, one) == [{"build[small]": 1, "build[big]": 1}]
    assert bounds(one) == [(-INF, 1)]
    budget = glob(fams, "budget")
    assert dense(fams, budget) == [{"build[small]": 1000, "build[big]": 1500}]
    assert bounds(budget) == [(-INF, 1200)]
    floor = glob(fams, "profit_floor")
    assert dense(fams, floor) == [
        {
            "accept[F]": 50,
            "flow[0]": -11,
            "flow[1]": 900,
            "flow[2]": -5.11,
            "build[small]": -110,
            "build[big]": -170,
        }
    ]
    assert bounds(floor) == [(-1e6, INF)]
    assert glob(fams, "recovery_floor").n == 0  # not set


def test_objectives_and_npv(fams: Families) -> None:
    # one period of 15 years at r = 0: npv = 15 (profit + annual capex) - capex (life 10 < 15:
    # bought at 0 and 10, salvage 5/10 at 15 -> K = 1.5)
    npv = fams.objectives["npv"]
    np.testing.assert_allclose(npv, [750, -165, 13500, -76.65, -150 - 1500, -300 - 2250, 0])
    np.testing.assert_allclose(fams.objectives["recovery"], [0, 0, 0.09, 0, 0, 0, 0])
    capex = glob(fams, "capex_total")
    assert dense(fams, capex) == [{"build[small]": 1000, "build[big]": 1500}]


def test_relaxable_families_carry_their_scale(fams: Families) -> None:
    cap = period(fams, "capacity_limit")
    assert cap.relax is not None and cap.relax.group == "capacity"
    assert cap.relax.scale.tolist() == [80.0]
    assert glob(fams, "budget").relax.scale.tolist() == [1200.0]  # type: ignore[union-attr]

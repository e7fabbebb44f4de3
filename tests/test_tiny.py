"""The DESIGN.md worked example, solved by hand.

100 t of feed (Li 2 %, Co 10 %, other 88 %) is shredded: 95 % of Li and Co and 30 % of the
rest go to black mass, so black mass is 0.95*0.02 + 0.95*0.10 + 0.30*0.88 = 0.378 t per t of
feed. The hydromet line takes at most 10 t/yr of black mass, i.e. 10 / 0.378 = 26.455 t of
feed; it recovers Li 90 % and Co 98 %. The smelter recovers Co 98 % and loses Li to slag.
Maximising Li + Co (weights 1) sends as much as possible to hydromet:
Li = 26.455 * 0.02 * 0.95 * 0.90 = 0.4524 t; Co = 100 * 0.10 * 0.95 * 0.98 = 9.31 t.
"""

from __future__ import annotations

import pytest

import plantopt
from tests.conftest import assert_mass_balance


def test_design_example_optimum(tiny: plantopt.Instance) -> None:
    res = plantopt.solve(tiny)
    assert res.status == plantopt.SolveStatus.OPTIMAL
    rec = res["recovery"].set_index("material")["recovered_t_per_yr"]
    assert rec["Li"] == pytest.approx(10 / 0.378 * 0.02 * 0.95 * 0.90, rel=1e-9)
    assert rec["Co"] == pytest.approx(100 * 0.10 * 0.95 * 0.98, rel=1e-9)
    assert res.objective == pytest.approx(rec["Li"] + rec["Co"], rel=1e-9)
    units = res["unit_throughput"].set_index("unit_id")
    assert units.at["hydromet", "throughput_t_per_yr"] == pytest.approx(10.0, rel=1e-9)
    assert units.at["smelter", "throughput_t_per_yr"] == pytest.approx(0.378 * (100 - 10 / 0.378))
    assert_mass_balance(tiny, res)


def test_route_tree_coefficients(tiny: plantopt.Instance) -> None:
    tree = plantopt.build_route_tree(tiny)
    paths = tree.paths()
    hydro = paths.index("liion > unit:shredder > [black_mass] unit:hydromet")
    assert tree.node_mass()[hydro] == pytest.approx(0.378)
    li2co3 = [i for i, p in enumerate(paths) if p.endswith("product:li2co3")][0]
    assert tree.coef[li2co3, tree.materials.index("Li")] == pytest.approx(0.02 * 0.95 * 0.9)


def test_result_does_not_mutate_instance(tiny: plantopt.Instance) -> None:
    before = tiny.content_hash()
    plantopt.solve(tiny, objective="profit")
    assert tiny.content_hash() == before

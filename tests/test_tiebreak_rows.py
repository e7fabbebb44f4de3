"""The tie-break experiment's valid inequalities (benchmarks/tiebreak_rows.py, measured by
``bench_tiebreak.py --all``; not part of the model): their bounds by hand on ``tiny``, and the
same plan with and without them.

tiny (models/formulation.md §10): 100 t/yr of feed into the shredder (node 0, mu = 1); its
black mass (mu = 0.378) goes to the hydromet line (node 1) or to the smelter (node 2). Made
to need a build: the hydromet line has no existing capacity and one option of 50 t/yr, so

    node_link[1]:                  0.378 y_1 - min(0.378 x 100, 50) build = 0.378 y_1 - 37.8 b <= 0
    feed_link[liion, hydromet]:    the same row (one node of the feed at the unit)

and no other unit gets a row (existing capacity, no minimum load).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import plantopt
from benchmarks.tiebreak_rows import ROWS, reach_per_feed
from plantopt.model import build
from plantopt.model.pipeline import families_of
from tests.builders import InstanceFolder


def _hydromet_to_build(tmp_path: Path) -> plantopt.Instance:
    folder = InstanceFolder(tmp_path)
    folder.set_cell("units.csv", 3, "existing_capacity_t_per_yr", 0)
    folder.add_row(
        "capacity_options.csv",
        unit_id="hydromet",
        option_id="line50",
        capacity_t_per_yr=50,
        capex_eur=1000,
        fixed_opex_eur_per_yr=10,
        lifetime_yr=10,
        source="test",
    )
    return plantopt.load_instance(folder.path)


def test_reach_per_feed_takes_the_best_route_not_the_sum() -> None:
    fams = families_of(plantopt.load_instance(plantopt.packaged_instance_path("tiny")))
    units = list(fams.data.tree.units)
    M = reach_per_feed(fams.periods[0].context)
    assert M[0, units.index("shredder")] == pytest.approx(1.0)
    # the black mass goes to one refining unit or the other: each may get all of it
    assert M[0, units.index("hydromet")] == pytest.approx(0.378)
    assert M[0, units.index("smelter")] == pytest.approx(0.378)


@pytest.mark.parametrize("variant", sorted(ROWS))
def test_rows_by_hand(tmp_path: Path, variant: str) -> None:
    fams = families_of(_hydromet_to_build(tmp_path))
    ctx = fams.periods[0].context
    f = ROWS[variant](ctx)
    assert f.n == 1
    assert list(f.index) == ([1] if variant == "links-node" else [("liion", "hydromet")])
    a = f.matrix(ctx.layout.n_cols).toarray()[0]
    build_col = ctx.layout.build0 + ctx.layout.o_index[("hydromet", "line50")]
    assert a[ctx.layout.flow0 + 1] == pytest.approx(0.378)
    assert a[build_col] == pytest.approx(-37.8)
    assert np.count_nonzero(a) == 2
    assert f.upper is not None and f.upper[0] == 0.0
    assert f.relax is not None and f.relax.group == "capacity" and f.relax.keys == ("hydromet",)


@pytest.mark.parametrize("variant", sorted(ROWS))
def test_same_plan_with_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variant: str
) -> None:
    inst = _hydromet_to_build(tmp_path)
    plain = plantopt.solve(inst, diagnose=False)
    monkeypatch.setattr(build, "PERIOD_ROWS", (*build.PERIOD_ROWS, ROWS[variant]))
    assert any(f.name in ("node_link", "feed_link") for f in families_of(inst).periods[0].rows)
    linked = plantopt.solve(inst, diagnose=False)
    assert linked.objective == pytest.approx(plain.objective, rel=1e-9)
    assert linked.summary["secondary_objective"] == pytest.approx(
        plain.summary["secondary_objective"], rel=1e-9
    )

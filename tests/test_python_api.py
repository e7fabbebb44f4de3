"""The Python API of the workflow (issue 18): levers and requirements as solve() arguments,
res.plot, Result.load, and the documented study functions."""

from __future__ import annotations

from pathlib import Path

import pytest

import plantopt
from tests.conftest import INSTANCES
from tests.test_levers import built, plant


def test_levers_and_requirements_as_solve_arguments() -> None:
    inst = plant()
    res = plantopt.solve(inst, objective="profit", capex_subsidy=0.2)
    assert built(res) == {"big"} and res.objective == pytest.approx(200.0, rel=1e-6)
    res = plantopt.solve(inst, objective="profit", require=["R=small"])
    assert built(res) == {"small"} and res.objective == pytest.approx(-1500.0, rel=1e-6)
    res = plantopt.solve(inst, objective="profit", recovery_floor=6.0)
    assert built(res) == {"big"}
    assert res.instance.manifest["recovery_floor_t_per_yr"] == 6.0
    assert inst.manifest.get("recovery_floor_t_per_yr") is None  # the input is unchanged
    with pytest.raises(plantopt.InstanceError, match="forbid_units"):
        plantopt.solve(inst, forbid="nope")
    with pytest.raises(TypeError):
        plantopt.solve(inst, capex_subsidy_typo=0.1)


def test_plot_helpers_return_plotly_figures() -> None:
    res = plantopt.solve(INSTANCES / "tiny")
    fig = res.plot.sankey("Co")
    assert fig.data[0].type == "sankey"
    # Co from the smelter into co_alloy: 73.545 t feed x 0.10 x 0.95 x 0.98
    labels = list(fig.data[0].node.label)
    assert any(label.startswith("co_alloy (6.85 t/yr)") for label in labels)
    assert res.plot.sankey().data[0].type == "sankey"
    econ = res.plot.economics()
    assert econ.data[0].type == "waterfall"
    assert list(econ.data[0].measure)[-1] == "total"
    with pytest.raises(ValueError, match="no flows of 'Xx'"):
        res.plot.sankey("Xx")


def test_documented_study_functions(tmp_path: Path) -> None:
    for name in ("breakeven", "pareto_front", "evaluate", "compare", "run_batch", "collect"):
        fn = getattr(plantopt, name)
        assert callable(fn) and fn.__doc__ and len(fn.__doc__) > 40, name
    res = plantopt.solve(INSTANCES / "tiny")
    folder = res.save(tmp_path / "r")
    mc = plantopt.evaluate(res, samples=300, spread=0.1, targets={"Li": 0.2}, use_numba=False)
    again = plantopt.evaluate(folder, samples=300, spread=0.1, targets={"Li": 0.2}, use_numba=False)
    assert mc.probabilities == again.probabilities
    assert "all_targets_met" in mc.probabilities
    b = plantopt.breakeven(plant({"recovery_floor_t_per_yr": 10.0}), "gate-fee")
    assert b.status == "found" and 10.0 <= b.value <= 10.0 + b.tolerance + 1e-12
    cmp = plantopt.compare(folder, folder)
    assert cmp.same_plan

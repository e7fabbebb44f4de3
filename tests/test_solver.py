"""The solver module: status mapping, time-limited incumbents, user constraints, no mutation.

Statuses are checked on plantopt instances where the outcome is known by construction, and
the time-limit behaviour on a matrix-form MILP that HiGHS cannot close quickly (a random
5-constraint, 60-item multidimensional knapsack: after 1 s its gap is still ~0.4 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
import scipy.sparse as sp

import plantopt
from plantopt.solver.highs import solve_matrix
from plantopt.solver.types import MatrixModel, SolveOptions, SolveStatus
from tests.builders import accepted, knapsack_instance, recovered, throughput
from tests.conftest import assert_mass_balance

TINY_LI = 10 / 0.378 * 0.02 * 0.95 * 0.90
TINY_CO = 100 * 0.10 * 0.95 * 0.98


def hard_knapsack(n: int = 60, m: int = 5, seed: int = 7) -> MatrixModel:
    """max p x s.t. W x <= W 1 / 2, x binary; W integer in [20, 100), seeded."""
    rng = np.random.default_rng(seed)
    w = rng.integers(20, 100, size=(m, n)).astype(float)
    p = w.sum(axis=0) / m + rng.integers(0, 10, size=n)
    return MatrixModel(
        a_csc=sp.csc_array(w),
        row_lower=np.full(m, -np.inf),
        row_upper=w.sum(axis=1) / 2,
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        costs=p[None, :],
        offsets=np.zeros(1),
        maximize=True,
        integrality=np.ones(n, dtype=np.int32),
    )


# ----------------------------------------------------------------------------- status mapping


def test_optimal_status(tiny: plantopt.Instance) -> None:
    res = plantopt.solve(tiny)
    assert res.status == SolveStatus.OPTIMAL and res.has_solution
    assert res.gap == pytest.approx(0.0, abs=1e-12)
    assert res.bound == pytest.approx(res.objective, rel=1e-6)
    assert_mass_balance(tiny, res)


def test_infeasible_status(tiny: plantopt.Instance) -> None:
    # contracted 100 t -> 37.8 t of black mass; hydromet 10 + smelter 10 cannot take it
    units = tiny["units"].copy()
    units.loc[units["unit_id"] == "smelter", "existing_capacity_t_per_yr"] = 10.0
    feeds = tiny["feeds"].copy()
    feeds["contracted_min_t_per_yr"] = 100.0
    inst = plantopt.instance_from_tables(
        tiny.manifest, {**tiny.tables, "units": units, "feeds": feeds}
    )
    res = plantopt.solve(inst)
    assert res.status == SolveStatus.INFEASIBLE and not res.has_solution
    assert res.objective is None
    assert res.summary["status"] == "infeasible"


def test_time_limit_without_solution_status() -> None:
    # time limit 0 on a MILP presolve cannot finish: stopped before any incumbent
    inst = knapsack_instance()
    res = plantopt.solve(inst, time_limit_s=0.0)
    assert res.status == SolveStatus.TIME_LIMIT_NO_SOLUTION
    assert not res.has_solution and res.objective is None


def test_knapsack_instance_solves_to_optimality() -> None:
    # the same instance without a limit: the plan respects the budget
    inst = knapsack_instance()
    res = plantopt.solve(inst)
    assert res.status == SolveStatus.OPTIMAL
    assert_mass_balance(inst, res)
    assert res["built_units"]["capex_eur"].sum() <= inst.manifest["budget_eur"] + 1e-6
    built = set(res["built_units"]["unit_id"])
    acc = accepted(res)
    assert all(
        acc[f"f{i}"] == pytest.approx(10.0 if f"u{i}" in built else 0.0, abs=1e-6)
        for i in range(40)
    )


def test_time_limited_milp_returns_incumbent_with_bound_and_gap() -> None:
    mm = hard_knapsack()
    raw = solve_matrix(mm, SolveOptions(time_limit_s=0.5, tie_break=False))
    assert raw.status == SolveStatus.FEASIBLE, raw.message
    assert raw.x is not None
    x = raw.x
    assert np.allclose(x, np.round(x), atol=1e-6)  # integral incumbent
    assert (mm.a_csc @ x <= mm.row_upper + 1e-6).all()  # feasible
    assert raw.objective == pytest.approx(float(mm.costs[0] @ x), rel=1e-9)
    assert raw.bound is not None and raw.bound >= raw.objective - 1e-9
    assert raw.gap is not None and raw.gap > 0
    assert raw.gap == pytest.approx((raw.bound - raw.objective) / abs(raw.objective), rel=1e-3)


def test_time_limited_solve_with_tie_break_keeps_bound_and_gap() -> None:
    # with a second objective row the tie-break stage runs too; bound and gap still refer
    # to the primary objective of the first stage
    mm = hard_knapsack()
    mm.costs = np.vstack([mm.costs, np.ones((1, mm.costs.shape[1]))])
    mm.offsets = np.zeros(2)
    raw = solve_matrix(mm, SolveOptions(time_limit_s=0.5))
    assert raw.status == SolveStatus.FEASIBLE
    assert raw.bound is not None and raw.gap is not None and raw.gap > 0
    assert raw.bound >= raw.objective - 1e-9
    assert raw.objective == pytest.approx(float(mm.costs[0] @ raw.x), rel=1e-9)


def test_threads_option_can_change_between_solves(tiny: plantopt.Instance) -> None:
    # HiGHS keeps one thread scheduler per process; a later solve with another thread count
    # must still work (API users and test suites solve many times in one process)
    for threads in (None, 1, 2, 1):
        res = plantopt.solve(tiny, threads=threads)
        assert res.status == SolveStatus.OPTIMAL, (threads, res.message)
        assert_mass_balance(tiny, res)


# ----------------------------------------------------------------------------- user constraints


def test_user_constraint_on_built_model_is_respected(tiny: plantopt.Instance) -> None:
    # cap intake at 50 t: hydromet still gets its 10 t of black mass (26.455 t of feed),
    # so Li is unchanged; Co = 50 * 0.10 * 0.95 * 0.98 = 4.655
    model = plantopt.build_model(tiny)
    model.user_cap = pyo.Constraint(expr=model.accept["liion"] <= 50)
    res = plantopt.solve(model)
    assert res.status == SolveStatus.OPTIMAL
    assert accepted(res)["liion"] == pytest.approx(50.0, rel=1e-6)
    rec = recovered(res)
    assert rec["Li"] == pytest.approx(TINY_LI, rel=1e-6)
    assert rec["Co"] == pytest.approx(50 * 0.10 * 0.95 * 0.98, rel=1e-6)
    assert res.objective == pytest.approx(rec["Li"] + rec["Co"], rel=1e-6)
    assert_mass_balance(tiny, res)


def test_user_constraint_on_unit_throughput(tiny: plantopt.Instance) -> None:
    # smelter limited to 5 t/yr of black mass: feed = (10 + 5) / 0.378 = 39.68 t;
    # Co = 39.68 * 0.10 * 0.95 * 0.98; the plan accepts no more than it can process
    model = plantopt.build_model(tiny)
    model.smelter_cap = pyo.Constraint(expr=model.throughput["smelter"] <= 5)
    res = plantopt.solve(model)
    assert res.status == SolveStatus.OPTIMAL
    assert throughput(res)["smelter"] == pytest.approx(5.0, rel=1e-6)
    feed = 15 / 0.378
    assert accepted(res)["liion"] == pytest.approx(feed, rel=1e-6)
    assert recovered(res)["Co"] == pytest.approx(feed * 0.10 * 0.95 * 0.98, rel=1e-6)
    assert_mass_balance(tiny, res)


def test_objective_switch_on_built_model(tiny: plantopt.Instance) -> None:
    model = plantopt.build_model(tiny, objective="recovery")
    res = plantopt.solve(model, objective="profit")
    assert res.objective_name == "profit"
    assert res.status == SolveStatus.OPTIMAL
    assert_mass_balance(tiny, res)


# ----------------------------------------------------------------------------- no mutation


def _snapshot(inst: plantopt.Instance) -> tuple[dict, dict[str, pd.DataFrame]]:
    return dict(inst.manifest), {k: v.copy(deep=True) for k, v in inst.tables.items()}


def _assert_unchanged(inst: plantopt.Instance, snap: tuple[dict, dict[str, pd.DataFrame]]) -> None:
    manifest, tables = snap
    assert inst.manifest == manifest
    assert set(inst.tables) == set(tables)
    for name, df in tables.items():
        pd.testing.assert_frame_equal(inst.tables[name], df, check_exact=True)


def test_solving_never_mutates_the_instance(tiny: plantopt.Instance) -> None:
    snap = _snapshot(tiny)
    hash_before = tiny.content_hash()
    for objective in ("recovery", "profit"):
        res = plantopt.solve(tiny, objective=objective)
        assert_mass_balance(tiny, res)
    model = plantopt.build_model(tiny)
    model.user_cap = pyo.Constraint(expr=model.accept["liion"] <= 50)
    res = plantopt.solve(model)
    assert_mass_balance(tiny, res)
    # editing result tables does not reach into the instance either
    for table, column in (
        ("feed_intake", "available_t_per_yr"),
        ("unit_throughput", "capacity_t_per_yr"),
    ):
        edited = res[table]
        edited.loc[:, column] = -1.0
        assert (edited[column] == -1.0).all()  # the edit took effect on the table in hand
    _assert_unchanged(tiny, snap)
    assert tiny.content_hash() == hash_before
    assert tiny.warnings == plantopt.load_instance(tiny.path).warnings


def test_instance_with_manifest_leaves_original_alone(tiny: plantopt.Instance) -> None:
    snap = _snapshot(tiny)
    variant = tiny.with_manifest(profit_floor_eur_per_yr=-1.0)
    res = plantopt.solve(variant)
    assert_mass_balance(variant, res)
    _assert_unchanged(tiny, snap)
    assert (
        "profit_floor_eur_per_yr" not in snap[0]
        or tiny.manifest["profit_floor_eur_per_yr"] == snap[0]["profit_floor_eur_per_yr"]
    )

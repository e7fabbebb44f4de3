"""Shared test helpers: instance paths and the mass-balance invariant on every solution."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import plantopt

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT / "plantopt" / "data" / "instances"


def composition_matrix(instance: Any) -> pd.DataFrame:
    """feed x material mass fractions of the instance, the remainder of each feed booked to
    'other' (when the instance has that material)."""
    comp = instance["composition"].pivot_table(
        index="feed_id", columns="material", values="mass_frac", aggfunc="sum"
    )
    comp = comp.reindex(columns=list(instance["materials"]["material"]), fill_value=0.0)
    comp = comp.fillna(0.0)
    if "other" in comp.columns:
        comp["other"] += (1.0 - comp.sum(axis=1)).clip(lower=0.0)
    return comp


def assert_mass_balance(
    instance: plantopt.Instance, result: plantopt.Result, rel_tol: float = 1e-6
) -> None:
    """Accepted = products + disposal + losses per material, recomputed from the tables.

    Independent of the model: input comes from the accepted tonnage times the composition
    in the instance (remainder booked to 'other'); output from the products and losses
    tables. Also: nothing is recovered that did not enter.
    """
    assert result.has_solution, result.message
    comp = composition_matrix(instance)
    intake = result["feed_intake"].set_index("feed_id")["accepted_t_per_yr"]
    inflow = (comp.loc[intake.index].mul(intake, axis=0)).sum(axis=0)
    out = pd.concat(
        [
            result["products"][["material", "mass_t_per_yr"]],
            result["losses"][["material", "mass_t_per_yr"]],
        ]
    )
    outflow = out.groupby("material")["mass_t_per_yr"].sum().reindex(inflow.index, fill_value=0.0)
    scale = np.maximum(inflow.abs(), 1e-9)
    rel = (inflow - outflow).abs() / scale
    assert (rel <= rel_tol).all() or ((inflow - outflow).abs() <= 1e-9).all(), (
        f"mass balance violated: {rel[rel > rel_tol].to_dict()}"
    )
    rec = result["recovery"].set_index("material")
    assert (rec["recovered_t_per_yr"] <= rec["input_t_per_yr"] * (1 + 1e-9) + 1e-12).all()
    assert result.summary["mass_balance_max_relative_error"] <= rel_tol
    assert_capacity_respected(result)


def assert_capacity_respected(result: plantopt.Result) -> None:
    """No unit processes more than its installed capacity (nothing through unbuilt units).

    Catches big-M leakage: a binary within the solver's integrality tolerance of 0 must not
    let material through (the solver polishes such solutions).
    """
    ut = result["unit_throughput"]
    over = ut["throughput_t_per_yr"] - ut["capacity_t_per_yr"] * (1 + 1e-9)
    assert (over <= 1e-9).all(), (
        f"throughput above capacity: {ut.loc[over > 1e-9].to_dict('records')}"
    )


@pytest.fixture
def tiny() -> plantopt.Instance:
    return plantopt.load_instance(INSTANCES / "tiny")


@pytest.fixture(autouse=True)
def _default_string_storage() -> Iterator[None]:
    """The command line sets pandas' string storage for its process
    (plantopt/instance/string_storage.py); a test that runs a command in this process
    leaves the option as it found it for the tests after it."""
    before = pd.get_option("mode.string_storage")
    yield
    pd.set_option("mode.string_storage", before)

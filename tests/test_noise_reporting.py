"""Solver noise is never reported as a result (issue 13).

The mass balance is reported in t/yr and relative to max(material input, 1e-6 of the total
intake), so 8e-14 t of noise on a material barely present is not "8.4 %"; values within
tolerance of zero are 0 in the tables; a feed accepted at 1e-12 t/yr is not "accepted" in the
compliance table, and a target with nothing to measure says why.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import plantopt
from plantopt.regulation.compliance import _nothing_to_measure
from plantopt.results.tables import FLOW_EPS, mass_balance_table
from tests.builders import InstanceFolder
from tests.conftest import assert_mass_balance


def test_relative_error_has_a_floor_of_the_total_intake() -> None:
    mats = ["Ni", "La"]
    inp = np.array([1e5, 8e-14])
    zero = np.zeros(2)
    mb = mass_balance_table(mats, inp, np.array([1e5, 0.0]), zero, zero)
    row = mb.set_index("material").loc["La"]
    assert row["input_t_per_yr"] == 0.0 and row["residual_t_per_yr"] == 0.0  # shown as 0
    assert row["relative_error"] <= 1e-15
    # a real error stays visible: 1 t missing out of 1e5 t
    mb = mass_balance_table(mats, inp, np.array([1e5 - 1.0, 0.0]), zero, zero)
    ni = mb.set_index("material").loc["Ni"]
    assert ni["absolute_error_t_per_yr"] == pytest.approx(1.0)
    assert ni["relative_error"] == pytest.approx(1e-5)


@pytest.fixture(scope="module")
def nl_without_portable_shredding(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[plantopt.Instance, plantopt.Result]:
    """nl-2027 without the li_portable -> shred_bm entry (issue 13's 8.4 % case)."""
    folder = InstanceFolder(tmp_path_factory.mktemp("nl"), "nl-2027")
    n = folder.delete_rows(
        "feed_entry.csv", lambda r: r["feed_class"] == "li_portable" and r["unit_id"] == "shred_bm"
    )
    assert n == 1
    inst = plantopt.load_instance(folder.path)
    return inst, plantopt.solve(inst)


def test_noise_is_not_a_mass_balance_error(nl_without_portable_shredding) -> None:
    inst, res = nl_without_portable_shredding
    assert_mass_balance(inst, res)
    assert res.summary["mass_balance_max_relative_error"] <= 1e-6
    mb = res["mass_balance"]
    assert {"absolute_error_t_per_yr", "relative_error"} <= set(mb.columns)


@pytest.mark.parametrize(
    "table,column",
    [
        ("feed_intake", "accepted_t_per_yr"),
        ("mass_balance", "input_t_per_yr"),
        ("mass_balance", "residual_t_per_yr"),
        ("recovery", "input_t_per_yr"),
        ("flows", "flow_feed_equiv_t_per_yr"),
    ],
)
def test_values_near_zero_are_zero(nl_without_portable_shredding, table: str, column: str) -> None:
    _, res = nl_without_portable_shredding
    values = res[table][column].to_numpy(dtype=float)
    tiny = (values != 0) & (np.abs(values) <= FLOW_EPS)
    assert not tiny.any(), values[tiny]
    assert (res[table][column] >= 0).all() or column == "residual_t_per_yr"


def test_feed_accepted_at_noise_is_not_accepted(nl_without_portable_shredding) -> None:
    _, res = nl_without_portable_shredding
    comp = res["compliance"].set_index("target_id")
    intake = res["feed_intake"].set_index("feed_id")["accepted_t_per_yr"]
    for target, row in comp.iterrows():
        for feed in filter(None, row["accepted_covered_feeds"].split(",")):
            assert intake[feed] > 1e-9, (target, feed, intake[feed])
        if row["status"] == "not applicable — no covered feed accepted":
            assert row["accepted_covered_feeds"] == ""


def test_status_says_why_nothing_is_measured(tmp_path: Path) -> None:
    tiny = plantopt.load_instance(InstanceFolder(tmp_path).path)
    assert _nothing_to_measure(tiny, "Cu", ["liion"], ["liion"]) == "covered feeds contain no Cu"
    assert _nothing_to_measure(tiny, "Cu", ["liion"], []) == "covered feeds contain no Cu"
    assert (
        _nothing_to_measure(tiny, "Co", ["liion"], [])
        == "not applicable — no covered feed accepted"
    )
    assert (
        _nothing_to_measure(tiny, "Co", ["liion", "other_feed"], ["other_feed"])
        == "accepted covered feeds contain no Co"
    )
    assert (
        _nothing_to_measure(tiny, None, ["liion"], [])
        == "not applicable — no covered feed accepted"
    )

"""nlbede-2030 with the network model (issue 15): validate and describe (default run), a
bounded solve of the feeds the plan takes, and the full profit solve (slow, ~2-5 min).

The bounded solve answers the question of the toll capacity at Umicore Hoboken
(docs/network-data.md): with the minimum load of site_units.csv (none for a toll share) the
plan smelts its printed circuit boards at Hoboken's 15 kt/yr instead of building a new
smelter; with the unit's 50 % minimum load on that share (7.5 kt/yr) it cannot run Hoboken
on the ~5.2 kt/yr of boards and builds a 5 kt/yr smelter elsewhere.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import plantopt
from plantopt.solver.types import SolveOptions
from tests.builders import assert_solved
from tests.conftest import assert_mass_balance

NAME = "nlbede-2030"
TAKEN = ("pcb", "hdd", "small_it")  # the feeds the full profit plan accepts


def nlbede() -> plantopt.Instance:
    return plantopt.load_instance(plantopt.packaged_instance_path(NAME))


def only_feeds(inst: plantopt.Instance, feeds: tuple[str, ...]) -> plantopt.Instance:
    """The instance with only ``feeds`` (their rows of composition and region_supply, and
    the entry and transfer rows of their feed classes)."""
    tables = dict(inst.tables)
    for name in ("feeds", "composition", "region_supply"):
        tables[name] = inst[name][inst[name]["feed_id"].isin(feeds)].reset_index(drop=True)
    classes = set(tables["feeds"]["feed_class"])
    for name in ("feed_entry", "transfer_coefficients"):
        keep = inst[name]["feed_class"].isin(classes | {"*"})
        tables[name] = inst[name][keep].reset_index(drop=True)
    return dataclasses.replace(inst, tables=tables)


def test_validates_and_describes_the_network(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    from tests.test_cli import run_main

    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = run_main(
        monkeypatch, capsys, "validate", plantopt.packaged_instance_path(NAME)
    )
    assert code == 0, out + err
    code, out, err = run_main(
        monkeypatch, capsys, "describe", plantopt.packaged_instance_path(NAME)
    )
    assert code == 0, err
    assert re.search(r"\bsites\W+10\b", out) and re.search(r"collection regions\W+18\b", out)
    assert "network columns (guarded)" in out


def _solve(inst: plantopt.Instance) -> plantopt.Result:
    r = plantopt.solve(inst, objective="profit", options=SolveOptions(tie_break=False))
    assert_solved(r)
    assert_mass_balance(inst, r, rel_tol=1e-5)
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-4
    return r


def _smelters(r: plantopt.Result) -> pd.DataFrame:
    su = r.tables["site_units"]
    return su[(su["unit_id"] == "pm_smelter") & (su["throughput_t_per_yr"] > 1.0)]


def test_the_toll_capacity_at_hoboken_is_used_and_why_it_was_not() -> None:
    inst = only_feeds(nlbede(), TAKEN)
    r = _solve(inst)
    pm = _smelters(r)
    assert list(pm["site_id"]) == ["hoboken"] and pm["built_option"].iloc[0] == ""
    assert 5_000.0 < pm["throughput_t_per_yr"].iloc[0] < 7_500.0  # below 50 % of 15 kt
    assert "pm_smelter" not in set(r.tables["built_units"]["unit_id"])
    # the unit's minimum load on the toll share: Hoboken cannot run, a new smelter is built
    su = inst["site_units"].copy()
    su["min_load_frac"] = float("nan")
    loaded = dataclasses.replace(inst, tables={**inst.tables, "site_units": su})
    r2 = _solve(loaded)
    pm2 = _smelters(r2)
    assert "hoboken" not in set(pm2["site_id"]) and (pm2["built_option"] != "").all()
    assert r2.objective < r.objective


@pytest.mark.slow
def test_full_profit_solve() -> None:
    """The whole instance, profit objective: optimal, balanced per site and material."""
    r = _solve(nlbede())
    assert list(_smelters(r)["site_id"]) == ["hoboken"]

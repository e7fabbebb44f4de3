"""Monte Carlo evaluation of a fixed plan: zero spread reproduces the solve, mass balance per
sample, reproducibility by seed, plan extraction checks, and the ``evaluate`` command.

``priced_tiny`` is the DESIGN.md example with money added (numbers invented for the test):
Li 20 000 EUR/t in Li2CO3, Co 30 000 EUR/t in CoSO4 and 25 000 EUR/t (payable 0.8) in the
alloy, gate fee 50 EUR/t, shredder 20 EUR/t, hydromet 200 EUR/t with a 10 t/yr option
(capex 100 kEUR, fixed 10 kEUR/yr, 10 yr), landfill 30 EUR/t, ranges of -10/+5 % on every
transfer coefficient and -/+20 % on Li and Co. By hand, the hydromet option pays: its 10 t/yr
of black mass (26.46 t of feed) earn 26.46 * (0.02*0.95*0.9*20 000 + 0.1*0.95*0.98*(30 000 -
20 000)) = 33.7 kEUR/yr more than the smelter route, against 14.9 (capex, CRF 8 %, 10 yr) +
10 + 2 (opex) kEUR/yr. The tests compare against the result tables, not pinned flows.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt import cli
from plantopt.instance.writer import write_instance
from plantopt.uncertainty import (
    PlanError,
    SamplingOptions,
    build_spec,
    load_plan,
    material_recovery_target,
    nominal_metrics,
    plan_from_result,
    regulation_targets,
    run_monte_carlo,
)
from plantopt.uncertainty.spec import SpecError
from tests.conftest import INSTANCES, assert_mass_balance

TINY = INSTANCES / "tiny"
NL2027 = INSTANCES / "nl-2027"


def priced_tiny() -> plantopt.Instance:
    inst = plantopt.load_instance(TINY)
    t = {k: v.copy() for k, v in inst.tables.items()}
    pp = t["product_prices"]
    pp["price_eur_per_t"] = [20_000.0, 30_000.0, 25_000.0]
    pp["payable_frac"] = [1.0, 1.0, 0.8]
    t["feeds"]["gate_fee_eur_per_t"] = 50.0
    t["units"]["opex_eur_per_t"] = [20.0, 200.0, 100.0]
    t["units"].loc[t["units"]["unit_id"] == "hydromet", "existing_capacity_t_per_yr"] = 0.0
    t["capacity_options"] = pd.DataFrame(
        [
            {
                "unit_id": "hydromet",
                "option_id": "small",
                "capacity_t_per_yr": 10.0,
                "capex_eur": 1e5,
                "fixed_opex_eur_per_yr": 1e4,
                "lifetime_yr": 10.0,
            }
        ]
    )
    t["routing"].loc[t["routing"]["to_id"] == "landfill", "cost_eur_per_t"] = 30.0
    tc = t["transfer_coefficients"]
    tc["tc_frac_low"] = tc["tc_frac"] * 0.9
    tc["tc_frac_high"] = np.minimum(tc["tc_frac"] * 1.05, 1.0)
    comp = t["composition"]
    comp.loc[comp["material"] != "other", "mass_frac_low"] = comp["mass_frac"] * 0.8
    comp.loc[comp["material"] != "other", "mass_frac_high"] = comp["mass_frac"] * 1.2
    manifest = dict(inst.manifest, name="priced-tiny", objective="profit")
    return plantopt.instance_from_tables(manifest, t)


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory):
    folder = write_instance(priced_tiny(), tmp_path_factory.mktemp("inst") / "priced-tiny")
    inst = plantopt.load_instance(folder)
    res = plantopt.solve(inst, objective="profit")
    assert_mass_balance(inst, res)
    out = tmp_path_factory.mktemp("res") / "priced"
    res.save(out)
    return inst, res, out


def test_zero_spread_reproduces_the_solution(priced) -> None:
    inst, res, _ = priced
    plan = plan_from_result(res, inst)
    assert plan.conservation_error < 1e-9
    mc = run_monte_carlo(plan, 50, seed=1, options=SamplingOptions(use_ranges=False))
    rec = res["recovery"].set_index("material")
    econ = res["economics"].set_index("item")["eur_per_yr"]
    assert econ["revenue"] > 0 and econ["profit"] != 0  # the test instance has money in it
    for m in ("Li", "Co"):
        got = mc.samples[f"recovered_t_per_yr:{m}"].to_numpy()
        np.testing.assert_allclose(got, rec.at[m, "recovered_t_per_yr"], rtol=1e-12)
        np.testing.assert_allclose(
            mc.samples[f"recovery_frac:{m}"], rec.at[m, "recovery_frac"], rtol=1e-12
        )
    np.testing.assert_allclose(mc.samples["profit_eur_per_yr"], econ["profit"], rtol=1e-12)
    np.testing.assert_allclose(mc.samples["revenue_eur_per_yr"], econ["revenue"], rtol=1e-12)
    ut = res["unit_throughput"].set_index("unit_id")
    for u in ("shredder", "hydromet", "smelter"):
        np.testing.assert_allclose(
            mc.samples[f"throughput_t_per_yr:{u}"], ut.at[u, "throughput_t_per_yr"], rtol=1e-12
        )
    nominal = nominal_metrics(plan)
    assert nominal["profit_eur_per_yr"] == pytest.approx(econ["profit"], rel=1e-12)


def test_mass_balance_holds_in_every_sample(priced) -> None:
    inst, res, _ = priced
    plan = plan_from_result(res, inst)
    opts = SamplingOptions(comp_spread=0.3, tc_spread=0.2, price_sigma=0.4)
    mc = run_monte_carlo(plan, 3000, seed=5, options=opts)
    assert mc.samples["mass_balance_rel_error"].max() < 1e-12
    assert mc.samples["profit_eur_per_yr"].std() > 0  # something did vary
    # independent check on a few samples: sampled inputs -> full-tree coefficients through
    # the route-tree kernel -> products + disposal + losses equal the input per material
    from plantopt.routetree import kernels
    from plantopt.uncertainty import kernels_mc

    spec = build_spec(plan, opts)
    a = spec.arrays
    comp, tc_ext, _ = kernels_mc._sample_inputs_numpy(a, kernels_mc.seed_key(5), np.arange(5))
    tree = plan.tree
    active = plan.active_nodes
    for s in range(5):
        tc_full = np.array(tree.tc)
        used = a.node_row >= 0
        tc_full[tree.node_tcrow[active][used]] = tc_ext[s][a.node_row[used]]
        coef = kernels.node_coefficients(
            comp[s], tc_full, tree.node_feed, tree.node_parent, tree.node_tcrow
        )
        flow = plan.flow_feed_equiv_t_per_yr
        sinks = tree.node_kind != 0
        out = (coef[sinks] * flow[sinks, None]).sum(axis=0)
        inp = plan.accept_t_per_yr @ comp[s]
        np.testing.assert_allclose(out, inp, rtol=1e-12)
        row = mc.samples.iloc[s]
        for m in ("Li", "Co"):
            assert row[f"input_t_per_yr:{m}"] == pytest.approx(
                inp[tree.materials.index(m)], rel=1e-12
            )
        # each (unit, class, material) split sums to one over outputs; feeds sum to one
        for q in range(len(a.pair_ptr) - 1):
            sums = tc_ext[s][a.pair_ptr[q] : a.pair_ptr[q + 1]].sum(axis=0)
            present = a.tc_nom[a.pair_ptr[q] : a.pair_ptr[q + 1]].sum(axis=0) > 0
            np.testing.assert_allclose(sums[present], 1.0, rtol=1e-12)
        np.testing.assert_allclose(comp[s].sum(axis=1), 1.0, rtol=1e-12)


def test_reproducible_by_seed_and_engine(priced) -> None:
    inst, res, _ = priced
    plan = plan_from_result(res, inst)
    opts = SamplingOptions(price_sigma=0.3)
    a = run_monte_carlo(plan, 500, seed=42, options=opts)
    b = run_monte_carlo(plan, 500, seed=42, options=opts)
    c = run_monte_carlo(plan, 500, seed=43, options=opts)
    twin = run_monte_carlo(plan, 500, seed=42, options=opts, use_numba=False)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples["profit_eur_per_yr"], c.samples["profit_eur_per_yr"])
    num = a.samples.select_dtypes("number").columns
    np.testing.assert_allclose(twin.samples[num], a.samples[num], rtol=1e-12, atol=1e-9)


def test_targets_probability_and_price_scenarios(priced) -> None:
    inst, res, _ = priced
    plan = plan_from_result(res, inst)
    nominal_li = res["recovery"].set_index("material").at["Li", "recovery_frac"]
    easy = material_recovery_target(plan, "Li", 0.0)
    hard = material_recovery_target(plan, "Li", min(1.0, nominal_li * 1.5))
    scen = pd.DataFrame(
        {
            "scenario": ["crash", "crash", "base"],
            "material": ["Li", "Co", "Li"],
            "price_factor": [0.0, 0.0, 1.0],
            "weight": [1.0, 1.0, 3.0],
        }
    )
    mc = run_monte_carlo(
        plan,
        4000,
        seed=3,
        targets=[easy, hard],
        options=SamplingOptions(use_ranges=False, price_scenarios=scen),
    )
    assert mc.probabilities[f"target_met:{easy.label}"] == 1.0
    assert mc.probabilities[f"target_met:{hard.label}"] == 0.0
    crash = mc.samples["revenue_eur_per_yr"] == 0.0
    assert abs(crash.mean() - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 4000)  # weight 1 of 4
    with pytest.raises(SpecError):
        run_monte_carlo(
            plan, 10, options=SamplingOptions(price_scenarios=scen.assign(material="Xx"))
        )


def test_load_plan_round_trip_and_hash_mismatch(priced, tmp_path: Path) -> None:
    inst, res, out = priced
    plan = load_plan(out, inst.path)
    np.testing.assert_array_equal(
        plan.flow_feed_equiv_t_per_yr, plan_from_result(res, inst).flow_feed_equiv_t_per_yr
    )
    # splits: children of every group sum to one where the parent carries flow
    tree = plan.tree
    for g in range(tree.n_groups):
        kids = tree.group_children[tree.group_ptr[g] : tree.group_ptr[g + 1]]
        if np.isfinite(plan.split_frac[kids]).all() and len(kids):
            assert plan.split_frac[kids].sum() == pytest.approx(1.0, rel=1e-9)
    changed = write_instance(inst, tmp_path / "changed")
    feeds = pd.read_csv(changed / "feeds.csv")
    feeds["gate_fee_eur_per_t"] = 99.0
    feeds.to_csv(changed / "feeds.csv", index=False)
    with pytest.raises(PlanError, match="changed since the result was solved"):
        load_plan(out, changed)
    with pytest.raises(PlanError, match="summary.json"):
        load_plan(tmp_path)


@pytest.mark.skipif(not NL2027.is_dir(), reason="nl-2027 not built yet")
def test_regulation_targets_match_the_compliance_table() -> None:
    inst = plantopt.load_instance(NL2027)
    res = plantopt.solve(inst, time_limit_s=120)
    assert_mass_balance(inst, res)
    plan = plan_from_result(res, inst)
    targets = regulation_targets(plan)
    if "compliance" not in res.tables or not targets:
        pytest.skip("no regulation targets in force")
    comp = res["compliance"].set_index("target")
    nominal = nominal_metrics(plan, targets)
    for t in targets:
        title = t.label.rsplit(" >= ", 1)[0]
        assert nominal[f"target_ratio:{t.label}"] == pytest.approx(
            comp.at[title, "achieved_frac"], rel=1e-9
        )
    mc = run_monte_carlo(
        plan,
        2000,
        seed=1,
        targets=targets,
        options=SamplingOptions(tc_spread=0.05, price_sigma=0.3),
    )
    assert mc.samples["mass_balance_rel_error"].max() < 1e-9
    assert 0.0 <= mc.probabilities["all_targets_met"] <= 1.0


def test_contract_premium_and_targets_on_a_regulated_case() -> None:
    """tests/regulation_cases.battery_case with a Li offtake contract (premium 5 000 EUR/t,
    up to 0.5 t/yr) and the 2027 targets: zero spread gives the solved profit (premium
    included) and the compliance table's ratios."""
    from tests.regulation_cases import battery_case

    inst = battery_case(target_year=2027, contracts=[("c1", "li2co3", "Li", 0.5, 0.0, 5000.0)])
    res = plantopt.solve(inst)
    assert_mass_balance(inst, res)
    econ = res["economics"].set_index("item")["eur_per_yr"]
    assert econ.get("offtake_premiums", 0.0) > 0  # the contract is used
    plan = plan_from_result(res, inst)
    targets = regulation_targets(plan)
    assert targets
    nominal = nominal_metrics(plan, targets)
    assert nominal["profit_eur_per_yr"] == pytest.approx(econ["profit"], rel=1e-12)
    comp = res["compliance"].set_index("target")
    for t in targets:
        assert nominal[f"target_ratio:{t.label}"] == pytest.approx(
            comp.at[t.label.rsplit(" >= ", 1)[0], "achieved_frac"], rel=1e-9
        )


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["plantopt", *map(str, args)])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as info:
        cli.main()
    cap = capsys.readouterr()
    return int(info.value.code or 0), cap.out, cap.err


def test_cli_evaluate_tiny(monkeypatch, capsys, tmp_path: Path) -> None:
    res_dir = tmp_path / "tiny-res"
    code, _, err = run_cli(monkeypatch, capsys, "solve", TINY, "--out", res_dir, "--quiet")
    assert code == 0, err
    out = tmp_path / "mc"
    code, stdout, err = run_cli(
        monkeypatch,
        capsys,
        "evaluate",
        res_dir,
        "--samples",
        "3000",
        "--seed",
        "4",
        "--spread",
        "0.1",
        "--target",
        "Li=0.2",
        "--threads",
        "1",
        "--out",
        out,
    )
    assert code == 0, err
    assert "P50" in stdout and "profit > 0" in stdout and "P(all targets met)" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["samples"] == 3000 and summary["per_sample_written"]
    samples = pd.read_parquet(out / "samples.parquet")
    assert len(samples) == 3000
    assert samples["mass_balance_rel_error"].max() < 1e-12
    # hydromet runs at capacity in the plan (10 t/yr); more black mass overloads it
    assert 0.05 < summary["probabilities"]["overloaded:hydromet"] < 0.95
    q = pd.read_parquet(out / "quantiles.parquet").set_index("metric")
    li = "recovered_t_per_yr:Li"
    assert q.at[li, "nominal"] == pytest.approx(10 / 0.378 * 0.02 * 0.95 * 0.90, rel=1e-9)
    assert (out / "distributions.png").read_bytes()[:4] == b"\x89PNG"
    # quantiles only above the per-sample limit; the same seed gives the same numbers
    out2 = tmp_path / "mc2"
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "evaluate",
        res_dir,
        "--samples",
        "3000",
        "--seed",
        "4",
        "--spread",
        "0.1",
        "--target",
        "Li=0.2",
        "--per-sample-limit",
        "100",
        "--no-plot",
        "--out",
        out2,
    )
    assert code == 0, err
    assert not (out2 / "samples.parquet").exists()
    pd.testing.assert_frame_equal(
        pd.read_parquet(out2 / "quantiles.parquet"), pd.read_parquet(out / "quantiles.parquet")
    )


def test_cli_evaluate_bad_input_exit_2(monkeypatch, capsys, tmp_path: Path) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "evaluate", tmp_path, "--samples", "10")
    assert code == 2 and "summary.json" in err and "Traceback" not in err
    res_dir = tmp_path / "r"
    assert run_cli(monkeypatch, capsys, "solve", TINY, "--out", res_dir, "--quiet")[0] == 0
    code, _, err = run_cli(monkeypatch, capsys, "evaluate", res_dir, "--target", "Li=2")
    assert code == 2 and "MATERIAL=FRACTION" in err
    code, _, err = run_cli(monkeypatch, capsys, "evaluate", res_dir, "--target", "Xx=0.5")
    assert code == 2 and "Xx" in err
    # a product node id that is not in the tree: the result belongs to another instance
    flows = pd.read_parquet(res_dir / "flows.parquet")
    flows.loc[flows["kind"] == "product", "path"] = "somewhere else"
    flows.to_parquet(res_dir / "flows.parquet")
    code, _, err = run_cli(monkeypatch, capsys, "evaluate", res_dir, "--samples", "10")
    assert code == 2 and "flows.parquet" in err


def test_multi_period_result_is_evaluated_period_by_period(tmp_path) -> None:
    """A multi-period result is evaluated one period at a time (issue 18; it used to be
    refused); an unknown --period is bad input (exit 2), not a traceback."""
    import subprocess
    import sys

    from tests.conftest import INSTANCES

    out = tmp_path / "mp"
    solved = subprocess.run(
        [
            sys.executable,
            "-m",
            "plantopt.cli",
            "solve",
            str(INSTANCES / "nl-2027-2040"),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert solved.returncode == 0, solved.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "plantopt.cli",
            "evaluate",
            str(out),
            "--samples",
            "10",
            "--no-plot",
            "--out",
            str(tmp_path / "mc"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in (tmp_path / "mc").iterdir()} == {"2027", "2031", "2035"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "plantopt.cli",
            "evaluate",
            str(out),
            "--samples",
            "10",
            "--period",
            "1999",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2 and "no period '1999'" in text and "Traceback" not in text


def test_zero_spread_prices_every_ledger_item_with_a_co2_price(tmp_path: Path) -> None:
    """The Monte Carlo re-prices the same money items as the economics table: with a CO2
    price the per-sample profit still equals the solved profit at zero spread."""
    base = priced_tiny()
    units = base["units"].copy()
    units["co2_t_per_t"] = [0.3, 0.8, 1.2]
    tables = dict(base.tables, units=units)
    inst = plantopt.instance_from_tables(dict(base.manifest, co2_price_eur_per_t=90.0), tables)
    res = plantopt.solve(inst, objective="profit")
    econ = res["economics"].set_index("item")["eur_per_yr"]
    assert econ["co2_cost"] < 0  # the CO2 cost is a ledger item of this plan
    mc = run_monte_carlo(
        plan_from_result(res, inst), 20, seed=3, options=SamplingOptions(use_ranges=False)
    )
    np.testing.assert_allclose(mc.samples["profit_eur_per_yr"], econ["profit"], rtol=1e-12)
    np.testing.assert_allclose(mc.samples["co2_cost_eur_per_yr"], -econ["co2_cost"], rtol=1e-12)

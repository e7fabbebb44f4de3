"""Compliance accounting per Delegated Regulation (EU) 2025/606, worked by hand.

The hand example of docs/regulation.md ("A Part B and a Part C calculation by hand"): one
lithium-based feed F, 100 t/yr (Co 10 %, Li 2 %, Cu 10 %, graphite 18 %, other 60 %), all
accepted (gate fee 100 EUR/t), is shredded into

* black mass (Co 0.95, Li 0.90, graphite 0.95, Cu 0.05, other 0.05 of what enters), an
  INTERMEDIATE product: the buyer's hydrometallurgy recovers Co 94 %, Li 80 % and graphite
  50 % of it, nothing of its Cu;
* Cu foil (Cu 0.90), a FINAL product whose Cu counts as recovered;
* residue (the rest) to landfill.

Part C (per battery category; here lithium-based):
  Co = 100*0.10*0.95*0.94 / 10 = 8.93 / 10 = 89.3 %
  Li = 100*0.02*0.90*0.80 / 2 = 1.44 / 2 = 72.0 %
  Cu = (100*0.10*0.90 * 1 + 100*0.10*0.05 * 0) / 10 = 9.0 / 10 = 90.0 %
Part B (output fractions / input fraction):
  without exclusion: (8.93 + 1.44 + 9.0 + 100*0.18*0.95*0.50) / 100 = 27.92 / 100 = 27.92 %
  graphite left out (partb_exclude_substances, 2027): (27.92 - 8.55) / (100 - 18) = 23.622 %
"""

from __future__ import annotations

import numpy as np
import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from plantopt.instance.targets import NOT_APPLICABLE
from plantopt.model.pipeline import families_of
from tests.builders import InstanceFolder, find, make_instance, route, tc_rows
from tests.conftest import assert_mass_balance
from tests.regulation_cases import recompute_ratios

MATS = [
    {"material": "Co", "eu_critical": True, "recovery_weight": 1.0},
    {"material": "Li", "eu_critical": True, "recovery_weight": 1.0},
    {"material": "Cu", "eu_critical": False, "recovery_weight": 0.0},
    {"material": "graphite", "partb_excludable": True, "recovery_weight": 0.0},
    {"material": "Pb", "recovery_weight": 0.0},
    {"material": "other", "recovery_weight": 0.0},
]


def hand_case(gate_fee: float = 100.0, second_feed: bool = False, **manifest: object):
    feeds = [
        {
            "feed_id": "F",
            "feed_class": "li",
            "reg_class": "battery:lithium",
            "available_t_per_yr": 100,
            "gate_fee_eur_per_t": gate_fee,
        }
    ]
    comp = [
        {"feed_id": "F", "material": m, "mass_frac": x}
        for m, x in (("Co", 0.10), ("Li", 0.02), ("Cu", 0.10), ("graphite", 0.18))
    ] + [{"feed_id": "F", "material": "other", "mass_frac": 0.60}]
    if second_feed:  # 50 t/yr of "other" batteries with Co 20 %
        feeds.append(
            {**feeds[0], "feed_id": "G", "reg_class": "battery:other", "available_t_per_yr": 50}
        )
        comp += [
            {"feed_id": "G", "material": "Co", "mass_frac": 0.20},
            {"feed_id": "G", "material": "other", "mass_frac": 0.80},
        ]
    split = {
        "Co": {"bm": 0.95, "res": 0.05},
        "Li": {"bm": 0.90, "res": 0.10},
        "graphite": {"bm": 0.95, "res": 0.05},
        "Cu": {"bm": 0.05, "foil": 0.90, "res": 0.05},
        "Pb": {"res": 1.0},
        "other": {"bm": 0.05, "res": 0.95},
    }
    return make_instance(
        manifest={"objective": "profit", "target_year": 2027, "apply_targets": False, **manifest},
        materials=MATS,
        feeds=feeds,
        composition=comp,
        units=[{"unit_id": "S", "stage": "preprocessing", "existing_capacity_t_per_yr": 1000}],
        transfer_coefficients=tc_rows("S", split),
        routing=[
            route("S", "bm", "product", "black_mass"),
            route("S", "foil", "product", "cu_foil"),
            route("S", "res", "disposal", "landfill"),
        ],
        feed_entry=[{"feed_class": "li", "unit_id": "S"}],
        products=[
            {"product_id": "black_mass", "calc_point": "intermediate"},
            {"product_id": "cu_foil", "calc_point": "final"},
        ],
        product_prices=[
            # recovered=true on the intermediate is ignored: its buyer's recovery counts
            {"product_id": "black_mass", "material": "Co", "price_eur_per_t": 0, "recovered": True},
            {"product_id": "cu_foil", "material": "Cu", "price_eur_per_t": 0, "recovered": True},
        ],
        downstream_recovery=[
            {"product_id": "black_mass", "material": m, "recovery_frac": x, "source": "test"}
            for m, x in (("Co", 0.94), ("Li", 0.80), ("graphite", 0.50))
        ],
    )


def _solve(inst: plantopt.Instance) -> plantopt.Result:
    res = plantopt.solve(inst, tie_break=False, diagnose=False)
    assert res.has_solution, res.message
    assert_mass_balance(inst, res)
    return res


def _comp(res: plantopt.Result):
    return res["compliance"].set_index("target_id")


def test_part_b_and_part_c_by_hand() -> None:
    inst = hand_case()
    res = _solve(inst)
    comp = _comp(res)
    assert comp.at["C-RM-Co-2027:lithium", "achieved_frac"] == pytest.approx(0.893, rel=1e-9)
    assert comp.at["C-RM-Co-2027:lithium", "numerator_t_per_yr"] == pytest.approx(8.93)
    assert comp.at["C-RM-Li-2027:lithium", "achieved_frac"] == pytest.approx(0.72, rel=1e-9)
    assert comp.at["C-RM-Cu-2027:lithium", "achieved_frac"] == pytest.approx(0.90, rel=1e-9)
    assert comp.at["C-RM-Pb-2027:lithium", "status"] == "covered feeds contain no Pb"
    b = comp.loc["B-RE-lithium-2025"]
    assert b["achieved_frac"] == pytest.approx(0.2792, rel=1e-9)
    assert b["denominator_t_per_yr"] == pytest.approx(100.0)
    assert b["status"] == "violated" and b["applicable"]
    # the independent path walk agrees with the compliance table
    for tid, value in recompute_ratios(inst, res).items():
        assert comp.at[tid, "achieved_frac"] == pytest.approx(value, rel=1e-9), tid


def test_model_terms_equal_the_hand_numbers() -> None:
    """target_num / target_den of the model (the rows the optimiser sees) at the plan."""
    inst = hand_case(apply_targets=True, target_year=2027)
    fams = families_of(inst)
    per = fams.periods[0]
    num, den = per.expressions["target_num"], per.expressions["target_den"]
    x = np.zeros(fams.layout.n_cols)
    x[0] = 100.0  # accept[F]
    tree = fams.data.tree
    x[fams.layout.flow0 : fams.layout.build0] = 100.0 * (tree.node_feed == 0)
    got = dict(zip(num.index, num.value(x) / den.value(x)))
    assert got["C-RM-Co-2027:lithium"] == pytest.approx(0.893, rel=1e-12)
    assert got["C-RM-Li-2027:lithium"] == pytest.approx(0.72, rel=1e-12)
    assert got["B-RE-lithium-2025"] == pytest.approx(0.2792, rel=1e-12)


def test_part_b_leaves_out_the_allowed_substances_until_2029() -> None:
    res = _solve(hand_case(partb_exclude_substances=True))
    b = _comp(res).loc["B-RE-lithium-2025"]
    assert b["numerator_t_per_yr"] == pytest.approx(19.37)
    assert b["denominator_t_per_yr"] == pytest.approx(82.0)
    assert b["achieved_frac"] == pytest.approx(19.37 / 82.0, rel=1e-9)
    later = _solve(hand_case(partb_exclude_substances=True, target_year=2030))
    assert _comp(later).at["B-RE-lithium-2030", "achieved_frac"] == pytest.approx(0.2792)


def test_part_c_per_battery_category() -> None:
    # G (battery:other, 50 t/yr, Co 20 %): Co 50*0.2*0.95*0.94 / 10 = 89.3 % as well, but in
    # its own row; F's row is unchanged by G.
    res = _solve(hand_case(second_feed=True))
    comp = _comp(res)
    assert comp.at["C-RM-Co-2027:lithium", "covered_feeds"] == "F"
    assert comp.at["C-RM-Co-2027:other", "covered_feeds"] == "G"
    assert comp.at["C-RM-Co-2027:other", "numerator_t_per_yr"] == pytest.approx(8.93)
    assert comp.at["C-RM-Co-2027:other", "denominator_t_per_yr"] == pytest.approx(10.0)
    assert comp.at["C-RM-Co-2027:lithium", "target"] == "Co material recovery, lithium-based (2027)"
    assert "C-RM-Li-2027:other" in comp.index  # G has no Li: reported, not dropped
    assert comp.at["C-RM-Li-2027:other", "status"] == "covered feeds contain no Li"


def test_refusing_covered_feeds_is_not_applicable_never_met() -> None:
    # the plant pays 10 EUR/t for F and sells nothing: the optimum refuses F
    res = _solve(hand_case(gate_fee=-10.0, apply_targets=True))
    assert res.objective == pytest.approx(0.0, abs=1e-9)
    comp = res["compliance"]
    battery = comp[comp["covered_feeds"] == "F"]
    measurable = battery[~battery["status"].str.startswith("covered feeds contain no")]
    assert len(measurable) == 4 and set(measurable["status"]) == {NOT_APPLICABLE}
    assert not battery["applicable"].any() and not (battery["status"] == "met").any()
    assert res.summary["compliance"]["targets"]


def test_take_back_family_by_hand() -> None:
    fams = families_of(hand_case(treat_all_collected=True))
    fam = next(f for f in fams.periods[0].rows if f.name == "take_back")
    assert fam.index == ["F"]
    dense = fam.matrix(fams.layout.n_cols).toarray()
    assert dense[0, 0] == 1.0 and dense.sum() == 1.0  # accept[F] >= 100
    assert fam.lower is not None and fam.lower.tolist() == [100.0]
    assert (
        fams.periods[0].rows
        and not next(
            f for f in families_of(hand_case()).periods[0].rows if f.name == "take_back"
        ).index
    )


def test_take_back_forces_the_covered_feed() -> None:
    # with the obligation F is accepted at its 100 t/yr: profit = -10 * 100 by hand
    res = _solve(hand_case(gate_fee=-10.0, treat_all_collected=True))
    assert res.objective == pytest.approx(-1000.0, rel=1e-9)
    assert res["feed_intake"].set_index("feed_id").at["F", "accepted_t_per_yr"] == pytest.approx(
        100.0
    )
    assert NOT_APPLICABLE not in set(res["compliance"]["status"])


def test_take_back_with_an_unreachable_target_is_infeasible_and_explained() -> None:
    # Part B lithium 65 % cannot be reached (27.92 % at most): with the obligation the plan
    # cannot refuse F, and the diagnosis names the take-back row as a way out
    inst = hand_case(apply_targets=True, treat_all_collected=True)
    res = plantopt.solve(inst, tie_break=False)
    assert res.status == plantopt.SolveStatus.INFEASIBLE
    text = "\n".join(res.summary["diagnosis"])
    assert "F (take-back)" in text


def test_downstream_recovery_checks(tmp_path) -> None:
    folder = InstanceFolder(tmp_path)
    folder.write_text(
        "downstream_recovery.csv",
        "product_id,material,recovery_frac,source\ncoso4,Co,0.9,x\nnope,Co,0.9,x\n",
    )
    errors = folder.errors()
    find(errors, "downstream_recovery.csv", 2, "product_id", "final product")
    find(errors, "downstream_recovery.csv", 3, "product_id", "unknown product_id")


def test_intermediate_without_downstream_rows_warns() -> None:
    inst = hand_case()
    products = inst["products"].copy()
    products["calc_point"] = "intermediate"
    inst = plantopt.instance_from_tables(dict(inst.manifest), {**inst.tables, "products": products})
    warnings = [p for p in inst.warnings if p.severity == "warning"]
    find(warnings, "products.csv", 3, "calc_point", "without downstream_recovery")
    with pytest.raises(InstanceError):
        hand_case(**{"treat_all_collected": "perhaps"})

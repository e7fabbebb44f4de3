"""The generator: deterministic by seed, valid, solvable, and growing with size."""

from __future__ import annotations

import plantopt
from plantopt.instance.generate import SIZES, generate
from plantopt.instance.writer import write_instance
from tests.conftest import INSTANCES, assert_mass_balance


def test_generate_is_deterministic_and_round_trips(tmp_path) -> None:
    base = plantopt.load_instance(INSTANCES / "tiny")
    a = generate("M", seed=7, base=base)
    b = generate("M", seed=7, base=base)
    c = generate("M", seed=8, base=base)
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != c.content_hash()
    folder = write_instance(a, tmp_path / "gen")
    again = plantopt.load_instance(folder)
    assert len(again["feeds"]) == len(a["feeds"]) == 3
    assert len(again["units"]) == 2 * len(base["units"])
    res = plantopt.solve(again)
    assert res.status == plantopt.SolveStatus.OPTIMAL
    assert_mass_balance(again, res)


def test_sizes_grow_and_sources_say_generated() -> None:
    base = plantopt.load_instance(INSTANCES / "tiny")
    nodes = []
    for size in SIZES:
        inst = generate(size, seed=1, base=base)
        nodes.append(plantopt.build_route_tree(inst).n_nodes)
        generated = inst["feeds"]["feed_id"].str.contains("_v")
        assert inst["feeds"].loc[generated, "source"].str.startswith("generated").all()
    assert nodes == sorted(nodes) and nodes[-1] > nodes[0]


def test_hard_variant_has_min_loads_and_budget() -> None:
    base = plantopt.load_instance(INSTANCES / "tiny")
    inst = generate("M", seed=3, base=base, hard=True)
    assert (inst["units"]["min_load_frac"] >= 0.5).all()
    assert inst.manifest["budget_eur"] is not None
    res = plantopt.solve(inst, objective="profit")
    assert res.has_solution
    assert_mass_balance(inst, res)


def test_reuse_routes_stay_out_of_generated_instances() -> None:
    """The grading units of the packaged nl-2027 (routed to products with a reuse_kind) and
    those products are left out, so the route tree keeps its size: M has 13,530 nodes, as
    before nl-2027 had grading units (measured on main at b9e0dd2; with them it grew
    to over 2.6 million nodes at XL --hard). Collection steps and calculation points stay."""
    base = plantopt.load_instance()
    reuse = set(base["products"].query("reuse_kind != 'none'")["product_id"])
    grading = set(base["routing"].query("to_kind == 'product' and to_id in @reuse")["unit_id"])
    assert reuse and grading  # the base has them
    inst = generate("M", seed=0, base=base)
    assert not set(inst["products"]["product_id"]) & reuse
    assert not {u.split("_alt")[0] for u in inst["units"]["unit_id"]} & grading
    assert not set(inst["routing"]["to_id"]) & (reuse | grading)
    assert plantopt.build_route_tree(inst).n_nodes == 13_530
    assert len(inst["collection_steps"]) == len(base["collection_steps"]) > 0
    assert (inst["products"]["calc_point"] == "intermediate").any()

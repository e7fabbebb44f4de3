"""Network results (issue 15): compliance per site and per chain, and the Sankey by site.

Two sites, each finishing its own share of one battery feed (worked by hand):

Feed F (battery:lithium, 100 t/yr in region R: Co 10 %, other 90 %) enters unit G or unit
K directly. G (at site A, 50 t/yr existing) puts all Co into product CO and all other into
product SLAG; K (at site B, 100 t/yr existing) puts 70 % of Co into CO, 30 % of Co and all
other into SLAG. CO pays 10,000 EUR/t of Co; SLAG's `other` counts as recovered (price 0),
its Co does not. Road costs nothing. Targets of 2027 enforced: Co material recovery 90 %,
lithium-based recycling efficiency 65 %.

Co through G gives 1,000 EUR/t of feed, through K 700: G runs full (50 t), and K takes x
t while the operator's Co recovery holds (enforced once for the network):
    (0.1 * 50 + 0.07 x) / (0.1 * 50 + 0.1 x) >= 0.9  <=>  5 + 0.07 x >= 4.5 + 0.09 x
    <=>  x <= 25.
Operator: Co 6.75 / 7.5 = 90 % (binding); site A 5 / 5 = 100 % (met); site B 1.75 / 2.5
= 70 % (violated, not enforced: the law asks for the operator's process). Recycling
efficiency: A (5 + 45) / 50 = 100 %, B (1.75 + 22.5) / 25 = 97 %, operator 74.25 / 75 = 99 %.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import plantopt
from plantopt.solver.types import SolveOptions
from tests.builders import assert_solved, make_instance, materials, route, tc_rows
from tests.conftest import assert_mass_balance
from tests.network_case import network_instance

SITES = [
    {"site_id": "A", "country": "NL", "lat_deg": 51.0, "lon_deg": 4.0},
    {"site_id": "B", "country": "BE", "lat_deg": 51.2, "lon_deg": 4.4},
]


def two_sites(**manifest: object) -> plantopt.Instance:
    """The instance of the module docstring."""
    return make_instance(
        manifest={"objective": "profit", "apply_targets": True, "target_year": 2027, **manifest},
        materials=materials({"Co": 1.0}),
        feeds=[
            {
                "feed_id": "F",
                "feed_class": "c",
                "reg_class": "battery:lithium",
                "available_t_per_yr": 100,
            }
        ],  # fmt: skip
        composition=[
            {"feed_id": "F", "material": "Co", "mass_frac": 0.1},
            {"feed_id": "F", "material": "other", "mass_frac": 0.9},
        ],  # fmt: skip
        units=[{"unit_id": "G", "stage": "refining"}, {"unit_id": "K", "stage": "refining"}],
        transfer_coefficients=tc_rows("G", {"Co": {"co": 1.0}, "other": {"slag": 1.0}})
        + tc_rows("K", {"Co": {"co": 0.7, "slag": 0.3}, "other": {"slag": 1.0}}),
        routing=[
            route(u, o, "product", p) for u in "GK" for o, p in (("co", "CO"), ("slag", "SLAG"))
        ],  # fmt: skip
        feed_entry=[{"feed_class": "c", "unit_id": "G"}, {"feed_class": "c", "unit_id": "K"}],
        products=[{"product_id": "CO"}, {"product_id": "SLAG"}],
        product_prices=[
            {"product_id": "CO", "material": "Co", "price_eur_per_t": 10000},
            {"product_id": "SLAG", "material": "other", "price_eur_per_t": 0},
            {"product_id": "SLAG", "material": "Co", "price_eur_per_t": 0, "recovered": False},
        ],
        sites=SITES,
        site_units=[
            {"site_id": "A", "unit_id": "G", "existing_capacity_t_per_yr": 50},
            {"site_id": "A", "unit_id": "K", "allow_build": False},
            {"site_id": "B", "unit_id": "K", "existing_capacity_t_per_yr": 100},
            {"site_id": "B", "unit_id": "G", "allow_build": False},
        ],
        regions=[{"region_id": "R", "country": "NL", "lat_deg": 51.1, "lon_deg": 4.2}],
        region_supply=[{"region_id": "R", "feed_id": "F", "available_t_per_yr": 100}],
        transport_modes=[{"mode": "road", "cost_eur_per_tkm": 0.0, "co2_kg_per_tkm": 0.0}],
        distances=[{"from_id": "R", "to_id": s, "mode": "road", "distance_km": 10.0} for s in "AB"]
        + [{"from_id": "A", "to_id": "B", "mode": "road", "distance_km": 10.0}],  # fmt: skip
    )


def solve(inst: plantopt.Instance) -> plantopt.Result:
    r = plantopt.solve(inst, options=SolveOptions(tie_break=False))
    assert_solved(r)
    assert_mass_balance(inst, r)
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6
    return r


def by_site(r: plantopt.Result, target: str) -> dict[str, dict]:
    t = r.tables["compliance_by_site"]
    t = t[t["target_id"].str.startswith(target)]
    return {row["site_id"]: row for row in t.to_dict("records")}


def test_compliance_per_site_one_meets_one_misses_operator_enforced() -> None:
    r = solve(two_sites())
    su = r["site_units"].set_index(["site_id", "unit_id"])["throughput_t_per_yr"]
    assert su[("A", "G")] == pytest.approx(50.0) and su[("B", "K")] == pytest.approx(25.0)
    op = r["compliance"].set_index("target_id")
    co = op.loc[op.index.str.startswith("C-RM-Co")].iloc[0]
    assert co["numerator_t_per_yr"] == pytest.approx(6.75)
    assert co["denominator_t_per_yr"] == pytest.approx(7.5)
    assert co["status"] == "binding" and bool(co["enforced"])
    sites = by_site(r, "C-RM-Co")
    assert set(sites) == {"A", "B"}  # no chain: nothing is shipped between the sites
    a, b = sites["A"], sites["B"]
    assert (a["numerator_t_per_yr"], a["denominator_t_per_yr"]) == pytest.approx((5.0, 5.0))
    assert a["achieved_frac"] == pytest.approx(1.0) and a["status"] == "met"
    assert (b["numerator_t_per_yr"], b["denominator_t_per_yr"]) == pytest.approx((1.75, 2.5))
    assert b["achieved_frac"] == pytest.approx(0.7) and b["status"] == "violated"
    assert not a["enforced"] and not b["enforced"]
    assert b["operator_achieved_frac"] == pytest.approx(0.9)
    re_ = by_site(r, "B-RE-lithium")
    assert re_["A"]["achieved_frac"] == pytest.approx(1.0)
    assert re_["B"]["achieved_frac"] == pytest.approx(24.25 / 25)
    assert re_["B"]["operator_achieved_frac"] == pytest.approx(74.25 / 75)
    # the sites' numerators and denominators add up to the operator's (every target)
    t = r.tables["compliance_by_site"]
    sums = t[t["scope"] == "site"].groupby("target_id")[
        ["numerator_t_per_yr", "denominator_t_per_yr"]].sum()  # fmt: skip
    for tid, row in sums.iterrows():
        assert row["numerator_t_per_yr"] == pytest.approx(op.loc[tid, "numerator_t_per_yr"])
        assert row["denominator_t_per_yr"] == pytest.approx(op.loc[tid, "denominator_t_per_yr"])


def test_without_targets_both_sites_run_full_and_the_operator_misses() -> None:
    """Not enforced: G 50 t and K 50 t; Co (5 + 3.5) / 10 = 85 % violated, B 70 %."""
    r = solve(two_sites(apply_targets=False))
    co = by_site(r, "C-RM-Co")
    assert co["B"]["denominator_t_per_yr"] == pytest.approx(5.0)
    assert co["B"]["operator_achieved_frac"] == pytest.approx(0.85)
    assert co["A"]["status"] == "met" and co["B"]["status"] == "violated"


def test_a_spoke_and_its_hub_form_one_chain() -> None:
    """tests/network_case.py: D dismantles at spoke A (residue 60 t landfilled there), H at
    hub X makes CO (10 t Co) from the 40 t of black mass. Recycling efficiency: A 0 / 60,
    X 10 / 40 = 25 %; the chain A+X (one recycling process over two facilities) 10 / 100
    = the operator's 10 %. Co recovery: nothing of Co ends at A (no row), X 10 / 10."""
    r = solve(network_instance(manifest={"target_year": 2027}))
    t = r.tables["compliance_by_site"]
    re_ = t[t["target_id"].str.startswith("B-RE-lithium")].set_index("site_id")
    assert re_.loc["A", "denominator_t_per_yr"] == pytest.approx(60.0)
    assert re_.loc["A", "achieved_frac"] == pytest.approx(0.0)
    assert re_.loc["X", "achieved_frac"] == pytest.approx(0.25)
    assert re_.loc["A+X", "scope"] == "chain"
    assert re_.loc["A+X", "achieved_frac"] == pytest.approx(0.10)
    assert re_.loc["A+X", "operator_achieved_frac"] == pytest.approx(0.10)
    co = t[t["target_id"].str.startswith("C-RM-Co")].set_index("site_id")
    assert "A" not in co.index and co.loc["X", "achieved_frac"] == pytest.approx(1.0)
    ships = r.tables["site_material_flows"]
    ships = ships[ships["source_kind"] == "site"]
    assert ships["mass_t_per_yr"].sum() == pytest.approx(40.0)  # bm: Co 10 + other 30


def test_sankey_by_site_links_by_hand() -> None:
    """network_case: haul R -> A 100 t, ship A -> X 40 t (real), A landfills 60 t, X sells
    10 t of Co and landfills 30 t of slag."""
    from plantopt.report.network import sankey_links

    r = solve(network_instance())
    links = sankey_links(r.tables["lanes"], r.tables["site_mass_balance"])
    got = {(a, b): t for a, b, t in zip(links["source"], links["target"], links["t_per_yr"])}
    assert got == pytest.approx({("region: R", "site: A"): 100.0, ("site: A", "site: X"): 40.0,
                                 ("site: A", "disposal"): 60.0, ("site: X", "products"): 10.0,
                                 ("site: X", "disposal"): 30.0})  # fmt: skip


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_report_renders_the_sankey_by_site_next_to_the_map(tmp_path: Path) -> None:
    """The report of a tiny network renders in headless Chromium without script errors:
    the map (3 sites) and the Sankey by site with its 5 nodes (R, A, X, products, disposal),
    and the compliance per site."""
    from plantopt.report import make_report
    from tests.test_report import _chromium

    r = solve(network_instance(manifest={"target_year": 2027}))
    folder = r.save(tmp_path / "net")
    out, _ = make_report(folder, tmp_path / "report.html", static=False)
    page = out.read_text()
    assert 'id="network-sankey"' in page or "id='network-sankey'" in page
    assert "<h3>Compliance per site</h3>" in page and "A+X" in page
    dom = _chromium(["--dump-dom", out.as_uri()])
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-render-status="ok"' in dom.stdout, dom.stdout[-3000:]
    assert '<pre id="js-errors"></pre>' in dom.stdout  # no script errors
    net = dom.stdout.split('id="network-sankey"')[1]
    assert net.count('class="sankey-node"') == 5, net[:3000]


def test_a_site_may_lower_a_units_minimum_load() -> None:
    """H needs half its capacity when it runs (tests/network_case.py: 200 t/yr at X, 40 t
    of black mass: nothing runs); as a toll share at X without a minimum load of its own
    (site_units.min_load_frac 0) it runs at 40 t: revenue 100,000 - transport 500 - capex
    10. Raising the minimum at a site is refused (file, row, column)."""
    units = [{"unit_id": "D", "stage": "dismantling"},
             {"unit_id": "H", "stage": "refining", "min_load_frac": 0.5}]  # fmt: skip
    toll = [{"site_id": "X", "unit_id": "H", "existing_capacity_t_per_yr": 200,
             "min_load_frac": 0.0},
            {"site_id": "X", "unit_id": "D", "allow_build": False}]  # fmt: skip
    assert solve(network_instance(units=units)).objective == pytest.approx(0.0, abs=1e-6)
    r = solve(network_instance(units=units, site_units=toll))
    assert r.objective == pytest.approx(100_000.0 - 500.0 - 10.0)
    higher = [dict(toll[0], min_load_frac=0.7), toll[1]]
    with pytest.raises(plantopt.InstanceError) as info:
        network_instance(units=units, site_units=higher)
    text = str(info.value)
    assert "site_units.csv" in text and "min_load_frac" in text and "at most 0.5" in text


def test_diagnosis_names_the_capacity_of_a_unit_at_a_site() -> None:
    """Take-back of all 100 t/yr, but H has 30 t/yr at X and the black mass is 0.4 t/t: at
    most 30 / 0.4 = 75 t/yr can be accepted; H at X needs 40 t/yr (the diagnosis of an
    infeasible network instance used to stop with a traceback on the key 'H@X')."""
    su = [{"site_id": "X", "unit_id": "H", "existing_capacity_t_per_yr": 30},
          {"site_id": "X", "unit_id": "D", "allow_build": False}]  # fmt: skip
    res = plantopt.solve(network_instance(manifest={"treat_all_collected": True}, site_units=su))
    assert res.status == plantopt.SolveStatus.INFEASIBLE
    d = res["diagnosis"]
    only = d[d["analysis"] == "only capacity"].set_index("key")
    assert only.loc["H@X", "required"] == pytest.approx(30.0)  # installed at the site
    assert only.loc["H@X", "possible"] == pytest.approx(40.0)  # what the plan needs there
    assert "unit H at site X" in only.loc["H@X", "message"]
    feed = d[d["analysis"] == "only feed_minimum"].iloc[0]
    assert feed["possible"] == pytest.approx(75.0)

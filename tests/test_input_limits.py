"""Bad input never becomes an internal error, a hang or a silent change (issue 13).

Non-finite and oversized numbers in cells and manifest, manifest values that are not single
values, duplicate YAML keys, deep nesting, alias bombs, huge integers, and a valid chain of
1,100 units (no recursion limit in any graph search).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import plantopt
from plantopt.instance.loader import validate
from tests.builders import InstanceFolder, find, make_instance, materials, route, tc_rows

NON_FINITE = ["inf", "Infinity", "-inf", "1e999", "9" * 100_000, "nan", "1e13"]


@pytest.mark.parametrize("text", NON_FINITE)
@pytest.mark.parametrize(
    "file,row,column",
    [
        ("feeds.csv", 2, "available_t_per_yr"),  # lower bound only
        ("feeds.csv", 2, "gate_fee_eur_per_t"),  # no bound at all
        ("units.csv", 2, "opex_eur_per_t"),
        ("units.csv", 2, "co2_t_per_t"),
        ("routing.csv", 2, "cost_eur_per_t"),
        ("materials.csv", 2, "recovery_weight"),
        ("product_prices.csv", 2, "price_eur_per_t"),
    ],
)
def test_non_finite_cell_is_an_error_naming_file_row_column(
    tmp_path: Path, text: str, file: str, row: int, column: str
) -> None:
    folder = InstanceFolder(tmp_path).set_cell(file, row, column, text)
    problem = find(folder.errors(), file, row, column)
    assert "finite" in problem.message or "not a number" in problem.message


@pytest.mark.parametrize(
    "line",
    [
        "profit_floor_eur_per_yr: .inf",
        "profit_floor_eur_per_yr: -.inf",
        "profit_floor_eur_per_yr: 1e308",
        "co2_cap_t_per_yr: .inf",
        "co2_price_eur_per_t: 1e999",
        "budget_eur: .nan",
        "max_route_nodes: 1e300",
        "budget_eur: " + "9" * 300,
    ],
)
def test_non_finite_manifest_value_is_an_error(tmp_path: Path, line: str) -> None:
    folder = InstanceFolder(tmp_path).append_manifest(line + "\n")
    field = line.split(":")[0]
    find(folder.errors(), "instance.yaml", None, field)


@pytest.mark.parametrize(
    "line,field",
    [
        ("description: {a: 1}", "description"),
        ("currency: [EUR]", "currency"),
        ("objective: [recovery, profit]", "objective"),
        ("budget_eur: [1, 2]", "budget_eur"),
    ],
)
def test_manifest_value_must_be_a_single_value(tmp_path: Path, line: str, field: str) -> None:
    folder = InstanceFolder(tmp_path).write_text("instance.yaml", f"name: tiny\n{line}\n")
    assert "single value" in find(folder.errors(), "instance.yaml", None, field).message


def test_manifest_name_that_is_a_mapping_is_an_error(tmp_path: Path) -> None:
    folder = InstanceFolder(tmp_path)
    text = (folder.path / "instance.yaml").read_text().replace("name: tiny", "name: {a: 1}")
    folder.write_text("instance.yaml", text)
    find(folder.errors(), "instance.yaml", None, "name", "single value")


def test_duplicate_manifest_key_is_an_error(tmp_path: Path) -> None:
    folder = InstanceFolder(tmp_path).append_manifest("objective: profit\nobjective: npv\n")
    (problem,) = folder.errors()
    assert problem.file == "instance.yaml" and "duplicate key 'objective'" in problem.message
    lines = (folder.path / "instance.yaml").read_text().splitlines()
    assert problem.row == lines.index("objective: profit") + 1  # the second 'objective'


def _bomb(levels: int) -> str:
    text = "a0: &a0 [" + ", ".join(['"lol"'] * 9) + "]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    return text + f"description: *a{levels - 1}\n"


@pytest.mark.parametrize(
    "text",
    [
        _bomb(9),
        _bomb(6),
        "description: " + "[" * 500 + "]" * 500 + "\n",
        "description: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "budget_eur: " + "1" * 100_000,
        "description: " + "x" * 300_000 + "\n",
    ],
    ids=[
        "alias-bomb-9",
        "alias-bomb-6",
        "nested-500",
        "nested-50000",
        "int-100000-digits",
        "300-KiB",
    ],
)
def test_hostile_manifest_is_rejected_within_a_second(tmp_path: Path, text: str) -> None:
    folder = InstanceFolder(tmp_path)
    folder.write_text("instance.yaml", "name: tiny\n" + text)
    # CPU time of this process: a hostile manifest must not make reading blow up, and the
    # wall clock of a shared machine under load (2-3x at a load of 10) says nothing about that
    started = time.process_time()
    problems = validate(folder.path)
    assert time.process_time() - started < 1.0
    errors = [p for p in problems if p.severity == "error"]
    assert errors and all(p.file == "instance.yaml" for p in errors), errors


def test_deep_toml_manifest_is_an_error(tmp_path: Path) -> None:
    folder = InstanceFolder(tmp_path)
    (folder.path / "instance.yaml").unlink()
    folder.write_text(
        "instance.toml", 'name = "tiny"\ndescription = ' + "[" * 5000 + "]" * 5000 + "\n"
    )
    errors = [p for p in validate(folder.path) if p.severity == "error"]
    assert errors and errors[0].file == "instance.toml"


def test_python_tags_stay_rejected(tmp_path: Path) -> None:
    folder = InstanceFolder(tmp_path).append_manifest(
        "description: !!python/object/apply:os.system ['echo pwned > pwned.txt']\n"
    )
    (problem,) = folder.errors()
    assert problem.file == "instance.yaml" and "cannot read manifest" in problem.message
    assert not Path("pwned.txt").exists()


def chain_instance(n_units: int) -> plantopt.Instance:
    """A feed passing through ``n_units`` units in a row, the last one selling A."""
    units = [f"u{i}" for i in range(n_units)]
    tcs, routes = [], []
    for i, u in enumerate(units):
        last = i == n_units - 1
        tcs += tc_rows(u, {"A": {"out": 1.0}, "other": {"out": 1.0}})
        routes.append(
            route(u, "out", "product", "p") if last else route(u, "out", "unit", units[i + 1])
        )
    return make_instance(
        manifest={"name": "chain", "max_route_nodes": 10 * n_units},
        materials=materials({"A": 1.0}),
        feeds=[{"feed_id": "f", "feed_class": "c", "available_t_per_yr": 10}],
        composition=[{"feed_id": "f", "material": "A", "mass_frac": 0.1}],
        units=[
            {"unit_id": u, "stage": "preprocessing", "existing_capacity_t_per_yr": 100}
            for u in units
        ],
        transfer_coefficients=tcs,
        routing=routes,
        feed_entry=[{"feed_class": "c", "unit_id": units[0]}],
        products=[{"product_id": "p"}],
        product_prices=[{"product_id": "p", "material": "A", "price_eur_per_t": 1}],
    )


def test_chain_of_1100_units_validates_and_solves() -> None:
    inst = chain_instance(1100)
    res = plantopt.solve(inst)
    assert res.has_solution, res.message
    assert res["recovery"].set_index("material").at["A", "recovered_t_per_yr"] == pytest.approx(1.0)
    assert res["flows"]["path"].str.count(" > ").max() == 1101


def test_cycle_found_in_a_long_chain() -> None:
    from plantopt.instance.checks import _find_cycle

    edges = {f"u{i}": [f"u{i + 1}"] for i in range(5000)}
    assert _find_cycle(edges) is None
    edges["u5000"] = ["u2500"]
    cycle = _find_cycle(edges)
    assert cycle is not None and cycle[0] == "u2500" and cycle[-1] == "u2500"
    assert len(cycle) == 2502

"""One test per class of bad input: the error names the file, the row and the column.

Rows are spreadsheet rows (header = 1, first data row = 2). Each test copies the ``tiny``
instance to a temporary folder and breaks one thing. Row numbers of tiny's files:
feeds.csv 2 liion; materials.csv 2 Li, 3 Co, 4 other; composition.csv 2 Li, 3 Co, 4 other;
units.csv 2 shredder, 3 hydromet, 4 smelter; routing.csv 2-4 shredder, 5-7 hydromet,
8-10 smelter; transfer_coefficients.csv 2-7 shredder, 8-12 hydromet, 13-17 smelter
(15 = smelter Li slag, 17 = smelter other offgas); feed_entry.csv 2; product_prices.csv 2-4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from tests.builders import InstanceFolder, find
from tests.conftest import assert_mass_balance


@pytest.fixture
def folder(tmp_path: Path) -> InstanceFolder:
    return InstanceFolder(tmp_path)


# ----------------------------------------------------------------------------- columns, cells


def test_missing_required_column(folder: InstanceFolder) -> None:
    folder.drop_column("feeds.csv", "available_t_per_yr")
    find(folder.errors(), "feeds.csv", None, "available_t_per_yr", "missing required column")


def test_unknown_column(folder: InstanceFolder) -> None:
    folder.add_column("feeds.csv", "colour", "red")
    p = find(folder.errors(), "feeds.csv", None, "colour", "unknown column")
    assert "available_t_per_yr" in p.expected


def test_text_in_number_column(folder: InstanceFolder) -> None:
    folder.set_cell("feeds.csv", 2, "available_t_per_yr", "lots")
    p = find(folder.errors(), "feeds.csv", 2, "available_t_per_yr", "not a number")
    assert p.found == "lots"


def test_bad_boolean(folder: InstanceFolder) -> None:
    folder.set_cell("materials.csv", 3, "eu_critical", "maybe")
    p = find(folder.errors(), "materials.csv", 3, "eu_critical", "true/false")
    assert p.found == "maybe"


def test_negative_tonnage(folder: InstanceFolder) -> None:
    folder.set_cell("feeds.csv", 2, "available_t_per_yr", "-5")
    p = find(folder.errors(), "feeds.csv", 2, "available_t_per_yr", "below")
    assert ">= 0" in p.expected


def test_fraction_above_one(folder: InstanceFolder) -> None:
    folder.set_cell("composition.csv", 3, "mass_frac", "1.5")
    p = find(folder.errors(), "composition.csv", 3, "mass_frac", "above")
    assert "[0, 1]" in p.expected


def test_stage_not_in_choices(folder: InstanceFolder) -> None:
    folder.set_cell("units.csv", 4, "stage", "melting")
    p = find(folder.errors(), "units.csv", 4, "stage", "not an allowed value")
    assert "refining" in p.expected


def test_empty_required_cell(folder: InstanceFolder) -> None:
    folder.set_cell("routing.csv", 5, "to_id", "")
    find(folder.errors(), "routing.csv", 5, "to_id", "required value is empty")


def test_duplicate_key(folder: InstanceFolder) -> None:
    row = folder.add_row("materials.csv", material="Co", name="cobalt again")
    assert row == 5
    p = find(folder.errors(), "materials.csv", 5, "material", "duplicate key")
    assert p.found == "Co"


def test_bad_manifest_value(folder: InstanceFolder) -> None:
    folder.append_manifest("budget_eur: -1\n")
    find(folder.errors(), "instance.yaml", None, "budget_eur", "below")


# ----------------------------------------------------------------------------- sums


def test_composition_sums_above_one(folder: InstanceFolder) -> None:
    folder.set_cell("composition.csv", 3, "mass_frac", "0.5")  # 0.02 + 0.5 + 0.88 = 1.4
    p = find(folder.errors(), "composition.csv", 2, "mass_frac", "sum above 1")
    assert "liion" in p.message
    assert p.found == "1.4"


def test_composition_below_one_without_other(folder: InstanceFolder) -> None:
    # drop material 'other' everywhere: liion is then Li 0.02 + Co 0.10 = 0.12
    for file in ("materials.csv", "composition.csv", "transfer_coefficients.csv"):
        assert folder.delete_rows(file, lambda r: r["material"] == "other") >= 1
    folder.delete_rows("routing.csv", lambda r: r["output_id"] == "offgas")
    p = find(folder.errors(), "composition.csv", 2, "mass_frac", "remainder needs material")
    assert "0.12" in p.message


def test_transfer_coefficients_not_summing_to_one(folder: InstanceFolder) -> None:
    folder.set_cell("transfer_coefficients.csv", 2, "tc_frac", "0.9")  # shredder Li: 0.95
    p = find(folder.errors(), "transfer_coefficients.csv", 2, "tc_frac", "sum to 0.95")
    assert "'shredder'" in p.message and "'Li'" in p.message
    assert "1" in p.expected and "tolerance" in p.expected


def test_transfer_coefficients_within_tolerance_are_accepted(folder: InstanceFolder) -> None:
    folder.set_cell("transfer_coefficients.csv", 2, "tc_frac", "0.9500005")
    folder.append_manifest("tc_sum_tolerance: 0.000001\n")
    plantopt.load_instance(folder.path)  # 5e-7 off: within the stated tolerance


# ----------------------------------------------------------------------------- references

UNKNOWN_REFS = [
    # (file, row, column, bad value, expected message)
    ("composition.csv", 2, "feed_id", "nofeed", "unknown feed_id"),
    ("composition.csv", 3, "material", "Xx", "unknown material"),
    ("transfer_coefficients.csv", 8, "unit_id", "nounit", "unknown unit_id"),
    ("transfer_coefficients.csv", 9, "material", "Xx", "unknown material"),
    ("transfer_coefficients.csv", 10, "feed_class", "nocls", "unknown feed_class"),
    ("routing.csv", 6, "unit_id", "nounit", "unknown unit_id"),
    ("routing.csv", 5, "output_id", "nooutput", "has no output 'nooutput'"),
    ("routing.csv", 3, "to_id", "nounit", "unknown unit_id"),
    ("routing.csv", 8, "to_id", "noproduct", "unknown product_id"),
    ("feed_entry.csv", 2, "unit_id", "nounit", "unknown unit_id"),
    ("feed_entry.csv", 2, "feed_class", "nocls", "unknown feed_class"),
    ("product_prices.csv", 3, "product_id", "noproduct", "unknown product_id"),
    ("product_prices.csv", 4, "material", "Xx", "unknown material"),
]


@pytest.mark.parametrize(
    "file, row, column, value, message",
    UNKNOWN_REFS,
    ids=[f"{f}:{c}" for f, _, c, _, _ in UNKNOWN_REFS],
)
def test_unknown_id_in_reference(
    folder: InstanceFolder, file: str, row: int, column: str, value: str, message: str
) -> None:
    folder.set_cell(file, row, column, value)
    p = find(folder.errors(), file, row, column, message)
    assert p.found == value


def test_unknown_unit_in_capacity_options(folder: InstanceFolder) -> None:
    row = folder.add_row(
        "capacity_options.csv",
        unit_id="nounit",
        option_id="s",
        capacity_t_per_yr=10,
        capex_eur=1000,
    )
    assert row == 2
    p = find(folder.errors(), "capacity_options.csv", 2, "unit_id", "unknown unit_id")
    assert "units.csv" in p.expected


# ----------------------------------------------------------------------------- graph


def test_cycle_in_routing(folder: InstanceFolder) -> None:
    row = folder.add_row(
        "routing.csv", unit_id="smelter", output_id="slag", to_kind="unit", to_id="shredder"
    )
    problems = folder.errors()
    cycle = [p for p in problems if "cycle" in p.message]
    assert len(cycle) == 1, problems
    p = cycle[0]
    assert p.file == "routing.csv" and p.column == "to_id"
    assert p.row in (3, row)  # shredder -> smelter (row 3) or smelter -> shredder (new row)
    assert "shredder" in p.message and "smelter" in p.message


def test_output_routed_into_its_own_unit(folder: InstanceFolder) -> None:
    row = folder.add_row(
        "routing.csv", unit_id="smelter", output_id="slag", to_kind="unit", to_id="smelter"
    )
    find(folder.errors(), "routing.csv", row, "to_id", "back into its own unit")


def test_feed_that_can_reach_no_unit(folder: InstanceFolder) -> None:
    row = folder.add_row("feeds.csv", feed_id="pv", feed_class="pv_panels", available_t_per_yr=50)
    folder.add_row("composition.csv", feed_id="pv", material="other", mass_frac=1.0)
    p = find(folder.errors(), "feeds.csv", row, "feed_class", "can reach no unit")
    assert "'pv'" in p.message and p.found == "pv_panels"


def test_output_with_nowhere_to_go(folder: InstanceFolder) -> None:
    assert folder.delete_rows("routing.csv", lambda r: r["output_id"] == "offgas") == 1
    p = find(folder.errors(), "transfer_coefficients.csv", 17, "output_id", "nowhere to go")
    assert "'offgas'" in p.message and "'smelter'" in p.message


def test_material_without_transfer_coefficients_at_a_reached_unit(folder: InstanceFolder) -> None:
    assert (
        folder.delete_rows(
            "transfer_coefficients.csv",
            lambda r: r["unit_id"] == "smelter" and r["material"] == "Li",
        )
        == 1
    )
    p = find(
        folder.errors(),
        "transfer_coefficients.csv",
        None,
        "material",
        "no transfer coefficients for material 'Li' at unit 'smelter'",
    )
    assert p.found == "Li"


def test_contracted_minimum_above_availability(folder: InstanceFolder) -> None:
    folder.set_cell("feeds.csv", 2, "contracted_min_t_per_yr", "150")
    p = find(folder.errors(), "feeds.csv", 2, "contracted_min_t_per_yr", "above availability")
    assert "100" in p.expected


def test_unit_that_never_receives_anything_is_a_warning(folder: InstanceFolder) -> None:
    row = folder.add_row(
        "units.csv", unit_id="orphan", stage="refining", existing_capacity_t_per_yr=5
    )
    inst = plantopt.load_instance(folder.path)  # loads: only a warning
    warnings = [p for p in inst.warnings if p.severity == "warning"]
    p = find(warnings, "units.csv", row, "unit_id", "can never receive anything")
    assert p.found == "orphan"
    res = plantopt.solve(inst)
    assert_mass_balance(inst, res)
    assert any("orphan" in w for w in res.summary["warnings"])


# ----------------------------------------------------------------------------- files


def test_missing_table_file(folder: InstanceFolder) -> None:
    (folder.path / "routing.csv").unlink()
    find(folder.errors(), "routing.csv", None, None, "table file is missing")


def test_missing_manifest(folder: InstanceFolder) -> None:
    (folder.path / "instance.yaml").unlink()
    p = find(folder.errors(), "instance.yaml", None, None, "manifest file is missing")
    assert "instance.toml" in p.expected


def test_unknown_manifest_field(folder: InstanceFolder) -> None:
    folder.append_manifest("colour: red\n")
    find(folder.errors(), "instance.yaml", None, "colour", "unknown manifest field")


def test_malformed_yaml(folder: InstanceFolder) -> None:
    folder.write_text("instance.yaml", "name: [tiny\ndescription: broken\n")
    # the YAML parser's position is passed on as the row (the line of the manifest)
    find(folder.errors(), "instance.yaml", 2, None, "cannot read manifest")


def test_manifest_that_is_not_a_mapping(folder: InstanceFolder) -> None:
    folder.write_text("instance.yaml", "- just\n- a list\n")
    find(folder.errors(), "instance.yaml", None, None, "not a mapping")


def test_malformed_csv(folder: InstanceFolder) -> None:
    text = (folder.path / "feeds.csv").read_text()
    folder.write_text("feeds.csv", text + "extra,li_ion,,,1,0,0,x,one too many\n")
    p = find(folder.errors(), "feeds.csv", 3, None, "cannot parse CSV")  # the line is the row
    assert "line 3" in p.message


def test_csv_that_is_not_utf8(folder: InstanceFolder) -> None:
    (folder.path / "products.csv").write_bytes(
        b"product_id,description\nli2co3,carbonate \xe9\xff\n"
    )
    find(folder.errors(), "products.csv", None, None, "cannot parse CSV")


def test_instance_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(InstanceError) as info:
        plantopt.load_instance(tmp_path / "nothing-here")
    assert "does not exist" in str(info.value)


# ----------------------------------------------------------------------------- all at once


def test_all_cell_problems_reported_at_once(folder: InstanceFolder) -> None:
    folder.set_cell("feeds.csv", 2, "available_t_per_yr", "-1")
    folder.set_cell("units.csv", 3, "stage", "melting")
    folder.set_cell("materials.csv", 2, "eu_strategic", "perhaps")
    problems = folder.errors()
    assert len(problems) == 3, problems
    find(problems, "feeds.csv", 2, "available_t_per_yr")
    find(problems, "units.csv", 3, "stage")
    find(problems, "materials.csv", 2, "eu_strategic")


def test_all_cross_table_problems_reported_at_once(folder: InstanceFolder) -> None:
    folder.set_cell("composition.csv", 3, "mass_frac", "0.5")  # sum 1.4
    folder.set_cell("transfer_coefficients.csv", 8, "tc_frac", "0.8")  # hydromet Li: 0.9
    folder.set_cell("product_prices.csv", 2, "product_id", "lithium_hydroxide")
    problems = folder.errors()
    assert len(problems) == 3, problems
    find(problems, "composition.csv", 2, "mass_frac", "sum above 1")
    find(problems, "transfer_coefficients.csv", 8, "tc_frac", "sum to 0.9")
    find(problems, "product_prices.csv", 2, "product_id", "unknown product_id")


def test_contracted_minimum_reported_with_reference_errors(folder: InstanceFolder) -> None:
    # the contracted-minimum check does not depend on references: it must not be skipped
    # when another file has an unknown id
    folder.set_cell("feeds.csv", 2, "contracted_min_t_per_yr", "150")
    folder.set_cell("product_prices.csv", 2, "product_id", "lithium_hydroxide")
    problems = folder.errors()
    find(problems, "feeds.csv", 2, "contracted_min_t_per_yr", "above availability")
    find(problems, "product_prices.csv", 2, "product_id", "unknown product_id")
    assert len(problems) == 2, problems


def test_cell_and_cross_table_problems_reported_at_once(folder: InstanceFolder) -> None:
    folder.set_cell("feeds.csv", 2, "gate_fee_eur_per_t", "free")  # cell: not a number
    folder.set_cell("composition.csv", 3, "mass_frac", "0.5")  # cross-table: sum 1.4
    problems = folder.errors()
    find(problems, "feeds.csv", 2, "gate_fee_eur_per_t", "not a number")
    find(problems, "composition.csv", 2, "mass_frac", "sum above 1")


def test_api_raises_one_instance_error_with_the_list(folder: InstanceFolder) -> None:
    folder.set_cell("feeds.csv", 2, "available_t_per_yr", "-1")
    folder.set_cell("units.csv", 3, "stage", "melting")
    with pytest.raises(InstanceError) as info:
        plantopt.load_instance(folder.path)
    exc = info.value
    assert len(exc.problems) == 2
    assert all(isinstance(p, plantopt.Problem) for p in exc.problems)
    text = str(exc)
    assert "2 problem(s)" in text
    assert "feeds.csv, row 2, column 'available_t_per_yr'" in text
    assert "units.csv, row 3, column 'stage'" in text
    # validate() returns the same problems without raising
    listed = plantopt.validate(folder.path)
    assert [str(p) for p in listed if p.severity == "error"] == [str(p) for p in exc.errors]


def test_nothing_is_built_from_a_bad_in_memory_instance() -> None:
    from tests.builders import make_instance, materials

    with pytest.raises(InstanceError) as info:
        make_instance(
            materials=materials({"A": 1.0}),
            feeds=[{"feed_id": "F", "feed_class": "c", "available_t_per_yr": -3}],
        )
    find(info.value.errors, "feeds.csv", 2, "available_t_per_yr", "below")

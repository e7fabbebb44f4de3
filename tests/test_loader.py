"""Loader: typing and defaults, in-memory tables checked like files, row numbers, manifests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from plantopt.instance.schema import TABLES
from tests.builders import InstanceFolder, find
from tests.conftest import INSTANCES, assert_mass_balance


@pytest.fixture
def folder(tmp_path: Path) -> InstanceFolder:
    return InstanceFolder(tmp_path)


def test_tables_have_schema_columns_types_and_defaults(tiny: plantopt.Instance) -> None:
    for name, table in TABLES.items():
        assert list(tiny[name].columns) == table.column_names, name
    feeds = tiny["feeds"]
    assert feeds["available_t_per_yr"].dtype == float
    mats = tiny["materials"].set_index("material")
    assert mats.at["Li", "eu_critical"] is True or mats.at["Li", "eu_critical"] == True  # noqa: E712
    assert tiny.manifest["discount_rate"] == 0.08
    assert tiny.manifest["max_route_nodes"] == 200_000  # schema default
    assert tiny.manifest["budget_eur"] is None  # empty optional: no limit
    products = tiny["products"].set_index("product_id")
    assert products["max_offtake_t_per_yr"].isna().all()  # empty means no limit
    assert (products["counts_recycled"] == True).all()  # noqa: E712


@pytest.mark.parametrize(
    "text, value",
    [
        ("true", True),
        ("Yes", True),
        ("1", True),
        ("t", True),
        ("FALSE", False),
        ("no", False),
        ("0", False),
        (" n ", False),
    ],
)
def test_boolean_spellings(folder: InstanceFolder, text: str, value: bool) -> None:
    folder.set_cell("materials.csv", 2, "eu_strategic", text)
    inst = plantopt.load_instance(folder.path)
    assert bool(inst["materials"].set_index("material").at["Li", "eu_strategic"]) is value


def test_empty_optional_cell_takes_default(folder: InstanceFolder) -> None:
    folder.set_cell("feeds.csv", 2, "contracted_min_t_per_yr", "")
    folder.set_cell("units.csv", 2, "opex_eur_per_t", "")
    inst = plantopt.load_instance(folder.path)
    assert inst["feeds"].at[0, "contracted_min_t_per_yr"] == 0.0
    assert inst["units"].at[0, "opex_eur_per_t"] == 0.0


def test_whole_number_field_rejects_fraction(folder: InstanceFolder) -> None:
    folder.append_manifest("max_route_nodes: 12.5\n")
    find(folder.errors(), "instance.yaml", None, "max_route_nodes", "not a whole number")


def test_toml_manifest(folder: InstanceFolder) -> None:
    (folder.path / "instance.yaml").unlink()
    folder.write_text(
        "instance.toml", 'name = "tiny-toml"\nobjective = "profit"\ndiscount_rate = 0.05\n'
    )
    inst = plantopt.load_instance(folder.path)
    assert inst.name == "tiny-toml"
    assert inst.manifest["objective"] == "profit"
    assert inst.manifest["discount_rate"] == 0.05


def test_header_whitespace_is_ignored(folder: InstanceFolder) -> None:
    text = (
        (folder.path / "feeds.csv")
        .read_text()
        .replace("feed_id,feed_class", "feed_id , feed_class", 1)
    )
    folder.write_text("feeds.csv", text)
    plantopt.load_instance(folder.path)


def test_short_row_reports_missing_cells(folder: InstanceFolder) -> None:
    text = (folder.path / "feeds.csv").read_text()
    folder.write_text("feeds.csv", text + "bar,li_ion\n")
    find(folder.errors(), "feeds.csv", 3, "available_t_per_yr", "required value is empty")


def test_row_numbers_count_blank_lines(folder: InstanceFolder) -> None:
    # a spreadsheet shows the blank line 3 as a row: the bad value is on row 4
    text = (folder.path / "feeds.csv").read_text()
    folder.write_text("feeds.csv", text + "\nfoo,li_ion,,,-5,0,0,x\n")
    find(folder.errors(), "feeds.csv", 4, "available_t_per_yr", "below")


def test_cross_table_row_numbers_count_blank_lines(folder: InstanceFolder) -> None:
    lines = (folder.path / "routing.csv").read_text().splitlines()
    lines.insert(2, "")  # blank line 3; the smelter alloy -> co_alloy row moves from 8 to 9
    folder.write_text("routing.csv", "\n".join(lines) + "\n")
    plantopt.load_instance(folder.path)  # a blank line alone is fine
    folder.set_cell("routing.csv", 9, "to_id", "noproduct")  # keeps the blank line
    p = find(folder.errors(), "routing.csv", 9, "to_id", "unknown product_id")
    assert p.found == "noproduct"


def test_in_memory_tables_are_checked_like_files(
    tiny: plantopt.Instance, folder: InstanceFolder
) -> None:
    # the same bad cell, from a folder and from in-memory tables: the same problem
    folder.set_cell("units.csv", 3, "min_load_frac", "1.2")
    from_file = folder.errors()
    units = tiny["units"].copy()
    units.loc[1, "min_load_frac"] = 1.2
    with pytest.raises(InstanceError) as info:
        plantopt.instance_from_tables(tiny.manifest, {**tiny.tables, "units": units})
    from_memory = info.value.errors
    assert [(p.file, p.row, p.column, p.message) for p in from_memory] == [
        (p.file, p.row, p.column, p.message) for p in from_file
    ]
    find(from_memory, "units.csv", 3, "min_load_frac", "above")


def test_in_memory_tables_with_filtered_index_report_spreadsheet_rows(
    tiny: plantopt.Instance,
) -> None:
    # a DataFrame left with index 5, 6, 7 after filtering: rows are still counted 2, 3, 4
    units = tiny["units"].copy()
    units.index = [5, 6, 7]
    units.loc[7, "stage"] = "melting"
    with pytest.raises(InstanceError) as info:
        plantopt.instance_from_tables(tiny.manifest, {**tiny.tables, "units": units})
    find(info.value.errors, "units.csv", 4, "stage", "not an allowed value")


def test_in_memory_round_trip_equals_folder(tiny: plantopt.Instance) -> None:
    again = plantopt.instance_from_tables(tiny.manifest, tiny.tables)
    assert again.content_hash() == tiny.content_hash()
    res = plantopt.solve(again)
    assert_mass_balance(again, res)


def test_missing_in_memory_table(tiny: plantopt.Instance) -> None:
    tables = {k: v for k, v in tiny.tables.items() if k != "routing"}
    with pytest.raises(InstanceError) as info:
        plantopt.instance_from_tables(tiny.manifest, tables)
    find(info.value.errors, "routing.csv", None, None, "table is missing")


def test_content_hash_changes_with_any_cell(
    tiny: plantopt.Instance, folder: InstanceFolder
) -> None:
    folder.set_cell("units.csv", 3, "opex_eur_per_t", "0.5")
    assert plantopt.load_instance(folder.path).content_hash() != tiny.content_hash()
    assert plantopt.load_instance(INSTANCES / "tiny").content_hash() == tiny.content_hash()


def test_unknown_packaged_instance_lists_the_available_ones() -> None:
    with pytest.raises(FileNotFoundError) as info:
        plantopt.packaged_instance_path("no-such-instance")
    assert "tiny" in str(info.value)


def test_route_tree_limit_is_a_clear_error(tiny: plantopt.Instance) -> None:
    with pytest.raises(plantopt.RouteTreeTooLarge) as info:
        plantopt.build_route_tree(tiny.with_manifest(max_route_nodes=5))
    assert "exceeds 5 nodes" in str(info.value) and "max_route_nodes" in str(info.value)
    assert plantopt.build_route_tree(tiny.with_manifest(max_route_nodes=10)).n_nodes == 10


def test_table_files_are_not_modified_by_loading(folder: InstanceFolder) -> None:
    before = {p.name: p.read_bytes() for p in folder.path.iterdir()}
    inst = plantopt.load_instance(folder.path)
    plantopt.solve(inst)
    assert {p.name: p.read_bytes() for p in folder.path.iterdir()} == before
    assert isinstance(inst["feeds"], pd.DataFrame)


_ODD_CELLS = (
    "material,name,eu_critical,source\n"
    '  Li, lith ium ,true,"a, quoted ""source"""\n'
    'Co,"two\nlines",false,ab"c\n'
    'Ni,"x" y , TRUE ,""\n'
)


def _pandas_cells(path: Path) -> dict[str, list[str]]:
    from plantopt.instance import loader
    from plantopt.instance.errors import ProblemList

    fast, loader.read_csv_cells = loader.read_csv_cells, lambda p: None
    try:
        raw = loader._read_csv(path, TABLES["materials"], ProblemList())
    finally:
        loader.read_csv_cells = fast
    assert isinstance(raw, pd.DataFrame)
    return {str(c): raw[c].tolist() for c in raw.columns}


def test_fast_csv_reading_gives_the_cells_pandas_gives(tmp_path: Path) -> None:
    """The csv-module path reads quotes, doubled quotes, embedded commas and newlines and
    spaces after a delimiter exactly as the pandas call did; anything else goes to pandas."""
    from plantopt.instance.csv_cells import read_csv_cells

    path = tmp_path / "materials.csv"
    path.write_text(_ODD_CELLS)
    fast = read_csv_cells(path)
    assert fast is not None and list(fast.index) == [0, 1, 2]
    assert fast.cells == _pandas_cells(path)
    assert fast.cells["source"] == ['a, quoted "source"', 'ab"c', ""]
    for odd in (
        _ODD_CELLS + "\n",  # a blank line
        _ODD_CELLS + "Mn,manganese\n",  # a short row
        _ODD_CELLS.replace("\n", "\r\n"),
        "\ufeff" + _ODD_CELLS,
        "material,material,x\nLi,Li,1\n",  # a repeated header name
    ):
        path.write_text(odd)
        assert read_csv_cells(path) is None, repr(odd[-30:])


def test_fast_and_pandas_reading_type_every_shipped_table_alike() -> None:
    """Every CSV of the shipped instances typed from the fast path equals the pandas path."""
    from plantopt.instance import loader
    from plantopt.instance.errors import ProblemList

    by_file = {t.file: t for t in TABLES.values()}
    checked = 0
    for path in sorted(INSTANCES.glob("*/*.csv")):
        table = by_file.get(path.name)
        fast = loader.read_csv_cells(path)
        if table is None or fast is None:
            continue
        p1, p2 = ProblemList(), ProblemList()
        typed = loader.coerce_table(fast, table, p1)
        orig, loader.read_csv_cells = loader.read_csv_cells, lambda p: None
        try:
            slow = loader._read_csv(path, table, p2)
        finally:
            loader.read_csv_cells = orig
        assert slow is not None
        pd.testing.assert_frame_equal(typed, loader.coerce_table(slow, table, p2), check_exact=True)
        assert [str(p) for p in p1] == [str(p) for p in p2], path
        checked += 1
    assert checked > 50


def test_empty_tables_are_written_as_the_header_pandas_writes(
    tiny: plantopt.Instance, tmp_path: Path
) -> None:
    """write_instance writes an empty table as its header line alone, byte for byte what
    ``DataFrame.to_csv(index=False)`` wrote; the copy loads with the same content hash."""
    from plantopt.instance.writer import header_line, write_instance

    for names in (["a", "b"], ["a,b", 'c"d', "e f"]):
        assert header_line(names) == pd.DataFrame(columns=names).to_csv(index=False)
    out = write_instance(tiny, tmp_path / "copy", float_format=None)
    empty = [t for n, t in TABLES.items() if not len(tiny[n])]
    assert empty
    for table in empty:
        expected = tiny[table.name][table.column_names].to_csv(index=False)
        assert (out / table.file).read_text() == expected
    assert plantopt.load_instance(out).content_hash() == tiny.content_hash()

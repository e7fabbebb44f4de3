"""The typed, frozen manifest: one declaration, parsed once, read by attribute everywhere."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

import plantopt
from plantopt.instance.errors import InstanceError
from plantopt.instance.manifest import FIELD_NAMES, MANIFEST_COLUMNS, Manifest
from plantopt.instance.schema import MANIFEST
from tests.builders import InstanceFolder
from tests.test_cli import run_main

ROOT = Path(__file__).resolve().parents[1]


def _with_field(tmp_path: Path, field: str, value: str) -> InstanceFolder:
    """A copy of tiny whose manifest has ``field: value`` (the text as YAML reads it)."""
    folder = InstanceFolder(tmp_path)
    path = folder.path / "instance.yaml"
    data = yaml.safe_load(path.read_text())
    data[field] = yaml.safe_load(value)
    path.write_text(yaml.safe_dump(data))
    return folder


def test_schema_manifest_is_made_from_the_declaration() -> None:
    assert MANIFEST is MANIFEST_COLUMNS
    assert [c.name for c in MANIFEST] == list(FIELD_NAMES)
    by_name = {c.name: c for c in MANIFEST}
    assert by_name["discount_rate"].dtype == "float" and by_name["discount_rate"].hi == 1.0
    assert by_name["horizon_yr"].dtype == "int" and by_name["horizon_yr"].default == 15
    assert by_name["apply_targets"].dtype == "bool" and by_name["apply_targets"].default is True
    assert by_name["name"].required and by_name["name"].default is None
    assert by_name["objective"].choices == ("recovery", "profit", "npv")


def test_loaded_manifest_is_typed_frozen_and_replaced_not_mutated(tiny: plantopt.Instance) -> None:
    m = tiny.manifest
    assert isinstance(m, Manifest)
    assert m.discount_rate == 0.08 and isinstance(m.max_route_nodes, int)
    assert m.budget_eur is None and m.apply_targets is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.discount_rate = 0.1  # type: ignore[misc]
    other = tiny.with_manifest(discount_rate=0.05)
    assert other.manifest.discount_rate == 0.05 and tiny.manifest.discount_rate == 0.08
    assert other.manifest.replace(horizon_yr=3).horizon_yr == 3
    with pytest.raises(TypeError, match="unknown manifest field"):
        m.replace(no_such_field=1)
    assert dict(m)["name"] == m.name  # the read-only mapping view
    assert m == dict(m) and m == m.replace() and hash(m) == hash(m.replace())
    assert m != dict(m, horizon_yr=3)


def test_instance_from_a_plain_mapping_gets_a_manifest(tiny: plantopt.Instance) -> None:
    inst = dataclasses.replace(tiny, manifest={"name": "x", "horizon_yr": 7})
    assert isinstance(inst.manifest, Manifest) and inst.manifest.horizon_yr == 7


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("horizon_yr", "1.5", "a whole number in [1, 100]"),
        ("discount_rate", "2", "a number in [0, 1]"),
        ("apply_targets", "maybe", "true/false"),
        ("objective", "money", "one of recovery, profit, npv"),
    ],
)
def test_bad_manifest_value_names_file_field_and_expected(
    tmp_path: Path, field: str, value: str, expected: str
) -> None:
    folder = _with_field(tmp_path, field, value)
    with pytest.raises(InstanceError) as err:
        plantopt.load_instance(folder.path)
    (p,) = [p for p in err.value.problems if p.column == field]
    assert p.file == "instance.yaml" and p.expected == expected


def test_no_untyped_manifest_reads_in_plantopt() -> None:
    """Code reads ``manifest.field``; ``manifest.get("x")`` / ``manifest["x"]`` are gone."""
    pattern = re.compile(r"manifest(\.get\(|\[)")
    hits = [
        f"{path.relative_to(ROOT)}:{i}"
        for path in (ROOT / "plantopt").rglob("*.py")
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line) and path.name != "manifest.py"
    ]
    assert not hits, hits


def test_cli_exit_2_on_a_bad_manifest_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _with_field(tmp_path, "horizon_yr", "0")
    code, out, err = run_main(monkeypatch, capsys, "validate", folder.path)
    assert code == 2
    assert "instance.yaml" in out + err and "horizon_yr" in out + err and "[1, 100]" in out + err
    assert "Traceback" not in out + err

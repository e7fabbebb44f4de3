"""The documentation cannot drift from the code.

* ``docs/instance-format.md`` is exactly what ``plantopt schema-doc`` generates from the schema.
* ``models/formulation.md`` lists every Pyomo component in delimited tables: the component
  index (core blocks) and the regulation index (section 11). Each listed name must exist on the
  model built from ``instances/tiny`` when it is marked "always", or on a variant of tiny with
  the listed conditions switched on when it is marked "when ..." (and then be absent from plain
  tiny if tiny does not set the condition). The regulation index is checked whenever
  ``build_model`` adds the regulation block.
* Conversely every component (set, variable, constraint, expression, objective, block) of a
  built model must be listed in one of those indexes, or named in ``docs/regulation.md``.
"""

from __future__ import annotations

import re

import pandas as pd
import pyomo.environ as pyo
import pytest

import plantopt
from plantopt.instance.schema import MANIFEST, TABLES, format_markdown
from tests.conftest import INSTANCES, ROOT

FORMULATION = ROOT / "models" / "formulation.md"
REGULATION_DOC = ROOT / "docs" / "regulation.md"
CORE_INDEX = "component-index"
REGULATION_INDEX = "regulation-index"
KINDS = {"set", "variable", "constraint", "expression", "objective", "block"}
MANIFEST_FIELDS = {c.name for c in MANIFEST}
CTYPES = (pyo.Set, pyo.RangeSet, pyo.Var, pyo.Constraint, pyo.Expression, pyo.Objective, pyo.Block)


def component_index(marker: str = CORE_INDEX) -> dict[str, tuple[str, str]]:
    """Parse one delimited component index of formulation.md: name -> (kind, exists)."""
    text = FORMULATION.read_text()
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    assert text.count(begin) == 1 and text.count(end) == 1, (
        f"formulation.md must hold exactly one delimited {marker}"
    )
    body = text.split(begin, 1)[1].split(end, 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in body.strip().splitlines()[2:]:  # skip header and |---| line
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 4, f"malformed {marker} row: {line!r}"
        m = re.fullmatch(r"`([A-Za-z_][A-Za-z0-9_.]*)(\[[^\]]*\])?`", cells[0])
        assert m, f"component name must be `name` or `name[index]`: {cells[0]!r}"
        name, kind, exists = m.group(1), cells[1], cells[3]
        assert kind in KINDS, f"{name}: kind {kind!r} not in {sorted(KINDS)}"
        assert exists == "always" or exists.startswith("when "), (
            f"{name}: exists must be 'always' or 'when ...', not {exists!r}"
        )
        assert name not in rows, f"{name} is listed twice"
        rows[name] = (kind, exists)
    assert rows, f"the {marker} is empty"
    return rows


def all_indexes() -> dict[str, tuple[str, str]]:
    core, reg = component_index(CORE_INDEX), component_index(REGULATION_INDEX)
    assert not set(core) & set(reg), f"listed in both indexes: {set(core) & set(reg)}"
    return {**core, **reg}


def has_regulation_block(model: pyo.ConcreteModel) -> bool:
    """Whether build_model wired the regulation block in (it keeps its data on the model)."""
    return hasattr(model, "plantopt_regulation")


def condition_fields(exists: str) -> set[str]:
    """Manifest fields named in a 'when ...' condition."""
    return {w for w in re.findall(r"[a-z_]+", exists) if w in MANIFEST_FIELDS}


def model_components(model: pyo.ConcreteModel) -> dict[str, str]:
    """Name -> kind of every modelling component on the model (descending into blocks)."""
    kind_of = {
        pyo.Set: "set",
        pyo.RangeSet: "set",
        pyo.Var: "variable",
        pyo.Constraint: "constraint",
        pyo.Expression: "expression",
        pyo.Objective: "objective",
        pyo.Block: "block",
    }
    out: dict[str, str] = {}
    for ctype in CTYPES:
        for comp in model.component_objects(ctype, descend_into=True):
            out.setdefault(comp.name, kind_of[ctype])
    return out


def documented_in_regulation_doc(name: str) -> bool:
    if not REGULATION_DOC.exists():
        return False
    text = REGULATION_DOC.read_text()
    local = name.rsplit(".", 1)[-1]
    return any(re.search(rf"`{re.escape(n)}(\[[^\]`]*\])?`", text) for n in {name, local})


@pytest.fixture(scope="module")
def tiny_instance() -> plantopt.Instance:
    return plantopt.load_instance(INSTANCES / "tiny")


@pytest.fixture(scope="module")
def tiny_model(tiny_instance: plantopt.Instance) -> pyo.ConcreteModel:
    return plantopt.build_model(tiny_instance)


@pytest.fixture(scope="module")
def full_model(tiny_instance: plantopt.Instance) -> pyo.ConcreteModel:
    """Tiny with every optional component switched on.

    A 20 t/yr hydromet extension (so there are capacity options, a budget can bind and
    build/run binaries exist), a minimum load on hydromet, an offtake limit, and every
    manifest field that a "when ..." condition of the component index names.
    """
    tables = {k: v.copy() for k, v in tiny_instance.tables.items()}
    opts = tables["capacity_options"]
    tables["capacity_options"] = pd.concat(
        [
            opts,
            pd.DataFrame(
                [
                    {
                        "unit_id": "hydromet",
                        "option_id": "plus20",
                        "capacity_t_per_yr": 20.0,
                        "capex_eur": 1.0e6,
                        "fixed_opex_eur_per_yr": 5.0e4,
                        "lifetime_yr": 15.0,
                        "staff_fte": 0.0,
                        "land_m2": 0.0,
                        "source": "test",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    units = tables["units"]
    units.loc[units["unit_id"] == "hydromet", "min_load_frac"] = 0.5
    units.loc[units["unit_id"] == "hydromet", "existing_capacity_t_per_yr"] = 0.0
    prods = tables["products"]
    prods.loc[prods["product_id"] == "coso4", "max_offtake_t_per_yr"] = 5.0
    values = {
        "budget_eur": 2.0e6,
        "profit_floor_eur_per_yr": -1.0e9,
        "recovery_floor_t_per_yr": 0.0,
        "target_year": 2031,
        "require_units": "hydromet",
    }
    manifest = dict(tiny_instance.manifest)
    if "target_year" in MANIFEST_FIELDS:  # EU targets in force, so target rows exist
        manifest["target_year"] = values["target_year"]
    if "offtake_contracts" in TABLES:  # one recycled-content contract on Co in coso4
        tables["offtake_contracts"] = pd.DataFrame(
            [
                {
                    "contract_id": "c1",
                    "product_id": "coso4",
                    "material": "Co",
                    "max_t_per_yr": 1.0,
                    "min_t_per_yr": 0.0,
                    "premium_eur_per_t": 100.0,
                    "source": "test",
                }
            ]
        )
    for _, exists in all_indexes().values():
        for name in condition_fields(exists):
            assert name in values, f"test_docs.py needs a value for manifest field {name}"
            manifest[name] = values[name]
    inst = plantopt.instance_from_tables(manifest, tables)
    return plantopt.build_model(inst)


def test_instance_format_doc_is_generated_from_schema() -> None:
    page = ROOT / "docs" / "instance-format.md"
    assert page.read_text() == format_markdown(), (
        "docs/instance-format.md is stale: run "
        "`.venv/bin/plantopt schema-doc --out docs/instance-format.md`"
    )


def check_index(
    index: dict[str, tuple[str, str]],
    tiny_instance: plantopt.Instance,
    base: dict[str, str],
    full: dict[str, str],
) -> None:
    for name, (kind, exists) in index.items():
        if exists == "always":
            assert name in base, (
                f"formulation.md lists `{name}` as always present; it is not on the tiny model"
            )
            assert base[name] == kind, f"`{name}` is a {base[name]}, documented as {kind}"
            continue
        fields = condition_fields(exists)
        assert fields, f"`{name}`: condition {exists!r} names no manifest field"
        assert name in full, f"`{name}` is missing although {exists!r} holds"
        assert full[name] == kind, f"`{name}` is a {full[name]}, documented as {kind}"
        if all(tiny_instance.manifest.get(f) is None for f in fields):
            assert name not in base, (
                f"`{name}` exists although its condition {exists!r} does not hold"
            )


def test_component_index_names_exist(
    tiny_instance: plantopt.Instance, tiny_model: pyo.ConcreteModel, full_model: pyo.ConcreteModel
) -> None:
    base, full = model_components(tiny_model), model_components(full_model)
    check_index(component_index(CORE_INDEX), tiny_instance, base, full)


def test_regulation_index_names_exist(
    tiny_instance: plantopt.Instance, tiny_model: pyo.ConcreteModel, full_model: pyo.ConcreteModel
) -> None:
    index = component_index(REGULATION_INDEX)
    if not has_regulation_block(tiny_model):
        pytest.skip("build_model does not add the regulation block (yet)")
    base, full = model_components(tiny_model), model_components(full_model)
    check_index(index, tiny_instance, base, full)


@pytest.mark.parametrize("which", ["tiny", "full"])
def test_every_model_component_is_documented(
    which: str, tiny_model: pyo.ConcreteModel, full_model: pyo.ConcreteModel
) -> None:
    model = tiny_model if which == "tiny" else full_model
    index = all_indexes()
    missing = [
        name
        for name in model_components(model)
        if name not in index and not documented_in_regulation_doc(name)
    ]
    assert not missing, (
        f"components not documented in models/formulation.md (component index) "
        f"or docs/regulation.md: {missing}"
    )


def test_formulation_prose_names_exist(full_model: pyo.ConcreteModel) -> None:
    """Constraint/expression names cited in bold in the prose (**`name[...]`**) are real."""
    text = FORMULATION.read_text().split(f"<!-- {CORE_INDEX}:begin -->", 1)[0]
    cited = set(re.findall(r"\*\*`([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?`\*\*", text))
    assert cited, "the prose cites no component in bold"
    comps = model_components(full_model)
    assert not cited - set(comps), f"cited but not on the model: {sorted(cited - set(comps))}"


def test_regulation_section_present() -> None:
    text = FORMULATION.read_text()
    assert "## 11. Regulation block" in text
    regulation_module = ROOT / "plantopt" / "model" / "regulation.py"
    assert "docs/regulation.md" in text
    if regulation_module.exists():
        assert "regulation.py" in text or REGULATION_DOC.exists(), (
            "plantopt/model/regulation.py exists but is documented nowhere"
        )


def test_worked_example_numbers_match_solution(tiny_instance: plantopt.Instance) -> None:
    """The numbers of formulation.md section 10 are the solver's (DESIGN.md worked example)."""
    from tests.conftest import assert_mass_balance

    res = plantopt.solve(tiny_instance)
    assert_mass_balance(tiny_instance, res)
    rec = res["recovery"].set_index("material")["recovered_t_per_yr"]
    text = FORMULATION.read_text()
    # black mass 0.378 t/t; 10 / 0.378 = 26.455 t of feed through hydromet
    for shown, value in (
        ("0.452", rec["Li"]),
        ("9.31", rec["Co"]),
        ("26.455", 10 / 0.378),
        ("9.7624", res.objective),
    ):
        assert shown in text
        assert value == pytest.approx(float(shown), abs=0.5 * 10 ** -len(shown.split(".")[1]))
    size = res.summary["model_size"]
    assert f"{size['rows']} rows, {size['columns']} columns, {size['nonzeros']} nonzeros" in text

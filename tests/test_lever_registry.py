"""The lever registry drives the CLI options, the batch fields, validation, apply and docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

import plantopt
from plantopt.batch.fields import (
    Override,
    ScenarioError,
    apply_overrides,
    check_override,
    parse_field,
)
from plantopt.business.levers import LeverOverrides, apply_levers
from plantopt.cli.app import app
from plantopt.instance.errors import InstanceError, ProblemList
from plantopt.instance.lever_registry import CLI_LEVERS, LEVERS, format_levers_markdown
from plantopt.instance.manifest import LEVER_FIELDS
from tests.conftest import ROOT
from tests.test_cli import run_main
from tests.test_levers import plant

#: a valid value of each lever on tests.test_levers.plant() (with its optional tables)
VALUES = {
    "capex_subsidy": 0.2,
    "capex_subsidy_for": {"refining": 0.3},
    "eco_fee": {"hard": 4.0},
    "gate_fee_shift": 5.0,
    "guarantee_frac": 0.5,
    "guarantee_rate": 0.02,
    "co2_price": 90.0,
    "co2_cap": 10.0,
    "land": 1000.0,
    "staff": 12.0,
    "staff_pool": {"chemist": 8.0},
    "procurement": [("P", "Co", 5.0, 200.0)],
    "price": {"P": 1.5},
    "horizon": 12,
    "treat_all_collected": True,
    "enforce_collection_targets": True,
}


def _plant() -> plantopt.Instance:
    return plant(
        {"guarantee_rate": 0.03},
        eco_modulation=[
            {"feed_id": "F", "recyclability_class": "hard", "gate_fee_adjustment_eur_per_t": 1}
        ],
        staff_pools=[{"skill_level": "chemist", "applies_to": "R", "available_fte": 4}],
    )


def _params(command: str) -> dict[str, Any]:
    click_app = typer.main.get_command(app)
    cmd = click_app.commands[command]
    return {p.name: p for p in cmd.params}


def _bounds(option: Any) -> tuple[Any, Any]:
    """An option's (min, max): on the option (typer >= 0.26) or on its Click range type."""
    if hasattr(option, "min"):
        return option.min, option.max
    return option.type.min, option.type.max


def test_every_lever_is_tested_here() -> None:
    assert set(VALUES) == set(LEVERS)


@pytest.mark.parametrize("command", ["solve", "breakeven", "pareto"])
def test_every_cli_lever_is_an_option_with_its_flag_and_help(command: str) -> None:
    params = _params(command)
    for lever in CLI_LEVERS:
        assert lever.name in params, (command, lever.name)
        option = params[lever.name]
        assert lever.flag in option.opts
        assert lever.help in (option.help or "")
        if lever.shape == "number":
            lo, hi = lever.bounds
            assert _bounds(option) == (lo, hi)
        if lever.shape == "flag":
            assert option.is_flag and option.secondary_opts == ["--no-" + lever.flag[2:]]
    assert not {lv.name for lv in LEVERS.values() if not lv.cli} & set(params)


def test_solve_help_lists_every_lever_with_its_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _ = run_main(monkeypatch, capsys, "solve", "--help")
    assert code == 0
    for lever in CLI_LEVERS:
        assert lever.flag in out and lever.help[:30] in out, lever.name


def test_manifest_lever_fields_are_exactly_the_registry_s() -> None:
    assert LEVER_FIELDS == {lv.field for lv in LEVERS.values() if lv.how == "manifest"}


@pytest.mark.parametrize("name", list(LEVERS))
def test_each_lever_is_a_batch_field_that_applies_as_apply_levers(name: str) -> None:
    inst = _plant()
    value = VALUES[name]
    assert parse_field(name).kind == "lever"
    check_override(Override(name, "set", value))
    via_batch, kwargs = apply_overrides(inst, (Override(name, "set", value),))
    direct = apply_levers(inst, LeverOverrides(**{name: value}))
    assert kwargs == {}
    assert via_batch.content_hash() == direct.content_hash() != inst.content_hash()


def test_batch_pairs_lever_from_one_string_and_bad_shapes() -> None:
    inst = _plant()
    new, _ = apply_overrides(inst, (Override("capex_subsidy_for", "set", "refining=0.3"),))
    sub = new["capex_subsidies"]
    assert list(sub["applies_to"]) == ["refining"] and list(sub["capex_subsidy_frac"]) == [0.3]
    with pytest.raises(ScenarioError, match="NAME=NUMBER"):
        check_override(Override("capex_subsidy_for", "set", "refining"))
    with pytest.raises(ScenarioError, match="takes a number"):
        check_override(Override("co2_price", "set", "high"))
    with pytest.raises(ScenarioError, match="set, not scaled"):
        check_override(Override("eco_fee", "scale", 2.0))
    scaled, _ = apply_overrides(
        inst.with_manifest(co2_price_eur_per_t=10.0), (Override("co2_price", "scale", 3.0),)
    )
    assert scaled.manifest.co2_price_eur_per_t == pytest.approx(30.0)


def test_bad_lever_values_name_source_field_and_expected() -> None:
    with pytest.raises(InstanceError) as err:
        apply_overrides(_plant(), (Override("capex_subsidy_for", "set", {"refining": 1.5}),))
    (p,) = err.value.errors
    assert p.file == "scenario" and p.column == "--capex-subsidy-for"
    assert p.expected == "UNIT_OR_STAGE=VALUE with VALUE a number in [0, 1]"
    with pytest.raises(InstanceError) as err:
        apply_levers(_plant(), LeverOverrides(horizon=0))
    assert err.value.errors[0].column == "--horizon" and "[1, 100]" in err.value.errors[0].expected


def test_cli_bad_lever_value_exit_2_with_option_and_expected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from plantopt.instance.writer import write_instance

    folder = write_instance(plant(), tmp_path / "inst")
    args = ("solve", folder, "--out", tmp_path / "res")
    code, out, err = run_main(monkeypatch, capsys, *args, "--capex-subsidy-for", "refining=2")
    assert code == 2 and "Traceback" not in out + err
    assert "command line" in err and "--capex-subsidy-for" in err and "[0, 1]" in err
    code, _, err = run_main(monkeypatch, capsys, *args, "--capex-subsidy", "2")
    assert code == 2 and "--capex-subsidy" in err
    assert not (tmp_path / "res").exists()


def test_validation_checks_come_from_the_registry() -> None:
    """needs, refs and one_value of the registry each give their error."""
    from plantopt.instance.checks_levers import check_levers

    bad = _plant().with_manifest(guarantee_frac=0.5, guarantee_rate=None)
    problems = ProblemList()
    check_levers(bad, problems)
    assert [(p.file, p.column) for p in problems] == [("instance.yaml", "guarantee_rate")]
    refs = {(lv.table, col) for lv in LEVERS.values() for col, _ in lv.refs}
    assert refs == {
        ("capex_subsidies", "applies_to"),
        ("eco_modulation", "feed_id"),
        ("staff_pools", "applies_to"),
    }
    with pytest.raises(InstanceError, match="a skill level has two available_fte"):
        plant(
            staff_pools=[
                {"skill_level": "chemist", "applies_to": "R", "available_fte": 4},
                {"skill_level": "chemist", "applies_to": "refining", "available_fte": 5},
            ]
        )
    with pytest.raises(InstanceError, match="staff_pools.csv.*applies to no unit or stage"):
        plant(staff_pools=[{"skill_level": "chemist", "applies_to": "nope", "available_fte": 4}])


def test_lever_overrides_take_exactly_the_registry_names() -> None:
    with pytest.raises(TypeError, match="unknown lever"):
        LeverOverrides(subsidy=0.3)
    lv = LeverOverrides(co2_price=5.0)
    assert lv.co2_price == 5.0 and lv.eco_fee == {} and lv.procurement == [] and lv.land is None
    assert lv.replace(co2_price=None).is_empty() and not lv.is_empty()


def test_levers_doc_is_generated_from_the_registry() -> None:
    page = ROOT / "docs" / "levers.md"
    assert page.read_text() == format_levers_markdown(), (
        "docs/levers.md is stale: run `.venv/bin/plantopt levers-doc --out docs/levers.md`"
    )
    for lever in LEVERS.values():
        assert f"`{lever.name}`" in page.read_text()


def _bad_value(name: str) -> object:
    """A value outside the lever's bounds, or of the wrong type where it has none."""
    lever = LEVERS[name]
    lo, hi = lever.bounds
    bad: object = "x" if lo is None and hi is None else (hi + 1 if hi is not None else lo - 1)
    if lever.shape == "pairs":
        return {next(iter(VALUES[name])): bad}  # type: ignore[call-overload]
    if lever.shape == "contracts":
        return [("P", "Co", -5.0, 0.0)]  # a negative contract amount
    return bad


@pytest.mark.parametrize("name", list(LEVERS))
def test_every_lever_s_bad_value_is_bad_input_naming_it(name: str) -> None:
    lever = LEVERS[name]
    with pytest.raises(InstanceError) as err:
        apply_levers(_plant(), LeverOverrides(**{name: _bad_value(name)}))
    p = err.value.errors[0]
    named = {lever.flag, lever.name, lever.column, lever.field} - {""}
    assert p.column in named, (p, named)
    assert p.expected


def test_flag_levers_set_and_clear_a_manifest_bool_from_cli_api_and_batch() -> None:
    """treat_all_collected and enforce_collection_targets: true/false, not numbers; every
    door (LeverOverrides, solve() keywords, scenario fields, the CLI) sets the same field."""
    from plantopt.business.setup import with_setup
    from plantopt.cli._options import prepare_instance

    inst = _plant()
    for name in ("treat_all_collected", "enforce_collection_targets"):
        lever = LEVERS[name]
        assert lever.shape == "flag" and lever.expected() == "true or false"
        assert lever.flags == f"--{name.replace('_', '-')}/--no-{name.replace('_', '-')}"
        on = apply_levers(inst, LeverOverrides(**{name: True}))
        assert on.manifest[name] is True and inst.manifest[name] is False
        off = apply_levers(on, LeverOverrides(**{name: False}))
        assert off.manifest[name] is False  # False is a value, not "unset"
        assert with_setup(inst, **{name: True}).manifest[name] is True
        assert prepare_instance(inst, {name: True}).manifest[name] is True
        assert prepare_instance(on, {name: None}).manifest[name] is True  # neither option
        for text, want in (("true", True), ("no", False)):
            new, _ = apply_overrides(on, (Override(name, "set", text),))
            assert new.manifest[name] is want
        for bad in (1, "maybe"):
            with pytest.raises(ScenarioError, match="true or false"):
                check_override(Override(name, "set", bad))
        with pytest.raises(ScenarioError, match="cannot be scaled"):
            check_override(Override(name, "scale", 2.0))
        with pytest.raises(InstanceError) as err:
            apply_levers(inst, LeverOverrides(**{name: 1}))
        assert err.value.errors[0].expected == "true or false"


def test_flag_lever_options_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A covered feed that costs 1,000 EUR/t to take: the profit plan refuses it, unless
    --treat-all-collected makes it take all 100 t/yr; --no-treat-all-collected clears a
    manifest's true."""
    import pandas as pd

    from plantopt.instance.writer import write_instance

    inst = plant(
        {"treat_all_collected": True, "objective": "profit"},
        feed={"reg_class": "battery:lithium", "gate_fee_eur_per_t": -1000},
    )
    folder = write_instance(inst, tmp_path / "inst")
    accepted = {}
    for flag in ("--no-treat-all-collected", "--treat-all-collected"):
        out = tmp_path / flag
        args = ("solve", folder, flag, "--no-targets", "--out", out)
        code, _, err = run_main(monkeypatch, capsys, *args)
        assert code == 0, err
        intake = pd.read_parquet(out / "feed_intake.parquet")
        accepted[flag] = float(intake["accepted_t_per_yr"].sum())
    assert accepted == {"--no-treat-all-collected": 0.0, "--treat-all-collected": 100.0}

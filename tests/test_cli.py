"""The command line: exit codes, messages without tracebacks, result files, atomic writing.

Most tests call ``plantopt.cli.main()`` in-process (the real entry point, which maps
exceptions to exit codes) to keep the suite fast; two run the installed console script in a
subprocess to check the same contract end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt import cli
from plantopt.atomic import MARKER
from plantopt.instance.writer import write_instance
from tests.builders import InstanceFolder, knapsack_instance
from tests.conftest import INSTANCES, assert_mass_balance

TINY = INSTANCES / "tiny"
# DESIGN.md worked example (tests/test_tiny.py): Li + Co recovered
TINY_LI = 10 / 0.378 * 0.02 * 0.95 * 0.90
TINY_CO = 100 * 0.10 * 0.95 * 0.98


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: object
) -> tuple[int, str, str]:
    """Run ``plantopt ARGS`` through cli.main(); return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["plantopt", *map(str, args)])
    monkeypatch.delenv("PLANTOPT_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        cli.main()
    captured = capsys.readouterr()
    code = info.value.code
    return (0 if code is None else int(code)), captured.out, captured.err


def plantopt_exe() -> list[str]:
    exe = shutil.which("plantopt", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "plantopt.cli"]


def run_subprocess(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PLANTOPT_DEBUG"}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [*plantopt_exe(), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


# ----------------------------------------------------------------------------- solve


def test_solve_tiny_exit_0_and_every_result_file(tmp_path: Path) -> None:
    out = tmp_path / "res"
    proc = run_subprocess("solve", TINY, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    # the readable plan names the critical materials and the recovery percentage
    assert "Li" in proc.stdout and "Co" in proc.stdout and "%" in proc.stdout

    inst = plantopt.load_instance(TINY)
    res = plantopt.solve(inst)  # same run in-process: the set of tables to expect
    assert_mass_balance(inst, res)
    files = {p.name for p in out.iterdir()}
    # the tables, the summary and the instance that was solved (issue 18)
    assert files == {f"{name}.parquet" for name in res.tables} | {
        "summary.json",
        MARKER,
        "instance",
    }
    assert plantopt.load_instance(out / "instance").content_hash() == inst.content_hash()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(TINY_LI + TINY_CO, rel=1e-6)
    assert summary["gap"] == pytest.approx(0.0, abs=1e-9)
    assert {"plantopt", "pyomo", "highspy"} <= set(summary["versions"])
    assert all(summary["versions"][k] not in ("", "unknown") for k in ("pyomo", "highspy"))
    assert summary["instance"]["hash"] == inst.content_hash()
    assert summary["instance"]["name"] == "tiny"
    assert {"time_limit_s", "mip_rel_gap", "threads", "random_seed"} <= set(summary["options"])
    assert summary["mass_balance_max_relative_error"] <= 1e-6
    rec = pd.read_parquet(out / "recovery.parquet").set_index("material")
    assert rec.at["Li", "recovered_t_per_yr"] == pytest.approx(TINY_LI, rel=1e-6)
    mb = pd.read_parquet(out / "mass_balance.parquet")
    assert (mb["relative_error"] <= 1e-6).all()


def test_solve_options_reach_the_summary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "res"
    code, stdout, _ = run_main(
        monkeypatch,
        capsys,
        "solve",
        TINY,
        "--objective",
        "profit",
        "--time-limit",
        "30",
        "--gap",
        "0.001",
        "--threads",
        "1",
        "--seed",
        "7",
        "--out",
        out,
        "--quiet",
    )
    assert code == 0, stdout
    assert "tiny profit optimal" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["objective_name"] == "profit"
    opts = summary["options"]
    assert (opts["time_limit_s"], opts["mip_rel_gap"], opts["threads"], opts["random_seed"]) == (
        30.0,
        0.001,
        1,
        7,
    )


def test_bad_instance_exit_2_names_file_row_column_without_traceback(tmp_path: Path) -> None:
    folder = InstanceFolder(tmp_path)
    folder.set_cell("feeds.csv", 2, "available_t_per_yr", "-100")
    proc = run_subprocess("solve", folder.path, "--out", tmp_path / "res")
    assert proc.returncode == 2
    text = proc.stdout + proc.stderr
    assert "feeds.csv, row 2, column 'available_t_per_yr'" in text
    assert "Traceback" not in text
    assert not (tmp_path / "res").exists()  # nothing is built or written from bad input


@pytest.mark.parametrize("command", ["solve", "describe", "validate"])
def test_bad_input_exit_2_for_every_command(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: str,
) -> None:
    folder = InstanceFolder(tmp_path)
    folder.set_cell("units.csv", 3, "stage", "melting")
    code, out, err = run_main(monkeypatch, capsys, command, folder.path)
    assert code == 2
    assert "units.csv, row 3, column 'stage'" in out + err
    assert "Traceback" not in out + err


def test_missing_instance_folder_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "solve", tmp_path / "nope")
    assert code == 2
    assert "does not exist" in out + err and "Traceback" not in out + err


def test_bad_objective_option_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "solve", TINY, "--objective", "fun")
    assert code == 2
    assert "recovery or profit" in out + err


def test_route_tree_too_large_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = InstanceFolder(tmp_path).append_manifest("max_route_nodes: 4\n")
    code, out, err = run_main(monkeypatch, capsys, "describe", folder.path)
    assert code == 2
    assert "route tree exceeds 4 nodes" in out + err and "Traceback" not in out + err


def test_infeasible_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 100 t/yr contracted -> 37.8 t/yr of black mass, but hydromet (10) + smelter (10) take 20
    folder = InstanceFolder(tmp_path)
    folder.set_cell("feeds.csv", 2, "contracted_min_t_per_yr", "100")
    folder.set_cell("units.csv", 4, "existing_capacity_t_per_yr", "10")
    out = tmp_path / "res"
    code, stdout, err = run_main(monkeypatch, capsys, "solve", folder.path, "--out", out)
    assert code == 3, stdout + err
    assert json.loads((out / "summary.json").read_text())["status"] == "infeasible"


def test_no_solution_within_time_limit_exit_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A knapsack MILP that HiGHS presolve cannot finish: with --time-limit 0 the branch and
    # bound stops before any incumbent exists (checked at the solver level in test_solver.py)
    folder = write_instance(knapsack_instance(), tmp_path / "knapsack")
    out = tmp_path / "res"
    code, stdout, err = run_main(
        monkeypatch, capsys, "solve", folder, "--time-limit", "0", "--out", out
    )
    assert code == 4, stdout + err
    assert json.loads((out / "summary.json").read_text())["status"] == "time_limit_no_solution"


def test_solve_without_path_uses_packaged_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    try:
        default = plantopt.packaged_instance_path()
    except FileNotFoundError as exc:
        pytest.skip(f"packaged default instance not there yet: {exc}")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "solve", "--quiet")
    assert code == 0, out + err
    summary = json.loads(next(tmp_path.glob("results/*/summary.json")).read_text())
    assert summary["instance"]["path"] == str(default)
    assert summary["instance"]["hash"] == plantopt.load_instance(default).content_hash()
    assert summary["mass_balance_max_relative_error"] <= 1e-6


# ----------------------------------------------------------------------------- validate


def test_validate_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run_main(monkeypatch, capsys, "validate", TINY)
    assert code == 0 and "valid" in out

    warn = InstanceFolder(tmp_path / "w")
    warn.add_row("units.csv", unit_id="orphan", stage="refining", existing_capacity_t_per_yr=5)
    code, out, _ = run_main(monkeypatch, capsys, "validate", warn.path)
    assert code == 0  # a warning does not fail validation
    assert "warning" in out and "orphan" in out

    bad = InstanceFolder(tmp_path / "b")
    bad.set_cell("composition.csv", 3, "mass_frac", "0.5")
    bad.set_cell("feeds.csv", 2, "gate_fee_eur_per_t", "")  # empty optional: fine
    bad.set_cell("routing.csv", 8, "to_id", "noproduct")
    code, out, err = run_main(monkeypatch, capsys, "validate", bad.path)
    assert code == 2
    assert "2 error(s)" in out + err
    assert "composition.csv, row 2, column 'mass_frac'" in out + err
    assert "routing.csv, row 8, column 'to_id'" in out + err


# ----------------------------------------------------------------------------- describe


def test_describe_prints_route_tree_and_model_size(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run_main(monkeypatch, capsys, "describe", TINY)
    assert code == 0
    inst = plantopt.load_instance(TINY)
    tree = plantopt.build_route_tree(inst)
    size = plantopt.model_size(plantopt.build_model(inst))
    lines = {
        line.split("│")[0].strip(): line.split("│")[-1].strip()
        for line in out.splitlines()
        if "│" in line
    }
    assert lines["route-tree nodes"] == f"{tree.n_nodes:,}" == "10"  # DESIGN.md example
    for key in ("rows", "columns", "nonzeros"):
        assert lines[f"model {key}"] == f"{size[key]:,}"
        assert size[key] > 0


# ----------------------------------------------------------------------------- atomic writing


def test_result_folder_is_replaced_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "res"
    out.mkdir()
    (out / "stale.parquet").write_text("from an older run")
    (out / MARKER).write_text("{}")  # an older plantopt result folder
    code, _, _ = run_main(monkeypatch, capsys, "solve", TINY, "--out", out, "--quiet")
    assert code == 0
    assert not (out / "stale.parquet").exists()
    assert (out / "summary.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["res"]  # no temporary folders left


def test_failure_mid_write_keeps_the_old_result(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "res"
    code, _, _ = run_main(monkeypatch, capsys, "solve", TINY, "--out", out, "--quiet")
    assert code == 0
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    calls = {"n": 0}
    real = pd.DataFrame.to_parquet

    def failing_to_parquet(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # two tables written, then the disk "fills up"
            raise OSError(28, "No space left on device")
        real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing_to_parquet)
    code, out_text, err = run_main(
        monkeypatch, capsys, "solve", TINY, "--objective", "profit", "--out", out, "--quiet"
    )
    assert code != 0
    assert "Traceback" not in out_text + err
    assert calls["n"] == 3
    after = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the previous result, complete and unchanged
    assert [p.name for p in tmp_path.iterdir()] == ["res"]  # temporary folder removed


def test_write_result_dir_failure_leaves_no_partial_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from plantopt.results.tables import write_result_dir

    def boom(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError):
        write_result_dir(tmp_path / "new", {"t": pd.DataFrame({"a": [1]})}, {"status": "x"})
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- misc


def test_schema_doc(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(monkeypatch, capsys, "schema-doc")
    assert code == 0
    assert out.startswith("# Instance format")
    assert "`available_t_per_yr`" in out

"""Batch runs: scenario grids, local pool vs Dask, resume, bad input, hard time limit.

Hand-worked optimum of the tiny instance (DESIGN.md, tests/test_tiny.py) with A t/yr of
feed and a hydromet line of C t/yr: black mass is 0.378 t per t of feed, so
min(A, C / 0.378) t of feed can take the hydromet branch; maximising Li + Co recovered gives
Li = min(A, C / 0.378) * 0.02 * 0.95 * 0.90 and Co = A * 0.10 * 0.95 * 0.98 (the smelter
recovers Co at the same 98 %, Li is lost to its slag).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.batch import Job, Override, ScenarioError, Store, expand_inputs, run_batch
from plantopt.batch.fields import apply_overrides
from plantopt.results.tables import Result
from tests.conftest import INSTANCES, assert_mass_balance

GRID = """\
name: grid
base: {base}
grid:
  objective: [recovery, profit]
  "feeds[feed_id=liion].available_t_per_yr": [50, 100, 200]
  units[unit_id=hydromet].existing_capacity_t_per_yr: {{scale: [0.5, 1, 2]}}
"""


def hand_recovery(avail_t: float, hydromet_t: float) -> tuple[float, float]:
    """(Li, Co) recovered at the recovery optimum (module docstring)."""
    to_hydro = min(avail_t, hydromet_t / 0.378)
    return to_hydro * 0.02 * 0.95 * 0.90, avail_t * 0.10 * 0.95 * 0.98


def _variant(root: Path, name: str, avail_t: float) -> Path:
    folder = root / name
    shutil.copytree(INSTANCES / "tiny", folder)
    feeds = pd.read_csv(folder / "feeds.csv")
    feeds["available_t_per_yr"] = avail_t
    feeds.to_csv(folder / "feeds.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def batch_inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """18 grid scenarios + 2 instance variants + 1 corrupt instance = 21 jobs."""
    root = tmp_path_factory.mktemp("inputs")
    scen = root / "grid.yaml"
    scen.write_text(GRID.format(base=INSTANCES / "tiny"))
    _variant(root, "tiny_a60", 60.0)
    _variant(root, "tiny_a140", 140.0)
    bad = _variant(root, "tiny_corrupt", 100.0)
    comp = (bad / "composition.csv").read_text().replace("liion,Li,0.02", "liion,Li,abc")
    (bad / "composition.csv").write_text(comp)
    return [str(scen), str(root / "tiny_a*"), str(bad)]


def _load_result(store: Path, rec: dict) -> tuple[plantopt.Instance, Result]:
    folder = store / rec["result_dir"]
    summary = json.loads((folder / "summary.json").read_text())
    tables = {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet")}
    res = Result(
        status=plantopt.SolveStatus(summary["status"]),
        objective_name=summary["objective_name"],
        objective=summary["objective"],
        bound=summary["bound"],
        gap=summary["gap"],
        timings_s=summary["timings_s"],
        summary=summary,
        tables=tables,
    )
    job = rec["job"]
    inst = _base_instance(job["instance_path"])
    inst, _ = apply_overrides(inst, tuple(Override(**o) for o in job["overrides"]))
    return inst, res


@functools.lru_cache(maxsize=8)
def _base_instance(path: str) -> plantopt.Instance:
    return plantopt.load_instance(path)


def test_scenario_grid_expansion(batch_inputs: list[str]) -> None:
    jobs = expand_inputs(batch_inputs)
    assert len(jobs) == 21
    assert len({j.job_id for j in jobs}) == 21
    assert expand_inputs(batch_inputs) == jobs  # ids are stable
    grid = [j for j in jobs if j.job_id.startswith("grid-")]
    assert len(grid) == 2 * 3 * 3
    p = grid[0].params
    assert set(p) == {
        "p:objective",
        "p:feeds[feed_id=liion].available_t_per_yr",
        "p:units[unit_id=hydromet].existing_capacity_t_per_yr:scale",
    }


def test_scenario_errors_name_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: tiny\ngrid:\n  feeds.no_such_column: [1, 2]\n")
    with pytest.raises(ScenarioError, match="no column 'no_such_column'"):
        expand_inputs([str(bad)])
    bad.write_text("base: tiny\ngrid:\n  feeds.feed_class: {scale: [2]}\n")
    with pytest.raises(ScenarioError, match="cannot be scaled"):
        expand_inputs([str(bad)])
    bad.write_text("base: tiny\nsweep: {}\n")
    with pytest.raises(ScenarioError, match="unknown key"):
        expand_inputs([str(bad)])


def test_overrides_scale_and_set(tiny: plantopt.Instance) -> None:
    inst, kwargs = apply_overrides(
        tiny,
        (
            Override("units[unit_id=hydromet].existing_capacity_t_per_yr", "scale", 2.0),
            Override("feeds.available_t_per_yr", "set", 50),
            Override("budget_eur", "set", 1e6),
            Override("objective", "set", "profit"),
        ),
    )
    assert kwargs == {"objective": "profit"}
    units = inst["units"].set_index("unit_id")["existing_capacity_t_per_yr"]
    assert units["hydromet"] == 20.0 and units["smelter"] == 1000.0
    assert inst["feeds"]["available_t_per_yr"].tolist() == [50.0]
    assert inst.manifest["budget_eur"] == 1e6
    assert tiny["feeds"]["available_t_per_yr"].tolist() == [100.0]  # base untouched
    inst, kwargs = apply_overrides(
        tiny, (Override("target_year", "set", 2031), Override("time_limit", "set", 5))
    )
    assert inst.manifest["target_year"] == 2031 and kwargs == {"time_limit_s": 5}
    with pytest.raises(plantopt.InstanceError, match="objective"):
        apply_overrides(tiny, (Override("objective", "set", "npv-typo"),))
    with pytest.raises(plantopt.InstanceError, match="below the allowed range"):
        apply_overrides(tiny, (Override("feeds.available_t_per_yr", "set", -5),))


def _check_store(store: Path, n_jobs: int) -> pd.DataFrame:
    df = pd.read_parquet(store / "results.parquet")
    assert len(df) == n_jobs
    st = df.set_index("scenario_id")["status"]
    assert st["tiny_corrupt"] == "bad_input"
    err = df.set_index("scenario_id").at["tiny_corrupt", "error"]
    assert "composition.csv, row 2, column 'mass_frac'" in err
    assert (st.drop("tiny_corrupt") == "optimal").all()
    records = Store(store).read_records()
    for sid, rec in records.items():
        if rec["status"] != "optimal":
            continue
        inst, res = _load_result(store, rec)
        assert_mass_balance(inst, res)
        if res.objective_name == "recovery":
            avail = float(inst["feeds"]["available_t_per_yr"].iloc[0])
            cap = float(
                inst["units"].set_index("unit_id").at["hydromet", "existing_capacity_t_per_yr"]
            )
            li, co = hand_recovery(avail, cap)
            rec_t = res["recovery"].set_index("material")["recovered_t_per_yr"]
            assert rec_t["Li"] == pytest.approx(li, rel=1e-7), sid
            assert rec_t["Co"] == pytest.approx(co, rel=1e-7), sid
    return df


def test_local_and_dask_give_identical_results(batch_inputs: list[str], tmp_path: Path) -> None:
    from distributed import LocalCluster

    local = run_batch(batch_inputs, tmp_path / "local", workers=2, progress=False)
    assert local.n_run == 21 and local.n_skipped == 0
    df_local = _check_store(tmp_path / "local", 21)
    assert (df_local["peak_rss_mib"] > 10).all()  # memory per job is reported
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:  # loopback only
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        remote = run_batch(
            batch_inputs, tmp_path / "dask", progress=False, scheduler=cluster.scheduler_address
        )
    assert remote.n_run == 21
    df_dask = _check_store(tmp_path / "dask", 21)
    keys = [c for c in df_local.columns if c.startswith(("p:", "recovered_t_per_yr:"))] + [
        "scenario_id",
        "status",
        "objective",
        "profit_eur_per_yr",
        "capex_eur",
        "critical_recovered_t_per_yr",
    ]
    pd.testing.assert_frame_equal(
        df_local[keys], df_dask[keys], check_exact=False, rtol=1e-12, atol=1e-12
    )
    for sid in df_local.loc[df_local["status"] == "optimal", "scenario_id"]:
        a = pd.read_parquet(tmp_path / "local" / "jobs" / sid / "flows.parquet")
        b = pd.read_parquet(tmp_path / "dask" / "jobs" / sid / "flows.parquet")
        pd.testing.assert_frame_equal(a, b)


def _records_snapshot(store: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in (store / "manifest").glob("*.json")}


def _wait_for_records(store: Path, n: int, proc: subprocess.Popen, limit_s: float = 60) -> None:
    t0 = time.monotonic()
    while len(list((store / "manifest").glob("*.json"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < limit_s, "batch made no progress"
        time.sleep(0.05)


def test_killed_worker_and_interrupted_batch_lose_nothing(
    batch_inputs: list[str], tmp_path: Path
) -> None:
    """Kill one worker mid-run, then the whole batch; a rerun finishes the rest only."""
    store = tmp_path / "store"
    env = {**os.environ, "PLANTOPT_TEST_JOB_SLEEP_S": "0.25"}
    cmd = [
        sys.executable,
        "-m",
        "plantopt.cli",
        "batch",
        *batch_inputs,
        "--out",
        str(store),
        "--workers",
        "2",
        "--no-progress",
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _wait_for_records(store, 3, proc)
        before = _records_snapshot(store)
        pid = json.loads(next(iter(before.values())))["pid"]
        os.kill(pid, signal.SIGKILL)  # a worker dies mid-run (it is busy: jobs sleep 0.25 s)
        _wait_for_records(store, len(before) + 2, proc)
        mid = _records_snapshot(store)
        os.killpg(proc.pid, signal.SIGKILL)  # then the whole batch is interrupted
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    after = _records_snapshot(store)
    assert {k: after[k] for k in before} == before  # finished records untouched
    assert {k: after[k] for k in mid} == mid
    crashed = [json.loads(t) for t in after.values() if json.loads(t)["status"] == "crashed"]
    assert len(crashed) <= 1  # 0 only if the worker was killed between two jobs
    print(f"crashed records: {len(crashed)}; finished before the kill: {len(before)}")
    for rec in crashed:
        assert "worker process died (signal 9)" in rec["error"]
    finished = Store(store).finished_ids()
    assert 3 <= len(finished) < 21
    rerun = run_batch(batch_inputs, store, workers=2, progress=False)
    assert rerun.n_skipped == len(finished)
    assert rerun.n_run == 21 - len(finished)
    _check_store(store, 21)
    final = _records_snapshot(store)
    assert all(final[f"{sid}.json"] == after[f"{sid}.json"] for sid in finished)


def test_a_worker_killed_after_saving_keeps_its_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that saved its job and died before it could report it (here: killed right
    after the save) keeps the record it saved: the parent does not write "crashed" over a
    finished job, and a rerun skips it."""
    jobs = [Job(f"job{i}", str(INSTANCES / "tiny")) for i in range(4)]
    monkeypatch.setenv("PLANTOPT_TEST_DIE_AFTER_SAVE", "job1")
    run_batch(jobs, tmp_path / "s", workers=2, progress=False)
    records = Store(tmp_path / "s").read_records()
    assert {sid: rec["status"] for sid, rec in records.items()} == {
        f"job{i}": "optimal" for i in range(4)
    }
    assert Store(tmp_path / "s").finished_ids() == set(records)
    monkeypatch.delenv("PLANTOPT_TEST_DIE_AFTER_SAVE")
    assert run_batch(jobs, tmp_path / "s", workers=2, progress=False).n_skipped == 4


def test_job_time_limit_kills_a_hung_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = [Job(f"job{i}", str(INSTANCES / "tiny")) for i in range(3)]
    jobs.append(Job("hang-me", str(INSTANCES / "tiny")))
    monkeypatch.setenv("PLANTOPT_TEST_HANG_JOB", "hang-*")
    # a limit far above a tiny job's wall time even on a loaded machine (a tiny solve took
    # over 2 s under load, so a 2 s limit also killed jobs that were not hung), and bounds
    # on the kill time that allow for a parent that wakes late
    limit = 8.0
    t0 = time.monotonic()
    rep = run_batch(jobs, tmp_path / "s", workers=2, job_time_limit_s=limit, progress=False)
    assert time.monotonic() - t0 < 90
    st = rep.table.set_index("scenario_id")
    assert st.at["hang-me", "status"] == "job_timeout"
    assert "wall-clock limit of 8 s" in st.at["hang-me", "error"]
    assert limit - 0.5 <= st.at["hang-me", "job_wall_s"] <= limit + 20
    assert (st.drop("hang-me")["status"] == "optimal").all()
    # a rerun retries the timed-out job (it now finishes: the hook is off) and nothing else
    monkeypatch.delenv("PLANTOPT_TEST_HANG_JOB")
    rep2 = run_batch(jobs, tmp_path / "s", workers=2, job_time_limit_s=20.0, progress=False)
    assert rep2.n_run == 1 and rep2.n_skipped == 3
    assert rep2.status_counts == {"optimal": 1}


def test_cli_batch_and_collect(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from plantopt.cli.app import app

    scen = tmp_path / "s.yaml"
    scen.write_text(
        f"name: cli\nbase: {INSTANCES / 'tiny'}\nset:\n  time_limit: 30\n"
        "grid:\n  product_prices.price_eur_per_t: {from: 0, to: 1000, num: 3}\n"
        "  objective: [profit]\n"
    )
    runner = CliRunner()
    res = runner.invoke(
        app, ["batch", str(scen), "--out", str(tmp_path / "st"), "--workers", "1", "--no-progress"]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["collect", str(tmp_path / "st")])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(tmp_path / "st" / "collect.parquet")
    csv = pd.read_csv(tmp_path / "st" / "collect.csv")
    assert len(df) == len(csv) == 3
    # parameters named in words (issue 18); results.parquet keeps the field names
    assert sorted(df["price (EUR/t), product_prices"]) == [0.0, 500.0, 1000.0]
    assert (df["time limit (s)"] == 30).all()
    assert "p:time_limit" in pd.read_parquet(tmp_path / "st" / "results.parquet").columns
    # profit = price * payable * (Li + Co recovered); the recovery plan is the same at any
    # positive price (hydromet full, rest to the smelter), so profit grows linearly in price
    prof = df.sort_values("price (EUR/t), product_prices")["profit_eur_per_yr"].to_numpy()
    li, co = hand_recovery(100.0, 10.0)
    assert prof == pytest.approx(np.array([0.0, 500.0, 1000.0]) * (li + co), rel=1e-7)
    for col in (
        "status",
        "objective",
        "capex_eur",
        "critical_recovered_t_per_yr",
        "recovery_frac:Li",
        "time_total_s",
        "job_wall_s",
        "npv_eur",
        "irr",
        "payback_year",
        "capex_gross_eur",
        "units_built",
    ):
        assert col in df.columns


def test_dask_task_with_time_limit_runs_in_a_killable_child() -> None:
    """The Dask task path with a job time limit: a child process, killed at the limit."""
    from plantopt.batch.runner import dask_job

    hooks = {"PLANTOPT_TEST_HANG_JOB": "hang-*"}
    ok = dask_job(Job("fine", str(INSTANCES / "tiny")), 120.0, None, hooks)
    assert ok.record["status"] == "optimal" and ok.record["pid"] != os.getpid()
    li, co = hand_recovery(100.0, 10.0)
    assert ok.summary["critical_recovered_t_per_yr"] == pytest.approx(li + co, rel=1e-9)
    t0 = time.monotonic()
    hung = dask_job(Job("hang-1", str(INSTANCES / "tiny")), 3.0, None, hooks)
    assert hung.record["status"] == "job_timeout"
    assert time.monotonic() - t0 < 10


def test_dask_task_child_is_reused_and_replaced_after_a_kill() -> None:
    """Jobs with a time limit share one persistent child per thread until one is killed."""
    from plantopt.batch.runner import dask_job

    hooks = {"PLANTOPT_TEST_HANG_JOB": "hang-*"}
    first = dask_job(Job("a", str(INSTANCES / "tiny")), 120.0, None, hooks)
    second = dask_job(Job("b", str(INSTANCES / "tiny")), 120.0, None, hooks)
    assert first.record["status"] == second.record["status"] == "optimal"
    assert first.record["pid"] == second.record["pid"] != os.getpid()  # imported once
    assert (
        dask_job(Job("hang-2", str(INSTANCES / "tiny")), 3.0, None, hooks).record["status"]
        == "job_timeout"
    )
    after = dask_job(Job("c", str(INSTANCES / "tiny")), 120.0, None, hooks)
    assert after.record["status"] == "optimal"
    assert after.record["pid"] != first.record["pid"]  # the killed child was replaced


def test_dataset_store_keeps_summary_rows_and_chosen_tables(tmp_path: Path) -> None:
    """--dataset: one partitioned Parquet dataset instead of a folder per job; resumes."""
    inputs = [str(_variant(tmp_path / "in", f"tiny_a{a}", float(a))) for a in (60, 100, 140)]
    store_dir = tmp_path / "store"
    rep = run_batch(
        inputs, store_dir, workers=2, progress=False, dataset_tables=("recovery", "economics")
    )
    assert rep.n_run == 3 and rep.status_counts == {"optimal": 3}
    store = Store(store_dir)
    assert not (store_dir / "jobs").exists() or not any((store_dir / "jobs").iterdir())
    summary = store.read_dataset("summary")
    assert summary["scenario_id"].tolist() == ["tiny_a100", "tiny_a140", "tiny_a60"]
    from plantopt.batch.store import _tidy_row

    for rec in store.read_records().values():  # the row written with pyarrow alone
        row = summary.set_index("scenario_id").loc[rec["scenario_id"]]
        expected = pd.DataFrame([_tidy_row(rec)]).set_index("scenario_id").iloc[0]
        pd.testing.assert_series_equal(
            row, expected.reindex(row.index), check_dtype=False, check_names=False
        )
    recovery = store.read_dataset("recovery").set_index(["scenario_id", "material"])
    for a in (60, 100, 140):
        li, co = hand_recovery(float(a), 10.0)
        rec_t = recovery.loc[f"tiny_a{a}", "recovered_t_per_yr"]
        assert rec_t["Li"] == pytest.approx(li, rel=1e-7)
        assert rec_t["Co"] == pytest.approx(co, rel=1e-7)
    assert set(store.read_dataset("economics")["scenario_id"]) == set(summary["scenario_id"])
    with pytest.raises(FileNotFoundError):
        store.read_dataset("flows")  # not chosen: not kept
    # a rerun skips finished jobs; a lost part makes its job run again
    assert run_batch(inputs, store_dir, progress=False, dataset_tables=("recovery",)).n_run == 0
    (store_dir / "dataset" / "table=recovery" / "tiny_a60.parquet").unlink()
    again = run_batch(inputs, store_dir, progress=False, dataset_tables=("recovery", "economics"))
    assert again.n_run == 1
    assert len(store.read_dataset("recovery")["scenario_id"].unique()) == 3
    _check_summary_rows_of_the_records(store_dir)


def _check_summary_rows_of_the_records(store_dir: Path) -> None:
    """The dataset's summary rows: one file rebuilt from the records at the end of a run
    (what ``read_dataset`` returns); per-job summary files of an earlier layout count as
    parts no more and are folded into it by ``collect``."""
    from plantopt.batch import collect
    from plantopt.batch.store import _tidy_row

    store = Store(store_dir)
    folder = store_dir / "dataset" / "table=summary"
    assert [p.name for p in folder.iterdir()] == ["summary.parquet"]
    on_disk = pd.read_parquet(folder).sort_values("scenario_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(on_disk, store.read_dataset("summary"), check_dtype=False)
    assert on_disk["scenario_id"].tolist() == ["tiny_a100", "tiny_a140", "tiny_a60"]
    rec = store.read_records()["tiny_a60"]  # as an earlier version wrote it
    pd.DataFrame([_tidy_row(rec)]).to_parquet(folder / "tiny_a60.parquet")
    rec["dataset_parts"] = ["dataset/table=summary/tiny_a60.parquet", *rec["dataset_parts"]]
    store.write_record(rec)
    (folder / "tiny_a60.parquet").unlink()  # a lost summary part: not a reason to rerun
    assert "tiny_a60" in store.finished_ids()
    pd.DataFrame([_tidy_row(rec)]).to_parquet(folder / "tiny_a100.parquet")
    collect(store_dir)
    assert [p.name for p in folder.iterdir()] == ["summary.parquet"]
    assert len(pd.read_parquet(folder)) == 3
    # a record on disk before the run's end is in the summary rows at once
    rec = dict(rec, scenario_id="tiny_new", dataset_parts=[])
    store.write_record(rec)
    assert "tiny_new" in set(store.read_dataset("summary")["scenario_id"])


def test_overrides_recheck_changed_tables_and_every_cross_table_check(
    tiny: plantopt.Instance,
) -> None:
    """Only the tables an override changes are typed and checked again (the others are the
    base's own frames), the result equals a full rebuild, and the cross-table checks still
    run: transfer coefficients scaled by 0.5 no longer sum to 1 (bad input)."""
    from plantopt.instance.loader import instance_from_tables

    ovs = (Override("units[unit_id=hydromet].existing_capacity_t_per_yr", "scale", 2.0),)
    inst, _ = apply_overrides(tiny, ovs)
    assert inst["feeds"] is tiny["feeds"] and inst["units"] is not tiny["units"]
    tables = dict(tiny.tables)
    tables["units"] = inst["units"]
    full = instance_from_tables(tiny.manifest, tables)
    for name in tiny.tables:
        pd.testing.assert_frame_equal(inst[name], full[name], check_exact=True)
    assert inst.warnings == full.warnings
    with pytest.raises(plantopt.InstanceError, match="sum to 0.5"):
        apply_overrides(tiny, (Override("transfer_coefficients.tc_frac", "scale", 0.5),))

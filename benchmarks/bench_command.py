"""Whole ``plantopt solve`` against a HiGHS-alone process on the model it wrote.

For each case, in one run:

1. ``plantopt solve CASE --write-model model.mps`` once: the exact model handed to HiGHS;
2. then ``--pairs`` rounds of, in this order,
   A  ``plantopt solve CASE`` with default options (tie-break on), as a child process;
   B  ``python benchmarks/highs_alone.py model.mps`` (read the file, solve, same options);
   C  ``plantopt solve CASE --no-tie-break`` (for the tie-break's share of the solve);
3. per round the ratios A/B of the child's CPU time (user + system, from ``os.wait4``) and
   of wall time, and the solve-phase ratio A/C from the two ``summary.json`` files; the
   reported figure is the median of the per-round ratios (paired runs, so a load change
   between rounds cancels). Per-phase times are medians of A's ``summary.json``
   ``timings_s``; ``outside_api_s`` = A's wall time minus its ``timings_s.total`` (process
   start, imports, printing, writing the result folder). The load average
   (``os.getloadavg``) is recorded before and after each case;
4. then one more default ``plantopt solve`` through ``solve_phases.py``: the CPU time of each
   phase of the whole process (interpreter start, imports, reading and checking, the API's
   phases, terminal output, writing the result folder, the process's end), next to the
   HiGHS-alone process's own split (start and import, reading the file, the solve).

    python benchmarks/bench_command.py [--cases nl-2027,gen-M,gen-L,gen-XL] [--pairs 5]
                                       [--out FILE.md] [--json FILE.json]

gen-XL takes minutes per solve (about 100 s CPU for HiGHS alone, 2026-12-02); use
``--pairs 1`` there.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.registry import CASES  # noqa: E402

HERE = Path(__file__).resolve().parent
PHASES = ("load", "route_tree", "build", "handoff", "solve", "extract", "total")


def plantopt_exe() -> list[str]:
    exe = shutil.which("plantopt", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "plantopt.cli"]


#: children run as a user's shell runs them, byte code cached in ``__pycache__`` (with
#: PYTHONDONTWRITEBYTECODE=1 and no cache yet, every plantopt module is compiled on every run)
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_child(args: list[str], cwd: Path) -> dict:
    """Run one child process; its wall time, CPU time (user + system) and exit code."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CHILD_ENV
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: {err[-500:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "stdout": out}


def solve_round(folder: Path, work: Path, i: int, model: Path) -> dict:
    """One A B C round; returns the three measurements and A's and C's summaries."""
    exe = plantopt_exe()
    a_dir, c_dir = work / f"a{i}", work / f"c{i}"
    a_dir.mkdir()
    c_dir.mkdir()
    a = run_child([*exe, "solve", str(folder)], cwd=a_dir)  # default options, default --out
    b = run_child([sys.executable, str(HERE / "highs_alone.py"), str(model)], cwd=work)
    c = run_child([*exe, "solve", str(folder), "--no-tie-break"], cwd=c_dir)
    a["summary"] = json.loads(next(a_dir.glob("results/*/summary.json")).read_text())
    c["summary"] = json.loads(next(c_dir.glob("results/*/summary.json")).read_text())
    b["result"] = json.loads(b["stdout"].strip().splitlines()[-1])
    return {"a": a, "b": b, "c": c}


def phase_run(folder: Path, work: Path) -> dict[str, float]:
    """CPU seconds per phase of one default ``plantopt solve`` (``solve_phases.py``); the
    API's own phases (wall) from its ``summary.json``, ``teardown`` measured here."""
    out, phases = work / "phases-out", work / "phases.json"
    run = run_child(
        [
            sys.executable,
            str(HERE / "solve_phases.py"),
            str(phases),
            "solve",
            str(folder),
        ]
        + ["--out", str(out)],
        cwd=work,
    )
    got = json.loads(phases.read_text())
    timings = json.loads((out / "summary.json").read_text())["timings_s"]
    cpu = {f"p_{k}": v for k, v in got["cpu_s"].items()}
    cpu["p_teardown"] = run["cpu_s"] - got["cpu_at_end_s"]
    cpu["p_total"] = run["cpu_s"]
    for phase in ("route_tree", "build", "handoff", "solve", "extract"):
        cpu[f"api_{phase}_wall"] = timings.get(phase, 0.0)
    return cpu


def run_case(name: str, pairs: int) -> dict:
    case = CASES[name]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = case.materialise(work).resolve()
        model = work / "model.mps"
        run_child(
            [
                *plantopt_exe(),
                "solve",
                str(folder),
                "--quiet",
                "--no-tie-break",
                "--write-model",
                str(model),
                "--out",
                str(work / "prep"),
            ],
            cwd=work,
        )
        rounds = [solve_round(folder, work, i, model) for i in range(pairs)]
        phases = phase_run(folder, work)
    load_after = os.getloadavg()
    med = statistics.median
    a_sum = [r["a"]["summary"] for r in rounds]
    return {
        "case": name,
        "pairs": pairs,
        "status": a_sum[0]["status"],
        "objective": a_sum[0]["objective"],
        "highs_alone_objective": rounds[0]["b"]["result"]["objective"],
        "cpu_ratio": med(r["a"]["cpu_s"] / r["b"]["cpu_s"] for r in rounds),
        "wall_ratio": med(r["a"]["wall_s"] / r["b"]["wall_s"] for r in rounds),
        "cpu_plantopt_s": med(r["a"]["cpu_s"] for r in rounds),
        "cpu_highs_alone_s": med(r["b"]["cpu_s"] for r in rounds),
        "highs_alone_run_s": med(r["b"]["result"]["run_s"] for r in rounds),
        "tie_break_solve_ratio": med(
            r["a"]["summary"]["timings_s"]["solve"] / r["c"]["summary"]["timings_s"]["solve"]
            for r in rounds
        ),
        "tie_break_proven": sum(
            (s.get("tie_break") or {}).get("status") == "optimal" for s in a_sum
        ),
        **{f"t_{p}": med(s["timings_s"][p] for s in a_sum) for p in PHASES},
        "outside_api_s": med(
            r["a"]["wall_s"] - r["a"]["summary"]["timings_s"]["total"] for r in rounds
        ),
        **phases,
        "highs_alone_teardown_cpu_s": med(  # whole CPU minus the CPU when its result was printed
            r["b"]["cpu_s"] - r["b"]["result"]["cpu_at_end_s"] for r in rounds
        ),
        "highs_alone_read_s": med(r["b"]["result"]["read_s"] for r in rounds),
        "load_before": list(load_before),
        "load_after": list(load_after),
    }


COLUMNS = [
    ("case", "{}"),
    ("status", "{}"),
    ("pairs", "{}"),
    ("cpu_ratio", "{:.2f}"),
    ("wall_ratio", "{:.2f}"),
    ("cpu_plantopt_s", "{:.2f}"),
    ("cpu_highs_alone_s", "{:.2f}"),
    ("tie_break_solve_ratio", "{:.2f}"),
    ("tie_break_proven", "{}"),
    ("t_load", "{:.3f}"),
    ("t_route_tree", "{:.3f}"),
    ("t_build", "{:.3f}"),
    ("t_handoff", "{:.3f}"),
    ("t_solve", "{:.3f}"),
    ("t_extract", "{:.3f}"),
    ("outside_api_s", "{:.2f}"),
    ("highs_alone_run_s", "{:.3f}"),
]


#: the phase table: one whole default solve, CPU s per phase (``p_*``; the API's phases are
#: wall s from summary.json), and the HiGHS-alone process's split
PHASE_COLUMNS = [
    ("case", "{}"),
    ("p_total", "{:.2f}"),
    ("p_interpreter", "{:.3f}"),
    ("p_imports", "{:.3f}"),
    ("p_load_and_checks", "{:.3f}"),
    ("p_api_solve", "{:.3f}"),
    ("api_route_tree_wall", "{:.3f}"),
    ("api_build_wall", "{:.3f}"),
    ("api_handoff_wall", "{:.3f}"),
    ("api_solve_wall", "{:.3f}"),
    ("api_extract_wall", "{:.3f}"),
    ("p_print", "{:.3f}"),
    ("p_write", "{:.3f}"),
    ("p_other", "{:.3f}"),
    ("p_teardown", "{:.3f}"),
    ("cpu_highs_alone_s", "{:.2f}"),
    ("highs_alone_read_s", "{:.3f}"),
    ("highs_alone_run_s", "{:.3f}"),
]


def _table(results: list[dict], columns: list[tuple[str, str]], load: bool) -> list[str]:
    head = " | ".join(c for c, _ in columns) + (" | load before / after" if load else "")
    lines = ["| " + head + " |", "|" + "---|" * (len(columns) + int(load))]
    for r in results:
        cells = [f.format(r.get(c, float("nan"))) for c, f in columns]
        if load:
            cells.append(f"{r['load_before'][0]:.2f} / {r['load_after'][0]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def to_markdown(results: list[dict]) -> str:
    phases = _table(results, PHASE_COLUMNS, load=False)
    title = (
        "Phases of one whole default solve (CPU s; api_* are wall s from summary.json; "
        "HiGHS alone: median CPU s, read and run wall s):"
    )
    return "\n".join([*_table(results, COLUMNS, load=True), "", title, "", *phases]) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cases", default="nl-2027,gen-M,gen-L")
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--out", default=None, help="write the Markdown table here")
    ap.add_argument("--json", default=None, help="write the raw measurements here")
    args = ap.parse_args()
    results = []
    for name in args.cases.split(","):
        if name not in CASES:
            print(f"unknown case {name}; known: {', '.join(CASES)}", file=sys.stderr)
            return 2
        r = run_case(name, args.pairs)
        results.append(r)
        print(
            f"{name}: CPU ratio {r['cpu_ratio']:.2f} wall ratio {r['wall_ratio']:.2f} "
            f"tie-break solve x{r['tie_break_solve_ratio']:.2f} load "
            f"{r['load_before'][0]:.2f}->{r['load_after'][0]:.2f}",
            flush=True,
        )
    md = to_markdown(results)
    print(md)
    if args.out:
        Path(args.out).write_text(md)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

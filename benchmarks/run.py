"""plantopt benchmark suite: phase timings, model size and peak memory per case.

Each case runs in its own subprocess (so peak RSS is the case's own). Phases: load (read +
validate from disk), route_tree, build (Pyomo), handoff (standard-form compile to matrices),
solve (HiGHS via plantopt, tie-break off so it is the same single solve as the reference),
extract (result tables). Reference: HiGHS alone reading the same model from MPS and solving
it — the limit plantopt can approach. Printed ratios are measured in one run.

    python benchmarks/run.py                 # default registry
    python benchmarks/run.py --cases S,M      # a subset
    python benchmarks/run.py --smoke          # S only, quick (used by the test suite)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.registry import CASES, case_names  # noqa: E402


def run_case(name: str, pyomo_path: bool = True) -> dict:
    """Run one case in this process and return its measurements."""
    import resource

    import plantopt
    from plantopt.model.build import build_families
    from plantopt.model.data import build_model_data
    from plantopt.model.emit_matrix import emit_matrix
    from plantopt.model.regulation_terms import build_regulation_data
    from plantopt.solver.highs import solve_mps, write_mps
    from plantopt.solver.types import SolveOptions

    case = CASES[name]
    opts = SolveOptions(tie_break=False, threads=1, time_limit_s=case.time_limit_s)
    with tempfile.TemporaryDirectory() as tmp:
        folder = case.materialise(Path(tmp))
        res = plantopt.solve(folder, case.objective, options=opts)
        t = {
            k: res.timings_s[k]
            for k in ("load", "route_tree", "build", "handoff", "solve", "extract")
        }
        rss_after_solve = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = {"case": name, "status": res.status.value, "objective": res.objective}
        if pyomo_path:
            ref_res = plantopt.solve(folder, case.objective, options=opts, build="pyomo")
            out["pyomo_build_plus_handoff"] = (
                ref_res.timings_s["build"] + ref_res.timings_s["handoff"]
            )
            out["pyomo_objective"] = ref_res.objective
        # HiGHS alone: the same matrix written to MPS, read by a fresh HiGHS and solved
        inst = plantopt.load_instance(folder)
        data = build_model_data(inst, plantopt.build_route_tree(inst))
        mm = emit_matrix(
            build_families(data, build_regulation_data(inst, data)), [res.objective_name]
        )
        mps = Path(tmp) / "model.mps"
        write_mps(mm, str(mps))
        ref = solve_mps(str(mps), opts)
        rows, cols, nnz = mm.shape
        end_to_end = sum(t.values())
        out.update(
            {
                "highs_alone_status": ref.status.value,
                "highs_alone_objective": ref.objective,
                "rows": rows,
                "cols": cols,
                "nnz": nnz,
                "integers": int(mm.integrality.sum()),
                "nodes": data.tree.n_nodes,
                **{f"t_{k}": v for k, v in t.items()},
                "t_end_to_end": end_to_end,
                "t_highs_alone": ref.solve_s,
                "ratio_end_to_end_vs_highs": end_to_end / max(ref.solve_s, 1e-9),
                "ratio_overhead_vs_solve": (end_to_end - t["solve"]) / max(t["solve"], 1e-9),
                "ratio_pyomo_vs_matrix_build": out.get("pyomo_build_plus_handoff", float("nan"))
                / max(t["build"] + t["handoff"], 1e-9),
                "peak_rss_mib": rss_after_solve / 1024,
                "bytes_per_nnz": rss_after_solve * 1024 / max(nnz, 1),
            }
        )
        return out


def _machine() -> str:
    from importlib import metadata

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    vers = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("plantopt", "pyomo", "highspy", "numpy", "numba")
    )
    return (
        f"{platform.node()}: {os.cpu_count()} cores, {cpu}; Python "
        f"{platform.python_version()}; {vers}"
    )


COLUMNS = [
    ("case", "{}"),
    ("status", "{}"),
    ("nodes", "{:,}"),
    ("rows", "{:,}"),
    ("cols", "{:,}"),
    ("nnz", "{:,}"),
    ("integers", "{:,}"),
    ("t_load", "{:.3f}"),
    ("t_route_tree", "{:.3f}"),
    ("t_build", "{:.3f}"),
    ("t_handoff", "{:.3f}"),
    ("t_solve", "{:.3f}"),
    ("t_extract", "{:.3f}"),
    ("t_end_to_end", "{:.3f}"),
    ("t_highs_alone", "{:.3f}"),
    ("ratio_end_to_end_vs_highs", "{:.2f}"),
    ("ratio_overhead_vs_solve", "{:.2f}"),
    ("ratio_pyomo_vs_matrix_build", "{:.1f}"),
    ("peak_rss_mib", "{:.0f}"),
    ("bytes_per_nnz", "{:.0f}"),
]


def build_slope(results: list[dict], min_nnz: int = 10_000) -> float | None:
    """Least-squares slope of log(build + handoff) against log(nnz) over the larger cases.

    1 means linear growth; the target is <= 1.1.
    """
    import math

    pts = [
        (math.log(r["nnz"]), math.log(r["t_build"] + r["t_handoff"]))
        for r in results
        if "error" not in r and r["nnz"] >= min_nnz
    ]
    if len({x for x, _ in pts}) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


def to_markdown(results: list[dict], machine: str) -> str:
    head = "| " + " | ".join(c for c, _ in COLUMNS) + " |"
    sep = "|" + "---|" * len(COLUMNS)
    lines = [head, sep]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['case']} | error: {r['error']} |")
            continue
        lines.append("| " + " | ".join(f.format(r[c]) for c, f in COLUMNS) + " |")
    slope = build_slope(results)
    slope_text = (
        ""
        if slope is None
        else f"\nLog-log slope of (build + handoff) time against nonzeros over the cases "
        f"with >= 10,000 nonzeros: {slope:.2f} (1 = linear).\n"
    )
    return (
        f"Machine: {machine}\n\nTimes in seconds; ratios from the same run. "
        "`ratio_end_to_end_vs_highs` = (load + route_tree + build + handoff + solve + "
        "extract) / HiGHS-alone solve of the same model read from MPS. "
        "`ratio_overhead_vs_solve` = (everything but solve) / solve. "
        "`ratio_pyomo_vs_matrix_build` = (Pyomo build + standard-form compile) / "
        "(vectorised build + matrix assembly) of the same model. Peak RSS includes the "
        "Python interpreter and libraries (~300 MiB); bytes_per_nnz is therefore an upper "
        "bound on small cases.\n\n" + "\n".join(lines) + "\n" + slope_text
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cases", default=None, help="comma-separated case names")
    ap.add_argument("--smoke", action="store_true", help="S only, for CI")
    ap.add_argument("--out", default=None, help="write a Markdown table here")
    ap.add_argument("--json", default=None, help="write the raw measurements here")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_case(args.one)))
        return 0
    names = ["gen-S"] if args.smoke else (args.cases.split(",") if args.cases else case_names())
    results = []
    for name in names:
        if name not in CASES:
            print(f"unknown case {name}; known: {', '.join(case_names())}", file=sys.stderr)
            return 2
        proc = subprocess.run(
            [sys.executable, __file__, "--one", name],
            capture_output=True,
            text=True,
            timeout=CASES[name].wall_limit_s,
        )
        if proc.returncode != 0:
            results.append({"case": name, "error": proc.stderr.strip().splitlines()[-1:]})
        else:
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        r = results[-1]
        if "error" in r:
            print(f"{name}: error {r['error']}", flush=True)
        else:
            print(
                f"{name}: {r['status']} nnz={r['nnz']:,} end-to-end {r['t_end_to_end']:.2f}s"
                f" highs-alone {r['t_highs_alone']:.2f}s ratio "
                f"{r['ratio_end_to_end_vs_highs']:.2f}",
                flush=True,
            )
    md = to_markdown(results, _machine())
    print(md)
    if args.out:
        Path(args.out).write_text(md)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())

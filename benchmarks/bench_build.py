"""Build + hand-off against its floor, peak memory, and the Pyomo emitter (issue 11 targets).

For each generated case (default L and XL), in a fresh child process per measurement:

* ``floor``: the same CSC arrays, bounds and costs passed to ``highspy.Highs.passModel``
  (the least any build can cost once the arrays exist);
* ``build``: model data -> families -> matrix form (``emit_matrix``) -> ``passModel``;
* ``pyomo``: the Pyomo model emitted from the same families;
* peak RSS of the build child above the interpreter with the imports done.

Paired: for each round the measurements run back to back (A B A B ...), the ratio is taken
per round, and the median of the ratios is reported with the machine load.

    python benchmarks/bench_build.py --cases L XL --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(instance_dir: str, what: str) -> dict:
    import resource

    import highspy
    import numpy as np

    import plantopt
    from plantopt.model.build import build_families
    from plantopt.model.data import build_model_data
    from plantopt.model.emit_matrix import emit_matrix
    from plantopt.model.regulation_terms import build_regulation_data

    inst = plantopt.load_instance(instance_dir)
    tree = plantopt.build_route_tree(inst)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out: dict = {}
    if what == "pyomo":
        from plantopt.model.emit_pyomo import emit_pyomo

        t = time.perf_counter()
        data = build_model_data(inst, tree)
        fams = build_families(data, build_regulation_data(inst, data))
        emit_pyomo(fams, "recovery")
        out["pyomo_s"] = time.perf_counter() - t
        return out
    t = time.perf_counter()
    data = build_model_data(inst, tree)
    fams = build_families(data, build_regulation_data(inst, data))
    mm = emit_matrix(fams, ["recovery"])
    a = mm.a_csc
    arrays = (
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(np.float64),
        np.ascontiguousarray(mm.costs[0]),
    )

    def pass_model() -> float:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        t0 = time.perf_counter()
        h.passModel(
            int(a.shape[1]),
            int(a.shape[0]),
            int(a.nnz),
            1,
            -1,
            0.0,
            arrays[3],
            mm.col_lower,
            mm.col_upper,
            mm.row_lower,
            mm.row_upper,
            arrays[0],
            arrays[1],
            arrays[2],
            mm.integrality,
        )
        return time.perf_counter() - t0

    handoff = pass_model()
    out["build_plus_handoff_s"] = time.perf_counter() - t
    out["floor_s"] = min(pass_model() for _ in range(3))
    out["nnz"] = int(a.nnz)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out["peak_rss_mib"] = peak / 1024
    out["rss_above_tree_mib"] = (peak - base_rss) / 1024
    out["handoff_s"] = handoff
    return out


def _run_child(instance_dir: Path, what: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(instance_dir), what],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=["L", "XL"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("DIR", "WHAT"))
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    from plantopt.instance.generate import generate
    from plantopt.instance.writer import write_instance

    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.cases:
            folder = write_instance(generate(size, 0), Path(tmp) / size)
            ratios, pyomo, rss, nnz = [], [], [], 0
            for _ in range(args.rounds):
                b = _run_child(folder, "build")
                p = _run_child(folder, "pyomo")
                ratios.append(b["build_plus_handoff_s"] / b["floor_s"])
                pyomo.append(p["pyomo_s"])
                rss.append(b["peak_rss_mib"])
                nnz = b["nnz"]
                build_s = b["build_plus_handoff_s"]
                floor_s = b["floor_s"]
            print(
                f"{size}: nnz {nnz:,}; build+handoff {build_s:.3f} s, floor "
                f"{floor_s:.3f} s; median ratio {statistics.median(ratios):.2f} "
                f"(rounds {', '.join(f'{r:.2f}' for r in ratios)}); Pyomo emitter "
                f"median {statistics.median(pyomo):.2f} s; peak RSS median "
                f"{statistics.median(rss):.0f} MiB"
            )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""Build + hand-off against its floor, peak memory, and the Pyomo emitter (issue 11 targets).

For each generated case (default L and XL), in a fresh child process per measurement:

* ``floor``: the same CSC arrays, bounds and costs passed to ``highspy.Highs.passModel``
  (the least any build can cost once the arrays exist): the first hand-off of a fresh
  process, cold as the build's own hand-off is (``floor_warm``: the fastest of three more);
* ``build``: model data -> families -> matrix form (``emit_matrix``) -> ``passModel``;
* ``pyomo``: the Pyomo model emitted from the same families;
* peak RSS of the build child above the interpreter with the imports done.

Paired: for each round the measurements run back to back (A B floor A B floor ...), the
ratio build+handoff / floor is taken per round (the floor child's arrays are B's; A and B
build the same arrays), and the median of the ratios is reported with the machine load.
``--compare SRC`` measures another plantopt source tree (e.g. ``git archive main | tar -x
-C SRC``) as A in the same rounds.

    python benchmarks/bench_build.py --cases L XL --rounds 3
    python benchmarks/bench_build.py --cases L XL --rounds 5 --compare /tmp/main --no-pyomo
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
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _pass_model(mm: Any, arrays: tuple[np.ndarray, ...]) -> float:
    """Seconds of one ``highspy.Highs.passModel`` of the matrix form, as the hand-off
    (solver/highs.py) passes it: int32 indices, float64 values, no copies."""
    import highspy

    a = mm.a_csc
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


def _build(inst: Any, tree: Any) -> tuple[Any, tuple[np.ndarray, ...]]:
    """Model data -> families -> matrix form, and the arrays the hand-off passes (the
    modules are imported by the caller, before any timing)."""
    from plantopt.model.build import build_families
    from plantopt.model.data import build_model_data
    from plantopt.model.emit_matrix import emit_matrix
    from plantopt.model.regulation_terms import build_regulation_data

    data = build_model_data(inst, tree)
    fams = build_families(data, build_regulation_data(inst, data))
    mm = emit_matrix(fams, ["recovery"])
    a = mm.a_csc
    return mm, (
        np.asarray(a.indptr, dtype=np.int32),
        np.asarray(a.indices, dtype=np.int32),
        np.asarray(a.data, dtype=np.float64),
        np.ascontiguousarray(mm.costs[0]),
    )


def _child(instance_dir: str, what: str) -> dict:
    """One measurement in this (fresh) process: ``build``, ``floor`` or ``pyomo``.

    ``floor``: the model is built first (untimed), then the first ``passModel`` of this
    process is timed: cold, as the hand-off after a build is (the fastest of three repeated
    hand-offs, the floor until December 2026, is reported as ``floor_warm_s``)."""
    import resource

    import highspy  # noqa: F401 (imported before timing, as the solve path has it)

    import plantopt
    import plantopt.model.build
    import plantopt.model.emit_matrix
    import plantopt.model.regulation_terms  # noqa: F401

    inst = plantopt.load_instance(instance_dir)
    tree = plantopt.build_route_tree(inst)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out: dict = {}
    if what == "pyomo":
        from plantopt.model.build import build_families
        from plantopt.model.data import build_model_data
        from plantopt.model.emit_pyomo import emit_pyomo
        from plantopt.model.regulation_terms import build_regulation_data

        t = time.perf_counter()
        data = build_model_data(inst, tree)
        fams = build_families(data, build_regulation_data(inst, data))
        emit_pyomo(fams, "recovery")
        out["pyomo_s"] = time.perf_counter() - t
        return out
    if what == "floor":
        mm, arrays = _build(inst, tree)
        out["floor_s"] = _pass_model(mm, arrays)
        out["floor_warm_s"] = min(_pass_model(mm, arrays) for _ in range(3))
        return out
    t = time.perf_counter()
    mm, arrays = _build(inst, tree)
    out["handoff_s"] = _pass_model(mm, arrays)
    out["build_plus_handoff_s"] = time.perf_counter() - t
    out["nnz"] = int(mm.a_csc.nnz)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out["peak_rss_mib"] = peak / 1024
    out["rss_above_tree_mib"] = (peak - base_rss) / 1024
    return out


def _run_child(instance_dir: Path, what: str, source: str | None = None) -> dict:
    """One measurement in a fresh process; ``source``: a plantopt source tree to measure
    instead of this one (put first on PYTHONPATH: the A of a paired A/B comparison)."""
    env = dict(os.environ)
    if source:
        env["PYTHONPATH"] = source + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(instance_dir), what],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.4g} ({', '.join(f'{x:.4g}' for x in xs)})"


def _case(folder: Path, size: str, rounds: int, pyomo: bool, compare: str | None) -> None:
    """Rounds of (A build, B build, floor[, B Pyomo]) back to back; medians of the
    per-round figures."""
    runs: dict[str, list[dict]] = {"A": [], "B": []}
    floors: list[dict] = []
    pyomo_s: list[float] = []
    for r in range(rounds):
        load = os.getloadavg()[0]
        if compare:
            runs["A"].append(_run_child(folder, "build", compare))
        runs["B"].append(_run_child(folder, "build"))
        floors.append(_run_child(folder, "floor"))
        if pyomo:
            pyomo_s.append(_run_child(folder, "pyomo")["pyomo_s"])
        print(f"  {size} round {r + 1}: load average {load:.1f} before")
    print(
        f"{size} floor s {_median([f['floor_s'] for f in floors])}; "
        f"warm floor s {_median([f['floor_warm_s'] for f in floors])}"
    )
    for name, rs in runs.items():
        if not rs:
            continue
        ratio = [x["build_plus_handoff_s"] / f["floor_s"] for x, f in zip(rs, floors)]
        warm = [x["build_plus_handoff_s"] / f["floor_warm_s"] for x, f in zip(rs, floors)]
        print(
            f"{size} {name}: nnz {rs[0]['nnz']:,}; "
            f"build+handoff s {_median([x['build_plus_handoff_s'] for x in rs])}; "
            f"hand-off s {_median([x['handoff_s'] for x in rs])}; ratio to the floor "
            f"{_median(ratio)}; to the warm floor {_median(warm)}; "
            f"peak RSS MiB {_median([x['peak_rss_mib'] for x in rs])}"
        )
    if pyomo_s:
        print(f"{size} B Pyomo emitter s {_median(pyomo_s)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=["L", "XL"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("DIR", "WHAT"))
    ap.add_argument("--compare", metavar="SRC", help="plantopt source tree measured as A")
    ap.add_argument("--no-pyomo", action="store_true", help="skip the Pyomo emitter runs")
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
            _case(folder, size, args.rounds, not args.no_pyomo, args.compare)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

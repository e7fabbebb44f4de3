"""The Pyomo model build against an earlier plantopt's (issue 11: "the Pyomo emitter >= 3x
faster than today's Pyomo build at L").

Times ``plantopt.model.build_model(instance, "recovery", tree=tree)`` (model data, families
and the Pyomo ``ConcreteModel``; the route tree is made before the clock starts) in a fresh
child process per measurement, with pyomo and the build's modules imported before timing.
A is the source tree given as ``--baseline`` (e.g. ``git archive 3128b45 | tar -x -C SRC``,
put first on ``PYTHONPATH``), B this tree. The instance is generated and written by the
baseline's own generator and writer (an older loader cannot read newer files; this tree
reads older ones), seed 0. Paired: A then B in each round, the ratio A/B per round, the
median of the ratios, CPU seconds (the machine is shared: the load average is printed).

    python benchmarks/bench_pyomo.py --baseline /tmp/src-3128b45 --size L --rounds 10
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


def _child_build(instance_dir: str) -> dict:
    """CPU and wall seconds of one ``build_model`` call in this process."""
    import gc
    import importlib

    import pyomo.environ  # noqa: F401  (imported before the clock starts)

    import plantopt
    from plantopt.model import build_model

    for name in ("plantopt.model.pipeline", "plantopt.model.emit_pyomo"):  # this tree's
        try:
            importlib.import_module(name)
        except ImportError:  # an older tree builds through other modules
            pass
    inst = plantopt.load_instance(instance_dir)
    tree = plantopt.build_route_tree(inst)
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    model = build_model(inst, "recovery", tree=tree)
    out = {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall}
    out["constraints"] = sum(1 for _ in model.component_data_objects(pyomo.environ.Constraint))
    return out


def _child_write(size: str, folder: str) -> dict:
    from plantopt.instance.generate import generate
    from plantopt.instance.writer import write_instance

    write_instance(generate(size, 0), Path(folder))
    return {"folder": folder}


def _run(args: list[str], source: str | None) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = (source or str(ROOT)) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=source or ROOT,
        env=env,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3g} ({', '.join(f'{x:.3g}' for x in xs)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", metavar="SRC", help="the earlier plantopt source tree (A)")
    ap.add_argument("--size", default="L")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--child-build", metavar="DIR")
    ap.add_argument("--child-write", nargs=2, metavar=("SIZE", "DIR"))
    args = ap.parse_args()
    if args.child_build:
        print(json.dumps(_child_build(args.child_build)))
        return
    if args.child_write:
        print(json.dumps(_child_write(*args.child_write)))
        return
    if not args.baseline:
        ap.error("--baseline SRC is required")
    baseline = str(Path(args.baseline).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        folder = str(Path(tmp) / args.size)
        _run(["--child-write", args.size, folder], baseline)
        a_cpu: list[float] = []
        b_cpu: list[float] = []
        for r in range(args.rounds):
            load = os.getloadavg()[0]
            a = _run(["--child-build", folder], baseline)
            b = _run(["--child-build", folder], None)
            a_cpu.append(a["cpu_s"])
            b_cpu.append(b["cpu_s"])
            print(
                f"round {r + 1}: load {load:.1f}; A {a['cpu_s']:.3f} s, B {b['cpu_s']:.3f} s "
                f"CPU; constraints A {a['constraints']:,} B {b['constraints']:,}"
            )
        ratios = [x / y for x, y in zip(a_cpu, b_cpu)]
        print(f"{args.size}: A (baseline) CPU s {_median(a_cpu)}")
        print(f"{args.size}: B (this tree) CPU s {_median(b_cpu)}")
        print(f"{args.size}: A/B per round {_median(ratios)}  (target >= 3)")


if __name__ == "__main__":
    main()

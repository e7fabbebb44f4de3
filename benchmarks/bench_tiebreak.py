"""Tie-break cost: plantopt's two stages against the alternatives (issue 17).

Variants, each in its own child process (CPU time of the solve call only, so model build
and imports are left out; the whole command is ``bench_command.py``'s job):

* ``primary``: ``solve_matrix`` with ``tie_break=False`` (one MIP, then polishing);
* ``stages``: ``solve_matrix`` with its default options (the tie-break stage warm-started
  from the primary plan, run to the end: exact, the default of ``plantopt solve``);
* ``stages-budget``: the same with ``tie_break_budget=0.3`` (0.3 x the primary's CPU
  time, at least 0.25 s; ``--tie-break-budget 0.3``);
* ``proof`` (with ``--all``): the primary solve, then stage 2 handed the lexicographic
  optimum itself as its start (found by an untimed full run first): what proving the
  secondary objective costs when the best plan is already known, i.e. a floor for every
  exact method built on HiGHS's branch and bound;
* ``highs-lex`` (with ``--lex`` or ``--all``): the same model with two
  ``HighsLinearObjective`` (priorities 1 and 0, weight -1 = maximise, relative tolerance
  ``tie_break_rel_tol`` on the primary) solved by HiGHS's lexicographic multi-objective
  (``blend_multi_objectives = false``);
* ``blend`` (with ``--all``): one MIP on c1 + eps c2 with eps = tau / R2, tau the primary
  tolerance and R2 = max - min of c2 x over the LP relaxation (two LPs, timed): the blended
  optimum is then primary-optimal within tau; its secondary value shows whether it also
  finds the best secondary plan (it need not: the secondary's weight lies below the MIP
  gap, see models/formulation.md §6).

Rounds run the variants in turn (paired); reported are medians of the per-round ratios over
``primary``, the secondary objective reached, whether the budgeted stage proved it (its gap),
and the load average.

    python benchmarks/bench_tiebreak.py [--cases nl-2027,gen-M,gen-L] [--rounds 3] [--lex|--all]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.registry import CASES  # noqa: E402

VARIANTS = ["primary", "stages", "stages-budget"]


def _matrix(folder: Path):
    import plantopt
    from plantopt.model.emit_matrix import emit_matrix
    from plantopt.model.pipeline import families_of

    return emit_matrix(families_of(plantopt.load_instance(folder)), ["recovery", "profit"])


def _lexicographic(mm, rel_tol: float) -> tuple[float, float]:
    import highspy
    import numpy as np

    from plantopt.solver.highs import _new_highs, _pass
    from plantopt.solver.types import SolveOptions

    h = _new_highs(SolveOptions())
    _pass(h, mm, mm.costs[0], 0.0)
    h.setOptionValue("blend_multi_objectives", False)
    for k, priority in ((0, 1), (1, 0)):
        obj = highspy.HighsLinearObjective()
        obj.weight, obj.offset, obj.priority = -1.0, 0.0, priority  # -1: maximise
        obj.coefficients = list(mm.costs[k])
        obj.abs_tolerance, obj.rel_tolerance = 0.0, rel_tol
        h.addLinearObjective(obj)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    return float(mm.costs[0] @ x), float(mm.costs[1] @ x)


def _blended(mm, rel_tol: float) -> tuple[float, float]:
    """max c1 x + eps c2 x, eps = tau / (max c2 x - min c2 x over the LP relaxation)."""
    from dataclasses import replace

    import numpy as np

    from plantopt.solver.highs import _new_highs, _pass
    from plantopt.solver.types import SolveOptions

    lp = replace(mm, integrality=np.zeros_like(mm.integrality))
    ends = []
    for sign in (1.0, -1.0):
        h = _new_highs(SolveOptions())
        _pass(h, replace(lp, maximize=sign > 0), mm.costs[1], 0.0)
        h.run()
        ends.append(h.getInfo().objective_function_value)
    h = _new_highs(SolveOptions())
    _pass(h, lp, mm.costs[0], 0.0)
    h.run()
    tau = rel_tol * max(1.0, abs(h.getInfo().objective_function_value))  # LP bound >= z1
    eps = tau / max(ends[0] - ends[1], 1e-12)
    h = _new_highs(SolveOptions())
    _pass(h, mm, mm.costs[0] + eps * mm.costs[1], 0.0)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    return float(mm.costs[0] @ x), float(mm.costs[1] @ x)


def _proof(mm) -> tuple[float, float, float]:
    """Untimed: the lexicographic optimum. Timed: primary, then stage 2 started from it."""
    import highspy
    import numpy as np

    from plantopt.solver.highs import INF, STAGE2_OFF, _new_highs, _pass, solve_matrix
    from plantopt.solver.types import SolveOptions

    best = solve_matrix(mm, SolveOptions()).x
    assert best is not None
    t = time.process_time()
    h = _new_highs(SolveOptions())
    _pass(h, mm, mm.costs[0], 0.0)
    h.run()
    z1 = h.getInfo().objective_function_value
    c1 = mm.costs[0]
    idx = np.flatnonzero(c1).astype(np.int32)
    h.addRow(z1 - SolveOptions().tie_break_rel_tol * max(1.0, abs(z1)), INF, len(idx), idx, c1[idx])
    n = mm.a_csc.shape[1]
    h.changeColsCost(n, np.arange(n, dtype=np.int32), mm.costs[1].astype(np.float64))
    sol = highspy.HighsSolution()
    sol.col_value, sol.value_valid = list(best), True
    h.setSolution(sol)
    for name in STAGE2_OFF:
        h.setOptionValue(name, False)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    return time.process_time() - t, float(c1 @ x), float(mm.costs[1] @ x)


def child(folder: str, variant: str) -> dict:
    """Build the model, time the solve of one variant (CPU seconds of this process)."""
    from plantopt.solver.highs import solve_matrix
    from plantopt.solver.types import SolveOptions

    mm = _matrix(Path(folder))
    rel_tol = SolveOptions().tie_break_rel_tol
    t = time.process_time()
    tb: dict = {}
    if variant == "highs-lex":
        primary, secondary = _lexicographic(mm, rel_tol)
    elif variant == "blend":
        primary, secondary = _blended(mm, rel_tol)
    elif variant == "proof":
        cpu_s, primary, secondary = _proof(mm)
        return {"cpu_s": cpu_s, "primary": primary, "secondary": secondary}
    else:
        opts = {
            "primary": SolveOptions(tie_break=False),
            "stages": SolveOptions(),
            "stages-budget": SolveOptions(tie_break_budget=0.3),
        }[variant]
        raw = solve_matrix(mm, opts)
        assert raw.objective is not None and raw.x is not None
        primary = float(raw.objective)
        secondary = float(mm.costs[1] @ raw.x)
        tb = raw.tie_break or {}
    return {
        "cpu_s": time.process_time() - t,
        "primary": primary,
        "secondary": secondary,
        "tie_break_status": tb.get("status"),
        "secondary_gap": tb.get("secondary_gap"),
    }


def run_case(name: str, rounds: int) -> dict:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = CASES[name].materialise(Path(tmp))
        runs = []
        for _ in range(rounds):
            runs.append(
                {
                    v: json.loads(
                        subprocess.run(
                            [sys.executable, __file__, "--child", str(folder), v],
                            capture_output=True,
                            text=True,
                            check=True,
                        )
                        .stdout.strip()
                        .splitlines()[-1]
                    )
                    for v in VARIANTS
                }
            )
    med = statistics.median
    return {
        "case": name,
        "rounds": rounds,
        "primary_cpu_s": med(r["primary"]["cpu_s"] for r in runs),
        "over_primary": {
            v: med(r[v]["cpu_s"] / r["primary"]["cpu_s"] for r in runs) for v in VARIANTS[1:]
        },
        "objectives": {v: [runs[0][v]["primary"], runs[0][v]["secondary"]] for v in VARIANTS},
        "proven": [r["stages-budget"]["tie_break_status"] == "optimal" for r in runs],
        "gap": [r["stages-budget"]["secondary_gap"] for r in runs],
        "load_before": list(load_before),
        "load_after": list(os.getloadavg()),
    }


def to_markdown(results: list[dict]) -> str:
    extra = VARIANTS[3:]
    head = (
        "| case | rounds | primary solve CPU s | stages (exact, default) / primary "
        "| stages with budget 0.3 / primary | budgeted stage proven (rounds), secondary gap "
        + "".join(f"| {v} / primary " for v in extra)
        + "| secondary: exact | secondary: budget "
        + "".join(f"| secondary: {v} " for v in extra)
        + "| load before / after |"
    )
    lines = [head, "|---" * (9 + 2 * len(extra)) + "|"]
    for r in results:
        o, q = r["objectives"], r["over_primary"]
        gaps = ", ".join("-" if g is None else f"{100 * g:.3g} %" for g in r["gap"])
        lines.append(
            f"| {r['case']} | {r['rounds']} | {r['primary_cpu_s']:.3f} | "
            f"{q['stages']:.2f} | {q['stages-budget']:.2f} | "
            f"{sum(r['proven'])}/{len(r['proven'])}, {gaps} | "
            + "".join(f"{q[v]:.2f} | " for v in extra)
            + f"{o['stages'][1]:.6g} | {o['stages-budget'][1]:.6g} | "
            + "".join(f"{o[v][1]:.6g} | " for v in extra)
            + f"{r['load_before'][0]:.2f} / {r['load_after'][0]:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cases", default="nl-2027,gen-M,gen-L")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=None)
    ap.add_argument("--lex", action="store_true", help="also HiGHS's lexicographic mode")
    ap.add_argument("--all", action="store_true", help="also proof, highs-lex and blend")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.all:
        VARIANTS.extend(["proof", "highs-lex", "blend"])
    elif args.lex:
        VARIANTS.append("highs-lex")
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    results = [run_case(n, args.rounds) for n in args.cases.split(",")]
    md = to_markdown(results)
    print(md)
    if args.out:
        Path(args.out).write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Tie-break cost: plantopt's two stages against HiGHS's own lexicographic optimisation.

Variants, each in its own child process (CPU time of the solve call only, so model build
and imports are left out; the whole command is ``bench_command.py``'s job):

* ``primary``: ``solve_matrix`` with ``tie_break=False`` (one MIP, then polishing);
* ``stages``: ``solve_matrix`` with the tie-break and its default CPU budget (0.3 x the
  primary's CPU time, at least 0.25 s: the default of ``plantopt solve``);
* ``stages-full``: the tie-break run to the end (``tie_break_budget=None``, as before the
  budget);
* ``highs-lex`` (only with ``--lex``; measured 2-4x slower than the stages): the same
  model with two ``HighsLinearObjective`` (priorities 1 and 0, weight -1 = maximise,
  relative tolerance ``tie_break_rel_tol`` on the primary) solved by HiGHS's lexicographic
  multi-objective (``blend_multi_objectives = false``).

Rounds run the variants in turn; reported are medians of the per-round ratios over primary,
the secondary objective reached and whether the budgeted stage proved it (its gap), and the
load average.

    python benchmarks/bench_tiebreak.py [--cases nl-2027,gen-M,gen-L] [--rounds 3] [--lex]
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

VARIANTS = ["primary", "stages", "stages-full"]


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


def child(folder: str, variant: str) -> dict:
    """Build the model, time the solve of one variant (CPU seconds of this process)."""
    from plantopt.solver.highs import solve_matrix
    from plantopt.solver.types import SolveOptions

    mm = _matrix(Path(folder))
    t = time.process_time()
    tb: dict = {}
    if variant == "highs-lex":
        primary, secondary = _lexicographic(mm, SolveOptions().tie_break_rel_tol)
    else:
        opts = SolveOptions(tie_break=variant != "primary")
        if variant == "stages-full":
            opts = SolveOptions(tie_break_budget=None)
        raw = solve_matrix(mm, opts)
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
        "proven": [r["stages"]["tie_break_status"] == "optimal" for r in runs],
        "gap": [r["stages"]["secondary_gap"] for r in runs],
        "load_before": list(load_before),
        "load_after": list(os.getloadavg()),
    }


def to_markdown(results: list[dict]) -> str:
    lex = "highs-lex" in VARIANTS
    lines = [
        "| case | rounds | primary solve CPU s | stages (budget) / primary | budgeted stage "
        "proven (rounds), secondary gap | stages to the end / primary "
        + ("| HiGHS lex / primary " if lex else "")
        + "| secondary: budget | secondary: to the end "
        + ("| secondary: HiGHS lex " if lex else "")
        + "| load before / after |",
        "|---|---|---|---|---|---|---|---|---|" + ("---|---|" if lex else ""),
    ]
    for r in results:
        o, q = r["objectives"], r["over_primary"]
        gaps = ", ".join("-" if g is None else f"{100 * g:.3g} %" for g in r["gap"])
        lines.append(
            f"| {r['case']} | {r['rounds']} | {r['primary_cpu_s']:.3f} | "
            f"{q['stages']:.2f} | {sum(r['proven'])}/{len(r['proven'])}, {gaps} | "
            f"{q['stages-full']:.2f} | "
            + (f"{q['highs-lex']:.2f} | " if lex else "")
            + f"{o['stages'][1]:.6g} | {o['stages-full'][1]:.6g} | "
            + (f"{o['highs-lex'][1]:.6g} | " if lex else "")
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
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.lex:
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

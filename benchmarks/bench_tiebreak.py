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
  gap, see models/formulation.md §6);
* ``links-node`` / ``links-feed`` (with ``--all``): the default stages on the model with the
  valid inequalities of ``benchmarks/tiebreak_rows.py`` added (per unit node, or per feed and
  unit with the most that feed can bring to the unit): ratio of the whole solve (both stages)
  over the plain model's primary, also their own primary over it;
* ``rc-bounds`` (with ``--all``): primary, then the LP relaxation of the primary and its
  reduced costs d: every plan with c1 x >= z1 - tau has |d_j| |x_j - bound_j| <= LP1 - z1 + tau,
  so the columns' bounds are tightened by that (exact), then stage 2 on the tightened model;
* ``floor`` (with ``--all``): primary, then stage 2 with every integer column fixed at the
  lexicographic optimum (found untimed): the stage's cost without its integer search.

For ``stages`` and the two ``links`` variants the child also reports (untimed) the stage's LP
relaxation gap: (LP bound of max c2 s.t. c1 x >= z1 - tau, minus the secondary optimum) over
|secondary optimum|.

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
from benchmarks.tiebreak_rows import ROWS  # noqa: E402

VARIANTS = ["primary", "stages", "stages-budget"]


def _matrix(folder: Path, variant: str = ""):
    import plantopt
    from plantopt.model import build
    from plantopt.model.emit_matrix import emit_matrix
    from plantopt.model.pipeline import families_of

    if variant in ROWS:  # the experiment's valid inequalities, seen by every emitter
        build.PERIOD_ROWS = (*build.PERIOD_ROWS, ROWS[variant])
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


def _primary(mm):
    """The primary stage as solve_matrix runs it: (HiGHS object, x1, z1 without offset)."""
    import numpy as np

    from plantopt.solver.highs import _new_highs, _pass
    from plantopt.solver.types import SolveOptions

    h = _new_highs(SolveOptions())
    _pass(h, mm, mm.costs[0], 0.0)
    h.run()
    return h, np.asarray(h.getSolution().col_value), h.getInfo().objective_function_value


def _stage2(mm, lower, upper, start, z1: float) -> tuple[float, float]:
    """Stage 2 as solve_matrix runs it, on ``mm`` with column bounds ``lower``/``upper``,
    started from ``start``: (primary, secondary) of its plan."""
    from dataclasses import replace

    import highspy
    import numpy as np

    from plantopt.solver.highs import INF, STAGE2_OFF, _new_highs, _pass
    from plantopt.solver.types import SolveOptions

    h = _new_highs(SolveOptions())
    _pass(h, replace(mm, col_lower=lower, col_upper=upper), mm.costs[1], 0.0)
    c1 = mm.costs[0]
    idx = np.flatnonzero(c1).astype(np.int32)
    h.addRow(z1 - SolveOptions().tie_break_rel_tol * max(1.0, abs(z1)), INF, len(idx), idx, c1[idx])
    sol = highspy.HighsSolution()
    sol.col_value, sol.value_valid = list(np.clip(start, lower, upper)), True
    h.setSolution(sol)
    for name in STAGE2_OFF:
        h.setOptionValue(name, False)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    return float(c1 @ x), float(mm.costs[1] @ x)


def _rc_bounds(mm) -> tuple[float, float]:
    """Primary; LP relaxation of the primary; bounds from its reduced costs; stage 2."""
    from dataclasses import replace

    import numpy as np

    from plantopt.solver.highs import _new_highs, _pass
    from plantopt.solver.types import SolveOptions

    _, x1, z1 = _primary(mm)
    g = _new_highs(SolveOptions())
    _pass(g, replace(mm, integrality=np.zeros_like(mm.integrality)), mm.costs[0], 0.0)
    g.run()
    s = g.getSolution()
    d, x = np.asarray(s.col_dual), np.asarray(s.col_value)
    slack = (
        g.getInfo().objective_function_value
        - z1
        + SolveOptions().tie_break_rel_tol * max(1.0, abs(z1))
    )
    lo, up = mm.col_lower.copy(), mm.col_upper.copy()
    at_lo = (np.abs(x - lo) < 1e-9) & (d < -1e-12)  # maximising: raising x_j costs |d_j|
    at_up = (np.abs(x - up) < 1e-9) & (d > 1e-12)
    with np.errstate(divide="ignore"):
        new_up = np.where(at_lo, lo + slack / np.abs(d), up)
        new_lo = np.where(at_up, up - slack / np.abs(d), lo)
    ints = mm.integrality.astype(bool)
    new_up[ints], new_lo[ints] = np.floor(new_up[ints] + 1e-9), np.ceil(new_lo[ints] - 1e-9)
    return _stage2(mm, np.maximum(lo, new_lo), np.minimum(up, new_up), x1, z1)


def _floor(mm) -> tuple[float, float, float]:
    """Untimed: the lexicographic optimum. Timed: primary, stage 2 with its integers fixed."""
    import numpy as np

    from plantopt.solver.highs import solve_matrix
    from plantopt.solver.types import SolveOptions

    best = solve_matrix(mm, SolveOptions()).x
    assert best is not None
    t = time.process_time()
    _, _, z1 = _primary(mm)
    ints = mm.integrality.astype(bool)
    lo, up = mm.col_lower.copy(), mm.col_upper.copy()
    lo[ints] = up[ints] = np.round(best[ints])
    primary, secondary = _stage2(mm, lo, up, best, z1)
    return time.process_time() - t, primary, secondary


def _lp_gap(mm, z1: float, secondary: float) -> float:
    """(LP bound of max c2 s.t. c1 x >= z1 - tau) - secondary, over |secondary| (untimed;
    ``secondary`` = c2 x without the offset, the gap is taken with it)."""
    from dataclasses import replace

    import numpy as np

    from plantopt.solver.highs import INF, _new_highs, _pass
    from plantopt.solver.types import SolveOptions

    h = _new_highs(SolveOptions())
    _pass(h, replace(mm, integrality=np.zeros_like(mm.integrality)), mm.costs[1], 0.0)
    c1 = mm.costs[0]
    idx = np.flatnonzero(c1).astype(np.int32)
    h.addRow(z1 - SolveOptions().tie_break_rel_tol * max(1.0, abs(z1)), INF, len(idx), idx, c1[idx])
    h.run()
    bound = h.getInfo().objective_function_value
    return (bound - secondary) / max(abs(secondary + float(mm.offsets[1])), 1e-9)


def child(folder: str, variant: str) -> dict:
    """Build the model, time the solve of one variant (CPU seconds of this process)."""
    from plantopt.solver.highs import solve_matrix
    from plantopt.solver.types import SolveOptions

    mm = _matrix(Path(folder), variant)
    rel_tol = SolveOptions().tie_break_rel_tol
    t = time.process_time()
    tb: dict = {}
    if variant == "highs-lex":
        primary, secondary = _lexicographic(mm, rel_tol)
    elif variant == "blend":
        primary, secondary = _blended(mm, rel_tol)
    elif variant == "rc-bounds":
        primary, secondary = _rc_bounds(mm)
    elif variant in ("proof", "floor"):
        cpu_s, primary, secondary = (_proof if variant == "proof" else _floor)(mm)
        return {"cpu_s": cpu_s, "primary": primary, "secondary": secondary}
    else:
        opts = {
            "primary": SolveOptions(tie_break=False),
            "stages": SolveOptions(),
            "stages-budget": SolveOptions(tie_break_budget=0.3),
            "links-node": SolveOptions(),
            "links-feed": SolveOptions(),
        }[variant]
        raw = solve_matrix(mm, opts)
        assert raw.objective is not None and raw.x is not None
        primary = float(raw.objective)
        secondary = float(mm.costs[1] @ raw.x)
        tb = raw.tie_break or {}
    out = {
        "cpu_s": time.process_time() - t,
        "primary": primary,
        "secondary": secondary,
        "tie_break_status": tb.get("status"),
        "secondary_gap": tb.get("secondary_gap"),
        "primary_part_s": tb.get("primary_cpu_s"),
        "shape": list(mm.shape),
    }
    if variant in ("stages", *ROWS):
        out["lp_gap"] = _lp_gap(mm, primary - float(mm.offsets[0]), secondary)
    return out


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
        "own_primary": {
            v: med(r[v]["primary_part_s"] / r["primary"]["cpu_s"] for r in runs)
            for v in VARIANTS
            if v in ROWS
        },
        "lp_gap": {v: runs[0][v]["lp_gap"] for v in VARIANTS if "lp_gap" in runs[0][v]},
        "rows": {v: runs[0][v]["shape"][0] for v in VARIANTS if "shape" in runs[0][v]},
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
    return "\n".join(lines) + "\n" + _rows_markdown(results)


def _rows_markdown(results: list[dict]) -> str:
    """The valid-inequality experiment: rows, the stage's LP gap, own primary / primary."""
    links = [v for v in ROWS if v in VARIANTS]
    if not links:
        return ""
    head = "\n| case | rows: plain | stage LP gap: plain " + "".join(
        f"| rows: {v} | stage LP gap: {v} | {v} primary / primary " for v in links
    )
    lines = [head + "|", "|---" * (3 + 3 * len(links)) + "|"]
    for r in results:
        g, n = r["lp_gap"], r["rows"]
        lines.append(
            f"| {r['case']} | {n['stages']} | {100 * g['stages']:.3g} % | "
            + "".join(f"{n[v]} | {100 * g[v]:.3g} % | {r['own_primary'][v]:.2f} | " for v in links)
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
    ap.add_argument(
        "--all",
        action="store_true",
        help="also proof, highs-lex, blend, links-node, links-feed, rc-bounds and floor",
    )
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.all:
        VARIANTS.extend(["proof", "highs-lex", "blend", *ROWS, "rc-bounds", "floor"])
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
        Path(args.out).with_suffix(".json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

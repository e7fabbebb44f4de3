"""benchmarks/bench_command.py on tiny: the paired ratio and the per-phase table of one whole
solve (benchmarks/solve_phases.py), whose phases add up to the process's CPU time."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_command_phases_add_up_on_tiny() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_command import PHASE_COLUMNS, run_case, to_markdown

    r = run_case("tiny", pairs=1)
    assert r["status"] == "optimal"
    assert r["objective"] == r["highs_alone_objective"] or abs(
        r["objective"] - r["highs_alone_objective"]
    ) <= 1e-6 * max(1.0, abs(r["objective"]))
    assert r["cpu_ratio"] > 0 and r["cpu_highs_alone_s"] > 0
    parts = [k for k in r if k.startswith("p_") and k != "p_total"]
    assert {"p_interpreter", "p_imports", "p_load_and_checks", "p_api_solve"} <= set(parts)
    assert {"p_print", "p_write", "p_teardown"} <= set(parts)
    assert all(r[k] >= 0 for k in parts)
    assert abs(sum(r[k] for k in parts) - r["p_total"]) <= 0.02 * r["p_total"] + 0.01
    table = to_markdown([r])
    assert all(c in table for c, _ in PHASE_COLUMNS) and "| tiny |" in table

"""HiGHS alone: read a model file and solve it with plantopt's default solver options.

The reference process of ``bench_command.py``: nothing but the interpreter, highspy, the
file read and the solve. The JSON line gives the solve's and the read's wall time and the
process's CPU time when it printed. Options are those ``plantopt solve`` uses by default
(``plantopt.solver.types.SolveOptions``): relative MIP gap 1e-6, random seed 0, HiGHS's
default thread count, no log.

    python benchmarks/highs_alone.py MODEL.mps     # prints one JSON line
"""

from __future__ import annotations

import json
import sys
import time

import highspy


def main(path: str) -> int:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 1e-6)
    t = time.perf_counter()
    if h.readModel(path) == highspy.HighsStatus.kError:
        print(f"error: HiGHS could not read {path}", file=sys.stderr)
        return 2
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    h.run()
    run_s = time.perf_counter() - t
    info = h.getInfo()
    print(
        json.dumps(
            {
                "status": h.modelStatusToString(h.getModelStatus()),
                "objective": float(info.objective_function_value),
                "run_s": run_s,
                "read_s": read_s,
                "cpu_at_end_s": time.process_time(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1]))

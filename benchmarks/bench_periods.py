"""Build and solve times for 1, 5 and 15 planning periods, both build paths, in one run.

Instance: ``plantopt.generate.generate("M", seed)`` turned into T one-year periods from 2027
(``plantopt.generate_periods.with_periods``: feed availability +5 %/yr, prices +1 %/yr,
objective ``npv`` at the generated discount rate; the EU targets of each year apply when the
generated instance applies them). T = 1 is the single-period model (no periods table; the
same code with one period of ``horizon_yr`` = 1 year). Phases (``Result.timings_s``): build
(data + Pyomo model, or data + regulation terms for the matrix path), handoff (Pyomo compile,
or the matrix assembly), solve (HiGHS). Cost per added period: the log-log slope of
build + handoff against T (1 = linear); the solve is reported separately (a MILP's solve time
need not be linear in its size).

    python benchmarks/bench_periods.py [--seed 0] [--periods 1 5 15] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def instance(seed: int, periods: int):
    from plantopt.instance.generate import generate
    from plantopt.instance.generate_periods import with_periods

    base = generate("M", seed).with_manifest(objective="npv", horizon_yr=1)
    if periods == 1:
        return base
    years = list(range(2027, 2027 + periods))
    return with_periods(base, years, [1] * periods, feed_growth=0.05, price_growth=0.01)


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y on log x."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-9)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main() -> None:
    import plantopt

    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--periods", type=int, nargs="+", default=[1, 5, 15])
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    print(
        "| build | periods | rows | columns | nonzeros | t_build | t_handoff | build+handoff "
        "| t_solve | status | objective |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    costs: dict[str, list[float]] = {"matrix": [], "pyomo": []}
    for build in ("matrix", "pyomo"):
        for T in args.periods:
            res = plantopt.solve(
                instance(args.seed, T), build=build, time_limit_s=args.time_limit, tie_break=False
            )
            t = res.timings_s
            size = res.summary["model_size"]
            bh = t["build"] + t["handoff"]
            costs[build].append(bh)
            obj = "" if res.objective is None else f"{res.objective:.6g}"
            print(
                f"| {build} | {T} | {size.get('rows', '')} | {size.get('columns', '')} | "
                f"{size.get('nonzeros', '')} | {t['build']:.3f} | {t['handoff']:.3f} | "
                f"{bh:.3f} | {t['solve']:.3f} | {res.status.value} | {obj} |"
            )
    print()
    for build, ys in costs.items():
        s = slope([float(T) for T in args.periods], ys)
        per = [
            (ys[i + 1] - ys[i]) / (args.periods[i + 1] - args.periods[i])
            for i in range(len(ys) - 1)
        ]
        # T = 1 has no periods table (no per-period views): the slope from the second
        # point on is the marginal cost of periods
        s2 = slope([float(T) for T in args.periods[1:]], ys[1:]) if len(ys) > 2 else s
        print(
            f"{build}: log-log slope of build+handoff vs periods = {s:.2f} over all, "
            f"{s2:.2f} from T = {args.periods[1]} "
            f"({'no more than linear' if s2 <= 1.1 else 'MORE than linear'}); "
            f"seconds per added period: {', '.join(f'{x:.3f}' for x in per)}"
        )


if __name__ == "__main__":
    main()

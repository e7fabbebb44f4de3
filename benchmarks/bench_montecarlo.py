"""Monte Carlo kernel benchmark: samples per second, kernel vs NumPy twin vs a bandwidth floor.

For each case (a fixed plan on an instance) and in one run:

* kernel: numba kernel (counter-based RNG inside), 1 thread and all threads;
* twin: the NumPy twin (vectorised over a batch of samples), same numbers;
* floor: the memory-bandwidth floor of the alternative design that streams pre-drawn samples
  from memory: the bytes such a kernel must move per sample (sampled compositions and
  transfer coefficients of the plan's (unit, class) pairs, price factors, and the metrics
  written) divided by the read bandwidth measured here with ``np.sum`` over an array much
  larger than the caches. A kernel above the floor is compute bound, not memory bound.
* compile: time of the first call in a fresh process with an empty numba cache (cold) and
  with the cache filled (cached), minus a warm call.

Cases: tiny and the default instance solved for recovery (a real plan), and generated L and
XL instances (plantopt.generate) with a synthetic plan: accept all feeds, and in every
conservation group send the flow to one child (80 %) or split it over two (20 %) — the shape
of an optimal plan, which routes most streams one way.

    python benchmarks/bench_montecarlo.py [--samples N] [--cases tiny,default,L,XL] [--quick]
                                          [--distribution pert|triangular]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plantopt  # noqa: E402
from plantopt.uncertainty import (  # noqa: E402
    Plan,
    SamplingOptions,
    build_spec,
    kernels_mc,  # noqa: E402
    plan_from_result,
    regulation_targets,
)

OPTIONS = SamplingOptions(comp_spread=0.1, tc_spread=0.05, price_sigma=0.3)  # + data ranges


def solved_plan(path: Path) -> Plan:
    inst = plantopt.load_instance(path)
    res = plantopt.solve(inst, time_limit_s=300)
    return plan_from_result(res, inst)


def synthetic_plan(size: str, seed: int = 0) -> Plan:
    from plantopt.instance.generate import generate

    inst = generate(size, seed)
    tree = plantopt.build_route_tree(inst)
    rng = np.random.default_rng(seed)
    accept = (
        inst["feeds"]
        .set_index("feed_id")
        .loc[list(tree.feeds), "available_t_per_yr"]
        .to_numpy(float)
    )
    flow = np.zeros(tree.n_nodes)
    for g in range(tree.n_groups):  # groups are created parents first
        kids = tree.group_children[tree.group_ptr[g] : tree.group_ptr[g + 1]]
        parent = int(tree.group_parent[g])
        total = accept[int(tree.group_feed[g])] if parent < 0 else flow[parent]
        if total <= 0 or len(kids) == 0:
            continue
        if len(kids) > 1 and rng.random() < 0.2:
            pick = rng.choice(kids, 2, replace=False)
            share = rng.uniform(0.2, 0.8)
            flow[pick[0]], flow[pick[1]] = total * share, total * (1 - share)
        else:
            flow[rng.choice(kids)] = total
    mass = tree.node_mass() * flow
    thr = np.zeros(len(tree.units))
    np.add.at(thr, tree.node_target[tree.node_kind == 0], mass[tree.node_kind == 0])
    return Plan(
        instance=inst,
        tree=tree,
        accept_t_per_yr=accept,
        flow_feed_equiv_t_per_yr=flow,
        split_frac=np.full(tree.n_nodes, np.nan),
        capacity_t_per_yr=thr * 1.1,
        fixed_cost_eur_per_yr=0.0,
        gate_fees_eur_per_yr=0.0,
        conservation_error=0.0,
        source=f"synthetic {size}",
    )


def read_bandwidth_bytes_per_s(n_bytes: int = 512 * 2**20, repeats: int = 5) -> float:
    x = np.ones(n_bytes // 8)
    x.sum()
    best = min(_timed(x.sum) for _ in range(repeats))
    return n_bytes / best


def _timed(fn, *args, **kw) -> float:
    t = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - t


def bytes_per_sample(a: kernels_mc.MCArrays) -> int:
    n_m = a.n_materials
    accepted = int((a.accept > 0).sum())
    inputs = (accepted * n_m + a.tc_nom.shape[0] * n_m + n_m) * 8
    outputs = (2 * n_m + a.n_units + 3 + 2 * a.n_targets) * 8
    return inputs + outputs


def best_rate(fn, n: int, repeats: int = 3) -> float:
    return n / min(_timed(fn) for _ in range(repeats))


def bench_case(
    name: str, plan: Plan, n_samples: int, bandwidth: float, distribution: str = "pert"
) -> dict:
    import dataclasses

    import numba

    targets = regulation_targets(plan)
    spec = build_spec(plan, dataclasses.replace(OPTIONS, distribution=distribution), targets)
    a = spec.arrays
    key = kernels_mc.seed_key(1)
    kernels_mc.evaluate(a, key, 0, 64)  # compile / load from cache
    threads = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(1)
    k1 = best_rate(lambda: kernels_mc.evaluate(a, key, 0, n_samples), n_samples)
    numba.set_num_threads(threads)
    kn = best_rate(lambda: kernels_mc.evaluate(a, key, 0, n_samples), n_samples)
    per_twin = 8 * a.node_parent.shape[0] * a.n_materials * 3
    n_twin = int(max(8, min(n_samples, 256 * 2**20 // max(per_twin, 1)) // 4))
    tw = best_rate(lambda: kernels_mc.evaluate_numpy(a, key, 0, n_twin), n_twin, repeats=2)
    bps = bytes_per_sample(a)
    floor = bandwidth / bps
    return {
        "case": name,
        "route_nodes": plan.tree.n_nodes,
        "active_nodes": int(a.node_parent.size),
        "materials": a.n_materials,
        "tc_rows": int(a.tc_nom.shape[0]),
        "targets": a.n_targets,
        "uncertain_entries": int((a.comp_hi > a.comp_lo).sum() + (a.tc_hi > a.tc_lo).sum()),
        "kernel_1thread_per_s": k1,
        f"kernel_{threads}threads_per_s": kn,
        "twin_per_s": tw,
        "floor_per_s": floor,
        "bytes_per_sample": bps,
        "kernel_vs_twin": kn / tw,
        "kernel_vs_floor": kn / floor,
        "thread_speedup": kn / k1,
    }


COMPILE_SNIPPET = """
import time, json, sys
t0 = time.perf_counter()
import numpy as np
from plantopt.uncertainty import kernels_mc
sys.path.insert(0, {root!r})
from tests.test_kernels import random_arrays
a = random_arrays(1)
t1 = time.perf_counter()
kernels_mc.evaluate(a, 1, 0, 8)
t2 = time.perf_counter()
kernels_mc.evaluate(a, 1, 0, 8)
t3 = time.perf_counter()
print(json.dumps({{"first_call_s": t2 - t1, "warm_call_s": t3 - t2, "import_s": t1 - t0}}))
"""


def compile_times() -> dict:
    root = str(Path(__file__).resolve().parents[1])
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold", "cached"):
            proc = subprocess.run(
                [sys.executable, "-c", COMPILE_SNIPPET.format(root=root)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            out[f"{label}_compile_s"] = r["first_call_s"] - r["warm_call_s"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=20_000)
    ap.add_argument("--cases", default="tiny,default,L,XL")
    ap.add_argument("--quick", action="store_true", help="tiny only, 2000 samples")
    ap.add_argument("--distribution", default="pert", choices=("pert", "pert-exact", "triangular"))
    ap.add_argument(
        "--before-after",
        action="store_true",
        help="per case, pert-exact (the two-gamma draw used before the "
        "inverse-CDF table) then pert, and the ratio of samples/s per core",
    )
    ap.add_argument("--json", type=Path, help="also write the rows to this file")
    args = ap.parse_args()
    cases = ["tiny"] if args.quick else args.cases.split(",")
    n = 2000 if args.quick else args.samples
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cpus, "
        f"numba threads {kernels_mc.numba.config.NUMBA_NUM_THREADS}; load average "
        f"{os.getloadavg()[0]:.1f} (shared machine: absolute numbers are noisy, ratios "
        f"are measured in one run); draws: {args.distribution}"
    )
    bandwidth = read_bandwidth_bytes_per_s()
    print(f"read bandwidth (np.sum over 512 MiB): {bandwidth / 1e9:.2f} GB/s")
    comp = compile_times()
    print(f"compile: cold {comp['cold_compile_s']:.2f} s, cached {comp['cached_compile_s']:.3f} s")
    rows = []
    for case in cases:
        t = time.perf_counter()
        if case == "tiny":
            plan = solved_plan(plantopt.packaged_instance_path("tiny"))
        elif case == "default":
            plan = solved_plan(plantopt.packaged_instance_path())
        else:
            plan = synthetic_plan(case)
        setup = time.perf_counter() - t
        if args.before_after:
            before = bench_case(case, plan, n, bandwidth, "pert-exact")
            row = bench_case(case, plan, n, bandwidth, "pert")
            row["before_kernel_1thread_per_s"] = before["kernel_1thread_per_s"]
            row["speedup_1thread_vs_before"] = (
                row["kernel_1thread_per_s"] / before["kernel_1thread_per_s"]
            )
            print(
                f"{case:>8}: pert-exact {before['kernel_1thread_per_s']:,.0f}/s -> pert "
                f"{row['kernel_1thread_per_s']:,.0f}/s per core: "
                f"{row['speedup_1thread_vs_before']:.2f}x (load {os.getloadavg()[0]:.2f})"
            )
        else:
            row = bench_case(case, plan, n, bandwidth, args.distribution)
        row["setup_s"] = setup
        rows.append(row)
        kn = [k for k in row if k.startswith("kernel_") and k.endswith("threads_per_s")][0]
        print(
            f"{case:>8}: nodes {row['route_nodes']:>7,} active {row['active_nodes']:>6,} "
            f"tc rows {row['tc_rows']:>5} | kernel 1 thr {row['kernel_1thread_per_s']:>10,.0f}/s"
            f"  all {row[kn]:>10,.0f}/s | twin {row['twin_per_s']:>9,.0f}/s | floor "
            f"{row['floor_per_s']:>10,.0f}/s | kernel/twin {row['kernel_vs_twin']:5.1f}x "
            f"kernel/floor {row['kernel_vs_floor']:5.2f}x speedup {row['thread_speedup']:.2f}"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"compile": comp, "bandwidth_bytes_per_s": bandwidth, "cases": rows}, indent=2
            )
        )


if __name__ == "__main__":
    main()

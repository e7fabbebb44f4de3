"""Route-tree coefficient kernel: numba (cold and warm) vs the NumPy twin, in one run.

Cold = first call in a fresh process (loading numba's cached machine code, or compiling when
the cache is empty); warm = later calls. Justifies ``kernels.NUMBA_MIN_NODES``.

    python benchmarks/bench_kernels.py
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

COLD = """
import time, numpy as np
from plantopt import kernels as k
comp = np.random.rand(2, 3); tc = np.random.rand(2, 3)
par = np.array([-1, 0]); row = np.array([-1, 0]); nf = np.zeros(2, dtype=np.int64)
t = time.perf_counter(); k._jit()(comp, tc, nf, par, row, np.empty((2, 3)))
print(time.perf_counter() - t)
"""


def random_tree(n: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A tree with parents before children, 50 feeds, 200 tc rows, m materials."""
    par = np.empty(n, dtype=np.int64)
    par[:50] = -1
    par[50:] = rng.integers(0, np.arange(50, n))
    row = np.where(par < 0, -1, rng.integers(0, 200, n))
    return rng.random((50, m)), rng.random((200, m)), rng.integers(0, 50, n), par, row


def main() -> None:
    from plantopt.routetree import kernels as k

    cold = float(
        subprocess.run(
            [sys.executable, "-c", COLD], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    print(f"numba first call in a fresh process (cache load or compile): {cold:.3f} s")
    rng = np.random.default_rng(0)
    print("| nodes | depth | numba warm s | numpy twin s | twin/numba | identical |")
    print("|---|---|---|---|---|---|")
    for n in (1_000, 10_000, 100_000, 1_000_000):
        comp, tc, nf, par, row = random_tree(n, 30, rng)
        out = np.empty((n, 30))
        k._jit()(comp, tc, nf, par, row, out)
        t = time.perf_counter()
        k._jit()(comp, tc, nf, par, row, out)
        warm = time.perf_counter() - t
        t = time.perf_counter()
        twin = k.node_coefficients_numpy(comp, tc, nf, par, row)
        tw = time.perf_counter() - t
        print(
            f"| {n:,} | {int(k.node_depths(par).max())} | {warm:.4f} | {tw:.4f} | "
            f"{tw / max(warm, 1e-9):.1f} | {np.array_equal(out, twin)} |"
        )


if __name__ == "__main__":
    main()

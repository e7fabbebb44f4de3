"""Latin-hypercube sampling: strata are permutations, kernel = twin, any chunking, tighter.

The strata of each random column over samples 0..n-1 are a permutation of 0..n-1 (each of
the n intervals [i/n, (i+1)/n) holds exactly one uniform); the numba kernel gives the NumPy
twin's numbers and the same numbers for any chunk size and thread count; and on a fixed set
of seeds the spread of the estimated mean over repeated runs is smaller than with plain
random draws (a bounded check of the variance reduction; benchmarks/bench_qmc.py measures
P5/P95 accuracy against a 10^6-sample run).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from plantopt.uncertainty import kernels_mc
from plantopt.uncertainty.kernels_mc import evaluate, seed_key
from plantopt.uncertainty.kernels_mc_twin import lhs_strata_numpy, strat_uniforms_numpy
from plantopt.uncertainty.spec import SamplingOptions, SpecError
from tests.test_kernels import assert_twin_and_any_split, random_arrays


@pytest.mark.parametrize("n", [1, 2, 7, 64, 1000])
def test_strata_are_a_permutation_per_column(n: int) -> None:
    cols = np.array([0, 64, 128, 6400, 2**31])
    strata = lhs_strata_numpy(seed_key(3), cols, np.arange(n), n)
    for c in range(len(cols)):
        assert sorted(strata[:, c].tolist()) == list(range(n))
    u = strat_uniforms_numpy(seed_key(3), np.arange(n), cols, n)
    assert (np.sort(np.floor(u * n), axis=0) == np.arange(n)[:, None]).all()


def test_strata_differ_between_columns_and_seeds() -> None:
    a = lhs_strata_numpy(seed_key(1), np.array([0, 64]), np.arange(100), 100)
    b = lhs_strata_numpy(seed_key(2), np.array([0]), np.arange(100), 100)
    assert (a[:, 0] != a[:, 1]).any() and (a[:, 0] != b[:, 0]).any()


@pytest.mark.parametrize("dist", [kernels_mc.DIST_PERT, kernels_mc.DIST_TRIANGULAR])
def test_lhs_kernel_equals_twin_and_any_chunking_and_threads(dist: int) -> None:
    n = 96
    a = dataclasses.replace(random_arrays(5, dist=dist), lhs_n=n)
    key = seed_key(9)
    assert_twin_and_any_split(a, key, n)


def test_lhs_samples_must_lie_in_the_run() -> None:
    a = dataclasses.replace(random_arrays(5), lhs_n=10)
    with pytest.raises(ValueError, match="Latin-hypercube"):
        evaluate(a, seed_key(1), 5, 10)


def test_lhs_needs_one_uniform_per_draw() -> None:
    with pytest.raises(SpecError, match="pert-exact"):
        SamplingOptions(sampling="lhs", distribution="pert-exact")
    with pytest.raises(SpecError, match="sampling"):
        SamplingOptions(sampling="halton")


def test_lhs_estimates_vary_less_across_seeds() -> None:
    # revenue sums many independent draws (near-additive): LHS removes most of the
    # variance of its sample mean; fixed seeds, so this check is deterministic
    n, seeds = 200, range(12)
    base = random_arrays(7, dist=kernels_mc.DIST_PERT)
    lhs = dataclasses.replace(base, lhs_n=n)
    plain = [evaluate(base, seed_key(s), 0, n).revenue_eur.mean() for s in seeds]
    strat = [evaluate(lhs, seed_key(s), 0, n).revenue_eur.mean() for s in seeds]
    assert np.std(strat) < 0.7 * np.std(plain)

"""The NumPy sparse matrices of the solve path (model/sparse.py) against scipy's: the same
arrays (indptr, indices, data and their dtypes) and the same products bit for bit, with
duplicates, exact zeros, cancelling duplicates, unsorted rows and empty rows/columns."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from plantopt.model.sparse import OnesCsr, csc_from_triplets


def _triplets(seed: int, n_rows: int, n_cols: int, nnz: int) -> tuple[np.ndarray, ...]:
    """Random triplets with duplicates and zeros. Odd seeds: any values, no entry given more
    than twice (a sum of two is the same in either order); even seeds: entries given many
    times, with values whose sums are exact in any order (scipy sums an entry given three
    or more times in its sort's order, which is not the given one)."""
    rng = np.random.default_rng(seed)
    row = rng.integers(0, n_rows, nnz).astype(np.int32)
    col = rng.integers(0, n_cols, nnz).astype(np.int32)
    if seed % 2 == 0:
        return row, col, rng.choice([-2.5, -1.0, 0.0, 0.25, 1.0, 3.0], nnz)
    key = np.unique(col.astype(np.int64) * n_rows + row)
    key = np.r_[key, key[::3]]  # every third entry twice
    rng.shuffle(key)
    val = rng.choice([-2.5, -1.0, 0.0, 0.1, 1.0, 3.0, 1e-17], len(key))
    return (key % n_rows).astype(np.int32), (key // n_rows).astype(np.int32), val


def _scipy_csc(row: np.ndarray, col: np.ndarray, val: np.ndarray, shape: tuple[int, int]):
    a = sp.coo_array((val, (row, col)), shape=shape).tocsc()
    a.eliminate_zeros()
    return a


@pytest.mark.parametrize("seed", range(6))
def test_csc_from_triplets_is_scipys_canonical_csc(seed: int) -> None:
    shape = (7 + seed, 11 + 2 * seed)
    row, col, val = _triplets(seed, *shape, nnz=40 + 30 * seed)
    if seed == 0:  # a duplicate that cancels exactly, and a column given in reverse row order
        row = np.r_[row, 3, 3, 5, 2, 1].astype(np.int32)
        col = np.r_[col, 4, 4, 9, 9, 9].astype(np.int32)
        val = np.r_[val, 1.5, -1.5, 1.0, 2.0, 3.0]
    mine, ref = csc_from_triplets(row, col, val, shape), _scipy_csc(row, col, val, shape)
    assert mine.shape == ref.shape and mine.nnz == ref.nnz
    for k in ("indptr", "indices"):
        assert getattr(mine, k).dtype == np.int32
        np.testing.assert_array_equal(getattr(mine, k), getattr(ref, k))
    np.testing.assert_array_equal(mine.data, ref.data)
    x = np.random.default_rng(seed).normal(size=shape[1])
    np.testing.assert_array_equal(mine @ x, ref @ x)
    np.testing.assert_array_equal(mine.toarray(), ref.toarray())


def test_csc_fast_path_keeps_the_given_entries() -> None:
    """Canonical triplets (rows ascending within each column, no duplicates, no zeros) are
    only reordered by column: nothing is summed or dropped."""
    row = np.array([0, 2, 1, 0, 2], np.int32)
    col = np.array([1, 1, 0, 3, 3], np.int32)
    val = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    a = csc_from_triplets(row, col, val, (3, 5))
    np.testing.assert_array_equal(a.indptr, [0, 1, 3, 3, 5, 5])
    np.testing.assert_array_equal(a.indices, [1, 0, 2, 0, 2])
    np.testing.assert_array_equal(a.data, [3.0, 1.0, 2.0, 4.0, 5.0])
    np.testing.assert_array_equal(a @ np.ones(5), [5.0, 3.0, 7.0])


@pytest.mark.parametrize("seed", range(4))
def test_ones_csr_is_scipys_csr_of_ones(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (9, 14)
    r = np.sort(rng.integers(0, shape[0], 30)) if seed % 2 else rng.integers(0, shape[0], 30)
    c = rng.integers(0, shape[1], 30)
    mine = OnesCsr.of_ones(r, c, shape)
    ref = sp.csr_array((np.ones(len(r)), (r, c)), shape=shape)
    ref.sum_duplicates()
    np.testing.assert_array_equal(mine.indptr, ref.indptr)
    np.testing.assert_array_equal(mine.indices, ref.indices)
    np.testing.assert_array_equal(mine.data, ref.data)
    assert mine.indptr.dtype == mine.indices.dtype == np.int32
    x, v = rng.normal(size=shape[1]), rng.normal(size=shape[0])
    np.testing.assert_array_equal(mine @ x, ref @ x)
    np.testing.assert_array_equal(v @ mine, v @ ref)
    m = sp.csr_array(rng.normal(size=(3, shape[0])))
    np.testing.assert_array_equal((m @ mine).toarray(), (m @ ref).toarray())


def test_the_matrix_build_does_not_import_scipy() -> None:
    """Families -> matrix form of a multi-period instance without scipy.sparse."""
    code = (
        "import sys, plantopt\n"
        "from plantopt.model.pipeline import families_of\n"
        "from plantopt.model.emit_matrix import emit_matrix\n"
        "fams = families_of(plantopt.load_instance('instances/nl-2027-2040'))\n"
        "mm = emit_matrix(fams, ['recovery'])\n"
        "import numpy as np; x = np.zeros(mm.a_csc.shape[1]); mm.a_csc @ x\n"
        "fams.periods[1].subst @ x\n"
        "print('scipy.sparse' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_empty_matrices_give_float_zeros() -> None:
    """No entries: the products are float64 zeros, as scipy's (bincount alone gives int64)."""
    a = csc_from_triplets(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), (2, 3))
    s = OnesCsr.of_ones(np.zeros(0, np.int64), np.zeros(0, np.int64), (3, 4))
    for y in (a @ np.ones(3), s @ np.ones(4), np.ones(3) @ s):
        assert y.dtype == np.float64 and not y.any()
    np.testing.assert_array_equal(a.indptr, [0, 0, 0, 0])


@pytest.mark.parametrize("seed", range(12))
def test_blocks_placed_by_counting_sort_equal_the_sorted_triplets(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """csc_from_blocks's counting-sort path (used from 2^20 entries; forced here, with tiny
    steps) gives the arrays of csc_from_triplets on the concatenated triplets, bit for bit:
    blocks with row offsets, column runs already sorted (as most families give them) and
    unsorted, duplicates within and across blocks, zeros."""
    from plantopt.model import sparse

    rng = np.random.default_rng(seed)
    n_cols = int(rng.integers(1, 40))
    blocks: list[sparse.TripletBlock] = []
    r0 = 0
    for b in range(int(rng.integers(1, 6))):
        n_rows_b = int(rng.integers(1, 12))
        row, col, val = _triplets(seed + b, n_rows_b, n_cols, int(rng.integers(0, 200)))
        col = col.astype(np.int64)
        if b % 2 == 0:  # a family in column order (runs), else as given
            order = np.argsort(col, kind="stable")
            row, col, val = row[order], col[order], val[order]
        blocks.append((row, r0, col, val))
        r0 += n_rows_b
    shape = (max(r0, 1), n_cols)
    row = np.concatenate([r + off for r, off, _, _ in blocks]).astype(np.int32)
    col = np.concatenate([c for _, _, c, _ in blocks])
    val = np.concatenate([v for _, _, _, v in blocks])
    want = csc_from_triplets(row, col, val, shape)
    monkeypatch.setattr(sparse, "PLACE_MIN_NNZ", 0)
    monkeypatch.setattr(sparse, "PLACE_BLOCK", int(rng.integers(1, 8)))
    got = sparse.csc_from_blocks(blocks, shape)
    for name in ("indptr", "indices", "data"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert got.shape == want.shape

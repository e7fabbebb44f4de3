"""The vectorised matrix build equals the Pyomo model (issue 8).

Same matrix up to row and column order (columns matched by variable identity, rows compared
as sign-normalised sparse vectors with bounds), same objective cost vectors, and the same
optimal objective when both are solved.
"""

from __future__ import annotations

import numpy as np
import pytest

import plantopt
from plantopt.generate import generate
from plantopt.model import build_model
from plantopt.model.matrix import build_matrix
from plantopt.solver import INF, SolveOptions, compile_model, solve_matrix
from tests.conftest import INSTANCES


def _pyomo_to_matrix_columns(mm_pyomo, cm, data) -> np.ndarray:
    """Column index in the matrix layout of every column of the Pyomo compile."""
    feeds = {f: i for i, f in enumerate(data.feeds)}
    opts = {k: i for i, k in enumerate(cm.options)}
    runs = {u: i for i, u in enumerate(cm.run_units)}
    takes = {c: i for i, c in enumerate(cm.contracts)}
    out = []
    for var in mm_pyomo.columns:
        name, idx = var.parent_component().name, var.index()
        out.append({"accept": lambda: feeds[idx], "flow": lambda: cm.flow0 + idx,
                    "build": lambda: cm.build0 + opts[idx],
                    "run": lambda: cm.run0 + runs[idx],
                    "take": lambda: cm.take0 + takes[idx]}[name]())
    return np.array(out, dtype=np.int64)


def _canonical_rows(a_csr, lo, hi, colmap=None) -> list[tuple]:
    rows = []
    for i in range(a_csr.shape[0]):
        s, e = a_csr.indptr[i], a_csr.indptr[i + 1]
        cols = a_csr.indices[s:e] if colmap is None else colmap[a_csr.indices[s:e]]
        vals = a_csr.data[s:e]
        keep = vals != 0
        cols, vals = cols[keep], vals[keep]
        order = np.argsort(cols)
        cols, vals = cols[order], vals[order]
        l, h = lo[i], hi[i]
        if len(vals) and vals[0] < 0:
            vals, l, h = -vals, -h, -l
        rows.append((tuple(cols.tolist()), tuple(np.round(vals, 9).tolist()),
                     round(l, 6) if abs(l) < INF else -INF,
                     round(h, 6) if abs(h) < INF else INF))
    return sorted(rows)


def _instances():
    tiny = plantopt.load_instance(INSTANCES / "tiny")
    out = [("tiny", tiny), ("tiny-M", generate("M", 2, base=tiny)),
           ("tiny-L-hard", generate("L", 3, base=tiny, hard=True))]
    default = INSTANCES / "nl-2027"
    if default.is_dir():
        nl = plantopt.load_instance(default)
        out += [("nl-2027", nl), ("nl-2027-M-hard", generate("M", 1, base=nl, hard=True))]
    return out


@pytest.mark.parametrize("name,inst", _instances(), ids=lambda x: x if isinstance(x, str)
                         else "")
@pytest.mark.parametrize("objective", ["recovery", "profit"])
def test_matrix_equals_pyomo(name: str, inst: plantopt.Instance, objective: str) -> None:
    inst = inst.with_manifest(profit_floor_eur_per_yr=-1e9, recovery_floor_t_per_yr=0.0) \
        if objective == "profit" else inst
    model = build_model(inst, objective)
    other = "profit" if objective == "recovery" else "recovery"
    ref = compile_model(model, [objective, other])
    mm, cm = build_matrix(model.plantopt_data, [objective, other],
                          model.plantopt_regulation)
    colmap = _pyomo_to_matrix_columns(ref, cm, model.plantopt_data)
    # columns Pyomo dropped (in no row, no objective) must be empty here too
    dropped = np.setdiff1d(np.arange(cm.n_cols), colmap)
    assert mm.a_csc[:, dropped].nnz == 0
    assert np.all(mm.costs[:, dropped] == 0)
    # same bounds and integrality per column
    np.testing.assert_allclose(mm.col_lower[colmap], ref.col_lower)
    np.testing.assert_allclose(mm.col_upper[colmap], ref.col_upper)
    np.testing.assert_array_equal(mm.integrality[colmap], ref.integrality)
    # same objectives
    for k in range(2):
        np.testing.assert_allclose(mm.costs[k][colmap], ref.costs[k], rtol=1e-12, atol=1e-12)
    # same rows up to order and sign
    mine = _canonical_rows(mm.a_csc.tocsr(), mm.row_lower, mm.row_upper)
    theirs = _canonical_rows(ref.a_csc.tocsr(), ref.row_lower, ref.row_upper, colmap)
    assert len(mine) == len(theirs)
    assert mine == theirs
    # same optimum
    opts = SolveOptions(tie_break=False)
    a, b = solve_matrix(mm, opts), solve_matrix(ref, opts)
    assert a.status == b.status
    if a.objective is not None:
        assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-9)

"""Compact build arrays (issue 11): int32 triplets, integer row labels as one array, scalar
bounds as broadcast views, the matrix form sharing the column bounds; same model."""

from __future__ import annotations

import numpy as np
import pytest

import plantopt
from plantopt.instance.generate import generate
from plantopt.model.emit_matrix import emit_matrix
from plantopt.model.family import IntLabels, family, index32
from plantopt.model.pipeline import build_model, families_of
from plantopt.routetree.coef import material_dtype
from tests.conftest import INSTANCES


def test_int_labels_behave_like_the_list_of_their_ints() -> None:
    labels = IntLabels(np.array([7, 300, 70000], dtype=np.int64))
    assert labels == [7, 300, 70000] and labels != [7, 300] and labels != [7, 300, 1]
    assert len(labels) == 3 and list(labels) == [7, 300, 70000]
    assert labels[1] == 300 and type(labels[1]) is int and labels[1:] == [300, 70000]
    assert labels.index(70000) == 2 and 300 in labels and 5 not in labels
    assert all(type(x) is int for x in labels)
    assert labels == IntLabels([7, 300, 70000])


def test_index32_refuses_what_does_not_fit() -> None:
    assert index32(np.array([0, 5], np.int64)).dtype == np.int32
    with pytest.raises(ValueError, match="int32"):
        index32(np.array([2**31], np.int64))
    with pytest.raises(ValueError, match="int32"):
        index32(np.array([-1], np.int64))


def test_scalar_bounds_are_read_only_views_and_arrays_are_copied() -> None:
    ub = np.array([1.0, 2.0])
    f = family("x", ["a", "b"], [0, 1], [0, 1], [1.0, 1.0], 0.0, ub)
    assert f.lower is not None and f.upper is not None
    assert f.lower.tolist() == [0.0, 0.0] and not f.lower.flags.writeable
    ub[0] = 9.0  # the caller's array is not the family's
    assert f.upper.tolist() == [1.0, 2.0]
    assert f.row.dtype == np.int32 and f.col.dtype == np.int32


def test_material_index_type() -> None:
    assert material_dtype(33) is np.int8 and material_dtype(127) is np.int8
    assert material_dtype(128) is np.int16 and material_dtype(40_000) is np.int32


def test_compact_families_emit_the_same_model() -> None:
    """output_balance labels are the conservation groups; the matrix form shares (read-only)
    the column bounds; the Pyomo model still indexes the rows by group."""
    nl = plantopt.load_instance(INSTANCES / "nl-2027")
    inst = generate("S", 3, base=nl)
    fams = families_of(inst)
    ob = next(f for f in fams.periods[0].rows if f.name == "output_balance")
    assert isinstance(ob.index, IntLabels)
    tree = fams.data.tree
    inner = np.flatnonzero(tree.group_parent >= 0)
    assert list(ob.index) == [
        g for g in inner.tolist() if tree.group_ptr[g + 1] > tree.group_ptr[g]
    ]
    mm = emit_matrix(fams, ["recovery"])
    assert np.array_equal(mm.col_lower, fams.col_lower) and not mm.col_upper.flags.writeable
    assert mm.a_csc.indices.dtype == np.int32 and mm.a_csc.indptr.dtype == np.int32
    model = build_model(inst, families=fams)
    assert len(model.GROUPS) == len(ob.index) and list(model.GROUPS)[:3] == ob.index[:3]

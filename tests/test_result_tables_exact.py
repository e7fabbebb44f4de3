"""The result tables built from index arrays are exactly the pandas computations they
replace (issue 17: cheaper per-job tables): material flows grouped as ``groupby(...,
sort=False).sum()`` would (Kahan's sum included), rows looked up as ``set_index().loc``
would."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.results.tables import (
    KIND_NAMES,
    _group_sums,
    _names,
    material_flow_table,
    output_names,
    rows_of,
    target_names,
)
from plantopt.routetree.tree import build_route_tree
from tests.conftest import INSTANCES

KEYS = ["feed_id", "source_kind", "source_id", "output_id", "target_kind", "target_id", "material"]


def _material_flows_by_pandas(tree, used: np.ndarray, used_flow: np.ndarray) -> pd.DataFrame:
    """The table as plantopt up to session 5 made it (a groupby over string columns)."""
    rows_n, rows_m = np.nonzero(used_flow > 0)
    nodes = used[rows_n]
    par = tree.node_parent[nodes]
    feed_id = _names(tree.feeds)[tree.node_feed[nodes]]
    src_id = feed_id.copy()
    inner = par >= 0
    src_id[inner] = _names(tree.units)[tree.node_target[par[inner]]]
    df = pd.DataFrame(
        {
            "feed_id": feed_id,
            "source_kind": np.where(par < 0, "feed", "unit").astype(object),
            "source_id": src_id,
            "output_id": output_names(tree, nodes),
            "target_kind": _names(KIND_NAMES)[tree.node_kind[nodes]],
            "target_id": target_names(tree, nodes),
            "material": _names(tree.materials)[rows_m],
            "mass_t_per_yr": used_flow[rows_n, rows_m],
        }
    )
    return df.groupby(KEYS, as_index=False, sort=False)["mass_t_per_yr"].sum()


def test_group_sums_are_pandas_kahan_sums() -> None:
    rng = np.random.default_rng(7)
    group = rng.integers(0, 40, 5000)
    values = rng.random(5000) * 10.0 ** rng.integers(-9, 9, 5000)
    order = {g: i for i, g in enumerate(dict.fromkeys(group.tolist()))}
    labels = np.array([order[g] for g in group.tolist()])
    ref = pd.DataFrame({"g": labels, "v": values}).groupby("g", sort=False)["v"].sum()
    got = _group_sums(labels, values, len(order))
    assert np.array_equal(got, ref.to_numpy())
    plain = np.zeros(len(order))
    np.add.at(plain, labels, values)
    assert not np.array_equal(plain, got)  # the data need the compensated sum


@pytest.mark.parametrize("name", ["nl-2027", "tiny"])
def test_material_flows_and_products_as_pandas_made_them(name: str) -> None:
    inst = plantopt.load_instance(INSTANCES / name)
    res = plantopt.solve(inst, objective="profit", tie_break=False)
    tree = build_route_tree(inst)
    flows = res.tables["flows"]
    flow = np.zeros(tree.n_nodes)
    flow[flows["node"].to_numpy()] = flows["flow_feed_equiv_t_per_yr"].to_numpy()
    used = np.flatnonzero(flow > 0)
    used_flow = tree.node_coef.rows(used) * flow[used, None]
    got = material_flow_table(tree, used, used_flow)
    pd.testing.assert_frame_equal(
        got, _material_flows_by_pandas(tree, used, used_flow), check_exact=True
    )
    pd.testing.assert_frame_equal(got, res.tables["material_flows"], check_exact=True)
    # the same rows three times: groups of three members (the compensated sum)
    tripled = np.concatenate([used, used, used])
    thrice = np.concatenate([used_flow, used_flow * (1 + 1e-9), used_flow * 1e-7])
    pd.testing.assert_frame_equal(
        material_flow_table(tree, tripled, thrice),
        _material_flows_by_pandas(tree, tripled, thrice),
        check_exact=True,
    )


def test_rows_of_is_set_index_loc() -> None:
    df = pd.DataFrame({"id": pd.array(["b", "a", "c"], dtype="str"), "x": [1.0, 2.0, 3.0]})
    at = rows_of(df, "id", ("c", "a"))
    assert at.tolist() == [2, 1]
    assert df["x"].to_numpy()[at].tolist() == df.set_index("id").loc[["c", "a"], "x"].tolist()
    with pytest.raises(KeyError):
        rows_of(df, "id", ("z",))


def _stack_by_concat(ids: list[str], frames: list[pd.DataFrame]) -> pd.DataFrame:
    stacked = pd.concat(frames, ignore_index=True)
    period = pd.Series(ids).repeat([len(f) for f in frames]).reset_index(drop=True)
    stacked.insert(0, "period", period)
    return stacked


def test_periods_stacked_column_by_column_as_concat_stacks_them() -> None:
    from plantopt.results.stacked import _stacked_columns, stack_periods

    a = pd.DataFrame(
        {
            "id": pd.array(["a", None], dtype="str"),
            "t": [1.5, np.nan],
            "on": [True, False],
            "n": np.array([1, 2], dtype=np.int64),
        }
    )
    same = [a, a.iloc[:0], a.iloc[::-1]]
    assert _stacked_columns(same) is not None
    ids = ["2027", "2031", "2035"]
    pd.testing.assert_frame_equal(
        stack_periods(ids, same), _stack_by_concat(ids, same), check_exact=True
    )
    # another type in one period (an empty table typed float): concat decides
    other = [a, pd.DataFrame({c: pd.Series([], dtype=float) for c in a.columns}), a]
    assert _stacked_columns(other) is None
    pd.testing.assert_frame_equal(
        stack_periods(ids, other), _stack_by_concat(ids, other), check_exact=True
    )

"""The flow tables of every period at once: one (periods x columns) solution array, each
table's rows of all periods made from arrays with a period axis and its DataFrame made once.

Period t's solution is ``accept[t]`` (F) and ``flow[t]`` (N); a single-period instance is
the one-period case (T = 1, no ``period`` column). What every table is built from:

    mat_flow[(t, n), m] = coef[n, m] flow[t, n]      over the (t, n) with flow[t, n] != 0,
                                                     period-major (t, then node ascending)
    mass_flow[t, n]     = sum_m mat_flow[(t, n), m]

so period t's rows of every table are one contiguous block, computed by the same
operations on the same values as when period t is extracted alone (the sums run over the
same elements in the same order). ``material_flows`` groups its edges with the period as
one more key; ``flows`` and the per-unit throughput read the (T, N) arrays directly. The
stacked frame of a table is ``pd.DataFrame({"period": ..., **columns})`` of the per-period
column arrays concatenated: the frame :func:`plantopt.api.tables.stack_periods` makes of the
per-period frames when those agree in columns and types. When some period has no row
(an empty column has no inferred type), that table is made per period and stacked by
``stack_periods`` instead, so its types are decided as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.model.data import ModelData
from plantopt.results import tables as tb
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_LOSS, KIND_PRODUCT, KIND_UNIT

Columns = dict[str, Any]


@dataclass(frozen=True)
class PeriodInput:
    """What period t's tables read besides its solution arrays: its view of the instance,
    its model data, the builds in service, the unit run binaries and the segments."""

    instance: Instance
    data: ModelData
    build: dict[tuple[str, str], float]
    run: dict[str, float]
    segment: dict[tuple[str, str, int], float] = field(default_factory=dict)


@dataclass
class StackedTables:
    """Each table of all periods (``period`` column first with several periods) and, per
    table, the row offsets of the periods: period t's rows are ``bounds[t]:bounds[t+1]``."""

    tables: dict[str, pd.DataFrame]
    bounds: dict[str, np.ndarray]
    #: per table, the frame a period's rows are cut from (its rows bounds[t]:bounds[t+1]):
    #: the stacked table, or the periods with rows stacked without a period column
    sources: dict[str, pd.DataFrame]
    #: per table, the periods whose frame is made alone (see module), by period index
    per_period: dict[str, dict[int, pd.DataFrame]]

    def period(self, t: int) -> dict[str, pd.DataFrame]:
        """Period t's tables: its rows of the stacked ones, each column of the type that
        period's frame alone has (the whole tables with one period: no ``period`` column)."""
        out = {}
        for name, df in self.tables.items():
            alone = self.per_period.get(name, {})
            if t in alone:
                out[name] = alone[t]
            elif "period" not in df.columns:
                out[name] = df
            else:
                b = self.bounds[name]
                out[name] = self.sources[name].iloc[int(b[t]) : int(b[t + 1])]
        return out


def stacked_tables(
    period_ids: list[Any] | None,
    inputs: list[PeriodInput],
    accept: np.ndarray,
    flow: np.ndarray,
) -> StackedTables:
    """The tables of :func:`plantopt.results.tables.extract_tables` for T periods at once
    (``accept`` (T, F), ``flow`` (T, N); ``period_ids`` None: one period, no period column).

    Flows and acceptances below FLOW_EPS are read as 0 (as in extract_tables)."""
    tree = inputs[0].data.tree
    flow = np.where(np.abs(flow) < tb.FLOW_EPS, 0.0, flow)
    accept = np.where(np.abs(accept) < tb.FLOW_EPS, 0.0, accept)
    T = len(inputs)
    tp, live = np.nonzero(flow != 0.0)  # period-major, nodes ascending in each period
    mat = tree.node_coef.rows(live) * flow[tp, live][:, None]
    mass_flow = np.zeros(flow.shape)
    mass_flow[tp, live] = mat.sum(axis=1)
    at = np.searchsorted(tp, np.arange(T + 1))  # period t's live rows: at[t]:at[t+1]
    node_flows = [tb.NodeFlows(live[at[t] : at[t + 1]], mat[at[t] : at[t + 1]]) for t in range(T)]
    input_m = [accept[t] @ tree.comp for t in range(T)]
    sized = [tb.built_sizes(p.data, p.build, p.segment) for p in inputs]
    out = _Builder(period_ids, T)
    out.add_per_period(
        "feed_intake",
        lambda t: tb.feed_intake_columns(inputs[t].instance, inputs[t].data, accept[t]),
    )
    out.add_stacked("flows", *_flows(tree, flow, mass_flow))
    thr = _unit_throughput(tree, mass_flow)
    out.add_per_period(
        "unit_throughput",
        lambda t: tb.unit_throughput_columns(
            inputs[t].instance, inputs[t].data, thr[t], sized[t], inputs[t].run
        ),
    )
    out.add_frames("built_units", [tb.built_units_table(p.data, s) for p, s in zip(inputs, sized)])
    out.add_per_period(
        "products", lambda t: tb.products_columns(inputs[t].instance, tree, node_flows[t])
    )
    out.add_per_period("losses", lambda t: tb.losses_columns(tree, node_flows[t]))
    out.add_per_period(
        "recovery",
        lambda t: tb.recovery_columns(inputs[t].instance, inputs[t].data, flow[t], input_m[t]),
    )
    out.add_per_period("mass_balance", lambda t: _mass_balance(tree, node_flows[t], input_m[t]))
    used_t, used = np.nonzero(flow > 0)
    used_rows = np.searchsorted(live + tp * tree.n_nodes, used + used_t * tree.n_nodes)
    out.add_stacked("material_flows", *tb.material_flow_columns(tree, used, mat[used_rows], used_t))
    return out.done()


def extract_tables(
    instance: Instance,
    data: ModelData,
    accept: np.ndarray,
    flow: np.ndarray,
    build: dict[tuple[str, str], float],
    run: dict[str, float],
    segment: dict[tuple[str, str, int], float] | None = None,
) -> dict[str, pd.DataFrame]:
    """All result tables from the solution vectors (feeds in tree order, nodes in order;
    ``segment``: the segment columns of continuous options, :func:`built_sizes`).

    Flows and acceptances below FLOW_EPS are read as 0; ``mat_flow[n, m] = coef[n, m] *
    flow[n]`` (real t/yr of material m at node n) and its row sums are the basis of every
    table. ``mat_flow`` is made for the nodes with a non-zero flow only (the rows of the
    others are zero and add nothing to any sum), from the route tree's sparse coefficients.
    All per-node work is array indexing (no Python loop over nodes). This is the one-period
    case of :func:`stacked_tables`.
    """
    period = PeriodInput(instance, data, build, run, segment or {})
    return stacked_tables(None, [period], accept[None, :], flow[None, :]).tables


def _flows(tree: Any, flow: np.ndarray, mass_flow: np.ndarray) -> tuple[Columns, np.ndarray]:
    """The ``flows`` columns of every period (nodes with a positive flow) and each row's period."""
    t, used = np.nonzero(flow > 0)
    return tb.flows_columns(tree, used, flow[t, used], mass_flow[t, used]), t


def _unit_throughput(tree: Any, mass_flow: np.ndarray) -> np.ndarray:
    """(T, U) real t/yr entering each unit: the period's bincount over its unit nodes."""
    is_unit = tree.node_kind == KIND_UNIT
    target = tree.node_target[is_unit]
    n_units = len(tree.units)
    return np.stack([np.bincount(target, weights=m[is_unit], minlength=n_units) for m in mass_flow])


def _mass_balance(tree: Any, mat_flow: tb.NodeFlows, input_m: np.ndarray) -> Columns:
    """One period's mass balance columns from its rows of mat_flow."""
    kind = tree.node_kind[mat_flow.nodes]
    sums = [
        mat_flow.t_per_yr[kind == k].sum(axis=0) for k in (KIND_PRODUCT, KIND_DISPOSAL, KIND_LOSS)
    ]
    return tb.mass_balance_columns(list(tree.materials), input_m, *sums)


class _Builder:
    """Collects each table's columns of all periods and makes its frame once."""

    def __init__(self, period_ids: list[Any] | None, n_periods: int) -> None:
        self.ids, self.T = period_ids, n_periods
        self.tables: dict[str, pd.DataFrame] = {}
        self.bounds: dict[str, np.ndarray] = {}
        self.sources: dict[str, pd.DataFrame] = {}
        self.per_period: dict[str, dict[int, pd.DataFrame]] = {}

    def _counts_bounds(self, name: str, counts: list[int]) -> None:
        self.bounds[name] = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def add_frames(self, name: str, frames: list[pd.DataFrame]) -> None:
        """A table made per period: stacked by :func:`stack_periods`."""
        self._counts_bounds(name, [len(f) for f in frames])
        if self.ids is None:
            self.tables[name] = frames[0]
            return
        self.per_period[name] = dict(enumerate(frames))
        self.tables[name] = stack_periods(self.ids, frames)

    def add_per_period(self, name: str, columns_of: Callable[[int], Columns]) -> None:
        """A table whose columns are made per period and concatenated."""
        parts = [columns_of(t) for t in range(self.T)]
        counts = [_n_rows(p) for p in parts]
        if self.ids is None:
            self._counts_bounds(name, counts)
            self.tables[name] = pd.DataFrame(parts[0])
            return
        full = [p for p, n in zip(parts, counts) if n]
        if not full or not _same_types(full):
            self.add_frames(name, [pd.DataFrame(p) for p in parts])
            return
        columns = {k: _concat([p[k] for p in full]) for k in full[0]}
        if len(full) < self.T:
            self._with_empty(name, columns, counts, {t: parts[t] for t in range(self.T)})
            return
        self._frame(name, columns, counts)

    def add_stacked(self, name: str, columns: Columns, period: np.ndarray) -> None:
        """A table made for all periods at once (``period``: each row's period index,
        ascending)."""
        counts = np.bincount(period, minlength=self.T).tolist()
        if self.ids is None:
            self._counts_bounds(name, counts)
            self.tables[name] = pd.DataFrame(columns)
            return
        if min(counts) == 0:
            self._with_empty(
                name, columns, counts, {t: _rows(columns, 0, 0) for t in range(self.T)}
            )
            return
        self._frame(name, columns, counts)

    def _frame(self, name: str, columns: Columns, counts: list[int]) -> None:
        self._counts_bounds(name, counts)
        assert self.ids is not None
        period = pd.Series(self.ids).repeat(counts).reset_index(drop=True)
        self.tables[name] = self.sources[name] = pd.DataFrame({"period": period, **columns})

    def _with_empty(
        self, name: str, columns: Columns, counts: list[int], parts: dict[int, Columns]
    ) -> None:
        """A table some period has no row of: the periods with rows as one frame (each
        column typed as each of those periods' frames alone), the empty periods' frames
        alone (``parts[t]``), stacked as :func:`stack_periods` stacks the periods' frames
        (the empty frames add no row, so they may go first)."""
        assert self.ids is not None
        self._counts_bounds(name, counts)
        full = pd.DataFrame(columns)
        empty = {t: pd.DataFrame(parts[t]) for t, n in enumerate(counts) if n == 0}
        self.sources[name], self.per_period[name] = full, empty
        self.tables[name] = _stacked(self.ids, counts, [*empty.values(), full])

    def done(self) -> StackedTables:
        return StackedTables(self.tables, self.bounds, self.sources, self.per_period)


def _n_rows(columns: Columns) -> int:
    return max((len(v) for v in columns.values()), default=0)


def _kind(v: Any) -> Any:
    """What decides a column's type in a frame: a numeric array's dtype; for an object
    array or a list, what pandas infers from its values (strings, floats, ...)."""
    if isinstance(v, np.ndarray) and v.dtype.kind != "O":
        return v.dtype
    return (type(v), pd.api.types.infer_dtype(v, skipna=False))


def _same_types(parts: list[Columns]) -> bool:
    """Every period gives the same columns, each with the same array type (so each
    period's frame would get the same column types as the stacked one)."""
    names = list(parts[0])
    kinds = [_kind(v) for v in parts[0].values()]
    return all(list(p) == names and [_kind(v) for v in p.values()] == kinds for p in parts[1:])


def _concat(values: list[Any]) -> Any:
    if isinstance(values[0], np.ndarray):
        return np.concatenate(values)
    out: list[Any] = []
    for v in values:
        out.extend(v)
    return out


def _rows(columns: Columns, a: int, b: int) -> Columns:
    """Rows a:b of every column."""
    return {k: v[a:b] for k, v in columns.items()}


def stack_periods(period_ids: list[Any], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The per-period frames stacked in order, with a first column ``period``.

    Frames with the same columns of the same types (the usual case: one table's periods)
    are stacked column by column (:func:`_stacked_columns`); any other set goes through
    ``pd.concat``, which decides the types. Both give the same frame."""
    return _stacked(period_ids, [len(f) for f in frames], frames)


def _stacked(period_ids: list[Any], counts: list[int], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """:func:`stack_periods` of frames that hold the periods' rows in order (``counts``:
    the rows of each period)."""
    period = pd.Series(period_ids).repeat(counts).reset_index(drop=True)
    columns = _stacked_columns(frames)
    if columns is None:
        stacked = pd.concat(frames, ignore_index=True)
        stacked.insert(0, "period", period)
        return stacked
    return pd.DataFrame({"period": period, **columns})


def _stacked_columns(frames: list[pd.DataFrame]) -> dict[str, Any] | None:
    """Each column's arrays of every frame concatenated (numpy or one extension type), or
    None when the frames differ in columns or types, hold a generic ``object`` column, or
    this pandas has no block manager to read columns without a Series each."""
    first = frames[0]
    names = list(first.columns)
    dtypes = list(first.dtypes)
    if len(set(names)) != len(names) or any(
        isinstance(d, np.dtype) and d.kind == "O" for d in dtypes
    ):
        return None
    for f in frames[1:]:
        if list(f.columns) != names or list(f.dtypes) != dtypes:
            return None
    try:
        per_column = [[f._mgr.iget_values(i) for f in frames] for i in range(len(names))]
    except AttributeError:
        return None
    out: dict[str, Any] = {}
    for name, arrays in zip(names, per_column):
        if isinstance(arrays[0], np.ndarray):
            out[name] = np.concatenate(arrays)
        else:
            out[name] = type(arrays[0])._concat_same_type(arrays)
    return out


__all__ = ["PeriodInput", "extract_tables", "StackedTables", "stack_periods", "stacked_tables"]

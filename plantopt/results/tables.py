"""Result tables read back through the route tree's index arrays, and their atomic saving.

Every table is computed from the solution vectors ``accept[f]`` and ``flow[n]`` and the
route-tree coefficients, never by parsing component names, and never written into the
instance. Mass balance per material — accepted = products + disposal + losses — is checked
on every solution and reported in the summary.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.atomic import atomic_folder
from plantopt.instance.instance import Instance
from plantopt.model.data import ModelData
from plantopt.model.finance import capital_recovery_factor
from plantopt.model.ledger import ITEMS, TABLE_LABEL, Ledger
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_LOSS, KIND_NAMES, KIND_PRODUCT, KIND_UNIT
from plantopt.solver.types import SolveStatus

FLOW_EPS = 1e-9  # t/yr below which a flow is reported as zero
#: relative mass-balance errors are measured against at least this share of the plant's
#: total intake (all materials), so solver noise on a material barely present (8e-14 t of
#: input) never reads as a large percentage
MB_FLOOR_FRAC = 1e-6
Columns = dict[str, Any]  # a table's columns, by name, before its frame is made


@dataclass
class Result:
    """Outcome of a solve: status, objective, bound, gap, timings and tidy tables."""

    status: SolveStatus
    objective_name: str
    objective: float | None
    bound: float | None
    gap: float | None
    timings_s: dict[str, float]
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    message: str = ""
    instance: Instance | None = field(default=None, repr=False)  # exactly what was solved

    @property
    def has_solution(self) -> bool:
        return self.status.has_solution

    def __getitem__(self, name: str) -> pd.DataFrame:
        """Table ``name`` indexed by its ids (e.g. ``res["built_units"].loc["hydromet"]``).

        The id columns stay columns too; the index is unnamed so that grouping and merging
        on them is unambiguous. ``res.tables[name]`` is the same table on a 0..n index.
        """
        from plantopt.results.folder import indexed_by_ids

        return indexed_by_ids(name, self.tables[name])

    @property
    def plot(self) -> Any:
        """Plotly figures: ``res.plot.sankey("Co")``, ``res.plot.economics()``."""
        from plantopt.results.plots import ResultPlots

        return ResultPlots(self)

    def save(
        self, out_dir: str | Path, force: bool = False, extra: dict[str, str | bytes] | None = None
    ) -> Path:
        """Write one Parquet file per table, ``summary.json`` and the solved instance
        (``instance/``), atomically.

        Everything is written to a temporary sibling folder first and then swapped into
        place, so ``out_dir`` holds either the previous complete result or the new one. A
        folder plantopt did not write is not replaced unless ``force``
        (:class:`~plantopt.atomic.OutputFolderError`).
        """
        return write_result_dir(
            out_dir, self.tables, self.summary, extra=extra, force=force, instance=self.instance
        )

    @classmethod
    def load(cls, folder: str | Path) -> Result:
        """Read a result folder (of solve, breakeven, a Pareto point or a batch job) back:
        summary, tables and the instance it was solved on (hash checked when one is found)."""
        from plantopt.results.folder import (
            ResultFolderError,
            read_summary,
            read_tables,
            solved_instance,
        )

        summary = read_summary(folder)
        inst = None
        try:
            inst = solved_instance(folder, summary)
        except ResultFolderError as exc:  # not found: load without; changed: refuse
            if "changed since" in str(exc):
                raise
        return cls(
            status=SolveStatus(summary.get("status", "error")),
            objective_name=summary.get("objective_name", ""),
            objective=summary.get("objective"),
            bound=summary.get("bound"),
            gap=summary.get("gap"),
            timings_s=dict(summary.get("timings_s") or {}),
            summary=summary,
            tables=read_tables(folder),
            message=summary.get("message", ""),
            instance=inst,
        )


def write_result_dir(
    out_dir: str | Path,
    tables: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    extra: dict[str, str | bytes] | None = None,
    force: bool = False,
    instance: Instance | None = None,
    children: dict[str, Result] | None = None,
) -> Path:
    """Atomically write tables (Parquet), ``summary.json``, extra files (text or bytes) and,
    when given, the instance that was solved as ``instance/`` (manifest + CSVs, read back
    with the same content hash), so that every command can take the folder as input.

    ``children`` are whole result folders written inside this one (e.g. ``points/3`` of a
    Pareto front), in the same atomic swap. The folder gets plantopt's marker file; an
    existing folder without it is replaced only with ``force``
    (:func:`plantopt.atomic.atomic_folder`)."""
    from plantopt.results.folder import SOLVED_INSTANCE_DIR, write_solved_instance

    if instance is not None:
        summary = {
            **summary,
            "instance": {**(summary.get("instance") or {}), "solved_copy": SOLVED_INSTANCE_DIR},
        }
    with atomic_folder(out_dir, force=force) as tmp:
        for name, df in tables.items():
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=_jsonable))
        if instance is not None:
            write_solved_instance(instance, tmp / SOLVED_INSTANCE_DIR)
        for rel, child in (children or {}).items():
            write_result_dir(tmp / rel, child.tables, child.summary, instance=child.instance)
        for name, content in (extra or {}).items():
            if isinstance(content, bytes):
                (tmp / name).write_bytes(content)
            else:
                (tmp / name).write_text(content)
    return Path(out_dir)


def _jsonable(obj: object) -> object:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "value"):
        return obj.value
    return str(obj)


@dataclass(frozen=True)
class NodeFlows:
    """Real t/yr of each material at some nodes: ``t_per_yr[i, m]`` at node ``nodes[i]``
    (ascending), coef[n, m] flow[n]."""

    nodes: np.ndarray
    t_per_yr: np.ndarray

    def of(self, nodes: np.ndarray) -> np.ndarray:
        """The rows of ``nodes`` (each one of :attr:`nodes`)."""
        return self.t_per_yr[np.searchsorted(self.nodes, nodes)]


_SINK_KINDS = (KIND_PRODUCT, KIND_DISPOSAL, KIND_LOSS)


def _names(seq: Any) -> np.ndarray:
    """A sequence of ids as an object array (for vectorised lookups by index)."""
    out = np.empty(len(seq), dtype=object)
    out[:] = list(seq)
    return out


def rows_of(df: pd.DataFrame, id_col: str, ids: Any) -> np.ndarray:
    """Positions in ``df`` of the rows whose ``id_col`` is each of ``ids`` (unique ids, as
    the instance checks guarantee): ``df.set_index(id_col).loc[ids]`` without the index."""
    at = {v: i for i, v in enumerate(df[id_col].to_numpy(object).tolist())}
    return np.fromiter(map(at.__getitem__, ids), dtype=np.int64, count=len(ids))


def target_names(tree: Any, nodes: np.ndarray) -> np.ndarray:
    """Id of the unit, product or sink each node enters (object array)."""
    out = np.empty(len(nodes), dtype=object)
    kind, target = tree.node_kind[nodes], tree.node_target[nodes]
    for k, names in enumerate((tree.units, tree.products, tree.sinks, tree.sinks)):
        sel = kind == k
        out[sel] = _names(names)[target[sel]]
    return out


def output_names(tree: Any, nodes: np.ndarray) -> np.ndarray:
    """Output id of the parent unit each node leaves by ('' for entry nodes)."""
    return _names([*tree.outputs, ""])[tree.node_output[nodes]]  # index -1: the last, ''


def feed_intake_table(instance: Instance, data: ModelData, accept: np.ndarray) -> pd.DataFrame:
    """Accepted t/yr per feed and its gate fees (with eco-modulation, model.data)."""
    return pd.DataFrame(feed_intake_columns(instance, data, accept))


def feed_intake_columns(instance: Instance, data: ModelData, accept: np.ndarray) -> Columns:
    """The columns of :func:`feed_intake_table`."""
    tree = data.tree
    feeds = instance["feeds"]
    at = rows_of(feeds, "feed_id", tree.feeds)
    return {
        "feed_id": list(tree.feeds),
        "feed_class": feeds["feed_class"].to_numpy()[at],
        "available_t_per_yr": feeds["available_t_per_yr"].to_numpy()[at],
        "contracted_min_t_per_yr": feeds["contracted_min_t_per_yr"].to_numpy()[at],
        "accepted_t_per_yr": accept,
        "gate_fee_eur_per_yr": accept * np.array([data.gate_fee[f] for f in tree.feeds]),
    }


def flows_table(
    tree: Any, used: np.ndarray, flow: np.ndarray, mass_flow: np.ndarray
) -> pd.DataFrame:
    """One row per route-tree node with a positive flow (feed-equivalent and real t/yr)."""
    return pd.DataFrame(flows_columns(tree, used, flow[used], mass_flow[used]))


def flows_columns(
    tree: Any, used: np.ndarray, flow_used: np.ndarray, mass_used: np.ndarray
) -> Columns:
    """The columns of :func:`flows_table` (``flow_used``, ``mass_used``: the nodes' values)."""
    return {
        "node": used,
        "feed_id": _names(tree.feeds)[tree.node_feed[used]],
        "kind": _names(KIND_NAMES)[tree.node_kind[used]],
        "target_id": target_names(tree, used),
        "parent_node": tree.node_parent[used],
        "output_id": output_names(tree, used),
        "path": tree.paths(used),
        "flow_feed_equiv_t_per_yr": flow_used,
        "mass_t_per_yr": mass_used,
    }


def unit_throughput_table(
    instance: Instance,
    data: ModelData,
    mass_flow: np.ndarray,
    sized: dict[tuple[str, str], BuiltSize],
    run: dict[str, float],
) -> pd.DataFrame:
    """Per unit: throughput = sum of real t/yr entering it, capacity in service, use, energy.

    Options in service: in multi-period plans an option built in several periods counts
    once per build (``build[u, j]`` is then the number in service).
    """
    tree = data.tree
    is_unit = tree.node_kind == KIND_UNIT
    thr = np.bincount(
        tree.node_target[is_unit], weights=mass_flow[is_unit], minlength=len(tree.units)
    )
    return pd.DataFrame(unit_throughput_columns(instance, data, thr, sized, run))


def unit_throughput_columns(
    instance: Instance,
    data: ModelData,
    thr: np.ndarray,
    sized: dict[tuple[str, str], BuiltSize],
    run: dict[str, float],
) -> Columns:
    """The columns of :func:`unit_throughput_table` (``thr``: t/yr into each unit)."""
    tree = data.tree
    units = instance["units"]
    at = rows_of(units, "unit_id", tree.units)
    cap, label = [], []
    for u in tree.units:
        count = {j: sized[(u, j)].count for j in data.unit_options[u]}
        chosen = [j for j in data.unit_options[u] if count[j] > 0]
        cap.append(data.unit_existing[u] + sum(sized[(u, j)].capacity_t_per_yr for j in chosen))
        label.append("+".join(j if count[j] == 1 else f"{j} x{count[j]}" for j in chosen))
    cap_a = np.array(cap, dtype=float)
    running = [run.get(u, 1.0 if t > 0 else 0.0) > 0.5 for u, t in zip(tree.units, thr)]
    return {
        "unit_id": list(tree.units),
        "stage": units["stage"].to_numpy()[at],
        "throughput_t_per_yr": thr,
        "capacity_t_per_yr": cap_a,
        "utilisation_frac": np.divide(thr, cap_a, out=np.zeros_like(thr), where=cap_a > 0),
        "existing_capacity_t_per_yr": [data.unit_existing[u] for u in tree.units],
        "built_option": label,
        "running": np.array(running, dtype=bool),
        "energy_mwh_per_yr": thr * units["energy_mwh_per_t"].to_numpy(dtype=float)[at],
        "co2_t_per_yr": thr * units["co2_t_per_t"].to_numpy(dtype=float)[at],
    }


BUILT_COLUMNS = [
    "unit_id",
    "option_id",
    "count",
    "capacity_t_per_yr",
    "capex_eur",
    "annualised_capex_eur_per_yr",
    "fixed_opex_eur_per_yr",
    "lifetime_yr",
]


@dataclass(frozen=True)
class BuiltSize:
    """What a built option adds: count (modules, or builds in service), capacity, costs."""

    count: int
    capacity_t_per_yr: float
    capex_eur: float
    annualised_capex_eur_per_yr: float
    fixed_opex_eur_per_yr: float


def built_sizes(
    data: ModelData,
    build: dict[tuple[str, str], float],
    segment: dict[tuple[str, str, int], float],
) -> dict[tuple[str, str], BuiltSize]:
    """Per option: count x the option's figures; a continuous option adds its segments:
    size = s_0 + sum_k (s_k - s_{k-1}) segment_k, capex and fixed opex alike."""
    out = {}
    for k, o in data.options.items():
        n = int(round(build.get(k, 0.0)))
        cap, capex, fixed = n * o.capacity_t_per_yr, n * o.capex_eur, n * o.fixed_opex_eur_per_yr
        ann = n * o.annualised_capex_eur_per_yr
        c = data.curves.get(k)
        if c is not None and n > 0:
            d = np.array([segment.get((*k, i), 0.0) for i in range(1, c.n_segments + 1)])
            cap += float(np.diff(c.size_t_per_yr) @ d)
            extra = float(np.diff(c.capex_eur) @ d)
            fixed += float(np.diff(c.fixed_opex_eur_per_yr) @ d)
            crf = capital_recovery_factor(data.discount_rate, o.lifetime_yr)
            ann += extra * (1.0 - o.subsidy_frac) * crf
            capex += extra
        out[k] = BuiltSize(n, cap, capex, ann, fixed)
    return out


def built_units_table(data: ModelData, sized: dict[tuple[str, str], BuiltSize]) -> pd.DataFrame:
    """One row per option in service; ``count`` > 1 when a multi-period plan built the same
    option in several periods or modules (capacity and costs are then totals over the
    count); a continuous option at its size."""
    rows = [
        (
            u,
            j,
            b.count,
            b.capacity_t_per_yr,
            b.capex_eur,
            b.annualised_capex_eur_per_yr,
            b.fixed_opex_eur_per_yr,
            data.options[(u, j)].lifetime_yr,
        )
        for (u, j), b in sized.items()
        if b.count > 0
    ]
    return pd.DataFrame(rows, columns=BUILT_COLUMNS)


def _by_target(tree: Any, mat_flow: NodeFlows, kind: int, n_targets: int) -> np.ndarray:
    """(targets, materials) real t/yr into each target of ``kind``."""
    sel = tree.node_kind[mat_flow.nodes] == kind
    out = np.zeros((n_targets, len(tree.materials)))
    np.add.at(out, tree.node_target[mat_flow.nodes[sel]], mat_flow.t_per_yr[sel])
    return out


def products_table(instance: Instance, tree: Any, mat_flow: NodeFlows) -> pd.DataFrame:
    """Per (product, material) with mass > 0: mass, price, payable share, revenue."""
    return pd.DataFrame(products_columns(instance, tree, mat_flow))


def products_columns(instance: Instance, tree: Any, mat_flow: NodeFlows) -> Columns:
    """The columns of :func:`products_table`."""
    p_mass = _by_target(tree, mat_flow, KIND_PRODUCT, len(tree.products))
    pi, mi = np.nonzero(p_mass > 0)
    product, material = _names(tree.products)[pi], _names(tree.materials)[mi]
    pp = instance["product_prices"]
    first: dict[tuple[str, str], int] = {}  # the first price row of each (product, material)
    for i, key in enumerate(zip(pp["product_id"].tolist(), pp["material"].tolist())):
        first.setdefault(key, i)
    at = np.fromiter(
        (first.get(k, -1) for k in zip(product.tolist(), material.tolist())), np.int64, len(pi)
    )
    price, pay = (
        _taken(pp[c].to_numpy(dtype=float), at) for c in ("price_eur_per_t", "payable_frac")
    )
    rec = np.array([x is True or x == 1 for x in pp["recovered"].tolist()], dtype=bool)
    recovered = (at >= 0) & rec[np.maximum(at, 0)] if len(rec) else np.zeros(len(at), bool)
    mass = p_mass[pi, mi]
    return {
        "product_id": product,
        "material": material,
        "mass_t_per_yr": mass,
        "price_eur_per_t": price,
        "payable_frac": pay,
        "recovered": recovered,
        "revenue_eur_per_yr": mass * price * pay,
    }


def _taken(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``values[at]`` with 0 where ``at`` is -1 (no row) or the value is NaN (the
    ``reindex(...).fillna(0.0)`` of a price column)."""
    out = values[np.maximum(at, 0)] if len(values) else np.zeros(len(at))
    return np.where((at < 0) | np.isnan(out), 0.0, out)


def losses_table(tree: Any, mat_flow: NodeFlows) -> pd.DataFrame:
    """Disposal and losses per (kind, sink, material) with mass > 0."""
    return pd.DataFrame(losses_columns(tree, mat_flow))


def losses_columns(tree: Any, mat_flow: NodeFlows) -> Columns:
    """The columns of :func:`losses_table`."""
    cols: dict[str, list[np.ndarray]] = {"kind": [], "sink_id": [], "material": [], "mass": []}
    for k_code in (KIND_DISPOSAL, KIND_LOSS):
        s_mass = _by_target(tree, mat_flow, k_code, len(tree.sinks))
        si, mi = np.nonzero(s_mass > 0)
        cols["kind"].append(np.full(len(si), KIND_NAMES[k_code], dtype=object))
        cols["sink_id"].append(_names(tree.sinks)[si])
        cols["material"].append(_names(tree.materials)[mi])
        cols["mass"].append(s_mass[si, mi])
    out = {k: np.concatenate(v) for k, v in cols.items()}
    out["mass_t_per_yr"] = out.pop("mass")
    return out


def recovery_table(
    instance: Instance, data: ModelData, flow: np.ndarray, input_m: np.ndarray
) -> pd.DataFrame:
    """Per material: input, recovered t/yr (model.data.recovered_terms) and their ratio."""
    return pd.DataFrame(recovery_columns(instance, data, flow, input_m))


def recovery_columns(
    instance: Instance, data: ModelData, flow: np.ndarray, input_m: np.ndarray
) -> Columns:
    """The columns of :func:`recovery_table`."""
    mats = list(data.tree.materials)
    mdf = instance["materials"]
    at = rows_of(mdf, "material", mats)
    recovered = np.zeros(len(mats))
    for mi in range(len(mats)):
        nodes, coefs = data.recovered_terms.of(mi)
        recovered[mi] = float(coefs @ flow[nodes])
    return {
        "material": mats,
        "eu_critical": mdf["eu_critical"].to_numpy(dtype=bool)[at],
        "eu_strategic": mdf["eu_strategic"].to_numpy(dtype=bool)[at],
        "recovery_weight": mdf["recovery_weight"].to_numpy(dtype=float)[at],
        "input_t_per_yr": input_m,
        "recovered_t_per_yr": recovered,
        "recovery_frac": np.divide(
            recovered, input_m, out=np.zeros_like(recovered), where=input_m > 0
        ),
    }


def mass_balance_table(
    materials: list[str],
    input_t: np.ndarray,
    products_t: np.ndarray,
    disposal_t: np.ndarray,
    losses_t: np.ndarray,
) -> pd.DataFrame:
    """Per material: input = products + disposal + losses, with absolute and relative error.

    residual = input - (products + disposal + losses) (t/yr); absolute_error = |residual|;
    relative_error = |residual| / max(|input|, MB_FLOOR_FRAC * total intake, FLOW_EPS), where
    total intake is the sum of the input over all materials. Every t/yr value within the
    tolerance max(FLOW_EPS, 1e-12 * total intake) of zero is written as 0.
    """
    return pd.DataFrame(mass_balance_columns(materials, input_t, products_t, disposal_t, losses_t))


def mass_balance_columns(
    materials: list[str],
    input_t: np.ndarray,
    products_t: np.ndarray,
    disposal_t: np.ndarray,
    losses_t: np.ndarray,
) -> Columns:
    """The columns of :func:`mass_balance_table`."""
    total = float(np.abs(input_t).sum())
    tol = max(FLOW_EPS, 1e-12 * total)
    resid = input_t - (products_t + disposal_t + losses_t)
    cols = {
        "input_t_per_yr": input_t,
        "products_t_per_yr": products_t,
        "disposal_t_per_yr": disposal_t,
        "losses_t_per_yr": losses_t,
        "residual_t_per_yr": resid,
    }
    out: Columns = {
        "material": materials,
        **{k: np.where(np.abs(v) <= tol, 0.0, v) for k, v in cols.items()},
    }
    err = np.abs(out["residual_t_per_yr"])
    out["absolute_error_t_per_yr"] = err
    out["relative_error"] = err / np.maximum(np.abs(input_t), max(MB_FLOOR_FRAC * total, FLOW_EPS))
    return out


def material_flow_table(tree: Any, used: np.ndarray, used_flow: np.ndarray) -> pd.DataFrame:
    """Real t/yr of each material on each edge (feed or unit -> unit, product or sink).

    ``used_flow[i, m]`` = coef[n, m] flow[n] at the node n = used[i]. Long format, summed
    over route-tree nodes with the same feed, source, output, target and material; only
    positive entries. Entry nodes have source ``feed:<feed_id>``. This is what a Sankey
    diagram per material (or by total mass) is drawn from.
    """
    return pd.DataFrame(material_flow_columns(tree, used, used_flow)[0])


def material_flow_columns(
    tree: Any, used: np.ndarray, used_flow: np.ndarray, period: np.ndarray | None = None
) -> tuple[Columns, np.ndarray]:
    """The columns of :func:`material_flow_table` and each row's period, of the rows of
    several periods at once: ``period[i]`` is the period of ``used[i]`` (ascending; None:
    one period), and the period is one more key of the edge groups."""
    rows_n, rows_m = np.nonzero(used_flow > 0)
    nodes = used[rows_n]
    par = tree.node_parent[nodes]
    row_period = np.zeros(len(nodes), np.int64) if period is None else period[rows_n]
    group, first = _edge_groups(tree, nodes, par, rows_m, row_period)
    mass = _group_sums(group, used_flow[rows_n, rows_m], len(first))
    nodes, par, rows_m = nodes[first], par[first], rows_m[first]
    feed_id = _names(tree.feeds)[tree.node_feed[nodes]]
    src_id = feed_id.copy()
    inner = par >= 0
    src_id[inner] = _names(tree.units)[tree.node_target[par[inner]]]
    columns = {
        "feed_id": feed_id,
        "source_kind": np.where(par < 0, "feed", "unit").astype(object),
        "source_id": src_id,
        "output_id": output_names(tree, nodes),
        "target_kind": _names(KIND_NAMES)[tree.node_kind[nodes]],
        "target_id": target_names(tree, nodes),
        "material": _names(tree.materials)[rows_m],
        "mass_t_per_yr": mass,
    }
    return columns, row_period[first]


def _edge_groups(
    tree: Any, nodes: np.ndarray, par: np.ndarray, material: np.ndarray, period: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(group of each row, first row of each group): rows with the same period, feed,
    source, output id, target kind, target and material form a group, numbered in the
    order of their first row (``groupby(..., sort=False)`` on those columns of each
    period: the ids are unique names per kind, output ids are compared by name)."""
    out_code: dict[str, int] = {}
    out_of = np.array([out_code.setdefault(o, len(out_code)) for o in (*tree.outputs, "")])
    parts = (
        period,
        tree.node_feed[nodes],
        np.where(par >= 0, tree.node_target[np.maximum(par, 0)], -1) + 1,
        out_of[tree.node_output[nodes]],
        tree.node_kind[nodes],
        tree.node_target[nodes],
        material,
    )
    cols = [np.asarray(values, dtype=np.int64) for values in parts]
    radix = [int(c.max(initial=0)) + 1 for c in cols]
    if math.prod(radix) < 2**62:  # one integer per row
        key = np.zeros(len(nodes), dtype=np.int64)
        for c, r in zip(cols, radix):
            key = key * r + c
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:
        stacked = np.stack(cols, axis=1)
        _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(first), dtype=np.int64)
    rank[order] = np.arange(len(first))
    return rank[inverse.ravel()], first[order]


def _group_sums(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the sum of its values in row order with pandas' group sum: Kahan's
    compensated summation (equal to the plain sum for groups of one or two values)."""
    sums = np.zeros(n_groups)
    np.add.at(sums, group, values)
    count = np.bincount(group, minlength=n_groups)
    if (count > 2).any():
        big = count[group] > 2
        comp: dict[int, float] = {}
        total: dict[int, float] = {}
        for g, v in zip(group[big].tolist(), values[big].tolist()):
            y = v - comp.get(g, 0.0)
            s = total.get(g, 0.0)
            t = s + y
            comp[g], total[g] = (t - s) - y, t
        for g, t in total.items():
            sums[g] = t
    return sums


#: ledger items shown only when the instance has terms for them
OPTIONAL_ITEMS = ("collection_cost", "reuse_revenue", "repurposing_cost")


def economics_table(
    ledger: Ledger, x_local: np.ndarray, capex_in_service_eur: float
) -> pd.DataFrame:
    """Annual economics of one period from the money ledger priced at the solution.

    One row per ledger item (EUR/yr, costs negative; offtake premiums only when the instance
    has contracts, the CO2 cost only when it is non-zero, the collection cost only with
    collection steps), ``profit`` = their sum, and
    ``capex_total`` = gross capex of the options in service (EUR).
    """
    values = ledger.values(x_local)
    rows = []
    for name, sign, _ in ITEMS:
        if (
            name == "offtake_premium"
            and ledger.items[name].val.size == 0
            and not ledger.has_contracts
        ):
            continue
        if name in ("co2_cost", "staff_cost") and values[name] == 0:
            continue
        if name in OPTIONAL_ITEMS and ledger.items[name].val.size == 0:
            continue  # no collection steps, re-use or second-life products in the instance
        rows.append((TABLE_LABEL.get(name, name), sign * values[name]))
    rows.append(("profit", float(sum(v for _, v in rows))))
    rows.append(("capex_total", capex_in_service_eur))
    return pd.DataFrame(
        {
            "item": [i for i, _ in rows],
            "eur_per_yr": [v for _, v in rows],
            "unit": ["EUR/yr"] * (len(rows) - 1) + ["EUR"],
        }
    )

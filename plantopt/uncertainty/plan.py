"""The fixed plan of a solved result: accepted tonnage per feed and the split of every stream.

A plan is read back from a result folder (``summary.json`` + Parquet tables) or from an
in-memory :class:`~plantopt.results.tables.Result`, against the route tree rebuilt from the instance
the result was solved on (its content hash must match). In feed-equivalent terms the plan is

    accept[f]                          t/yr of feed f accepted
    split[c] = flow[c] / flow[parent]  share of the parent unit's output sent to child c
             = flow[c] / accept[f]     for an entry node of feed f

so ``flow[n] = accept[f] * prod(split along the path)``: feed-equivalent tonnes do not depend
on composition or yields, and the plan's flows stay fixed under every sample. Only the real
masses (flow times the node's sampled composition) change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance
from plantopt.routetree.tree import RouteTree, build_route_tree

REQUIRED_TABLES = ("flows", "feed_intake", "unit_throughput", "built_units")


class PlanError(PlantoptError):
    """A result folder cannot be turned into a plan (missing files, instance mismatch)."""


@dataclass(frozen=True)
class Plan:
    """A solved plan on its route tree. Arrays are indexed like the tree (feeds, nodes, units)."""

    instance: Instance
    tree: RouteTree
    accept_t_per_yr: np.ndarray  # (F,)
    flow_feed_equiv_t_per_yr: np.ndarray  # (N,)
    split_frac: np.ndarray  # (N,) child / parent flow, NaN where the parent carries nothing
    capacity_t_per_yr: np.ndarray  # (U,) installed capacity of the plan
    fixed_cost_eur_per_yr: float  # fixed opex + annualised capex of the built units + staff
    gate_fees_eur_per_yr: float
    conservation_error: float  # max relative |sum children - parent| over groups
    source: str = ""
    reference: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    # contract premiums and collection costs as solved (kept constant under sampling; the
    # re-use value and repurposing cost are the kernel's, per sample)
    offtake_premium_eur_per_yr: float = 0.0
    # a network plan (sites.csv): transport per real t entering each node (N,) and each
    # unit's opex factor (U,), the sites' factors weighted by the plan's throughput there
    transport_eur_per_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    opex_factor: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        if self.transport_eur_per_t.size == 0:  # no network: nothing to add
            object.__setattr__(self, "transport_eur_per_t", np.zeros(self.tree.n_nodes))
        if self.opex_factor.size == 0:
            object.__setattr__(self, "opex_factor", np.ones(len(self.tree.units)))

    @property
    def active_nodes(self) -> np.ndarray:
        """Nodes that carry flow (every ancestor of such a node carries flow too)."""
        return np.flatnonzero(self.flow_feed_equiv_t_per_yr > 0)


def _split_fractions(
    tree: RouteTree, accept: np.ndarray, flow: np.ndarray
) -> tuple[np.ndarray, float]:
    split = np.full(tree.n_nodes, np.nan)
    worst = 0.0
    for g in range(tree.n_groups):
        kids = tree.group_children[tree.group_ptr[g] : tree.group_ptr[g + 1]]
        parent = int(tree.group_parent[g])
        total = accept[int(tree.group_feed[g])] if parent < 0 else flow[parent]
        if total > 0:
            split[kids] = flow[kids] / total
            worst = max(worst, abs(float(flow[kids].sum()) - total) / total)
    return split, worst


def _read_flows(flows: pd.DataFrame, tree: RouteTree, source: str) -> np.ndarray:
    """flow[n] from flows.parquet; every row's node and path must be the tree's."""
    flow = np.zeros(tree.n_nodes)
    nodes = flows["node"].to_numpy(dtype=np.int64)
    valid = (nodes >= 0) & (nodes < tree.n_nodes)
    labels = dict(zip(nodes[valid].tolist(), tree.paths(nodes[valid])))
    for i, (node, path, value) in enumerate(
        zip(nodes, flows["path"], flows["flow_feed_equiv_t_per_yr"])
    ):
        n = int(node)
        if labels.get(n) != path:
            raise PlanError(
                f"{source}: flows.parquet row {i + 1}: node {n} "
                f"({path!r}) is not a node of the instance's route tree; the "
                "result was solved on a different instance or plantopt version"
            )
        flow[n] = float(value)
    return flow


def _read_intake(intake: pd.DataFrame, tree: RouteTree, source: str) -> np.ndarray:
    """accept[f] from feed_intake.parquet."""
    accept = np.zeros(len(tree.feeds))
    f_index = {f: i for i, f in enumerate(tree.feeds)}
    for f, x in zip(intake["feed_id"], intake["accepted_t_per_yr"]):
        if f not in f_index:
            raise PlanError(
                f"{source}: feed_intake.parquet names feed {f!r}, which the instance does not have"
            )
        accept[f_index[f]] = float(x)
    return accept


def plan_from_tables(
    instance: Instance,
    tables: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    tree: RouteTree | None = None,
    source: str = "result",
) -> Plan:
    """Build a plan from result tables; checks that node ids and paths match the tree."""
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise PlanError(
            f"{source}: missing result table(s) {', '.join(missing)} "
            "(expected the tables written by `plantopt solve`)"
        )
    if "period" in tables["feed_intake"].columns:
        periods = sorted(map(str, tables["feed_intake"]["period"].unique()))
        raise PlanError(
            f"{source}: a multi-period plan (periods {', '.join(periods)}); evaluate one "
            "period at a time (--period P; plantopt evaluate without it evaluates each)"
        )
    tree = tree or build_route_tree(instance)
    flow = _read_flows(tables["flows"], tree, source)
    accept = _read_intake(tables["feed_intake"], tree, source)
    intake = tables["feed_intake"]
    ut = tables["unit_throughput"].set_index("unit_id")
    cap = np.array(
        [float(ut.at[u, "capacity_t_per_yr"]) if u in ut.index else 0.0 for u in tree.units]
    )
    built = tables["built_units"]
    fixed = float(built["fixed_opex_eur_per_yr"].sum() + built["annualised_capex_eur_per_yr"].sum())
    gate = float(intake["gate_fee_eur_per_yr"].sum()) if "gate_fee_eur_per_yr" in intake else 0.0
    premium = 0.0
    if "economics" in tables:
        econ = tables["economics"]
        # re-use value and repurposing cost are re-priced per sample by the kernel
        held = ("offtake_premiums", "collection_cost")
        premium = float(econ.loc[econ["item"].isin(held), "eur_per_yr"].sum())
        fixed -= float(econ.loc[econ["item"] == "staff_cost", "eur_per_yr"].sum())  # crew
    split, err = _split_fractions(tree, accept, flow)
    reference: dict[str, pd.DataFrame] = {
        k: tables[k]
        for k in ("recovery", "economics", "unit_throughput", "mass_balance", "compliance")
        if k in tables
    }
    return Plan(
        **_network_terms(instance, tables, tree),
        instance=instance,
        tree=tree,
        accept_t_per_yr=accept,
        flow_feed_equiv_t_per_yr=flow,
        split_frac=split,
        capacity_t_per_yr=cap,
        fixed_cost_eur_per_yr=fixed,
        gate_fees_eur_per_yr=gate,
        conservation_error=err,
        source=source,
        reference=reference,
        summary=dict(summary),
        offtake_premium_eur_per_yr=premium,
    )


def _network_terms(
    instance: Instance, tables: dict[str, pd.DataFrame], tree: RouteTree
) -> dict[str, np.ndarray]:
    """Transport EUR per real t into each node and opex factor per unit of a network plan:
    ``node_transport`` as solved, and per unit sum_s f_s thr[s, u] / sum_s thr[s, u] from
    ``site_units`` and the sites' ``opex_factor`` (1 without sites)."""
    transport = np.zeros(tree.n_nodes)
    if "node_transport" in tables:
        nt = tables["node_transport"]
        transport[nt["node"].to_numpy(dtype=np.int64)] = nt["transport_eur_per_t"].to_numpy()
    factor = np.ones(len(tree.units))
    su, sites = tables.get("site_units"), instance.tables.get("sites")
    if su is not None and sites is not None and len(su):
        f = su["site_id"].map(sites.set_index("site_id")["opex_factor"]).astype(float)
        thr = su["throughput_t_per_yr"].astype(float)
        by_u = (f * thr).groupby(su["unit_id"]).sum() / thr.groupby(su["unit_id"]).sum()
        for i, u in enumerate(tree.units):
            if u in by_u.index and np.isfinite(by_u[u]):
                factor[i] = float(by_u[u])
    return {"transport_eur_per_t": transport, "opex_factor": factor}


def _check_hash(instance: Instance, summary: dict[str, Any], source: str) -> None:
    recorded = summary.get("instance") or {}
    expected, scheme = recorded.get("hash"), recorded.get("hash_scheme")
    if not expected:
        return
    try:
        same = instance.hash_matches(expected, scheme)
    except (TypeError, ValueError) as exc:
        raise PlanError(f"{source}: summary instance.hash_scheme: {exc}") from None
    if not same:
        now = instance.content_hash(1 if scheme is None else int(scheme))
        raise PlanError(
            f"{source}: the instance at {instance.path} has changed since the result was "
            f"solved (content hash {now[:12]}..., result has "
            f"{expected[:12]}...); re-solve, or pass --instance with the instance used"
        )


def plan_from_result(result: Any, instance: Instance) -> Plan:
    """Plan of an in-memory :class:`~plantopt.results.tables.Result` solved on ``instance``."""
    if not result.has_solution:
        raise PlanError(f"the result has no solution (status {result.status.value})")
    _check_hash(instance, result.summary, "result")
    return plan_from_tables(instance, result.tables, result.summary)


def result_periods(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Period ids of a multi-period result (in order); empty for a single period."""
    fi = tables.get("feed_intake")
    if fi is None or "period" not in fi.columns:
        return []
    return list(dict.fromkeys(map(str, fi["period"])))


def period_view(
    instance: Instance, tables: dict[str, pd.DataFrame], period: str
) -> tuple[Instance, dict[str, pd.DataFrame]]:
    """One period of a multi-period result: the period's instance (its feed limits, prices
    and targets in force) and every table's rows of that period (without the column).

    Flows, capacities and costs of a period are those of the plan in that period (units in
    service then), so the period is evaluated like a single-period plan."""
    from plantopt.model.periods import Period, period_instance, period_table

    rows = {str(pid): (pid, start, dur) for pid, start, dur in period_table(instance)}
    if period not in rows:
        raise PlanError(f"no period {period!r}; periods: {', '.join(rows)}")
    pid, start, dur = rows[period]
    inst = period_instance(instance, Period(str(pid), start, dur, 0, 0.0, 0.0))
    out = {}
    for name, df in tables.items():
        if "period" in df.columns:
            df = df[df["period"].astype(str) == period].drop(columns="period")
        out[name] = df.reset_index(drop=True)
    return inst, out


def load_plan(
    result_dir: str | Path, instance_path: str | Path | None = None, period: str | None = None
) -> Plan:
    """Read a result folder (of solve, breakeven, a Pareto point or a batch job) and rebuild
    its plan.

    The instance is ``instance_path``, else the folder's ``instance/`` copy (for a batch job:
    the base instance with the job's overrides), else the path recorded in ``summary.json``
    (:func:`plantopt.results.folder.solved_instance`). ``period`` selects one period of a
    multi-period result (:func:`period_view`). Raises :class:`PlanError` (exit code 2
    on the command line) when files are missing, the result has no solution, or the
    instance's content hash differs from the recorded one.
    """
    from plantopt.results.folder import (
        ResultFolderError,
        read_summary,
        read_tables,
        solved_instance,
    )

    folder = Path(result_dir)
    try:
        summary = read_summary(folder)
    except ResultFolderError as exc:
        raise PlanError(str(exc)) from None
    if summary.get("status") not in ("optimal", "feasible"):
        raise PlanError(f"{folder}: the result has no solution (status {summary.get('status')!r})")
    tables = read_tables(folder)
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise PlanError(f"{folder}: missing {', '.join(t + '.parquet' for t in missing)}")
    try:
        instance = solved_instance(folder, summary, instance_path)
    except ResultFolderError as exc:
        raise PlanError(str(exc)) from None
    if period is not None:
        instance, tables = period_view(instance, tables, str(period))
        summary = {**summary, "period": str(period)}
    return plan_from_tables(
        instance, tables, summary, source=str(folder) + (f" (period {period})" if period else "")
    )

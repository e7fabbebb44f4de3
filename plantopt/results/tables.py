"""Result tables read back through the route tree's index arrays, and their atomic saving.

Every table is computed from the solution vectors ``accept[f]`` and ``flow[n]`` and the
route-tree coefficients, never by parsing component names, and never written into the
instance. Mass balance per material — accepted = products + disposal + losses — is checked
on every solution and reported in the summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.atomic import atomic_folder
from plantopt.instance.instance import Instance
from plantopt.model.data import ModelData
from plantopt.model.ledger import ITEMS, TABLE_LABEL, Ledger
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_LOSS, KIND_NAMES, KIND_PRODUCT, KIND_UNIT
from plantopt.solver.types import SolveStatus

FLOW_EPS = 1e-9  # t/yr below which a flow is reported as zero
#: relative mass-balance errors are measured against at least this share of the plant's
#: total intake (all materials), so solver noise on a material barely present (8e-14 t of
#: input) never reads as a large percentage
MB_FLOOR_FRAC = 1e-6


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


def extract_tables(
    instance: Instance,
    data: ModelData,
    accept: np.ndarray,
    flow: np.ndarray,
    build: dict[tuple[str, str], float],
    run: dict[str, float],
) -> dict[str, pd.DataFrame]:
    """All result tables from the solution vectors (feeds in tree order, nodes in order)."""
    tree = data.tree
    flow = np.where(np.abs(flow) < FLOW_EPS, 0.0, flow)
    accept = np.where(np.abs(accept) < FLOW_EPS, 0.0, accept)  # no -7e-14 t accepted
    mat_flow = tree.coef * flow[:, None]  # real t/yr of each material at each node
    mass_flow = mat_flow.sum(axis=1)
    kind, target = tree.node_kind, tree.node_target
    mats = list(tree.materials)

    feeds = instance["feeds"].set_index("feed_id").loc[list(tree.feeds)]
    feed_intake = pd.DataFrame(
        {
            "feed_id": list(tree.feeds),
            "feed_class": feeds["feed_class"].to_numpy(),
            "available_t_per_yr": feeds["available_t_per_yr"].to_numpy(),
            "contracted_min_t_per_yr": feeds["contracted_min_t_per_yr"].to_numpy(),
            "accepted_t_per_yr": accept,
            # gate fees include the eco-modulation adjustment (model.data.effective_gate_fees)
            "gate_fee_eur_per_yr": accept * np.array([data.gate_fee[f] for f in tree.feeds]),
        }
    )

    used = np.flatnonzero(flow > 0)
    labels = dict(zip(used.tolist(), tree.paths(used)))
    names = (tree.units, tree.products, tree.sinks, tree.sinks)
    flows = pd.DataFrame(
        {
            "node": used,
            "feed_id": [tree.feeds[i] for i in tree.node_feed[used]],
            "kind": [KIND_NAMES[k] for k in kind[used]],
            "target_id": [names[kind[n]][target[n]] for n in used],
            "parent_node": tree.node_parent[used],
            "output_id": [tree.outputs[o] if o >= 0 else "" for o in tree.node_output[used]],
            "path": [labels[n] for n in used.tolist()],
            "flow_feed_equiv_t_per_yr": flow[used],
            "mass_t_per_yr": mass_flow[used],
        }
    )

    udf = instance["units"].set_index("unit_id")
    throughput = np.zeros(len(tree.units))
    np.add.at(throughput, target[kind == KIND_UNIT], mass_flow[kind == KIND_UNIT])
    rows = []
    for i, u in enumerate(tree.units):
        # options in service; in multi-period plans an option built in several periods
        # counts once per build (build[u, j] is then the number in service)
        count = {j: int(round(build.get((u, j), 0.0))) for j in data.unit_options[u]}
        chosen = [j for j in data.unit_options[u] if count[j] > 0]
        cap = data.unit_existing[u] + sum(
            count[j] * data.options[(u, j)].capacity_t_per_yr for j in chosen
        )
        rows.append(
            {
                "unit_id": u,
                "stage": udf.at[u, "stage"],
                "throughput_t_per_yr": throughput[i],
                "capacity_t_per_yr": cap,
                "utilisation_frac": throughput[i] / cap if cap > 0 else 0.0,
                "existing_capacity_t_per_yr": data.unit_existing[u],
                "built_option": "+".join(
                    j if count[j] == 1 else f"{j} x{count[j]}" for j in chosen
                ),
                "running": bool(run.get(u, 1.0 if throughput[i] > 0 else 0.0) > 0.5),
                "energy_mwh_per_yr": throughput[i] * float(udf.at[u, "energy_mwh_per_t"]),
                "co2_t_per_yr": throughput[i] * float(udf.at[u, "co2_t_per_t"]),
            }
        )
    unit_throughput = pd.DataFrame(rows)

    # one row per option in service; `count` > 1 when a multi-period plan built the same
    # option in several periods (capacity and costs are then totals over the count)
    counts = {k: int(round(build.get(k, 0.0))) for k in data.options}
    built = pd.DataFrame(
        [
            {
                "unit_id": u,
                "option_id": j,
                "count": counts[(u, j)],
                "capacity_t_per_yr": counts[(u, j)] * o.capacity_t_per_yr,
                "capex_eur": counts[(u, j)] * o.capex_eur,
                "annualised_capex_eur_per_yr": counts[(u, j)] * o.annualised_capex_eur_per_yr,
                "fixed_opex_eur_per_yr": counts[(u, j)] * o.fixed_opex_eur_per_yr,
                "lifetime_yr": o.lifetime_yr,
            }
            for (u, j), o in data.options.items()
            if counts[(u, j)] > 0
        ],
        columns=[
            "unit_id",
            "option_id",
            "count",
            "capacity_t_per_yr",
            "capex_eur",
            "annualised_capex_eur_per_yr",
            "fixed_opex_eur_per_yr",
            "lifetime_yr",
        ],
    )

    # products per (product, material)
    prod = kind == KIND_PRODUCT
    p_mass = np.zeros((len(tree.products), len(mats)))
    np.add.at(p_mass, target[prod], mat_flow[prod])
    pp = instance["product_prices"].set_index(["product_id", "material"])
    prow = []
    for pi, p in enumerate(tree.products):
        for mi, m in enumerate(mats):
            if p_mass[pi, mi] <= 0:
                continue
            key = (p, m)
            price = float(pp.at[key, "price_eur_per_t"]) if key in pp.index else 0.0
            pay = float(pp.at[key, "payable_frac"]) if key in pp.index else 0.0
            rec = bool(pp.at[key, "recovered"]) if key in pp.index else False
            prow.append(
                {
                    "product_id": p,
                    "material": m,
                    "mass_t_per_yr": p_mass[pi, mi],
                    "price_eur_per_t": price,
                    "payable_frac": pay,
                    "recovered": rec,
                    "revenue_eur_per_yr": p_mass[pi, mi] * price * pay,
                }
            )
    products = pd.DataFrame(
        prow,
        columns=[
            "product_id",
            "material",
            "mass_t_per_yr",
            "price_eur_per_t",
            "payable_frac",
            "recovered",
            "revenue_eur_per_yr",
        ],
    )

    # disposal and losses per (sink, material)
    lrow = []
    for k_code in (KIND_DISPOSAL, KIND_LOSS):
        sel = kind == k_code
        s_mass = np.zeros((len(tree.sinks), len(mats)))
        np.add.at(s_mass, target[sel], mat_flow[sel])
        for si, s in enumerate(tree.sinks):
            for mi, m in enumerate(mats):
                if s_mass[si, mi] > 0:
                    lrow.append(
                        {
                            "kind": KIND_NAMES[k_code],
                            "sink_id": s,
                            "material": m,
                            "mass_t_per_yr": s_mass[si, mi],
                        }
                    )
    losses = pd.DataFrame(lrow, columns=["kind", "sink_id", "material", "mass_t_per_yr"])

    input_m = accept @ tree.comp
    sums = {}
    for k_code in (KIND_PRODUCT, KIND_DISPOSAL, KIND_LOSS):
        sums[k_code] = mat_flow[kind == k_code].sum(axis=0)
    mass_balance = mass_balance_table(
        mats, input_m, sums[KIND_PRODUCT], sums[KIND_DISPOSAL], sums[KIND_LOSS]
    )

    mdf = instance["materials"].set_index("material").loc[mats]
    recovered = np.zeros(len(mats))
    for mi in range(len(mats)):
        nodes, coefs = data.recovered_terms.of(mi)
        recovered[mi] = float(coefs @ flow[nodes])
    recovery = pd.DataFrame(
        {
            "material": mats,
            "eu_critical": mdf["eu_critical"].to_numpy(dtype=bool),
            "eu_strategic": mdf["eu_strategic"].to_numpy(dtype=bool),
            "recovery_weight": mdf["recovery_weight"].to_numpy(dtype=float),
            "input_t_per_yr": input_m,
            "recovered_t_per_yr": recovered,
            "recovery_frac": np.divide(
                recovered, input_m, out=np.zeros_like(recovered), where=input_m > 0
            ),
        }
    )
    return {
        "feed_intake": feed_intake,
        "flows": flows,
        "unit_throughput": unit_throughput,
        "built_units": built,
        "products": products,
        "losses": losses,
        "recovery": recovery,
        "mass_balance": mass_balance,
        "material_flows": material_flow_table(tree, used, mat_flow),
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
    df = pd.DataFrame(
        {"material": materials, **{k: np.where(np.abs(v) <= tol, 0.0, v) for k, v in cols.items()}}
    )
    err = np.abs(df["residual_t_per_yr"].to_numpy())
    df["absolute_error_t_per_yr"] = err
    df["relative_error"] = err / np.maximum(np.abs(input_t), max(MB_FLOOR_FRAC * total, FLOW_EPS))
    return df


def material_flow_table(tree: Any, used: np.ndarray, mat_flow: np.ndarray) -> pd.DataFrame:
    """Real t/yr of each material on each edge (feed or unit -> unit, product or sink).

    Long format, summed over route-tree nodes with the same feed, source, output, target and
    material; only positive entries. Entry nodes have source ``feed:<feed_id>``. This is what
    a Sankey diagram per material (or by total mass) is drawn from.
    """
    rows_n, rows_m = np.nonzero(mat_flow[used] > 0)
    nodes = used[rows_n]
    par = tree.node_parent[nodes]
    names = (tree.units, tree.products, tree.sinks, tree.sinks)
    src_id = [
        tree.feeds[tree.node_feed[n]] if p < 0 else tree.units[tree.node_target[p]]
        for n, p in zip(nodes, par)
    ]
    df = pd.DataFrame(
        {
            "feed_id": [tree.feeds[f] for f in tree.node_feed[nodes]],
            "source_kind": np.where(par < 0, "feed", "unit"),
            "source_id": src_id,
            "output_id": [tree.outputs[o] if o >= 0 else "" for o in tree.node_output[nodes]],
            "target_kind": [KIND_NAMES[k] for k in tree.node_kind[nodes]],
            "target_id": [names[tree.node_kind[n]][tree.node_target[n]] for n in nodes],
            "material": [tree.materials[m] for m in rows_m],
            "mass_t_per_yr": mat_flow[nodes, rows_m],
        }
    )
    keys = [
        "feed_id",
        "source_kind",
        "source_id",
        "output_id",
        "target_kind",
        "target_id",
        "material",
    ]
    return df.groupby(keys, as_index=False, sort=False)["mass_t_per_yr"].sum()


def economics_table(
    ledger: Ledger, x_local: np.ndarray, capex_in_service_eur: float
) -> pd.DataFrame:
    """Annual economics of one period from the money ledger priced at the solution.

    One row per ledger item (EUR/yr, costs negative; offtake premiums only when the instance
    has contracts, the CO2 cost only when it is non-zero), ``profit`` = their sum, and
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
        if name == "co2_cost" and values[name] == 0:
            continue
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

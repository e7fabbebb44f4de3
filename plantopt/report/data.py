"""Read a result folder for reporting: summary, tables, and the Sankey links per view.

A Sankey *view* is a set of links ``source -> target`` with a value in t/yr, summed over
feeds: one view of total mass and one per critical material. Links come from the
``material_flows`` table (per-material t/yr on each feed/unit -> unit/product/sink edge).
Result folders written before that table existed are handled too: the total-mass view is
rebuilt from ``flows.parquet`` (``node``, ``parent_node``, ``kind``, ``target_id``,
``mass_t_per_yr``), and per-material views from the route tree of the instance named in
``summary.json`` when its content hash still matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

EDGE_KEYS = ["source_kind", "source_id", "target_kind", "target_id"]
TOTAL = "total mass"


@dataclass
class ResultData:
    """Everything a report shows, read from one result folder."""

    folder: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)  # unknown Parquet files
    sources: dict[str, str] = field(default_factory=dict)  # folder of a companion table
    warnings: list[str] = field(default_factory=list)  # of companions (Monte Carlo)

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)


KNOWN_TABLES = {
    "feed_intake",
    "flows",
    "unit_throughput",
    "built_units",
    "products",
    "losses",
    "recovery",
    "mass_balance",
    "economics",
    "material_flows",
    "compliance",
}


def _companions(folder: Path, summary: dict[str, Any]) -> list[tuple[str, Path]]:
    """Folders of ``plantopt evaluate`` and ``plantopt pareto`` next to a result folder.

    ``plantopt evaluate RESULT_DIR`` writes ``RESULT_DIR-evaluate/`` (samples, quantiles,
    probabilities); ``plantopt pareto`` writes ``results/<instance>-pareto/`` (pareto,
    plans). Their tables are read as ``monte_carlo_<table>``, ``pareto`` and
    ``pareto_<table>``.
    """
    name = str((summary.get("instance") or {}).get("name") or "")
    out = [("monte_carlo_", folder.parent / f"{folder.name}-evaluate")]
    if name:
        out.append(("pareto_", folder.parent / f"{name}-pareto"))
    return [(prefix, d) for prefix, d in out if d.is_dir() and d != folder]


def read_result(
    folder: str | Path,
    monte_carlo_dir: str | Path | None = None,
    pareto_dir: str | Path | None = None,
) -> ResultData:
    """Read ``summary.json`` and every Parquet table of a result folder.

    Tables of a Monte Carlo evaluation and of a Pareto front are read too: from the given
    folders, else from the companion folders found next to the result (``_companions``).
    """
    folder = Path(folder)
    path = folder / "summary.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{folder} is not a result folder (no summary.json); "
            "expected the output of plantopt solve or one job folder "
            "of a batch store (STORE/jobs/<scenario_id>)"
        )
    summary = json.loads(path.read_text())
    data = ResultData(folder, summary)
    for p in sorted(folder.glob("*.parquet")):
        df = pd.read_parquet(p)
        (data.tables if p.stem in KNOWN_TABLES else data.extra)[p.stem] = df
    extra_dirs = _companions(folder, summary)
    if monte_carlo_dir is not None:
        extra_dirs = [e for e in extra_dirs if e[0] != "monte_carlo_"] + [
            ("monte_carlo_", Path(monte_carlo_dir))
        ]
    if pareto_dir is not None:
        extra_dirs = [e for e in extra_dirs if e[0] != "pareto_"] + [("pareto_", Path(pareto_dir))]
    for prefix, d in extra_dirs:
        if not d.is_dir():
            raise FileNotFoundError(f"{d}: no such folder")
        side = d / "summary.json"
        if prefix == "monte_carlo_" and side.is_file():
            data.warnings += [str(w) for w in json.loads(side.read_text()).get("warnings", [])]
        for p in sorted(d.glob("*.parquet"), key=lambda q: (q.stem != "pareto", q.stem)):
            key = p.stem if p.stem == prefix.rstrip("_") else f"{prefix}{p.stem}"
            data.extra[key] = pd.read_parquet(p)
            data.sources[key] = str(d)
    return data


def currency_of(data: ResultData) -> str:
    """The currency of the solved instance's manifest (``instance/instance.yaml``)."""
    import yaml

    path = data.folder / "instance" / "instance.yaml"
    try:
        return str((yaml.safe_load(path.read_text()) or {}).get("currency") or "EUR")
    except (OSError, yaml.YAMLError):
        return "EUR"


def _edges_from_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Total-mass edges from the node table (one row per route-tree node with flow)."""
    by_node = flows.set_index("node")
    par = flows["parent_node"].to_numpy()
    entry = par < 0
    src_id = np.where(
        entry,
        flows["feed_id"].to_numpy(dtype=object),
        by_node["target_id"].reindex(par).to_numpy(dtype=object),
    )
    return pd.DataFrame(
        {
            "feed_id": flows["feed_id"],
            "source_kind": np.where(entry, "feed", "unit"),
            "source_id": src_id,
            "target_kind": flows["kind"],
            "target_id": flows["target_id"],
            "material": TOTAL,
            "mass_t_per_yr": flows["mass_t_per_yr"],
        }
    )


def _edges_from_instance(data: ResultData) -> pd.DataFrame | None:
    """Per-material edges rebuilt from the instance's route tree (older result folders)."""
    flows = data.get("flows")
    if flows is None:
        return None
    try:
        from plantopt.results.folder import solved_instance
        from plantopt.results.tables import material_flow_table
        from plantopt.routetree.tree import build_route_tree

        tree = build_route_tree(solved_instance(data.folder, data.summary))
    except Exception:
        return None
    flow = np.zeros(tree.n_nodes)
    flow[flows["node"].to_numpy()] = flows["flow_feed_equiv_t_per_yr"].to_numpy()
    used = flows["node"].to_numpy()
    return material_flow_table(tree, used, tree.node_coef.rows(used) * flow[used, None])


def material_edges(data: ResultData) -> pd.DataFrame:
    """Long table of edges with ``material`` (or ``total mass``) and ``mass_t_per_yr``."""
    edges = data.get("material_flows")
    if edges is None:
        edges = _edges_from_instance(data)
    if edges is None:
        flows = data.get("flows")
        return (
            _edges_from_flows(flows)
            if flows is not None and len(flows)
            else pd.DataFrame(columns=["feed_id", *EDGE_KEYS, "material", "mass_t_per_yr"])
        )
    if "period" in edges.columns:  # multi-period plan: the last period (full build-out)
        last = edges["period"].astype(str).iloc[-1]
        edges = edges[edges["period"].astype(str) == last].drop(columns="period")
        data.sources["sankey_period"] = last
    total = edges.groupby(["feed_id", *EDGE_KEYS], as_index=False, sort=False)[
        "mass_t_per_yr"
    ].sum()
    total["material"] = TOTAL
    return pd.concat([total, edges[total.columns]], ignore_index=True)


def sankey_views(data: ResultData) -> dict[str, pd.DataFrame]:
    """Links per view: total mass first, then each critical material that entered the plant.

    Each view is a DataFrame ``source_kind, source_id, target_kind, target_id,
    mass_t_per_yr`` summed over feeds and output streams.
    """
    edges = material_edges(data)
    views: dict[str, pd.DataFrame] = {}
    materials = [TOTAL]
    rec = data.get("recovery")
    if rec is not None and "eu_critical" in rec:
        crit = rec[rec["eu_critical"].astype(bool) & (rec["input_t_per_yr"] > 0)]
        materials += list(crit["material"])
    for mat in materials:
        sel = edges[edges["material"] == mat]
        if not len(sel):
            continue
        views[mat] = sel.groupby(EDGE_KEYS, as_index=False, sort=False)["mass_t_per_yr"].sum()
    return views


def find_extra(data: ResultData, *words: str) -> list[tuple[str, pd.DataFrame]]:
    """Extra tables whose file name contains one of ``words`` (Pareto, Monte Carlo, ...)."""
    return [(k, v) for k, v in data.extra.items() if any(w in k.lower() for w in words)]


MC_WORDS = ("monte", "mc_", "sample", "quantile", "probabilit", "evaluat")


def pareto_table(data: ResultData) -> tuple[str, pd.DataFrame] | None:
    """The Pareto points (``pareto`` first, else any table named like it but plans)."""
    found = [kv for kv in find_extra(data, "pareto") if "plan" not in kv[0]]
    found.sort(key=lambda kv: kv[0] != "pareto")
    return found[0] if found else None


def monte_carlo_tables(data: ResultData) -> dict[str, pd.DataFrame]:
    """Monte Carlo tables: per-sample metrics first, then quantiles, probabilities, others."""
    found = dict(find_extra(data, *MC_WORDS))
    order = ("sample", "quantile", "probabilit")
    return dict(
        sorted(
            found.items(),
            key=lambda kv: next((i for i, w in enumerate(order) if w in kv[0]), len(order)),
        )
    )

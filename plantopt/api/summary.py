"""The JSON summary of a solve (``summary.json``), from the status, the tables and timings."""

from __future__ import annotations

import functools
from dataclasses import asdict
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.instance import HASH_SCHEME, Instance
from plantopt.model.build import Families
from plantopt.solver.types import RawSolution, SolveOptions


def versions() -> dict[str, str]:
    """Versions of plantopt and the libraries a result depends on (read once a process)."""
    return dict(_versions())


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    out = {}
    for pkg in ("plantopt", "pyomo", "highspy", "numpy", "pandas", "numba"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return tuple(out.items())


def headline(
    fams: Families, tables: dict[str, pd.DataFrame], case: dict[str, Any]
) -> dict[str, Any]:
    """Profit, capex and recovery: of the plan, or horizon means (weights d_t / H) and the
    capex of every build with several periods."""
    if fams.multi:
        per = tables["periods"]
        w = per["weight"].to_numpy()
        return {
            "profit_eur_per_yr": float(w @ per["profit_eur_per_yr"].to_numpy()),
            "capex_eur": case["capex_net_eur"],
            "critical_recovered_t_per_yr": float(w @ per["critical_recovered_t_per_yr"].to_numpy()),
            "weighted_recovery_t_per_yr": float(w @ per["weighted_recovery_t_per_yr"].to_numpy()),
            "periods": per.to_dict("records"),
        }
    econ = tables["economics"]
    items = dict(zip(econ["item"].tolist(), econ["eur_per_yr"].tolist()))
    rec = tables["recovery"]
    recovered = rec["recovered_t_per_yr"].to_numpy(float)
    # np.nansum: the sums Series.sum gives (NaN skipped, numpy's sum of the rest in order)
    return {
        "profit_eur_per_yr": float(items["profit"]),
        "capex_eur": float(items["capex_total"]),
        "critical_recovered_t_per_yr": float(
            np.nansum(recovered[rec["eu_critical"].to_numpy(bool)])
        ),
        "weighted_recovery_t_per_yr": float(
            np.nansum(recovered * rec["recovery_weight"].to_numpy(float))
        ),
    }


def summary_of(
    instance: Instance,
    fams: Families,
    raw: RawSolution,
    objective: str,
    options: SolveOptions,
    timings: dict[str, float],
    size: dict[str, int],
    tables: dict[str, pd.DataFrame],
    parts: tuple[dict, dict] | None,
) -> dict[str, Any]:
    """Everything ``summary.json`` holds; ``parts`` = (compliance, business case) summaries."""
    mb = tables.get("mass_balance")
    out: dict[str, Any] = {
        "status": raw.status.value,
        "message": raw.message,
        "objective_name": objective,
        "objective": raw.objective,
        "bound": raw.bound,
        "gap": raw.gap,
        "secondary_objective": raw.secondary_objective,
        "tie_break": raw.tie_break,
        "mip_nodes": raw.node_count,
        "mass_balance_max_relative_error": None
        if mb is None
        else (float(mb["relative_error"].max()) if len(mb) else 0.0),
        "timings_s": timings,
        "model_size": {**size, "route_tree_nodes": fams.data.tree.n_nodes},
        "instance": {
            "name": instance.name,
            "path": str(instance.path or ""),
            "hash": instance.content_hash(HASH_SCHEME),
            "hash_scheme": HASH_SCHEME,
        },
        "options": asdict(options),
        "versions": versions(),
        "warnings": [str(p) for p in instance.warnings],
        "target_year": fams.regulation.target_year if fams.regulation is not None else None,
    }
    if parts is not None:
        out["compliance"], out["business_case"] = parts
        out.update(headline(fams, tables, parts[1]))
    return out


__all__ = ["headline", "summary_of", "versions"]

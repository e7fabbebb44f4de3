"""Regulation results of a solve: compliance and contract tables, summary, terminal output."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from plantopt.instance.instance import Instance
from plantopt.model.regulation_terms import RegulationData
from plantopt.regulation.compliance import (
    compliance_summary,
    compliance_table,
    contract_table,
)


def regulation_results(
    instance: Instance, reg: RegulationData, tables: dict[str, pd.DataFrame], take: dict[str, float]
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables ``compliance`` and ``offtake_contracts`` and the summary entry ``compliance``,
    from the result tables of a solve and the contract quantities ``take`` (t/yr per
    contract id). The premiums are a ledger item of the economics table already."""
    comp = compliance_table(instance, reg, tables)
    contracts = contract_table(reg, take, tables)
    out = {"compliance": comp, "offtake_contracts": contracts}
    summary = compliance_summary(comp, reg)
    summary["offtake_premiums_eur_per_yr"] = float(contracts["premium_eur_per_yr"].sum())
    return out, summary


def _pct(x: float) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{100 * x:.1f} %"


def print_compliance(
    console: Console, tables: dict[str, pd.DataFrame], summary: dict[str, Any]
) -> None:
    """Print the compliance table (and the contracts, if any) of a result."""
    info = summary.get("compliance") or {}
    comp = tables.get("compliance")
    year = info.get("target_year")
    if comp is None or year is None:
        console.print(
            "compliance: no target year (set target_year in the manifest or use "
            "--target-year YEAR); no EU targets applied"
        )
        return
    enforced = "enforced" if info.get("targets_enforced") else "NOT enforced (--no-targets)"
    tab = Table(
        title=f"EU targets in force in {year} ({enforced})",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    for i, col in enumerate(("target", "required", "achieved", "margin", "status")):
        tab.add_column(col, justify="left" if i in (0, 4) else "right")
    absent = comp["status"] == "no covered feed in instance"
    for r in comp[~absent].itertuples():
        margin = "-" if not np.isfinite(r.margin_frac) else f"{100 * r.margin_frac:+.1f} pt"
        style = {"violated": "red", "binding": "yellow"}.get(r.status, "")
        status = f"[{style}]{r.status}[/]" if style else r.status
        tab.add_row(r.target, _pct(r.required_frac), _pct(r.achieved_frac), margin, status)
    console.print(tab)
    if absent.any():
        console.print(
            f"({int(absent.sum())} more targets cover no feed of this instance: "
            + ", ".join(comp.loc[absent, "target_id"])
            + ")",
            soft_wrap=True,
        )
    contracts = tables.get("offtake_contracts")
    if contracts is not None and len(contracts):
        tab = Table(
            title="Offtake contracts", title_justify="left", show_edge=False, pad_edge=False
        )
        for i, col in enumerate(
            (
                "contract",
                "product",
                "material",
                "min t/yr",
                "max t/yr",
                "taken t/yr",
                "premium EUR/yr",
            )
        ):
            tab.add_column(col, justify="left" if i < 3 else "right")
        for r in contracts.itertuples():
            tab.add_row(
                r.contract_id,
                r.product_id,
                r.material,
                f"{r.min_t_per_yr:,.2f}",
                f"{r.max_t_per_yr:,.2f}",
                f"{r.taken_t_per_yr:,.2f}",
                f"{r.premium_eur_per_yr:,.0f}",
            )
        console.print(tab)


def print_diagnosis(
    console: Console, summary: dict[str, Any], where: str = "diagnosis.txt"
) -> None:
    """Print the infeasibility diagnosis kept in a result's summary, in plain words.

    The conflict set (the constraint labels of the irreducible infeasible subset, often
    thousands of characters) is not printed: it is counted and left to ``where``."""
    lines = summary.get("diagnosis")
    if not lines:
        return
    console.print("[bold]Why the instance is infeasible[/]")
    for line in lines:
        head, sep, names = line.partition("found by HiGHS): ")
        if sep and line.startswith("Constraints that conflict"):
            n = len([x for x in names.split("; ") if x])
            console.print(
                f"{n} constraints conflict (an irreducible infeasible subset of the "
                f"LP relaxation); they are listed in {where}",
                soft_wrap=True,
            )
            continue
        console.print(line, soft_wrap=True, markup=False)


__all__ = ["print_compliance", "print_diagnosis", "regulation_results"]

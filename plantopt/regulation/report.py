"""Regulation results of a solve: compliance and contract tables, summary, terminal output."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console

from plantopt.instance.instance import Instance
from plantopt.instance.targets import NOT_APPLICABLE
from plantopt.model.regulation_terms import RegulationData
from plantopt.regulation.compliance import (
    Edges,
    compliance_summary,
    compliance_table,
    contract_table,
)
from plantopt.results.plain_table import PlainTable


def regulation_results(
    instance: Instance,
    reg: RegulationData,
    tables: dict[str, pd.DataFrame],
    take: dict[str, float],
    edges: Edges | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables ``compliance`` and ``offtake_contracts`` and the summary entry ``compliance``,
    from the result tables of a solve and the contract quantities ``take`` (t/yr per
    contract id; ``edges``: the material-flow edges of ``tables`` when made already,
    :func:`~plantopt.regulation.compliance.period_edges`). The premiums are a ledger item
    of the economics table already."""
    comp = compliance_table(instance, reg, tables, edges)
    contracts = contract_table(reg, take, tables)
    out = {"compliance": comp, "offtake_contracts": contracts}
    if "site_material_flows" in tables:  # a network (issue 15): the figures per site
        from plantopt.regulation.site_compliance import site_compliance_table

        out["compliance_by_site"] = site_compliance_table(instance, reg, tables, comp)
    summary = compliance_summary(comp, reg)
    summary["offtake_premiums_eur_per_yr"] = float(contracts["premium_eur_per_yr"].sum())
    return out, summary


def _pct(x: float) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{100 * x:.1f} %"


#: Shorter words for the terminal's compliance table (the files keep the full titles).
SHORT_WORDS = (
    (re.compile(r"WEEE cat\. (\d+) \([^)]*\)"), r"WEEE \1"),
    (re.compile(r" prepared for re-use and recycled"), " re-use+recycled"),
    (re.compile(r"recycling efficiency"), "recycling eff."),
    (re.compile(r"material recovery"), "recovery"),
    (re.compile(r"lithium-based"), "Li-based"),
    (re.compile(r"nickel-cadmium"), "NiCd"),
    (re.compile(r"other-battery"), "other batt."),
    (re.compile(r" battery collection rate"), " collection"),
)
#: Short status words (the files keep the full words), explained under the table.
SHORT_STATUS = (
    (re.compile(re.escape(NOT_APPLICABLE)), "n/a"),
    (re.compile(r"^accepted covered feeds contain no (\S+)$"), r"no \1 taken"),
    (re.compile(r"^covered feeds contain no (\S+)$"), r"no \1"),
    (re.compile(r"^placed on the market not given$"), "POM not given"),
)
#: What each short status means, printed under the table when it occurs.
STATUS_NOTES = (
    (
        "n/a",
        f"n/a: {NOT_APPLICABLE} (the plan refuses every feed the target covers; "
        "not shown to be met)",
    ),
    (
        "no ",
        "no X: none of the covered feeds contains X; no X taken: none of the accepted ones does",
    ),
    ("POM not given", "POM: the amount placed on the market (needed by collection targets)"),
)


def short_status(status: str) -> str:
    """The terminal's word for a compliance status (``n/a``, ``no Co``, ...)."""
    for pattern, repl in SHORT_STATUS:
        if pattern.search(status):
            return pattern.sub(repl, status)
    return status


def short_target(title: str) -> str:
    """``WEEE cat. 4 (large equipment) prepared for re-use and recycled (2018)`` ->
    ``WEEE 4 re-use+recycled (2018)``: category numbers as in Directive 2012/19/EU Annex
    III, ``recycling eff.`` for recycling efficiency."""
    for pattern, repl in SHORT_WORDS:
        title = pattern.sub(repl, title)
    return title


def _compliance_rows(tab: PlainTable, comp: pd.DataFrame) -> None:
    for r in comp.itertuples():
        margin = "-" if not np.isfinite(r.margin_frac) else f"{100 * r.margin_frac:+.1f} pt"
        margin = "0.0 pt" if margin in ("+0.0 pt", "-0.0 pt") else margin
        style = {"violated": "red", "binding": "yellow"}.get(r.status, "")
        word = short_status(r.status)
        status = f"[{style}]{word}[/]" if style else word
        tab.add_row(
            short_target(r.target), _pct(r.required_frac), _pct(r.achieved_frac), margin, status
        )


def _notes(console: Console, comp: pd.DataFrame, absent: pd.Series) -> None:
    """What the short words of the table mean, and the targets left out."""
    shown = comp[~absent]
    words = {short_status(x) for x in shown["status"]}
    for prefix, note in STATUS_NOTES:
        if any(w.startswith(prefix) for w in words):
            console.print(note, soft_wrap=True)
    if shown["target"].str.contains("WEEE cat.", regex=False).any():
        console.print(
            "WEEE categories (Directive 2012/19/EU Annex III): 1 temperature exchange, "
            "2 screens, 3 lamps, 4 large, 5 small, 6 small IT and telecom",
            soft_wrap=True,
        )
    if absent.any():
        console.print(
            f"({int(absent.sum())} more targets cover no feed of this instance: "
            + ", ".join(comp.loc[absent, "target_id"])
            + ")",
            soft_wrap=True,
        )


def print_compliance(
    console: Console, tables: dict[str, pd.DataFrame], summary: dict[str, Any]
) -> None:
    """Print the compliance table (and the contracts, if any) of a result; it fits 80
    columns (short target names and status words, explained under the table)."""
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
    tab = PlainTable(
        title=f"EU targets in force in {year} ({enforced})",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    for i, col in enumerate(("target", "required", "achieved", "margin", "status")):
        tab.add_column(col, justify="left" if i in (0, 4) else "right")
    absent = comp["status"] == "no covered feed in instance"
    _compliance_rows(tab, comp[~absent])
    console.print(tab)
    _notes(console, comp, absent)
    contracts = tables.get("offtake_contracts")
    if contracts is not None and len(contracts):
        _print_contracts(console, contracts, str(summary.get("currency") or "EUR"))


def _print_contracts(console: Console, contracts: pd.DataFrame, currency: str) -> None:
    tab = PlainTable(
        title=f"Offtake contracts (t/yr; premium {currency}/yr)",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    for i, col in enumerate(("contract", "product", "material", "min", "max", "taken", "premium")):
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

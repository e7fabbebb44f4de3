"""The report's summary card and readable tables: what a reader needs at a glance.

The card shows the plan's units (size, capex), feeds accepted, NPV, IRR, payback,
compliance in % and the warnings. Every figure on it carries ``data-kpi`` (its name) and
``data-value`` (the raw number from ``summary.json`` or the result tables), so a browser test
can compare what the page shows with the summary, not the page's byte size.

Table columns get readable headers with their unit (``capacity_t_per_yr`` -> "capacity
(t/yr)", ``capex_eur`` -> "capex (EUR)", ``*_frac`` -> "(%)" with the values in percent).
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.targets import NOT_APPLICABLE
from plantopt.results.numfmt import (
    column_label,
    fmt_amount,
    fmt_money,
    fmt_rate,
    fmt_share,
    fmt_years,
)


def readable(df: pd.DataFrame, currency: str = "EUR", drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy for display: readable headers, shares in %, without the ``drop`` columns."""
    out = df.drop(columns=[c for c in drop if c in df.columns])
    for c in out.columns:
        if str(c).endswith("_frac") and pd.api.types.is_numeric_dtype(out[c]):
            out[c] = (out[c] * 100.0).round(1)
        elif pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].map({True: "yes", False: ""})
    return out.rename(columns={c: column_label(str(c), currency) for c in out.columns})


def _kpi(name: str, label: str, value: Any, text: str) -> str:
    raw = (
        ""
        if value is None or (isinstance(value, float) and not np.isfinite(value))
        else html.escape(str(value))
    )
    return (
        f"<div class='kpi' data-kpi='{name}' data-value='{raw}'>{html.escape(label)}"
        f"<b>{html.escape(text)}</b></div>"
    )


def _npv_label(case: dict[str, Any]) -> str:
    """'NPV at 8.0 % real': the discount rate and its basis (real or nominal)."""
    rate = case.get("discount_rate")
    if rate is None:
        return "NPV"
    return f"NPV at {100 * float(rate):.1f} % {case.get('discount_rate_basis', 'real')}"


def compliance_counts(comp: pd.DataFrame | None) -> tuple[int, int, int]:
    """(targets with something to measure, of which met or binding, trivially met)."""
    if comp is None or not len(comp):
        return 0, 0, 0
    measured = comp[np.isfinite(comp["achieved_frac"].astype(float))]
    ok = int(measured["status"].isin(["met", "binding"]).sum())
    trivial = int((comp["status"] == NOT_APPLICABLE).sum())
    return len(measured), ok, trivial


def _money_kpis(summary: dict[str, Any], currency: str) -> list[str]:
    """Status, NPV, IRR, payback, capex, profit and critical materials recovered."""
    case = summary.get("business_case") or {}
    crit = summary.get("critical_recovered_t_per_yr")
    return [
        _kpi("status", "status", summary.get("status"), str(summary.get("status"))),
        _kpi(
            "npv_eur",
            _npv_label(case),
            case.get("npv_eur"),
            fmt_money(case.get("npv_eur"), currency),
        ),
        _kpi("irr", "IRR", case.get("irr"), fmt_rate(case.get("irr"))),
        _kpi(
            "payback_year", "payback", case.get("payback_year"), fmt_years(case.get("payback_year"))
        ),
        _kpi(
            "capex_gross_eur",
            "capex",
            case.get("capex_gross_eur"),
            fmt_money(case.get("capex_gross_eur"), currency),
        ),
        _kpi(
            "profit_eur_per_yr",
            "profit",
            summary.get("profit_eur_per_yr"),
            fmt_money(summary.get("profit_eur_per_yr"), currency, "/yr"),
        ),
        _kpi(
            "critical_recovered_t_per_yr",
            "critical materials recovered",
            crit,
            f"{fmt_amount(crit)} t/yr",
        ),
    ]


def _compliance_kpis(comp: pd.DataFrame | None) -> list[str]:
    """Targets met (of those measured, in %) and those met only by refusing their feeds."""
    n, ok, trivial = compliance_counts(comp)
    if not (n or trivial):
        return []
    share = ok / n if n else None
    text = f"{ok} of {n} ({fmt_share(share, 0)})" if n else "none measured"
    out = [_kpi("compliance_frac", "targets met (measured)", share, text)]
    if trivial:
        out.append(
            _kpi("targets_refused_feeds", "met only by refusing their feeds", trivial, str(trivial))
        )
    return out


def card_html(
    summary: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    currency: str,
    extra_warnings: list[str] | None = None,
) -> str:
    """The summary card (see the module docstring)."""
    kpis = _money_kpis(summary, currency) + _compliance_kpis(tables.get("compliance"))
    parts = [
        "<section id='summary-card' class='card'>",
        "<div class='kpis'>",
        *kpis,
        "</div>",
        _units_block(tables, currency),
        _feeds_block(tables),
        _compliance_block(tables.get("compliance")),
    ]
    warnings = list(summary.get("plan_warnings") or []) + list(extra_warnings or [])
    if warnings:
        parts.append(
            "<div class='warnings'><b>Warnings</b><ul>"
            + "".join(f"<li data-warning>{html.escape(w)}</li>" for w in warnings)
            + "</ul></div>"
        )
    return "\n".join(parts + ["</section>"])


def _units_block(tables: dict[str, pd.DataFrame], currency: str) -> str:
    built = tables.get("built_units")
    if built is None or not len(built):
        return "<p data-block='units'>No new units built.</p>"
    period = "period" in built.columns
    items = []
    for r in built.itertuples():
        when = f" in {r.period}" if period else ""
        count = f"{r.count} x " if getattr(r, "count", 1) > 1 else ""
        items.append(
            f"<li data-unit='{html.escape(r.unit_id)}' data-capex='{r.capex_eur}'>"
            f"<b>{html.escape(r.unit_id)}</b> {count}{html.escape(r.option_id)}"
            f"{when}: {fmt_amount(r.capacity_t_per_yr)} t/yr, capex "
            f"{fmt_money(r.capex_eur, currency)}</li>"
        )
    return "<div data-block='units'><b>Units built</b><ul>" + "".join(items) + "</ul></div>"


def _feeds_block(tables: dict[str, pd.DataFrame]) -> str:
    fi = tables.get("feed_intake")
    if fi is None:
        return ""
    keys = ["feed_id"]
    g = fi.groupby(keys, sort=False)[["accepted_t_per_yr", "available_t_per_yr"]].max()
    acc = g[g["accepted_t_per_yr"] > 1e-9]
    refused = [f for f in g.index if f not in acc.index]
    items = "".join(
        f"<li data-feed='{html.escape(f)}' data-value='{a}'>{html.escape(f)}: "
        f"{fmt_amount(a)} of {fmt_amount(v)} t/yr</li>"
        for f, (a, v) in acc.iterrows()
    )
    note = f"<p class='muted'>Refused: {html.escape(', '.join(refused))}</p>" if refused else ""
    return f"<div data-block='feeds'><b>Feeds accepted</b><ul>{items}</ul>{note}</div>"


def _compliance_block(comp: pd.DataFrame | None) -> str:
    if comp is None or not len(comp):
        return ""
    shown = comp[comp["status"] != "no covered feed in instance"]
    rows = []
    for r in shown.itertuples():
        achieved = fmt_share(r.achieved_frac) if np.isfinite(r.achieved_frac) else "-"
        period = f"{r.period} " if hasattr(r, "period") else ""
        cls = {"violated": "bad", NOT_APPLICABLE: "warn"}.get(r.status, "good")
        rows.append(
            f"<tr class='{cls}'><td>{html.escape(period + r.target)}</td>"
            f"<td class='n'>{fmt_share(r.required_frac)}</td><td class='n' "
            f"data-achieved='{r.achieved_frac}'>{achieved}</td>"
            f"<td>{html.escape(r.status)}</td></tr>"
        )
    return (
        "<div data-block='compliance'><b>Compliance</b><table class='data'><thead><tr>"
        "<th>target</th><th>required</th><th>achieved</th><th>status</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


__all__ = ["card_html", "column_label", "compliance_counts", "readable"]

"""A self-contained HTML report of one result folder (works offline).

plotly.js is embedded inline (``include_plotlyjs=True``), so the file opens without a
network. Sections: headline figures, Sankey of material flows (a dropdown switches
between total mass and each critical material), recovery per material, compliance
(when ``compliance.parquet`` exists), economics, Pareto front, tornado (when
``sensitivity.parquet`` exists) and Monte Carlo distributions (when such tables exist), units
and products.

A small script records script errors (``window.onerror``) and, once the page has
rendered, sets ``data-render-status`` on ``<body>`` to ``ok`` (Sankey drawn, no errors) or
``error``, and appends `` [rendered]`` to the title; tests read it from headless Chromium.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.atomic import write_bytes_atomic
from plantopt.report.card import card_html, readable
from plantopt.report.data import ResultData, monte_carlo_tables, pareto_table
from plantopt.report.figures import mc_columns, numeric_pair
from plantopt.report.sensitivity import sensitivity_section
from plantopt.results.numfmt import fmt_amount

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;
max-width:1300px;color:#222;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;
margin-top:32px}.muted{color:#666}.kpis{display:flex;gap:16px;flex-wrap:wrap}
.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:150px}
.kpi b{display:block;font-size:1.3em}table.data{border-collapse:collapse;font-size:.85em;
max-width:100%}table.data th,table.data td{border:1px solid #ddd;padding:3px 6px;
text-align:left;vertical-align:top}table.data td.n{text-align:right;white-space:nowrap}
table.data th{background:#f4f4f4}.card{border:2px solid #1f6f8b;border-radius:8px;
padding:12px 18px;margin:12px 0}.card ul{margin:4px 0 10px 0}.card>div{margin-top:10px}
.warnings{background:#fff4d6;border-radius:6px;padding:6px 12px}
.scroll{overflow-x:auto}.bad{background:#fbe3e3}.good{background:#e6f4ea}
.warn{background:#fff4d6}#js-errors{color:#b00}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:8px}
"""

CHECK_JS = """
<script>
(function(){
  var started = Date.now();
  function check(){
    var nodes = document.querySelectorAll('#sankey g.sankey .node, #sankey .sankey-node');
    var errs = window.__plantoptErrors || [];
    if (nodes.length === 0 && errs.length === 0 && Date.now() - started < 8000) {
      return setTimeout(check, 100);
    }
    document.body.setAttribute('data-sankey-nodes', String(nodes.length));
    var ok = nodes.length > 0 && errs.length === 0;
    document.body.setAttribute('data-render-status', ok ? 'ok' : 'error');
    document.getElementById('js-errors').textContent = errs.join('\\n');
    document.title = document.title + (ok ? ' [rendered]' : ' [render error]');
  }
  window.addEventListener('load', function(){ setTimeout(check, 50); });
})();
</script>
"""


def _fmt(value: Any, max_chars: int = 60) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, (float, np.floating)):
        value = float(value) + 0.0  # no "-0"
        return fmt_amount(value) if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        n = int(value)
        return str(n) if abs(n) < 10_000 else f"{n:,}"  # years stay 2031
    text = str(value)
    if len(text) > max_chars:  # long text (sources, legal references): full text on hover
        return f"<span title='{html.escape(text)}'>{html.escape(text[: max_chars - 1])}…</span>"
    return html.escape(text)


def _cell(value: Any) -> str:
    numeric = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    return f"<td class='n'>{_fmt(value)}</td>" if numeric else f"<td>{_fmt(value)}</td>"


def _row_class(row: dict[str, Any], flag_cols: list[str]) -> str:
    """``good``/``bad`` from boolean met/compliant columns or a status column."""
    if flag_cols:
        return "good" if all(bool(row[c]) for c in flag_cols) else "bad"
    status = str(row.get("status", "")).lower()
    if status in ("met", "compliant", "ok", "optimal", "feasible"):
        return "good"
    if any(w in status for w in ("not met", "not_met", "violat", "miss", "fail", "infeas")):
        return "bad"
    return ""


def table_html(df: pd.DataFrame, max_rows: int = 200) -> str:
    """An HTML table; rows coloured by boolean met/compliant columns or a status column."""
    if df is None or not len(df):
        return "<p class='muted'>(empty)</p>"
    df = df.head(max_rows)
    flag_cols = [
        c
        for c in df.columns
        if any(w in str(c).lower() for w in ("met", "compliant", "meets", "ok"))
        and pd.api.types.is_bool_dtype(df[c])
    ]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for r in df.to_dict("records"):  # each column keeps its type: integer years, not 2.03 k
        cls = _row_class(r, flag_cols)
        rows.append(f"<tr class='{cls}'>" if cls else "<tr>")
        rows.append("" + "".join(_cell(r[c]) for c in df.columns) + "</tr>")
    return (
        f"<div class='scroll'><table class='data'><thead><tr>{head}</tr></thead><tbody>"
        f"{''.join(rows)}</tbody></table></div>"
    )


def _figure_div(fig: Any, div_id: str, first: bool) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=True if first else False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def _pareto_basis(folder: str | None) -> str:
    """The front's NPV rate and basis from its ``summary.json`` ("" when absent)."""
    import json
    from pathlib import Path

    side = Path(folder) / "summary.json" if folder else None
    if side is None or not side.is_file():
        return ""
    try:
        return str(json.loads(side.read_text()).get("npv_rate_basis") or "")
    except (OSError, ValueError):
        return ""


def _pareto_parts(data: ResultData, currency: str) -> list[str]:
    from plantopt.report.sections import pareto_figure

    pt = pareto_table(data)
    if not pt:
        return []
    name, df = pt
    basis = _pareto_basis(data.sources.get(name)) if "npv_eur" in df else ""
    parts = [
        f"<h2>Pareto front</h2><p class='muted'>from "
        f"{html.escape(data.sources.get(name, str(data.folder)))}; each step names the "
        "plan change that buys the extra recovery"
        f"{f'; NPV at {html.escape(basis)}' if basis else ''}</p>"
    ]
    fig = pareto_figure(df, currency)
    if fig is None and (pair := numeric_pair(df)):  # a table of another layout
        import plotly.graph_objects as go

        fig = go.Figure(
            go.Scatter(x=df[pair[0]], y=df[pair[1]], mode="lines+markers", line_shape="vh")
        )
    if fig is not None:
        parts.append(_figure_div(fig, "pareto", False))
    keep = [
        c
        for c in (
            "point",
            "weighted_recovery_t_per_yr",
            "npv_eur",
            "profit_eur_per_yr",
            "capex_eur",
            "changes",
        )
        if c in df.columns
    ]
    parts.append(table_html(readable(df[keep] if keep else df, currency), 50))
    return parts


def _quantile_rows(quant: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Profit, revenue and the recovery of every material recovered in some sample, with
    readable names; shares in %."""
    from plantopt.uncertainty.report import is_share, metric_label

    keep = quant["metric"].str.match(r"^(profit|revenue|recovery_frac)") & (quant["max"] > 0)
    rows = quant[keep]
    cols = [c for c in ("mean", "p5", "p50", "p95", "nominal") if c in rows.columns]
    out = rows[["metric", *cols]].copy()
    share = out["metric"].map(is_share)
    out.loc[share, cols] = (out.loc[share, cols] * 100.0).round(1)
    out["metric"] = [
        metric_label(m, currency) + (" (%)" if sh else "") for m, sh in zip(out["metric"], share)
    ]
    return out.rename(columns={"nominal": "plan", "p50": "median"})


def _monte_carlo_parts(data: ResultData, currency: str) -> list[str]:
    from plantopt.report.sections import monte_carlo_parts

    mc = monte_carlo_tables(data)
    if not mc:
        return []
    first = next(iter(mc))
    parts = monte_carlo_parts(data.extra, None, currency, lambda f, i: _figure_div(f, i, False))
    parts.append(
        f"<p class='muted'>tables {html.escape(', '.join(mc))} from "
        f"{html.escape(data.sources.get(first, ''))}</p>"
    )
    prob = mc.get("monte_carlo_probabilities")
    if prob is not None and {"event", "probability"} <= set(prob.columns):
        from plantopt.uncertainty.report import metric_label

        other = prob[~prob["event"].astype(str).str.startswith(("target_met:", "all_targets_met"))]
        parts += [
            "<h3>Other probabilities</h3>",
            table_html(
                pd.DataFrame(
                    {
                        "event": [metric_label(str(e), currency) for e in other["event"]],
                        "probability (%)": (other["probability"].astype(float) * 100).round(1),
                    }
                )
            ),
        ]
    quant = mc.get("monte_carlo_quantiles")
    if quant is not None:
        parts += [
            "<h3>Quantiles of the headline metrics</h3>",
            table_html(_quantile_rows(quant, currency), 60),
        ]
    elif "monte_carlo_samples" not in data.extra:  # tables of another layout
        import plotly.graph_objects as go

        for df in mc.values():
            for c in mc_columns(df):
                fig = go.Figure(go.Histogram(x=df[c], nbinsx=40))
                fig.update_layout(height=300, xaxis_title=c, margin={"t": 20})
                parts.append(_figure_div(fig, f"mc-{c}", False))
    return parts


def _tables_parts(data: ResultData, currency: str) -> list[str]:
    parts = []
    rec = data.get("recovery")
    if rec is not None:
        nonzero = (
            rec[
                (rec["input_t_per_yr"] > 0)
                & ((rec["recovered_t_per_yr"] > 0) | rec["eu_critical"].astype(bool))
            ]
            if "input_t_per_yr" in rec
            else rec
        )
        parts += [
            "<h2>Recovery per material</h2>",
            f"<p class='muted'>{len(nonzero)} of {len(rec)} materials shown: those "
            "recovered, and the critical ones that enter the plant.</p>",
            table_html(readable(nonzero, currency, ("recovery_weight",))),
        ]
    comp = data.get("compliance")
    parts.append("<h2>Compliance</h2>")
    if comp is None:
        parts.append("<p class='muted'>This result has no compliance table.</p>")
    else:
        keep = [
            c
            for c in (
                "period",
                "target",
                "required_frac",
                "achieved_frac",
                "margin_frac",
                "status",
                "accepted_covered_feeds",
            )
            if c in comp.columns
        ]
        shown = comp[comp["status"] != "no covered feed in instance"]
        parts.append(table_html(readable(shown[keep], currency)))
    return parts


def _head_parts(data: ResultData, views: dict[str, pd.DataFrame], name: str, cur: str) -> list[str]:
    """Title, the summary card and the Sankey."""
    from plantopt.report.sankey import plotly_figure

    s = data.summary
    parts = [
        f"<h1>plantopt report: {html.escape(name)}</h1>",
        f"<p class='muted'>result folder {html.escape(str(data.folder))}; objective "
        f"{html.escape(str(s.get('objective_name')))}; plantopt "
        f"{html.escape(str((s.get('versions') or {}).get('plantopt', '?')))}</p>",
        card_html(s, data.tables, cur, data.warnings),
        "<h2>Material flows</h2>",
        "<p class='muted'>Feeds &rarr; units &rarr; products, disposal and losses, in "
        "t/yr summed over feeds (each label gives the amount through the node). Choose "
        "the view (total mass or one critical material) in the menu.</p>",
    ]
    if "sankey_period" in data.sources:
        parts.append(
            f"<p class='muted'>Multi-period plan: flows of period "
            f"{html.escape(data.sources['sankey_period'])}.</p>"
        )
    parts.append(_figure_div(plotly_figure(views, name), "sankey", True))
    return parts


def _economics_parts(data: ResultData, cur: str) -> list[str]:
    """The economics waterfall and table (items in words)."""
    from plantopt.results.plots import ECON_LABELS, economics_figure

    econ = data.get("economics")
    if econ is None or not len(econ):
        return []
    shown = econ.drop(columns=["unit"], errors="ignore").assign(
        item=[ECON_LABELS.get(i, i.replace("_", " ")) for i in econ["item"]]
    )
    return [
        "<h2>Economics</h2>",
        _figure_div(economics_figure(econ, cur), "economics", False),
        table_html(readable(shown, cur)),
        "<p class='muted'>capex total in " + cur + " (not per year).</p>",
    ]


def _other_parts(data: ResultData, cur: str) -> list[str]:
    """Extra tables not shown elsewhere, then units, products and feed intake."""
    parts: list[str] = []
    shown = set(monte_carlo_tables(data)) | ({pt[0]} if (pt := pareto_table(data)) else set())
    shown |= {"sensitivity", "compliance_by_site", "site_material_flows"}  # shown / too long
    for key, df in data.extra.items():
        if key not in shown and not key.startswith("pareto_"):
            parts += [
                f"<h2>{html.escape(key.replace('_', ' ').capitalize())}</h2>",
                table_html(readable(df, cur)),
            ]
    for title, key in (
        ("Units", "unit_throughput"),
        ("Products", "products"),
        ("Feed intake", "feed_intake"),
    ):
        df = data.get(key)
        if df is not None:
            if key == "unit_throughput":
                df = df[(df["capacity_t_per_yr"] > 0) | (df["throughput_t_per_yr"] > 0)]
            parts += [f"<h2>{title}</h2>", table_html(readable(df, cur))]
    return parts


def _tail_parts(data: ResultData, figures: list[str]) -> list[str]:
    """Instance warnings and the list of static figures."""
    s, parts = data.summary, []
    if s.get("warnings"):
        parts += (
            ["<h2>Instance warnings</h2><ul>"]
            + [f"<li>{html.escape(str(w))}</li>" for w in s["warnings"]]
            + ["</ul>"]
        )
    if figures:
        parts += [
            "<h2>Static figures</h2><p class='muted'>PNG and SVG for slides: "
            + ", ".join(html.escape(f) for f in figures)
            + "</p>"
        ]
    return parts


def build_html(data: ResultData, views: dict[str, pd.DataFrame], figures: list[str]) -> str:
    """The whole page as one string: summary card, Sankey, tables and figures."""
    from plantopt.report.data import currency_of
    from plantopt.report.network import network_parts

    name = str((data.summary.get("instance") or {}).get("name") or data.folder.name)
    cur = currency_of(data)
    parts = _head_parts(data, views, name, cur) + _economics_parts(data, cur)
    parts += _tables_parts(data, cur)
    parts += network_parts({**data.extra, **data.tables}, lambda df: table_html(readable(df, cur)))
    parts += _pareto_parts(data, cur)
    parts += sensitivity_section(data, _figure_div, table_html)
    parts += _monte_carlo_parts(data, cur)
    parts += _other_parts(data, cur) + _tail_parts(data, figures)
    head = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>plantopt report: {html.escape(name)}</title><style>{CSS}</style>"
        "<script>window.__plantoptErrors=[];window.addEventListener('error',function(e)"
        "{window.__plantoptErrors.push(String(e.message||e));});</script></head><body>"
    )
    return head + "\n".join(parts) + "<pre id='js-errors'></pre>" + CHECK_JS + "</body></html>"


def write_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))

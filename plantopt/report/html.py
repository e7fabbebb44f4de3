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
from plantopt.report.data import ResultData, monte_carlo_tables, pareto_table
from plantopt.report.figures import mc_columns, numeric_pair
from plantopt.report.sensitivity import sensitivity_section

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;
max-width:1300px;color:#222;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;
margin-top:32px}.muted{color:#666}.kpis{display:flex;gap:16px;flex-wrap:wrap}
.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:150px}
.kpi b{display:block;font-size:1.3em}table.data{border-collapse:collapse;font-size:.9em}
table.data th,table.data td{border:1px solid #ddd;padding:3px 8px;text-align:left}
table.data td.n{text-align:right}
table.data th{background:#f4f4f4}table.data td{white-space:nowrap}
.scroll{overflow-x:auto}.bad{background:#fbe3e3}.good{background:#e6f4ea}#js-errors{color:#b00}
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
    if isinstance(value, float):
        value = value + 0.0  # no "-0"
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    text = str(value)
    if len(text) > max_chars:  # long text (sources, legal references): full text on hover
        return f"<span title='{html.escape(text)}'>{html.escape(text[:max_chars - 1])}…</span>"
    return html.escape(text)


def _cell(value: Any) -> str:
    numeric = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    return f"<td class='n'>{_fmt(value)}</td>" if numeric else f"<td>{_fmt(value)}</td>"


def _row_class(row: pd.Series, flag_cols: list[str]) -> str:
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
    flag_cols = [c for c in df.columns if any(w in str(c).lower() for w in
                                              ("met", "compliant", "meets", "ok"))
                 and pd.api.types.is_bool_dtype(df[c])]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for _, r in df.iterrows():
        cls = _row_class(r, flag_cols)
        rows.append(f"<tr class='{cls}'>" if cls else "<tr>")
        rows.append("" + "".join(_cell(r[c]) for c in df.columns)
                    + "</tr>")
    return f"<div class='scroll'><table class='data'><thead><tr>{head}</tr></thead><tbody>" \
           f"{''.join(rows)}</tbody></table></div>"


def _figure_div(fig: Any, div_id: str, first: bool) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=True if first else False,
                       div_id=div_id, config={"displaylogo": False, "responsive": True})


def _extra_figures(data: ResultData) -> list[str]:
    import plotly.graph_objects as go

    parts = []
    for name, df in [pt] if (pt := pareto_table(data)) else []:
        pair = numeric_pair(df)
        parts.append(f"<h2>Pareto front</h2><p class='muted'>table {html.escape(name)} from "
                     f"{html.escape(data.sources.get(name, str(data.folder)))}</p>")
        if pair:
            fig = go.Figure(go.Scatter(x=df[pair[0]], y=df[pair[1]], mode="lines+markers"))
            fig.update_layout(height=420, xaxis_title=pair[0], yaxis_title=pair[1],
                              margin={"t": 30})
            parts.append(_figure_div(fig, "pareto", False))
        parts.append(table_html(df, 50))
    parts += sensitivity_section(data, _figure_div, table_html)
    mc = monte_carlo_tables(data)
    if mc:
        first = next(iter(mc))
        parts.append(f"<h2>Monte Carlo</h2><p class='muted'>tables {html.escape(', '.join(mc))}"
                     f" from {html.escape(data.sources.get(first, str(data.folder)))}</p>")
    for name, df in mc.items():
        if "sample" in name:
            for c in mc_columns(df):
                fig = go.Figure(go.Histogram(x=df[c], nbinsx=40))
                fig.update_layout(height=300, xaxis_title=c, margin={"t": 20})
                parts.append(_figure_div(fig, f"mc-{c}", False))
            parts += [f"<h3>{html.escape(name)}: summary of {len(df):,} samples</h3>",
                      table_html(df.describe().T.reset_index(), 60)]
        else:
            parts += [f"<h3>{html.escape(name)}</h3>", table_html(df, 100)]
    return parts


def build_html(data: ResultData, views: dict[str, pd.DataFrame], figures: list[str]) -> str:
    """The whole page as one string."""
    import plotly.graph_objects as go

    from plantopt.report.sankey import plotly_figure

    s = data.summary
    inst = s.get("instance") or {}
    name = str(inst.get("name") or data.folder.name)
    kpis = [("status", s.get("status")), (f"objective ({s.get('objective_name')})",
                                          s.get("objective")),
            ("gap", s.get("gap")), ("profit EUR/yr", s.get("profit_eur_per_yr")),
            ("capex EUR", s.get("capex_eur")),
            ("critical recovered t/yr", s.get("critical_recovered_t_per_yr")),
            ("solve time s", (s.get("timings_s") or {}).get("total"))]
    parts = [f"<h1>plantopt report: {html.escape(name)}</h1>",
             f"<p class='muted'>result folder {html.escape(str(data.folder))}; instance "
             f"{html.escape(str(inst.get('path', '')))}; plantopt "
             f"{html.escape(str((s.get('versions') or {}).get('plantopt', '?')))}</p>",
             "<div class='kpis'>" + "".join(f"<div class='kpi'>{html.escape(k)}<b>{_fmt(v)}"
                                            "</b></div>" for k, v in kpis) + "</div>",
             "<h2>Material flows</h2>",
             "<p class='muted'>Feeds &rarr; units &rarr; products, disposal and losses, in "
             "t/yr summed over feeds. Choose the view (total mass or one critical material) "
             "in the menu.</p>"]
    fig = plotly_figure(views, name)
    parts.append(_figure_div(fig, "sankey", True))
    rec = data.get("recovery")
    if rec is not None:
        parts += ["<h2>Recovery per material</h2>", table_html(rec)]
    parts.append("<h2>Compliance</h2>")
    comp = data.get("compliance")
    parts.append(table_html(comp) if comp is not None else
                 "<p class='muted'>This result has no compliance table (compliance.parquet)."
                 "</p>")
    econ = data.get("economics")
    if econ is not None and len(econ):
        items = econ[econ["item"] != "capex_total"]
        bar = go.Figure(go.Bar(x=items["eur_per_yr"], y=items["item"], orientation="h",
                               marker_color=["#55a868" if v >= 0 else "#c44e52"
                                             for v in items["eur_per_yr"]]))
        bar.update_layout(height=320, xaxis_title="EUR/yr", margin={"t": 20},
                          yaxis={"autorange": "reversed"})
        parts += ["<h2>Economics</h2>", table_html(econ), _figure_div(bar, "economics", False)]
    parts += _extra_figures(data)
    shown = set(monte_carlo_tables(data)) | ({pt[0]} if (pt := pareto_table(data)) else set())
    shown.add("sensitivity")
    for key, df in data.extra.items():
        if key not in shown:
            parts += [f"<h2>{html.escape(key.replace('_', ' ').capitalize())}</h2>",
                      table_html(df)]
    for title, key in (("Units", "unit_throughput"), ("Built units", "built_units"),
                       ("Products", "products"), ("Feed intake", "feed_intake"),
                       ("Mass balance", "mass_balance")):
        df = data.get(key)
        if df is not None:
            parts += [f"<h2>{title}</h2>", table_html(df)]
    if s.get("warnings"):
        parts += ["<h2>Instance warnings</h2><ul>"] + [
            f"<li>{html.escape(str(w))}</li>" for w in s["warnings"]] + ["</ul>"]
    if figures:
        parts += ["<h2>Static figures</h2><p class='muted'>PNG and SVG for slides: "
                  + ", ".join(html.escape(f) for f in figures) + "</p>"]
    head = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>plantopt report: {html.escape(name)}</title><style>{CSS}</style>"
            "<script>window.__plantoptErrors=[];window.addEventListener('error',function(e)"
            "{window.__plantoptErrors.push(String(e.message||e));});</script></head><body>")
    return head + "\n".join(parts) + "<pre id='js-errors'></pre>" + CHECK_JS + \
        "</body></html>"


def write_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))

"""Report sections with figures: Pareto steps, Monte Carlo histograms (the economics
waterfall is :func:`plantopt.results.plots.economics_figure`).

Each function returns HTML fragments (plotly divs without plotly.js; the page embeds it
once) and the plotly figure objects, so the Python API (``res.plot``) and the page draw the
same pictures.

* economics: a waterfall from revenue through each cost to the annual profit;
* Pareto: the best economic value reachable with at least a given recovery is that of the
  next point, so the front is drawn as steps (``line_shape="vh"``), each step labelled with
  the plan change that buys the extra recovery;
* Monte Carlo: one histogram per target (and profit) with the plan's value (solid) and the
  required share (dashed), under a table led by P(all targets met).
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd

from plantopt.results.numfmt import fmt_share


def pareto_figure(points: pd.DataFrame, currency: str = "EUR") -> Any | None:
    """Steps of NPV (or profit) against weighted recovery, each labelled with its change."""
    import plotly.graph_objects as go

    x = "weighted_recovery_t_per_yr"
    y = "npv_eur" if "npv_eur" in points.columns else "profit_eur_per_yr"
    if x not in points.columns or y not in points.columns:
        return None
    p = points.sort_values(x)
    labels = [
        str(c) if isinstance(c, str) and c else ""
        for c in p.get("changes", pd.Series([""] * len(p)))
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=p[x],
            y=p[y],
            mode="lines",
            line_shape="vh",
            line={"color": "#1f6f8b"},
            name="front",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=p[x],
            y=p[y],
            mode="markers+text",
            marker={"size": 9, "color": "#1f6f8b"},
            text=[
                f"{k}: {lab}" if lab else str(k) for k, lab in zip(p.get("point", p.index), labels)
            ],
            textposition=["top right" if i < len(p) / 2 else "bottom left" for i in range(len(p))],
            textfont={"size": 10},
            name="points",
            hovertemplate="recovery %{x:,.1f} t/yr<br>value %{y:,.0f}<extra></extra>",
        )
    )
    name = "NPV" if y == "npv_eur" else "profit"
    fig.update_layout(
        height=440,
        xaxis_title="weighted critical-material recovery (t/yr)",
        yaxis_title=f"{name} ({currency}{'' if y == 'npv_eur' else '/yr'})",
        yaxis={"tickformat": ",.3s"},
        margin={"t": 30},
        showlegend=False,
    )
    return fig


def histogram_figure(
    samples: pd.Series, title: str, plan: float | None, required: float | None, share: bool
) -> Any:
    """A histogram with the plan (solid) and the required value (dashed)."""
    import plotly.graph_objects as go

    scale = 100.0 if share else 1.0
    x = samples.to_numpy(dtype=float) * scale
    fig = go.Figure(
        go.Histogram(x=x[np.isfinite(x)], nbinsx=40, marker_color="#4878a8", name="samples")
    )
    for value, dash, colour, label in (
        (plan, "solid", "black", "plan"),
        (required, "dash", "#c03030", "required"),
    ):
        if value is not None and np.isfinite(value):
            fig.add_vline(
                x=value * scale,
                line_dash=dash,
                line_color=colour,
                annotation_text=label,
                annotation_position="top",
            )
    fig.update_layout(
        height=260,
        title={"text": title, "font": {"size": 12}},
        xaxis_title="%" if share else "",
        xaxis={"tickformat": ",.3s"},
        margin={"t": 40, "b": 30},
        showlegend=False,
    )
    return fig


def _short_target(label: str) -> str:
    """A target label without its trailing ``>= 0.9`` (the required share is shown)."""
    return re.sub(r"\s*>=\s*[0-9.]+$", "", label)


def monte_carlo_parts(
    extra: dict[str, pd.DataFrame], summary_targets: pd.DataFrame | None, currency: str, div: Any
) -> list[str]:
    """The Monte Carlo section: targets table led by P(all targets met), histograms of
    profit and every target with plan and required lines, headline quantiles."""
    samples = extra.get("monte_carlo_samples")
    quant = extra.get("monte_carlo_quantiles")
    targets = extra.get("monte_carlo_targets", summary_targets)
    parts = ["<h2>Monte Carlo</h2>"]
    nominal = (
        dict(zip(quant["metric"], quant["nominal"]))
        if quant is not None and "nominal" in quant.columns
        else {}
    )
    if targets is not None and len(targets):
        p_all = float(targets.iloc[0]["probability_met"])
        parts.append(
            f"<p class='lead' data-kpi='p_all_targets_met' data-value='{p_all}'>"
            f"<b>P(all targets met) = {fmt_share(p_all)}</b></p>"
        )
        rows = "".join(
            f"<tr><td>{html.escape(_short_target(str(r.target)))}</td><td class='n'>"
            f"{fmt_share(r.required_frac)}</td><td class='n'>{fmt_share(r.plan_frac)}</td>"
            f"<td class='n'>{fmt_share(r.p50)}</td><td class='n'>"
            f"{fmt_share(r.probability_met)}</td></tr>"
            for r in targets.iloc[1:].itertuples()
        )
        parts.append(
            "<table class='data'><thead><tr><th>target</th><th>required</th>"
            "<th>plan</th><th>median</th><th>P(met)</th></tr></thead><tbody>"
            f"{rows}</tbody></table>"
        )
    if samples is not None:
        required = {} if targets is None else dict(zip(targets["target"], targets["required_frac"]))
        cols = ["profit_eur_per_yr"] + [c for c in samples.columns if c.startswith("target_ratio:")]
        parts.append("<div class='grid'>")
        for i, c in enumerate(c for c in cols if c in samples.columns):
            label = c.split(":", 1)[1] if ":" in c else f"profit ({currency}/yr)"
            fig = histogram_figure(
                samples[c],
                _short_target(label),
                nominal.get(c),
                required.get(label),
                c.startswith("target_ratio:"),
            )
            parts.append(div(fig, f"mc-hist-{i}"))
        parts.append("</div>")
    return parts


__all__ = ["histogram_figure", "monte_carlo_parts", "pareto_figure"]
